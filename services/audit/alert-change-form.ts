// The canonical form of an alert state change: the exact bytes the alert history's hash chain covers
// (alert-chain.ts). An auditor can rebuild it without this code, from the README's definition:
//
// - one JSON object with exactly these members: `transition` and `changedAt` of the change, and every field of the
//   alert after it (alertId, rule, severity, state, upstreamEventId, receiptId, disseminationId, patientRef,
//   practiceOds, supplier, optOutType, episodeStart, firedAt, escalatedAt, resolvedAt, resolvedBy,
//   detectionDelayMs, downstreamHeldAtShare, recipient, purpose);
// - times (changedAt, episodeStart, firedAt, escalatedAt, resolvedAt) and detectionDelayMs as whole epoch
//   milliseconds; absent values as null; strings and booleans as themselves;
// - serialised as RFC 8785 (JSON Canonicalization Scheme): members sorted by name (UTF-16 code units), no white
//   space, strings escaped as ECMAScript's JSON.stringify does, integers in plain decimal; then UTF-8.
//
// With only strings, booleans, null and integers below 2^53 this is JSON.stringify with sorted keys.
import type { Alert, AlertChange } from '../core/alert.js';

type Value = string | number | boolean | null;

const ALERT_FIELDS = [
  'alertId', 'rule', 'severity', 'state', 'upstreamEventId', 'receiptId', 'disseminationId', 'patientRef', 'practiceOds', 'supplier',
  'optOutType', 'episodeStart', 'firedAt', 'escalatedAt', 'resolvedAt', 'resolvedBy', 'detectionDelayMs', 'downstreamHeldAtShare',
  'recipient', 'purpose',
] as const satisfies readonly (keyof Alert)[];

// Every field of Alert is listed: a field added to Alert and not here fails to compile.
type Unlisted = Exclude<keyof Alert, (typeof ALERT_FIELDS)[number]>;
const everyFieldListed: Unlisted extends never ? true : never = true;
void everyFieldListed;

/** The members of the canonical object, in canonical (sorted) order. */
export const CANONICAL_MEMBERS: readonly string[] = ['transition', 'changedAt', ...ALERT_FIELDS].sort();

function valueText(name: string, value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  throw new Error(`canonical alert change: ${name} is ${typeof value === 'number' ? `the number ${value}, not a whole number below 2^53` : `a ${typeof value}`}`);
}

function canonicalOf(members: Readonly<Record<string, unknown>>): string {
  return `{${CANONICAL_MEMBERS.map((name) => `${JSON.stringify(name)}:${valueText(name, members[name])}`).join(',')}}`;
}

export function canonicalChange(change: AlertChange): string {
  const members: Record<string, Value> = { transition: change.transition, changedAt: change.changedAt };
  for (const field of ALERT_FIELDS) members[field] = change.alert[field];
  return canonicalOf(members);
}

export type ParsedChange =
  | { readonly ok: true; readonly alertId: string; readonly transition: string }
  | { readonly ok: false; readonly problem: string };

/** Reads a stored change back: it must be exactly the canonical form of its own members. */
export function parseCanonicalChange(text: string): ParsedChange {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'is not JSON' };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return { ok: false, problem: 'is not a JSON object' };
  const members = parsed as Record<string, unknown>;
  const names = Object.keys(members).sort();
  if (names.length !== CANONICAL_MEMBERS.length || names.some((n, i) => n !== CANONICAL_MEMBERS[i])) {
    return { ok: false, problem: 'does not have exactly the canonical members' };
  }
  let again: string;
  try {
    again = canonicalOf(members);
  } catch (error) {
    return { ok: false, problem: (error as Error).message };
  }
  if (again !== text) return { ok: false, problem: 'is not in canonical form' };
  if (typeof members.alertId !== 'string' || typeof members.transition !== 'string') return { ok: false, problem: 'has no alertId or transition' };
  return { ok: true, alertId: members.alertId, transition: members.transition };
}
