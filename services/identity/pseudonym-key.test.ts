import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyWeakness, readPseudonymKey } from './pseudonym-key.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pseudonym-key-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function keyFile(content: string | Buffer, mode = 0o600): Promise<string> {
  const path = join(dir, `key-${n++}`);
  await writeFile(path, content, { mode });
  await chmod(path, mode); // whatever the umask
  return path;
}

describe('pseudonym key file', () => {
  it('reads a private file of 32 random bytes as raw bytes, hex or base64', async () => {
    const key = randomBytes(32);
    for (const content of [key, `${key.toString('hex')}\n`, `${key.toString('base64')}\n`]) {
      expect((await readPseudonymKey(await keyFile(content))).equals(key)).toBe(true);
    }
  });

  it('refuses a key file readable by group or others, with one line saying what to do (regression: mode 0666 accepted)', async () => {
    const key = randomBytes(32).toString('hex');
    for (const mode of [0o666, 0o644, 0o640, 0o604]) {
      const path = await keyFile(key, mode);
      await expect(readPseudonymKey(path)).rejects.toThrow(`the pseudonym key file ${path} is readable by group or others (mode 0${mode.toString(8)}): chmod 600 it`);
    }
    for (const mode of [0o600, 0o400]) await expect(readPseudonymKey(await keyFile(key, mode))).resolves.toHaveLength(32);
    await expect(readPseudonymKey(await keyFile(key, 0o644), { allowOpenFile: true })).resolves.toHaveLength(32);
  });

  it('refuses an all-zero key and other obviously low-entropy keys (regression: an all-zero 32-byte key accepted)', async () => {
    const zero = await keyFile(Buffer.alloc(32));
    await expect(readPseudonymKey(zero)).rejects.toThrow(`the pseudonym key in ${zero} is too weak: all its bytes are equal; give 32 random bytes`);
    await expect(readPseudonymKey(await keyFile('00'.repeat(32)))).rejects.toThrow(/all its bytes are equal/);
    await expect(readPseudonymKey(await keyFile('0123456789abcdef'.repeat(4)))).rejects.toThrow(/only 8 distinct byte values in 32 bytes/);
  });

  it('refuses a key shorter than 16 bytes with one line, not a stack', async () => {
    const short = await keyFile(randomBytes(15));
    await expect(readPseudonymKey(short)).rejects.toThrow(`the pseudonym key in ${short} is too weak: it holds 15 bytes; give at least 16 (32 random bytes recommended)`);
  });

  it('names a missing file and a directory', async () => {
    await expect(readPseudonymKey(join(dir, 'nope'))).rejects.toThrow(`the pseudonym key file ${join(dir, 'nope')}: does not exist`);
    await expect(readPseudonymKey(dir)).rejects.toThrow(/is readable by group or others|is a directory/);
  });
});

describe('key weakness', () => {
  it('draws the line at 16 distinct byte values in 32 bytes', () => {
    const withDistinct = (d: number) => Buffer.from(Array.from({ length: 32 }, (_, i) => (i % d) * 7));
    expect(keyWeakness(withDistinct(15))).toMatch(/only 15 distinct/);
    expect(keyWeakness(withDistinct(16))).toBeNull();
    expect(keyWeakness(withDistinct(1))).toMatch(/all its bytes are equal/);
  });

  it('lets random keys through: 10,000 random 32-byte keys, none refused', () => {
    let refused = 0;
    for (let i = 0; i < 10_000; i++) if (keyWeakness(randomBytes(32)) !== null) refused++;
    expect(refused).toBe(0);
  });
});
