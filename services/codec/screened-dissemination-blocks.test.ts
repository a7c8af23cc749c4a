// The byte screen of a dissemination file against the decoding path it stands in for: container files written
// byte by byte, with every kind of line the screen must leave to avsc (non-ASCII, empty and over-long texts, bad
// check digits, instants out of range, enum indices out of range or of a symbol we lack, records cut short or
// over the record limit, lengths and longs in unusual encodings), under several writer schemas, must screen to
// exactly what avsc's items screened one by one give: the same dead letters, reasons, details and positions, the
// same fingerprints, instants and kept lines.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { DisseminationScreen, type ScreenedDisseminations } from '../core/dissemination-judge.js';
import { ObjectorFilter } from '../core/objector-filter.js';
import { catalogue } from '../core/testing/builders.js';
import type { BlockSinks } from './block-sink.js';
import { openAvroContainerBatches, openAvroContainerBatchesInto } from './container-reader.js';
import { encodeBlockPrefix, encodeHeader } from './container-format.js';
import { DEFAULT_READ_LIMITS, type ReadLimits } from './read-limits.js';
import { streamSchemaJson } from './schema-catalog.js';
import { screenedDisseminationBlocks } from './screened-dissemination-blocks.js';

const dir = mkdtempSync(join(tmpdir(), 'screened-blocks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SYNC = Buffer.from('fedcba9876543210');
const EARLIEST = 946_684_800_000;
const LIMIT = 4_102_444_800_000;

/** A valid 999-range NHS number from a nine-digit prefix, or null when the prefix has none. */
function validNhs(prefix: number): string | null {
  const digits = String(prefix);
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(digits[i]) * (10 - i);
  const check = (11 - (sum % 11)) % 11;
  return check === 10 ? null : digits + String(check);
}

const PATIENTS = Array.from({ length: 60 }, (_, i) => validNhs(999_000_100 + i)).filter((n): n is string => n !== null);
const OBJECTORS = PATIENTS.slice(0, 20);

// Writer schemas: ours; ours with a symbol we lack; ours with the symbols in another order; one with a field more
// (resolvable, but not read from bytes); one that cannot be resolved at all.
const OURS = streamSchemaJson('ndsDisseminations');
const withSymbols = (symbols: string[]) => ({ ...OURS, fields: OURS.fields.map((f) => (f.name === 'purpose' ? { ...f, type: { ...(f.type as object), symbols } } : f)) });
const SCHEMAS = {
  ours: { json: OURS, symbols: 4, direct: true },
  extraSymbol: { json: withSymbols(['DIRECT_CARE', 'PLANNING', 'RESEARCH', 'OTHER', 'COMMERCIAL']), symbols: 5, direct: true },
  reordered: { json: withSymbols(['OTHER', 'RESEARCH', 'DIRECT_CARE', 'PLANNING']), symbols: 4, direct: true },
  extraField: { json: { ...OURS, fields: [...OURS.fields, { name: 'batch', type: 'string' }] }, symbols: 4, direct: false },
  unresolvable: { json: { ...OURS, fields: OURS.fields.map((f) => (f.name === 'nhsNumber' ? { ...f, type: 'boolean' } : f)) }, symbols: 4, direct: false },
} as const;
type SchemaName = keyof typeof SCHEMAS;

/** A zig-zag varint of a safe integer, in `extra` more bytes than it needs (Avro readers accept the padding). */
function varint(value: number, extra = 0): Buffer {
  let n = value >= 0 ? value * 2 : -value * 2 - 1;
  const out: number[] = [];
  while (n >= 128) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  for (let i = 0; i < extra; i++) {
    out[out.length - 1]! |= 0x80;
    out.push(0);
  }
  return Buffer.from(out);
}

// Texts as bytes: the common ones, and each kind the byte screen must not take on itself.
const text = (common: fc.Arbitrary<string>) => fc.oneof(
  { weight: 12, arbitrary: common.map((s) => Buffer.from(s, 'latin1')) },
  { weight: 1, arbitrary: fc.constant(Buffer.alloc(0)) },
  { weight: 1, arbitrary: fc.integer({ min: 120, max: 140 }).map((n) => Buffer.from('x'.repeat(n))) },
  { weight: 1, arbitrary: fc.constantFrom('café', '€'.repeat(42), '€'.repeat(43), 'ok\u0000nul', 'emoji 😀').map((s) => Buffer.from(s, 'utf8')) },
  { weight: 1, arbitrary: fc.constantFrom([0xff], [0x80, 0x41], [0x41, 0xc3], [0xed, 0xa0, 0x80]).map((b) => Buffer.from(b)) },
);
const nhs = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...PATIENTS).map((s) => Buffer.from(s)) },
  { weight: 1, arbitrary: fc.integer({ min: 999_000_000, max: 999_999_999 }).chain((p) => fc.integer({ min: 0, max: 9 }).map((d) => Buffer.from(`${p}${d}`))) },
  { weight: 1, arbitrary: fc.constantFrom('999000001', '99900000188', '99900A0018', '', ' 9990000018').map((s) => Buffer.from(s)) },
  { weight: 1, arbitrary: fc.constantFrom('٩٩٩٠٠٠٠٠١٨', '999000001８').map((s) => Buffer.from(s, 'utf8')) },
);
const instant = fc.oneof(
  { weight: 12, arbitrary: fc.integer({ min: EARLIEST, max: LIMIT - 1 }) },
  { weight: 1, arbitrary: fc.constantFrom(EARLIEST, EARLIEST - 1, LIMIT - 1, LIMIT, 0, -1, -EARLIEST, 2 ** 40, Number.MAX_SAFE_INTEGER) },
);

interface Line {
  readonly id: Buffer;
  readonly nhs: Buffer;
  readonly recipient: Buffer;
  /** The enum index as written: the symbols' count and beyond, or below 0, are out of range. */
  readonly purpose: number;
  readonly sharedAt: number;
  /** Padding bytes in the id's length and in sharedAt's varint. */
  readonly lengthPadding: number;
  readonly longPadding: number;
  /** A long past 2^53, which avsc refuses to read. */
  readonly unsafeLong: boolean;
  /** The extra field of the extraField schema. */
  readonly batch: Buffer;
}

const line: fc.Arbitrary<Line> = fc.record({
  id: text(fc.integer({ min: 0, max: 40 }).map((i) => `ds-${i}`)),
  nhs,
  recipient: text(fc.constantFrom('Research Group', 'R', 'Clinical Commissioning Group')),
  // 4 is COMMERCIAL in the extraSymbol schema, out of range in the others; out of range, a record cannot be read
  // and the file's reading ends there, so those are rare.
  purpose: fc.oneof({ weight: 100, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 4, arbitrary: fc.constant(4) }, { weight: 1, arbitrary: fc.constantFrom(5, 63, 64, -1) }),
  sharedAt: instant,
  lengthPadding: fc.oneof({ weight: 10, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) }),
  longPadding: fc.oneof({ weight: 10, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 3 }) }),
  unsafeLong: fc.oneof({ weight: 300, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  batch: fc.constantFrom(Buffer.from('b1'), Buffer.from('a longer batch name')),
});

function encodeLine(l: Line, schema: SchemaName): Buffer {
  const str = (b: Buffer, padding = 0) => Buffer.concat([varint(b.length, padding), b]);
  const long = l.unsafeLong ? Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]) : varint(l.sharedAt, l.longPadding);
  const nhsField = schema === 'unresolvable' ? Buffer.from([1]) : str(l.nhs);
  const parts = [str(l.id, l.lengthPadding), nhsField, str(l.recipient), varint(l.purpose), long];
  if (schema === 'extraField') parts.push(str(l.batch));
  return Buffer.concat(parts);
}

/** A block: its lines, and what is done to it: its last record cut short, a count that says more, bytes after. */
interface Block {
  readonly lines: readonly Line[];
  readonly damage: 'none' | 'cut' | 'overcount' | 'trailing';
  readonly cut: number;
}

const block: fc.Arbitrary<Block> = fc.record({
  lines: fc.array(line, { minLength: 1, maxLength: 40, size: 'max' }),
  damage: fc.oneof({ weight: 30, arbitrary: fc.constant('none' as const) }, { weight: 1, arbitrary: fc.constantFrom('cut' as const, 'overcount' as const, 'trailing' as const) }),
  cut: fc.integer({ min: 1, max: 30 }),
});

let files = 0;

function writeContainer(blocks: readonly Block[], schema: SchemaName, codec: 'null' | 'deflate'): string {
  const parts: Buffer[] = [encodeHeader({ schemaText: JSON.stringify(SCHEMAS[schema].json), codec, sync: SYNC })];
  for (const b of blocks) {
    let data = Buffer.concat(b.lines.map((l) => encodeLine(l, schema)));
    let count = b.lines.length;
    if (b.damage === 'cut') data = data.subarray(0, Math.max(0, data.length - b.cut));
    if (b.damage === 'overcount') count += 2;
    if (b.damage === 'trailing') data = Buffer.concat([data, Buffer.alloc(b.cut, 0x41)]);
    const stored = codec === 'deflate' ? deflateRawSync(data) : data;
    parts.push(encodeBlockPrefix(count, stored.length), stored, SYNC);
  }
  const path = join(dir, `file-${files++}.avro`);
  writeFileSync(path, Buffer.concat(parts));
  return path;
}

const screenOf = () => {
  const filter = new ObjectorFilter(OBJECTORS);
  return new DisseminationScreen(catalogue, (n) => filter.has(n), filter);
};

/** The file screened from its blocks' bytes, and how many lines were taken from the bytes. */
async function byBytes(path: string, limits: ReadLimits): Promise<{ batches: ScreenedDisseminations[]; direct: number }> {
  const sinks = screenedDisseminationBlocks(screenOf());
  let direct = 0;
  const counting: BlockSinks<ScreenedDisseminations> = (records, writer) => {
    const sink = sinks(records, writer);
    const read = sink.readDirect;
    if (read === undefined) return sink;
    return {
      ...sink,
      readDirect: (data, pos, position, maxBytes) => {
        const end = read(data, pos, position, maxBytes);
        if (end >= 0) direct++;
        return end;
      },
    };
  };
  const batches: ScreenedDisseminations[] = [];
  for await (const batch of await openAvroContainerBatchesInto(path, 'ndsDisseminations', limits, counting)) batches.push(batch);
  return { batches, direct };
}

/** The file decoded by avsc into items, a block at a time, each batch screened as items. */
async function byItems(path: string, limits: ReadLimits): Promise<ScreenedDisseminations[]> {
  const screen = screenOf();
  const batches: ScreenedDisseminations[] = [];
  for await (const items of await openAvroContainerBatches(path, 'ndsDisseminations', limits)) batches.push(screen.screenBatch(items));
  return batches;
}

const CASES = (Object.keys(SCHEMAS) as SchemaName[]).flatMap((schema) => (['null', 'deflate'] as const).map((codec) => [schema, codec] as const));

describe('screenedDisseminationBlocks', () => {
  it.each(CASES)('screens a file written with the %s schema (%s codec) exactly as its decoded items screen', async (schema, codec) => {
    let direct = 0;
    let items = 0;
    await fc.assert(fc.asyncProperty(fc.array(block, { minLength: 1, maxLength: 6 }), fc.oneof({ weight: 4, arbitrary: fc.constant(DEFAULT_READ_LIMITS.maxRecordBytes) }, { weight: 1, arbitrary: fc.constantFrom(45, 60) }), async (blocks, maxRecordBytes) => {
      const path = writeContainer(blocks, schema, codec);
      const limits: ReadLimits = { ...DEFAULT_READ_LIMITS, maxRecordBytes };
      const screened = await byBytes(path, limits);
      expect(screened.batches).toEqual(await byItems(path, limits));
      direct += screened.direct;
      items += screened.batches.reduce((n, b) => n + b.items, 0);
      rmSync(path);
    }), { numRuns: 100 });
    // The byte screen took its share of the lines (about half are of a kind it leaves), or none where it must not.
    if (SCHEMAS[schema].direct) expect(direct).toBeGreaterThan(items / 4);
    else expect(direct).toBe(0);
  });

  it('takes the common lines from their bytes, and leaves every other kind to the decoding, each with its reason', async () => {
    const common: Line = { id: Buffer.from('ds-1'), nhs: Buffer.from(OBJECTORS[0]!), recipient: Buffer.from('Research Group'), purpose: 2, sharedAt: 1_500_000_000_000, lengthPadding: 0, longPadding: 0, unsafeLong: false, batch: Buffer.alloc(0) };
    const lines: Line[] = [
      common,
      { ...common, id: Buffer.from('ds-2'), purpose: 0 },
      { ...common, id: Buffer.from('ds-3'), nhs: Buffer.from(PATIENTS.at(-1)!) },
      { ...common, id: Buffer.from('ds-4'), nhs: Buffer.from('9990000017') },
      { ...common, id: Buffer.alloc(0) },
      { ...common, id: Buffer.from('x'.repeat(129)) },
      { ...common, id: Buffer.from('x'.repeat(128)) },
      { ...common, recipient: Buffer.from('café', 'utf8') },
      { ...common, recipient: Buffer.from([0xff]) },
      { ...common, id: Buffer.from('ds-5'), sharedAt: EARLIEST - 1 },
      { ...common, id: Buffer.from('ds-6'), sharedAt: LIMIT },
      { ...common, id: Buffer.from('ds-7'), purpose: 4 },
      { ...common, id: Buffer.from('ds-8'), lengthPadding: 1, longPadding: 1 },
      { ...common, id: Buffer.from('ds-8'), lengthPadding: 2, longPadding: 2 },
      { ...common, id: Buffer.from('ds-9'), purpose: 5 },
      common,
    ];
    const path = writeContainer([{ lines, damage: 'none', cut: 1 }], 'extraSymbol', 'null');
    const screened = await byBytes(path, DEFAULT_READ_LIMITS);
    expect(screened.batches).toEqual(await byItems(path, DEFAULT_READ_LIMITS));
    const [batch] = screened.batches;
    expect(batch!.dead.map((d) => [d.position, d.reason, d.detail])).toEqual([
      [4, 'INVALID_NHS_NUMBER', 'nhsNumber is not ten digits with a valid Modulus 11 check digit'],
      [5, 'INVALID_FIELD', 'disseminationId is empty'],
      [6, 'INVALID_FIELD', 'disseminationId is longer than 128 bytes in UTF-8'],
      [10, 'INVALID_FIELD', 'sharedAt is outside [2000-01-01, 2100-01-01)'],
      [11, 'INVALID_FIELD', 'sharedAt is outside [2000-01-01, 2100-01-01)'],
      [12, 'UNDECODABLE', 'enum symbol not known to the reader in field purpose'],
      [15, 'UNDECODABLE', 'corrupt block: record 15 cannot be read (enum index outside the writer schema); the rest of the file was not read'],
    ]);
    expect(batch!.kept.map((k) => k.disseminationId)).toEqual(['ds-1', 'x'.repeat(128), 'ds-1', 'ds-1', 'ds-8', 'ds-8']);
    // Taken from the bytes: lines 1-4, 7 and 13 (a length padded to two bytes and a long to seven are read as
    // avsc reads them; longer ones are left to avsc).
    expect(screened.direct).toBe(6);
  });
});
