import type { CodeCatalogue, CodeMeaning } from './code-catalogue.js';
import type { DeadLetterReason } from './dead-letter-reason.js';
import type { AsciiDissemination } from './ascii-dissemination.js';
import { FORM_OF, formProblem, isBoundedLength, isBoundedText, isInstantInRange, type FieldForm } from './field-form.js';
import { isValidNhsNumber, isValidNhsNumberAscii } from './nhs-number.js';
import { PURPOSES, STREAM_FIELDS, type DecodedFields, type RecordOf, type StreamName } from './records.js';

export type Validation<S extends StreamName> =
  | { readonly ok: true; readonly record: RecordOf[S]; readonly meaning: CodeMeaning | null }
  | { readonly ok: false; readonly reason: DeadLetterReason; readonly detail: string };

type FieldKind = 'string' | 'optional-string' | 'integer' | 'purpose';

interface FieldCheck {
  readonly name: string;
  readonly kind: FieldKind;
  readonly form: FieldForm | null;
}

const KIND_OF: Readonly<Record<string, FieldKind>> = {
  recordedAt: 'integer', receivedAt: 'integer', coversUpTo: 'integer', sharedAt: 'integer', recordCount: 'integer',
  sourceEventId: 'optional-string', purpose: 'purpose',
};

// Checked in a loop over plain arrays, built once: this runs for every record of every input.
const CHECKS: { readonly [S in StreamName]: readonly FieldCheck[] } = {
  gpEvents: checksOf('gpEvents'),
  ndsReceived: checksOf('ndsReceived'),
  ndsManifests: checksOf('ndsManifests'),
  ndsDisseminations: checksOf('ndsDisseminations'),
};

function checksOf(stream: StreamName): FieldCheck[] {
  return STREAM_FIELDS[stream].fields.map((name) => ({ name, kind: KIND_OF[name] ?? 'string', form: FORM_OF[name] ?? null }));
}

// Records are rebuilt with a fixed shape (whatever the decoder produced), keeping only the contract's fields.
const BUILD: { readonly [S in StreamName]: (f: Readonly<Record<string, unknown>>) => RecordOf[S] } = {
  gpEvents: (f) => ({ eventId: f.eventId as string, nhsNumber: f.nhsNumber as string, practiceOds: f.practiceOds as string, supplier: f.supplier as string, code: f.code as string, recordedAt: f.recordedAt as number }),
  ndsReceived: (f) => ({ receiptId: f.receiptId as string, nhsNumber: f.nhsNumber as string, practiceOds: f.practiceOds as string, supplier: f.supplier as string, code: f.code as string, sourceEventId: (f.sourceEventId ?? null) as string | null, extractId: f.extractId as string, receivedAt: f.receivedAt as number }),
  ndsManifests: (f) => ({ extractId: f.extractId as string, supplier: f.supplier as string, practiceOds: f.practiceOds as string, coversUpTo: f.coversUpTo as number, receivedAt: f.receivedAt as number, recordCount: f.recordCount as number }),
  ndsDisseminations: (f) => ({ disseminationId: f.disseminationId as string, nhsNumber: f.nhsNumber as string, recipient: f.recipient as string, purpose: f.purpose as RecordOf['ndsDisseminations']['purpose'], sharedAt: f.sharedAt as number }),
};

const PURPOSE_SET: ReadonlySet<string> = new Set(PURPOSES);
const NHS_DETAIL = 'nhsNumber is not ten digits with a valid Modulus 11 check digit';

// The common case of the largest input, checked field by field without the general loop; anything unusual
// falls through to the general checks, which give the reason.
function isWellFormedDissemination(f: DecodedFields): boolean {
  const id = f.disseminationId;
  const recipient = f.recipient;
  const sharedAt = f.sharedAt;
  const purpose = f.purpose;
  return typeof id === 'string' && isBoundedText(id) && typeof f.nhsNumber === 'string' && typeof recipient === 'string' && isBoundedText(recipient) &&
    typeof purpose === 'string' && isPurpose(purpose) && typeof sharedAt === 'number' && isSharedAtInForm(sharedAt);
}

function isPurpose(purpose: string): boolean {
  return purpose === 'RESEARCH' || purpose === 'PLANNING' || purpose === 'DIRECT_CARE' || purpose === 'OTHER';
}

function isSharedAtInForm(sharedAt: number): boolean {
  return Number.isSafeInteger(sharedAt) && isInstantInRange(sharedAt);
}

// Details name fields, never values: a malformed feed may carry an NHS number in any field.
function fail(reason: DeadLetterReason, detail: string): { ok: false; reason: DeadLetterReason; detail: string } {
  return { ok: false, reason, detail };
}

/** The record with exactly the contract's fields, in a fixed shape, from fields that passed validation. */
export function buildRecord<S extends StreamName>(stream: S, fields: DecodedFields): RecordOf[S] {
  return BUILD[stream](fields);
}

export type FieldValidation =
  | { readonly ok: true; readonly meaning: CodeMeaning | null }
  | { readonly ok: false; readonly reason: DeadLetterReason; readonly detail: string };

const VALID_WITHOUT_CODE: FieldValidation = { ok: true, meaning: null };

/** Checks one decoded record against the contract, reasons in the order the rules give them. */
export function validateRecord<S extends StreamName>(stream: S, fields: DecodedFields, catalogue: CodeCatalogue): Validation<S> {
  const result = validateFields(stream, fields, catalogue);
  return result.ok ? { ok: true, record: BUILD[stream](fields), meaning: result.meaning } : result;
}

/** validateRecord without building the record: the hot path, for callers that keep few of the records. */
export function validateFields(stream: StreamName, fields: DecodedFields, catalogue: CodeCatalogue): FieldValidation {
  if (stream === 'ndsDisseminations' && isWellFormedDissemination(fields)) {
    return isValidNhsNumber(fields.nhsNumber as string) ? VALID_WITHOUT_CODE : fail('INVALID_NHS_NUMBER', NHS_DETAIL);
  }
  const checks = CHECKS[stream];
  let missing: string[] | null = null;
  // The first field outside its form, reported only when nothing is undecodable or missing (the rules' order).
  let invalid: string | null = null;
  for (let i = 0; i < checks.length; i++) {
    const check = checks[i]!;
    const value = fields[check.name];
    if (value === undefined || value === null) {
      if (check.kind !== 'optional-string') (missing ??= []).push(check.name);
      continue;
    }
    if (check.kind === 'integer') {
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) return fail('UNDECODABLE', `${check.name} is not an integer`);
    } else if (typeof value !== 'string') {
      return fail('UNDECODABLE', `${check.name} is not a string`);
    } else if (check.kind === 'purpose' && !PURPOSE_SET.has(value)) {
      return fail('UNDECODABLE', `${check.name} is not a symbol of optout.v1.Purpose`);
    }
    if (invalid === null && check.form !== null) invalid = formProblem(check.name, check.form, value);
  }
  if (missing !== null) return fail('MISSING_FIELD', `missing ${missing.join(', ')}`);
  if (invalid !== null) return fail('INVALID_FIELD', invalid);

  if (stream !== 'ndsManifests' && !isValidNhsNumber(fields.nhsNumber as string)) {
    return fail('INVALID_NHS_NUMBER', NHS_DETAIL);
  }
  if (stream === 'gpEvents' || stream === 'ndsReceived') {
    const meaning = catalogue.lookup(fields.code as string);
    if (meaning === undefined) return fail('UNKNOWN_CODE', 'code is not in the code catalogue');
    return { ok: true, meaning };
  }
  if (stream === 'ndsManifests' && (fields.coversUpTo as number) > (fields.receivedAt as number)) {
    return fail('INVALID_MANIFEST', 'coversUpTo is after receivedAt');
  }
  return VALID_WITHOUT_CODE;
}

/**
 * validateFields for a dissemination line read from its bytes, all its texts ASCII (a byte is then a UTF-8 byte
 * and a UTF-16 unit alike), when it is the common case isWellFormedDissemination passes; null when it is not,
 * and the line is to be decoded and validated as usual, which gives the reason.
 */
export function validateAsciiDissemination(line: AsciiDissemination): FieldValidation | null {
  if (!isBoundedLength(line.idEnd - line.idStart) || !isBoundedLength(line.recipientEnd - line.recipientStart) || !isPurpose(line.purpose) || !isSharedAtInForm(line.sharedAt)) return null;
  return isValidNhsNumberAscii(line.bytes, line.nhsStart, line.nhsEnd) ? VALID_WITHOUT_CODE : fail('INVALID_NHS_NUMBER', NHS_DETAIL);
}
