// What people read about a table of settings: commander's options, the help's list, and the README's rows.
import { Option } from 'commander';
import type { Setting } from './setting.js';
import { flagName } from './settings-reader.js';

/** The default as the README says it: the fixed text, (required), the row's own words, or none. */
export function defaultCell(row: Setting): string {
  if (row.defaultDoc !== undefined) return row.defaultDoc;
  if (row.required === true) return '(required)';
  return row.default === undefined ? 'none' : `\`${row.default}\``;
}

/** The README's row of a setting: `| variable | flag | default | meaning |`. */
export function markdownRow(row: Setting): string {
  const flag = row.flag === undefined ? '' : `\`${flagName(row.flag)}\``;
  return `| \`${row.env}\` | ${flag} | ${defaultCell(row)} | ${row.doc} |`.replace('|  |', '| |');
}

const plain = (markdown: string): string => markdown.replaceAll('`', '');

/** A commander option per row with a flag. */
export function flagOptions(table: readonly Setting[]): Option[] {
  return table.filter((row) => row.flag !== undefined).map((row) => new Option(row.flag!, `${plain(row.doc)} (${row.env})`));
}

const WIDTH = 118;

/** The help's list of settings: variable, flag and default on one line, what it means under them. */
export function settingsHelp(table: readonly Setting[]): string {
  const lines = ['Settings (environment variable, flag where there is one, default):'];
  for (const row of table) {
    lines.push(`  ${row.env.padEnd(32)} ${(row.flag === undefined ? '' : flagName(row.flag)).padEnd(22)} ${plain(defaultCell(row))}`.trimEnd());
    lines.push(...wrapped(plain(row.doc), '      '));
  }
  return lines.join('\n');
}

function wrapped(text: string, indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && indent.length + line.length + 1 + word.length > WIDTH) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(indent + line);
  return lines;
}
