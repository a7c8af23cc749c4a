// The lint rule holds the generator to "no I/O, no clock, no Math.random" through a list of its files: the list
// must be exactly scenario-generator.ts and what it imports from the simulator, directly or not.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const simulatorGeneratorFiles = (JSON.parse(readFileSync(join(here, 'generator-files.json'), 'utf8')) as { files: string[] }).files;

function importClosure(entry: string): string[] {
  const seen = new Set<string>();
  const todo = [entry];
  while (todo.length > 0) {
    const file = todo.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const match of readFileSync(join(here, file), 'utf8').matchAll(/from '\.\/([^']+)\.js'/g)) todo.push(`${match[1]}.ts`);
  }
  return [...seen].sort();
}

describe('the simulator generator purity list', () => {
  it('names exactly the generator and the simulator files it imports', () => {
    expect([...simulatorGeneratorFiles].sort()).toEqual(importClosure('scenario-generator.ts'));
  });
});
