import { readFile, stat } from 'node:fs/promises';
import { describeFileError } from '../command-line/command-problems.js';

export class PseudonymKeyRefused extends Error {}

/** The fewest distinct byte values a key of 32 bytes or more may hold (a random one holds about 30). */
const MIN_DISTINCT_BYTES = 16;
export const MIN_KEY_BYTES = 16;

/**
 * Why a key is too weak to keep NHS numbers unguessable, or null. NHS numbers are few enough to enumerate, so a
 * pseudonym is only as strong as its key: a short key, or one with visibly little entropy (all bytes equal, a
 * short pattern repeated, text typed by hand), is refused. A random key passes with overwhelming probability:
 * 32 random bytes hold fewer than 16 distinct values with probability below 1e-10.
 */
export function keyWeakness(key: Buffer): string | null {
  if (key.length < MIN_KEY_BYTES) return `it holds ${key.length} bytes; give at least ${MIN_KEY_BYTES} (32 random bytes recommended)`;
  const distinct = new Set(key).size;
  if (distinct === 1) return 'all its bytes are equal; give 32 random bytes';
  const needed = Math.min(MIN_DISTINCT_BYTES, Math.ceil(key.length / 2));
  if (distinct < needed) return `it holds only ${distinct} distinct byte values in ${key.length} bytes, too few for a random key; give 32 random bytes`;
  return null;
}

/**
 * Reads a pseudonym key file: raw bytes, or text holding hex or base64 (trailing newline ignored). Refuses, with
 * one line naming the file, a file that group or others may read (unless `allowOpenFile`, for a public demo key)
 * and a weak key. The key itself is never printed.
 */
export async function readPseudonymKey(path: string, options: { readonly allowOpenFile?: boolean } = {}): Promise<Buffer> {
  let raw: Buffer;
  let mode: number;
  try {
    mode = (await stat(path)).mode;
    raw = await readFile(path);
  } catch (error) {
    throw new PseudonymKeyRefused(`the pseudonym key file ${path}: ${describeFileError(error)}`);
  }
  if ((mode & 0o044) !== 0 && options.allowOpenFile !== true) {
    throw new PseudonymKeyRefused(`the pseudonym key file ${path} is readable by group or others (mode ${(mode & 0o777).toString(8).padStart(4, '0')}): chmod 600 it`);
  }
  const key = decodeKey(raw);
  const weakness = keyWeakness(key);
  if (weakness !== null) throw new PseudonymKeyRefused(`the pseudonym key in ${path} is too weak: ${weakness}`);
  return key;
}

function decodeKey(raw: Buffer): Buffer {
  const text = raw.toString('utf8').trim();
  if (/^[0-9a-fA-F]+$/.test(text) && text.length % 2 === 0 && text.length >= 32) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/]+=*$/.test(text) && text.length >= 24) return Buffer.from(text, 'base64');
  return raw;
}
