import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import type { NdsDissemination } from '../core/records.js';
import { ConfluentDecoder, ConfluentEncoder, type WriterSchemaLookup, type WriterSchemaSource } from './confluent-decoder.js';
import { confluentHeader, readConfluentHeader } from './confluent-framing.js';
import { producerCopy } from './testing/golden-sample-set.js';
import { streamSchemaJson } from './schema-catalog.js';

const NHS = '9990000018';
const share: NdsDissemination = { disseminationId: 'ds-1', nhsNumber: NHS, recipient: 'Example Research Unit', purpose: 'RESEARCH', sharedAt: 1_522_584_000_123 };
const reader = streamSchemaJson('ndsDisseminations');
const contractType = avro.Type.forSchema(reader as avro.Schema);

function withPurposeSymbols(symbols: string[]): avro.Type {
  return avro.Type.forSchema({
    ...reader,
    fields: reader.fields.map((f) => (f.name === 'purpose' ? { ...f, type: { type: 'enum', name: 'Purpose', namespace: 'optout.v1', symbols } } : f)),
  } as avro.Schema);
}

/** A registry in memory that counts what it is asked, and can be made to fail. */
class FakeRegistry implements WriterSchemaSource {
  readonly asked: number[] = [];
  failing: Error | null = null;
  constructor(readonly schemas: Map<number, WriterSchemaLookup>) {}

  async writerSchemaById(id: number): Promise<WriterSchemaLookup> {
    this.asked.push(id);
    if (this.failing) throw this.failing;
    return this.schemas.get(id) ?? { kind: 'absent' };
  }
}

async function decodeBatch(decoder: ConfluentDecoder, values: Buffer[]) {
  const ids = decoder.writerSchemasToFetch(values);
  if (ids.length > 0) await decoder.fetchWriterSchemas(ids);
  return values.map((v) => decoder.decode(v));
}

describe('Confluent wire framing', () => {
  it('is a magic byte 0 and the schema id as 4 big-endian bytes', () => {
    expect([...confluentHeader(0x01020304)]).toEqual([0, 1, 2, 3, 4]);
    expect([...new ConfluentEncoder(258, contractType).encode(share).subarray(0, 5)]).toEqual([0, 0, 0, 1, 2]);
  });

  it('reads the id back, up to the largest registry id', () => {
    expect(readConfluentHeader(confluentHeader(7))).toEqual({ ok: true, schemaId: 7 });
    expect(readConfluentHeader(confluentHeader(0x7fffffff))).toEqual({ ok: true, schemaId: 0x7fffffff });
  });

  it.each([
    ['a value shorter than the header', Buffer.from([0, 0, 0, 1]), 'shorter than the Confluent header (5 bytes)'],
    ['a first byte other than 0', Buffer.from([1, 0, 0, 0, 1, 2]), 'no Confluent magic byte 0'],
    ['a single-object value', Buffer.from([0xc3, 0x01, 0, 0, 0, 0, 0, 0, 0, 0]), 'no Confluent magic byte 0'],
    ['id 0', Buffer.from([0, 0, 0, 0, 0, 2]), 'schema id 0 is not a registry id'],
    ['an id past the signed 32-bit range', Buffer.from([0, 0x80, 0, 0, 0, 2]), 'schema id 2147483648 is not a registry id'],
  ])('refuses %s', (_, bytes, detail) => {
    expect(readConfluentHeader(bytes)).toEqual({ ok: false, detail });
  });

  it('refuses to write an id the registry cannot have', () => {
    expect(() => confluentHeader(0)).toThrow(RangeError);
    expect(() => confluentHeader(2 ** 31)).toThrow(RangeError);
  });
});

describe('Confluent values resolved to the contract', () => {
  it('decodes a value written with a producer copy of the contract schema, fetched by id once', async () => {
    const writer = avro.Type.forSchema(producerCopy(reader) as avro.Schema);
    const registry = new FakeRegistry(new Map([[21, { kind: 'avro', type: writer }]]));
    const decoder = new ConfluentDecoder(reader, registry);
    const encoder = new ConfluentEncoder(21, writer);
    const values = [encoder.encode({ ...share, producerBatch: 'b-1' }), encoder.encode({ ...share, disseminationId: 'ds-2', producerBatch: 'b-1' })];
    const first = await decodeBatch(decoder, values);
    expect(first.map((r) => r.ok && r.fields.disseminationId)).toEqual(['ds-1', 'ds-2']);
    expect(first[0]!.ok && { ...first[0]!.fields }).toEqual(share);
    expect(decoder.writerSchemasToFetch(values)).toEqual([]);
    await decodeBatch(decoder, values);
    expect(registry.asked).toEqual([21]);
  });

  it('never defaults an enum symbol the reader lacks: that value alone is UNDECODABLE', async () => {
    const widened = withPurposeSymbols(['DIRECT_CARE', 'RESEARCH', 'COMMISSIONING', 'AUDIT', 'MARKETING']);
    const decoder = new ConfluentDecoder(reader, new FakeRegistry(new Map([[3, { kind: 'avro', type: widened }]])));
    const encoder = new ConfluentEncoder(3, widened);
    const [known, unknown] = await decodeBatch(decoder, [encoder.encode(share), encoder.encode({ ...share, purpose: 'MARKETING' })]);
    expect(known!.ok).toBe(true);
    expect(unknown).toEqual({ ok: false, reason: 'UNDECODABLE', detail: 'enum symbol not known to the reader in field purpose' });
  });

  it('dead-letters an id the registry does not have, and asks again in a later batch', async () => {
    const registry = new FakeRegistry(new Map());
    const decoder = new ConfluentDecoder(reader, registry);
    const value = new ConfluentEncoder(99, contractType).encode(share);
    expect(await decodeBatch(decoder, [value, value])).toEqual([
      { ok: false, reason: 'UNDECODABLE', detail: 'schema id 99 is not in the schema registry' },
      { ok: false, reason: 'UNDECODABLE', detail: 'schema id 99 is not in the schema registry' },
    ]);
    registry.schemas.set(99, { kind: 'avro', type: contractType });
    const [later] = await decodeBatch(decoder, [value]);
    expect(later!.ok).toBe(true);
    expect(registry.asked).toEqual([99, 99]);
  });

  it('dead-letters a schema that is not Avro, and keeps that answer', async () => {
    const registry = new FakeRegistry(new Map([[5, { kind: 'unusable', detail: 'a PROTOBUF schema, not Avro' }]]));
    const decoder = new ConfluentDecoder(reader, registry);
    const value = Buffer.concat([confluentHeader(5), Buffer.from([2, 8])]);
    expect(await decodeBatch(decoder, [value])).toEqual([{ ok: false, reason: 'UNDECODABLE', detail: 'schema id 5: a PROTOBUF schema, not Avro' }]);
    await decodeBatch(decoder, [value]);
    expect(registry.asked).toEqual([5]);
  });

  it('dead-letters a writer record that cannot be resolved to the reader', async () => {
    const other = avro.Type.forSchema({ type: 'record', name: 'Elsewhere', namespace: 'other.v1', fields: [{ name: 'x', type: 'int' }] });
    const decoder = new ConfluentDecoder(reader, new FakeRegistry(new Map([[8, { kind: 'avro', type: other }]])));
    const [result] = await decodeBatch(decoder, [new ConfluentEncoder(8, other).encode({ x: 1 })]);
    expect(result).toMatchObject({ ok: false, reason: 'UNDECODABLE' });
  });

  it('dead-letters framing faults without asking the registry', async () => {
    const registry = new FakeRegistry(new Map([[1, { kind: 'avro', type: contractType }]]));
    const decoder = new ConfluentDecoder(reader, registry);
    const good = new ConfluentEncoder(1, contractType).encode(share);
    const wrongMagic = Buffer.from(good);
    wrongMagic[0] = 1;
    expect(await decodeBatch(decoder, [wrongMagic, good.subarray(0, 3)])).toEqual([
      { ok: false, reason: 'UNDECODABLE', detail: 'no Confluent magic byte 0' },
      { ok: false, reason: 'UNDECODABLE', detail: 'shorter than the Confluent header (5 bytes)' },
    ]);
    expect(registry.asked).toEqual([]);
  });

  it('dead-letters a body that does not fill the value exactly', async () => {
    const decoder = new ConfluentDecoder(reader, new FakeRegistry(new Map([[1, { kind: 'avro', type: contractType }]])));
    const good = new ConfluentEncoder(1, contractType).encode(share);
    expect(await decodeBatch(decoder, [Buffer.concat([good, Buffer.from([0])]), good.subarray(0, good.length - 2)])).toEqual([
      { ok: false, reason: 'UNDECODABLE', detail: 'trailing bytes after the body' },
      { ok: false, reason: 'UNDECODABLE', detail: 'truncated body' },
    ]);
  });

  it('never puts a field value into a detail', async () => {
    const decoder = new ConfluentDecoder(reader, new FakeRegistry(new Map([[1, { kind: 'avro', type: contractType }]])));
    const good = new ConfluentEncoder(1, contractType).encode(share);
    const cuts = Array.from({ length: good.length - 5 }, (_, i) => good.subarray(0, 5 + i));
    for (const result of await decodeBatch(decoder, cuts)) {
      expect(result.ok).toBe(false);
      expect(!result.ok && result.detail).not.toContain(NHS);
    }
  });

  it('passes a registry failure on and decodes nothing, so the batch can be retried', async () => {
    const registry = new FakeRegistry(new Map([[1, { kind: 'avro', type: contractType }]]));
    registry.failing = new Error('ECONNREFUSED');
    const decoder = new ConfluentDecoder(reader, registry);
    const value = new ConfluentEncoder(1, contractType).encode(share);
    await expect(decodeBatch(decoder, [value])).rejects.toThrow('ECONNREFUSED');
    expect(decoder.writerSchemasToFetch([value])).toEqual([1]);
    registry.failing = null;
    const [result] = await decodeBatch(decoder, [value]);
    expect(result!.ok).toBe(true);
  });
});
