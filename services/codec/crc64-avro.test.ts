import { describe, expect, it } from 'vitest';
import { crc64Avro, fingerprintBytes, formatFingerprint, schemaFingerprint } from './crc64-avro.js';
import { parsingCanonicalForm } from './parsing-canonical-form.js';
import { alertAvroType, alertSchemaJson, avroTypeFor, streamSchemaJson } from './schema-catalog.js';
import { STREAM_NAMES } from '../core/records.js';

// Input, Parsing Canonical Form and signed 64-bit fingerprint, from the Avro project's
// share/test/data/schema-tests.txt (cross-checked there against the Java implementation).
const VECTORS: readonly [string, string, bigint | null][] = [
  ['"null"', '"null"', 7195948357588979594n],
  ['{"type":"null"}', '"null"', 7195948357588979594n],
  ['"boolean"', '"boolean"', -6970731678124411036n],
  ['"int"', '"int"', 8247732601305521295n],
  ['{"type":"int"}', '"int"', 8247732601305521295n],
  ['"long"', '"long"', -3434872931120570953n],
  ['"string"', '"string"', -8142146995180207161n],
  ['[  ]', '[]', -1241056759729112623n],
  ['[ "int" , {"type":"boolean"} ]', '["int","boolean"]', 5392556393470105090n],
  ['{"fields":[], "type":"record", "name":"foo"}', '{"name":"foo","type":"record","fields":[]}', -4824392279771201922n],
  ['{"fields":[], "type":"record", "name":"foo", "namespace":"x.y"}', '{"name":"x.y.foo","type":"record","fields":[]}', 5916914534497305771n],
  ['{"fields":[], "type":"record", "name":"a.b.foo", "namespace":"x.y"}', '{"name":"a.b.foo","type":"record","fields":[]}', -4616218487480524110n],
  ['{"fields":[], "type":"record", "name":"foo", "doc":"foo", "aliases":["foo","bar"]}', '{"name":"foo","type":"record","fields":[]}', -4824392279771201922n],
  [
    '{ "fields":[{"type":"boolean", "aliases":[], "name":"f1", "default":"true"}, {"order":"descending","name":"f2","doc":"Hello","type":"int"}], "type":"record", "name":"foo" }',
    '{"name":"foo","type":"record","fields":[{"name":"f1","type":"boolean"},{"name":"f2","type":"int"}]}',
    -4860222112080293046n,
  ],
  ['{"namespace":"x.y.z", "type":"enum", "name":"foo", "doc":"foo bar", "symbols":["A1", "A2"]}', '{"name":"x.y.z.foo","type":"enum","symbols":["A1","A2"]}', -4448647247586288245n],
  ['{"name":"foo","type":"fixed","size":15}', '{"name":"foo","type":"fixed","size":15}', 1756455273707447556n],
  ['{ "items":{"type":"null"}, "type":"array"}', '{"type":"array","items":"null"}', -589620603366471059n],
  ['{ "values":"string", "type":"map"}', '{"type":"map","values":"string"}', -8732877298790414990n],
  [
    '{"name":"PigValue","type":"record", "fields":[{"name":"value", "type":["null", "int", "long", "PigValue"]}]}',
    '{"name":"PigValue","type":"record","fields":[{"name":"value","type":["null","int","long","PigValue"]}]}',
    -1759257747318642341n,
  ],
];

describe('CRC-64-AVRO', () => {
  it('gives the contract check vectors', () => {
    expect(schemaFingerprint('null')).toBe(0x63dd24e7cc258f8an);
    expect(schemaFingerprint('int')).toBe(0x7275d51a3f395c8fn);
    expect(formatFingerprint(schemaFingerprint('"null"'))).toBe('0x63dd24e7cc258f8a');
  });

  it.each(VECTORS)('%s: canonical form and fingerprint as the Avro project lists them', (input, canonical, signed) => {
    expect(parsingCanonicalForm(JSON.parse(input))).toBe(canonical);
    expect(schemaFingerprint(input)).toBe(BigInt.asUintN(64, signed as bigint));
  });

  it('puts the fingerprint little-endian in eight bytes', () => {
    expect([...fingerprintBytes(0x63dd24e7cc258f8an)]).toEqual([0x8a, 0x8f, 0x25, 0xcc, 0xe7, 0x24, 0xdd, 0x63]);
  });

  it('is the empty value on no bytes and differs by a single byte', () => {
    expect(crc64Avro(new Uint8Array())).toBe(0xc15d213aa4d7a795n);
    expect(crc64Avro(Buffer.from('"int"'))).not.toBe(crc64Avro(Buffer.from('"inu"')));
  });
});

describe('Parsing Canonical Form of the contract schemas', () => {
  it.each([...STREAM_NAMES])('%s agrees with what avsc prints', (stream) => {
    expect(parsingCanonicalForm(streamSchemaJson(stream))).toBe(JSON.stringify(avroTypeFor(stream).schema()));
  });

  it('PropagationAlert agrees with what avsc prints', () => {
    expect(parsingCanonicalForm(alertSchemaJson())).toBe(JSON.stringify(alertAvroType().schema()));
  });

  it('strips doc, default and logicalType, keeps full names, and drops whitespace', () => {
    const schema = {
      type: 'record', name: 'R', namespace: 'optout.v1', doc: 'x',
      fields: [
        { name: 'at', doc: 'y', type: { type: 'long', logicalType: 'timestamp-millis' } },
        { name: 'p', type: ['null', { type: 'enum', name: 'E', doc: 'z', symbols: ['A'], default: 'A' }], default: null },
        { name: 'again', type: 'E' },
      ],
    };
    expect(parsingCanonicalForm(schema)).toBe(
      '{"name":"optout.v1.R","type":"record","fields":[{"name":"at","type":"long"},{"name":"p","type":["null",{"name":"optout.v1.E","type":"enum","symbols":["A"]}]},{"name":"again","type":"optout.v1.E"}]}',
    );
  });

  it('gives a different doc the same fingerprint, and another field order a different one', () => {
    const base = streamSchemaJson('gpEvents');
    const redocumented = { ...base, doc: 'another text', fields: base.fields.map((f) => ({ ...f, doc: 'other' })) };
    const reordered = { ...base, fields: [...base.fields].reverse() };
    expect(schemaFingerprint(redocumented)).toBe(schemaFingerprint(base));
    expect(schemaFingerprint(reordered)).not.toBe(schemaFingerprint(base));
  });
});
