import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { fingerprintBytes, schemaFingerprint } from './crc64-avro.js';
import { producerCopy } from './testing/golden-sample-set.js';
import { streamSchemaJson } from './schema-catalog.js';
import { PlainBinaryDecoder, SingleObjectDecoder, SingleObjectEncoder } from './single-object.js';
import { streamValueDecoder, streamValueEncoder } from './stream-value-codec.js';
import type { NdsDissemination } from '../core/records.js';

const NHS = '9990000018';
const share: NdsDissemination = { disseminationId: 'ds-1', nhsNumber: NHS, recipient: 'Example Research Unit', purpose: 'RESEARCH', sharedAt: 1_522_584_000_123 };
const disseminationSchema = streamSchemaJson('ndsDisseminations');

function withPurposeSymbols(symbols: string[]): object {
  return {
    ...disseminationSchema,
    fields: disseminationSchema.fields.map((f) => (f.name === 'purpose' ? { ...f, type: { type: 'enum', name: 'Purpose', namespace: 'optout.v1', symbols } } : f)),
  };
}

describe('single-object encoding', () => {
  it('frames the body with C3 01 and the little-endian fingerprint of the writer schema', () => {
    const bytes = streamValueEncoder('ndsDisseminations')(share);
    expect([...bytes.subarray(0, 2)]).toEqual([0xc3, 0x01]);
    expect(bytes.subarray(2, 10)).toEqual(fingerprintBytes(schemaFingerprint(disseminationSchema)));
    expect(avro.Type.forSchema(disseminationSchema as avro.Schema).fromBuffer(bytes.subarray(10))).toMatchObject(share);
  });

  it('round-trips a record, timestamps and longs staying numbers', () => {
    const result = streamValueDecoder('ndsDisseminations').decode(streamValueEncoder('ndsDisseminations')(share));
    expect(result.ok && { ...result.fields }).toEqual(share);
  });

  it('decodes from a Uint8Array that is a view into a larger buffer', () => {
    const bytes = streamValueEncoder('ndsDisseminations')(share);
    const padded = new Uint8Array(bytes.length + 7);
    padded.set(bytes, 3);
    const result = streamValueDecoder('ndsDisseminations').decode(padded.subarray(3, 3 + bytes.length));
    expect(result.ok).toBe(true);
  });

  it('resolves a registered producer copy (other order, extra field, other doc) to the reader', () => {
    const writer = producerCopy(disseminationSchema);
    const bytes = new SingleObjectEncoder(writer).encode({ ...share, producerBatch: 'b-1' });
    const result = new SingleObjectDecoder(disseminationSchema, [writer]).decode(bytes);
    expect(result.ok && { ...result.fields }).toEqual(share);
  });
});

describe('single-object decoding failures are UNDECODABLE with a structural detail', () => {
  const decoder = streamValueDecoder('ndsDisseminations');
  const good = streamValueEncoder('ndsDisseminations')(share);

  it.each([
    ['an unknown fingerprint', Buffer.concat([good.subarray(0, 2), fingerprintBytes(0x0123456789abcdefn), good.subarray(10)]), 'unknown schema fingerprint 0x0123456789abcdef'],
    ['a truncated body', good.subarray(0, good.length - 3), 'truncated body'],
    ['trailing bytes', Buffer.concat([good, Buffer.from([0])]), 'trailing bytes after the body'],
    ['no marker', Buffer.concat([Buffer.from([0xc3, 0x02]), good.subarray(2)]), 'no single-object marker C3 01'],
    ['too short for the header', good.subarray(0, 9), 'shorter than the single-object header'],
  ])('%s', (_, bytes, detail) => {
    const result = decoder.decode(bytes);
    expect(result).toEqual({ ok: false, reason: 'UNDECODABLE', detail });
  });

  it('never puts a field value into the detail', () => {
    for (let cut = 10; cut < good.length; cut++) {
      const result = decoder.decode(good.subarray(0, cut));
      expect(result.ok).toBe(false);
      expect(!result.ok && result.detail).not.toContain(NHS);
    }
  });

  it('an invalid enum index in the body', () => {
    const writer = avro.Type.forSchema(disseminationSchema as avro.Schema);
    const body = writer.toBuffer(share);
    // purpose is the fourth field: skip three length-prefixed strings, then overwrite its index.
    const bad = Buffer.from(body);
    const at = 1 + 4 + 1 + NHS.length + 1 + share.recipient.length;
    bad[at] = 18; // zig-zag 9: past the four symbols
    const result = decoder.decode(Buffer.concat([good.subarray(0, 10), bad]));
    expect(result).toEqual({ ok: false, reason: 'UNDECODABLE', detail: 'enum index outside the writer schema' });
  });
});

describe('lenient resolution', () => {
  it('avsc 5.7.9 alone refuses to resolve an enum with an extra writer symbol, whatever the record holds', () => {
    // The reason lenient-resolution widens enums: without it one foreign symbol would stop a whole file or topic.
    const reader = avro.Type.forSchema(disseminationSchema as avro.Schema);
    const writer = avro.Type.forSchema(withPurposeSymbols(['DIRECT_CARE', 'PLANNING', 'RESEARCH', 'OTHER', 'MARKETING']) as avro.Schema);
    expect(() => reader.createResolver(writer)).toThrow(/cannot read/);
  });

  it('an unknown symbol is UNDECODABLE for that value only; known symbols of the same writer decode', () => {
    const writerSchema = withPurposeSymbols(['DIRECT_CARE', 'PLANNING', 'RESEARCH', 'OTHER', 'MARKETING']);
    const encoder = new SingleObjectEncoder(writerSchema);
    const decoder = new SingleObjectDecoder(disseminationSchema, [writerSchema]);
    expect(decoder.decode(encoder.encode({ ...share, purpose: 'MARKETING' }))).toEqual({
      ok: false, reason: 'UNDECODABLE', detail: 'enum symbol not known to the reader in field purpose',
    });
    const ok = decoder.decode(encoder.encode({ ...share, purpose: 'PLANNING' }));
    expect(ok.ok && ok.fields.purpose).toBe('PLANNING');
  });

  it('a writer whose symbols are in another order maps by name, not by index', () => {
    const writerSchema = withPurposeSymbols(['OTHER', 'RESEARCH', 'PLANNING', 'DIRECT_CARE']);
    const result = new SingleObjectDecoder(disseminationSchema, [writerSchema]).decode(new SingleObjectEncoder(writerSchema).encode(share));
    expect(result.ok && result.fields.purpose).toBe('RESEARCH');
  });

  it('a writer lacking a required field, or writing null into it, gives null there (MISSING_FIELD for the core)', () => {
    const lacking = { ...disseminationSchema, fields: disseminationSchema.fields.filter((f) => f.name !== 'recipient') };
    const nullable = { ...disseminationSchema, fields: disseminationSchema.fields.map((f) => (f.name === 'recipient' ? { ...f, type: ['null', 'string'] } : f)) };
    const decoder = new SingleObjectDecoder(disseminationSchema, [lacking, nullable]);
    const { recipient: _r, ...rest } = share;
    const a = decoder.decode(new SingleObjectEncoder(lacking).encode(rest));
    const b = decoder.decode(new SingleObjectEncoder(nullable).encode({ ...share, recipient: null }));
    expect(a.ok && { ...a.fields }).toEqual({ ...share, recipient: null });
    expect(b.ok && { ...b.fields }).toEqual({ ...share, recipient: null });
  });

  it('a writer field of an incompatible type makes every value of that writer UNDECODABLE, naming the field', () => {
    const wrong = { ...disseminationSchema, fields: disseminationSchema.fields.map((f) => (f.name === 'nhsNumber' ? { ...f, type: 'long' } : f)) };
    const result = new SingleObjectDecoder(disseminationSchema, [wrong]).decode(new SingleObjectEncoder(wrong).encode({ ...share, nhsNumber: 9990000018 }));
    expect(result).toEqual({ ok: false, reason: 'UNDECODABLE', detail: "writer field type cannot be read as the reader's for: nhsNumber" });
  });

  it('int written where the reader has long is promoted', () => {
    const manifest = streamSchemaJson('ndsManifests');
    const intCount = { ...manifest, fields: manifest.fields.map((f) => (f.name === 'recordCount' ? { ...f, type: 'int' } : f)) };
    const value = { extractId: 'ex-1', supplier: 'TPP', practiceOds: 'A81001', coversUpTo: 1, receivedAt: 2, recordCount: 42 };
    const result = new SingleObjectDecoder(manifest, [intCount]).decode(new SingleObjectEncoder(intCount).encode(value));
    expect(result.ok && { ...result.fields }).toEqual(value);
  });
});

describe('plain binary', () => {
  it('decodes bodies of the one declared writer schema', () => {
    const writer = producerCopy(disseminationSchema);
    const body = avro.Type.forSchema(writer as avro.Schema).toBuffer({ ...share, producerBatch: 'x' });
    const result = streamValueDecoder('ndsDisseminations', { kind: 'plain-binary', writerSchema: writer }).decode(body);
    expect(result.ok && { ...result.fields }).toEqual(share);
  });

  it('an empty or truncated body is UNDECODABLE', () => {
    const decoder = new PlainBinaryDecoder(disseminationSchema, disseminationSchema);
    const body = avro.Type.forSchema(disseminationSchema as avro.Schema).toBuffer(share);
    expect(decoder.decode(new Uint8Array())).toEqual({ ok: false, reason: 'UNDECODABLE', detail: 'empty value' });
    expect(decoder.decode(body.subarray(0, 5))).toEqual({ ok: false, reason: 'UNDECODABLE', detail: 'truncated body' });
  });
});
