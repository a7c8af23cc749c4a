import { readFile } from 'node:fs/promises';

/**
 * Reads a pseudonym key file: raw bytes, or text holding hex or base64 (trailing newline ignored).
 * The key itself is never printed.
 */
export async function readPseudonymKey(path: string): Promise<Buffer> {
  let raw: Buffer;
  try {
    raw = await readFile(path);
  } catch (error) {
    throw new Error(`cannot read the pseudonym key file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  const text = raw.toString('utf8').trim();
  if (/^[0-9a-fA-F]+$/.test(text) && text.length % 2 === 0 && text.length >= 32) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/]+=*$/.test(text) && text.length >= 24) return Buffer.from(text, 'base64');
  return raw;
}
