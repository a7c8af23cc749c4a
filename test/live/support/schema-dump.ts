// The whole of a test's schema as pg_dump writes it (definitions and data), to search for what must not be there.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

export async function dumpSchema(databaseUrl: string, schema: string): Promise<string> {
  const { stdout } = await promisify(execFile)('pg_dump', ['--dbname', databaseUrl, '--schema', schema, '--no-owner'], { maxBuffer: 1 << 30 });
  if (!stdout.includes(`CREATE TABLE ${schema}.`)) throw new Error(`pg_dump of ${schema} holds no table`);
  return stdout;
}

/**
 * The NHS numbers found in a dump: as text (not inside a longer run of digits, such as an epoch time), or as the
 * hex of their characters, which is how pg_dump writes a bytea column that would hold one.
 */
export function nhsNumbersIn(dump: string, numbers: Iterable<string>): string[] {
  const found: string[] = [];
  const lower = dump.toLowerCase();
  for (const number of numbers) {
    if (new RegExp(`(?<![0-9])${number}(?![0-9])`).test(dump) || lower.includes(Buffer.from(number, 'utf8').toString('hex'))) found.push(number);
  }
  return found;
}
