// Parsers of settings' texts, each giving the value or the problem in the setting's own words.
import { readDuration } from '../core/duration.js';
import type { Parsed, Parser } from './setting.js';

const fail = (problem: string): Parsed<never> => ({ problems: [problem] });

export const text: Parser<string> = (value) => ({ value });

/** A duration in milliseconds: `72h`, `1.5h`, `90m`, `30s`, `1500ms`, `0.5d` (decimals when they come to whole milliseconds). */
export const duration: Parser<number> = (value, label) => {
  const reading = readDuration(value);
  return 'refused' in reading ? fail(`${label} '${value}' ${reading.refused}`) : { value: reading.ms };
};

/** A duration of more than zero, said in the words of a setting whose examples are short ones. */
export const positiveShortDuration: Parser<number> = (value, label) => {
  const reading = readDuration(value);
  if ('refused' in reading) return fail(`${label} '${value}' ${reading.refused}`);
  return reading.ms <= 0 ? fail(`${label} '${value}' must be above 0 (e.g. 10s, 1500ms)`) : { value: reading.ms };
};

export function integer(min: number, max: number): Parser<number> {
  return (value, label) => {
    const n = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    return !Number.isSafeInteger(n) || n < min || n > max ? fail(`${label} '${value}' must be a whole number from ${min} to ${max}`) : { value: n };
  };
}

/** true, 1 or yes; false, 0 or no; in any case. */
export const boolean: Parser<boolean> = (value, label) => {
  const lower = value.toLowerCase();
  if (['true', '1', 'yes'].includes(lower)) return { value: true };
  if (['false', '0', 'no'].includes(lower)) return { value: false };
  return fail(`${label} '${lower}' must be true or false`);
};

/** One of a few words; `caseless` takes them in any case. The problem lists them ("a, b or c", or "one of a, b, c"). */
export function oneOf<const W extends string>(words: readonly W[], options: { readonly caseless?: boolean; readonly oneOfList?: boolean } = {}): Parser<W> {
  const list = options.oneOfList === true ? `one of ${words.join(', ')}` : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
  return (value, label) => {
    const word = options.caseless === true ? value.toLowerCase() : value;
    return (words as readonly string[]).includes(word) ? { value: word as W } : fail(`${label} '${word}' must be ${list}`);
  };
}

/** A text of a given form; `what` completes "LABEL 'text' ..." when it is not. */
export function matching(form: RegExp, what: string): Parser<string> {
  return (value, label) => (form.test(value) ? { value } : fail(`${label} '${value}' ${what}`));
}

const BROKER = /^[^\s:,]+:\d{1,5}$/;

/** Comma-separated host:port pairs. */
export const brokerList: Parser<readonly string[]> = (value, label) => {
  const brokers = value.split(',').map((b) => b.trim()).filter(Boolean);
  const problems = brokers.filter((b) => !BROKER.test(b)).map((b) => `${label}: '${b}' is not host:port`);
  return problems.length > 0 ? { problems } : { value: brokers };
};
