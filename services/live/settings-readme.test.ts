// The README's settings tables are the settings tables: same variables, flags, defaults and descriptions, in the
// same order. `migrate`'s table lists the settings it reads that `run`'s does not, or reads with another default.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../package-root.js';
import { defaultCell, markdownRow } from '../settings/settings-doc.js';
import { MIGRATE_SETTINGS, RUN_SETTINGS } from './run-settings.js';

const HEADER = '| variable | flag | default | meaning |';

/** The rows of each table under HEADER in the README, in order. */
function readmeTables(): string[][] {
  const lines = readFileSync(`${PACKAGE_ROOT}/README.md`, 'utf8').split('\n');
  const tables: string[][] = [];
  lines.forEach((line, i) => {
    if (line !== HEADER) return;
    const rows: string[] = [];
    for (let j = i + 2; j < lines.length && lines[j]!.startsWith('|'); j++) rows.push(lines[j]!);
    tables.push(rows);
  });
  return tables;
}

describe('the README settings tables', () => {
  const [run, migrate] = readmeTables();

  it('list every setting of run, as its table has it', () => {
    expect(run).toEqual(RUN_SETTINGS.map(markdownRow));
  });

  it('list the settings migrate reads that run does not, or with another default', () => {
    const runDefaults = new Map(RUN_SETTINGS.map((row) => [row.env, defaultCell(row)]));
    const own = MIGRATE_SETTINGS.filter((row) => runDefaults.get(row.env) !== defaultCell(row));
    expect(own.map((row) => row.env)).toEqual(['DB_STATEMENT_TIMEOUT', 'PSEUDONYM_KEY_FILE', 'DB_RUNTIME_ROLE']);
    expect(migrate).toEqual(own.map(markdownRow));
  });
});
