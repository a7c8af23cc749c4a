import type { CodeCatalogue, CodeMeaning } from './code-catalogue.js';
import type { DeadLetterReason } from './dead-letter-reason.js';
import { isValidNhsNumber } from './nhs-number.js';
import { PURPOSES, STREAM_FIELDS, type DecodedFields, type RecordOf, type StreamName } from './records.js';

export type Validation<S extends StreamName> =
  | { readonly ok: true; readonly record: RecordOf[S]; readonly meaning: CodeMeaning | null }
  | { readonly ok: false; readonly reason: DeadLetterReason; readonly detail: string };

const OPTIONAL_FIELDS: ReadonlySet<string> = new Set(['sourceEventId']);
const TIME_FIELDS: ReadonlySet<string> = new Set(['recordedAt', 'receivedAt', 'coversUpTo', 'sharedAt']);
const INTEGER_FIELDS: ReadonlySet<string> = new Set([...TIME_FIELDS, 'recordCount']);

// Details name fields, never values: a malformed feed may carry an NHS number in any field.
function fail<S extends StreamName>(reason: DeadLetterReason, detail: string): Validation<S> {
  return { ok: false, reason, detail };
}

/** Checks one decoded record against the contract, reasons in the order the rules give them. */
export function validateRecord<S extends StreamName>(stream: S, fields: DecodedFields, catalogue: CodeCatalogue): Validation<S> {
  const spec = STREAM_FIELDS[stream];
  for (const name of spec.fields) {
    const value = fields[name];
    if (value === undefined || value === null) continue;
    if (INTEGER_FIELDS.has(name)) {
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) return fail('UNDECODABLE', `${name} is not an integer`);
    } else if (typeof value !== 'string') {
      return fail('UNDECODABLE', `${name} is not a string`);
    }
  }
  if (stream === 'ndsDisseminations' && typeof fields.purpose === 'string' && !(PURPOSES as readonly string[]).includes(fields.purpose)) {
    return fail('UNDECODABLE', 'purpose is not a symbol of optout.v1.Purpose');
  }
  const missing = spec.fields.filter((name) => !OPTIONAL_FIELDS.has(name) && (fields[name] === undefined || fields[name] === null));
  if (missing.length > 0) return fail('MISSING_FIELD', `missing ${missing.join(', ')}`);

  if (stream !== 'ndsManifests' && !isValidNhsNumber(fields.nhsNumber as string)) {
    return fail('INVALID_NHS_NUMBER', 'nhsNumber is not ten digits with a valid Modulus 11 check digit');
  }
  let meaning: CodeMeaning | null = null;
  if (stream === 'gpEvents' || stream === 'ndsReceived') {
    meaning = catalogue.lookup(fields.code as string) ?? null;
    if (meaning === null) return fail('UNKNOWN_CODE', 'code is not in the code catalogue');
  }
  if (stream === 'ndsManifests' && (fields.coversUpTo as number) > (fields.receivedAt as number)) {
    return fail('INVALID_MANIFEST', 'coversUpTo is after receivedAt');
  }
  const record: Record<string, unknown> = {};
  for (const name of spec.fields) record[name] = fields[name] ?? null;
  return { ok: true, record: record as unknown as RecordOf[S], meaning };
}
