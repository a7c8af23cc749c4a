// The README's layout table names every folder of the package, to two levels, and every part of the live service.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from './package-root.js';

/** Not the package's own: installed, built, written by runs (.gitignore). */
const NOT_OURS = new Set(['.git', 'node_modules', 'dist', 'coverage', 'out', '.bench', 'infra/kafka/build']);

function folders(relative: string, depth: number): string[] {
  return readdirSync(join(PACKAGE_ROOT, relative), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => (relative === '' ? entry.name : `${relative}/${entry.name}`))
    .filter((path) => !NOT_OURS.has(path))
    .flatMap((path) => [path, ...(depth > 1 ? folders(path, depth - 1) : [])]);
}

describe('the README layout table', () => {
  it('has a row for every folder, two levels down, and for every part of services/live', () => {
    const readme = readFileSync(join(PACKAGE_ROOT, 'README.md'), 'utf8');
    const layout = readme.slice(readme.indexOf('## Layout'), readme.indexOf('\n## ', readme.indexOf('## Layout') + 1));
    const rows = new Set([...layout.matchAll(/^\| `([^`]+)\/` \|/gm)].map((m) => m[1]!));
    const wanted = [...folders('', 2), ...folders('services/live', 1), 'test/live/support'];
    expect(wanted.filter((path) => !rows.has(path))).toEqual([]);
  });
});
