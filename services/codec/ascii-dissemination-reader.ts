// Reads a dissemination line straight from its Avro binary encoding, for files whose writer schema is
// optout.v1.NdsDissemination as ours is, save perhaps for the Purpose enum's symbols: three strings
// (disseminationId, nhsNumber, recipient), the enum's index and sharedAt as a zig-zag varint long. Only the
// common case is read so: short lengths, an enum index whose symbol our schema knows (and, as the screen checks,
// every string pure ASCII). Anything else (a length or a long not as expected, a symbol we lack, a record that
// runs past its block) is left to avsc, whose decoding then gives what it always gives.
import type { AsciiDissemination } from '../core/ascii-dissemination.js';
import { PURPOSES, type Purpose } from '../core/records.js';
import { parsingCanonicalForm } from './parsing-canonical-form.js';
import { streamSchemaJson, type RecordSchemaJson } from './schema-catalog.js';

/** A writer's Purpose symbols by index, each as ours, or null for one our schema does not know. */
export type WriterPurposes = readonly (Purpose | null)[];

const READER = readerSchema();

/**
 * The Purpose symbols of a writer schema (parsed JSON) whose records this reads: one that is ours once its
 * enum's symbols are put in place of ours (their Parsing Canonical Forms are the same); null for any other.
 */
export function writerPurposes(writer: unknown): WriterPurposes | null {
  try {
    const symbols = ((writer as RecordSchemaJson).fields[3]!.type as { symbols: unknown }).symbols;
    if (!Array.isArray(symbols) || !symbols.every((symbol) => typeof symbol === 'string')) return null;
    const purpose = READER.fields[3]!;
    const ours = { ...READER, fields: READER.fields.map((f) => (f === purpose ? { ...f, type: { ...(f.type as object), symbols } } : f)) };
    if (parsingCanonicalForm(writer) !== parsingCanonicalForm(ours)) return null;
    return (symbols as string[]).map((symbol) => ((PURPOSES as readonly string[]).includes(symbol) ? (symbol as Purpose) : null));
  } catch {
    return null;
  }
}

// Where readShortText left the text it read.
let textStart = 0;

/**
 * Reads the line at `pos` of `data` into `line`, returning where it ends; -1 when it is not the common case
 * (`line` is then to be ignored). Its texts are not checked for ASCII here: the screen does that as it
 * fingerprints them.
 */
export function readAsciiDissemination(data: Uint8Array, pos: number, purposes: WriterPurposes, line: AsciiDissemination): number {
  let p = readShortText(data, pos);
  if (p < 0) return -1;
  line.idStart = textStart;
  line.idEnd = p;
  p = readShortText(data, p);
  if (p < 0) return -1;
  line.nhsStart = textStart;
  line.nhsEnd = p;
  p = readShortText(data, p);
  if (p < 0) return -1;
  line.recipientStart = textStart;
  line.recipientEnd = p;
  // The enum index: one byte, zig-zag, of a symbol we know.
  if (p >= data.length) return -1;
  const index = data[p++]!;
  if (index >= 0x80 || (index & 1) !== 0 || index >>> 1 >= purposes.length) return -1;
  const purpose = purposes[index >>> 1]!;
  if (purpose === null) return -1;
  line.purpose = purpose;
  // The long: at most seven bytes (any instant in range takes six), zig-zag, read exactly in doubles.
  let value = 0;
  let scale = 1;
  for (let i = 0; ; i++) {
    if (i === 7 || p >= data.length) return -1;
    const b = data[p++]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) break;
    scale *= 128;
  }
  if (value % 2 !== 0) return -1; // negative: outside every range, left to the usual path
  line.bytes = data;
  line.sharedAt = value / 2;
  return p;
}

/** Reads a string at `p` whose length takes one or two varint bytes: returns where it ends (it starts at textStart), or -1. */
function readShortText(data: Uint8Array, p: number): number {
  if (p >= data.length) return -1;
  const first = data[p]!;
  let zigzag: number;
  if (first < 0x80) {
    zigzag = first;
    p += 1;
  } else {
    if (p + 1 >= data.length) return -1;
    const second = data[p + 1]!;
    if (second >= 0x80) return -1;
    zigzag = (first & 0x7f) | (second << 7);
    p += 2;
  }
  if ((zigzag & 1) !== 0) return -1; // a negative length
  const end = p + (zigzag >>> 1);
  if (end > data.length) return -1;
  textStart = p;
  return end;
}

/** Our schema, after checking it has the layout this reads. */
function readerSchema(): RecordSchemaJson {
  const schema = streamSchemaJson('ndsDisseminations');
  const layout = schema.fields.map((f) => `${f.name}:${typeof f.type === 'string' ? f.type : (f.type as { type: string }).type}`).join(',');
  if (layout !== 'disseminationId:string,nhsNumber:string,recipient:string,purpose:enum,sharedAt:long') {
    throw new Error(`the NdsDissemination schema is not the one its byte reader reads: ${layout}`);
  }
  return schema;
}
