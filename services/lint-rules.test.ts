// The lint rules that keep the core and the simulator's generator deterministic, and promises heard, are only
// worth what they catch: each hole below once passed lint, and the run must now reject it.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const withoutTypes: ESLint.Options['overrideConfig'] = {
  files: ['**/*.ts'],
  languageOptions: { parserOptions: { projectService: false } },
  rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-misused-promises': 'off' },
};

async function rulesBroken(code: string, filePath: string): Promise<string[]> {
  const eslint = new ESLint({ overrideConfig: withoutTypes });
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((message) => message.ruleId ?? message.message);
}

const holes: Array<[string, string]> = [
  ['an events import', "import { EventEmitter } from 'events';\nexport const e = new EventEmitter();\n"],
  ['a perf_hooks import', "import { performance } from 'perf_hooks';\nexport const t = performance.now();\n"],
  ['a util import', "import { inspect } from 'util';\nexport const s = inspect(1);\n"],
  ['a node: import', "import { randomUUID } from 'node:crypto';\nexport const id = randomUUID();\n"],
  ['a subpath import', "import { readFile } from 'fs/promises';\nexport const r = readFile;\n"],
  ['globalThis.Date.now()', 'export const now = globalThis.Date.now();\n'],
  ['globalThis.Math.random()', 'export const r = globalThis.Math.random();\n'],
  ['Date.now()', 'export const now = Date.now();\n'],
  ['new Date()', 'export const now = new Date();\n'],
];

describe('purity rule', () => {
  for (const place of ['services/core/lint-fixture.ts', 'services/simulator/scenario-generator.ts']) {
    for (const [hole, code] of holes) {
      it(`rejects ${hole} in ${place}`, async () => {
        const broken = await rulesBroken(code, place);
        expect(broken.some((rule) => rule.startsWith('no-restricted-'))).toBe(true);
      });
    }
  }

  it('lets the core take time and randomness as inputs', async () => {
    const code = 'export function due(start: number, slaMs: number): number {\n  return start + slaMs;\n}\n';
    expect(await rulesBroken(code, 'services/core/lint-fixture.ts')).toEqual([]);
  });

  it('leaves adapters free to do I/O', async () => {
    const code = "import { readFile } from 'node:fs/promises';\nexport const r = readFile;\nexport const now = Date.now();\n";
    expect(await rulesBroken(code, 'services/simulator/scenario-files.ts')).toEqual([]);
  });
});

describe('promise rules', () => {
  it('rejects a floating promise and a promise passed where a plain callback is expected', async () => {
    const eslint = new ESLint({ ignore: false });
    const [result] = await eslint.lintFiles(['test/lint-fixtures/floating-promise.ts']);
    const rules = result!.messages.map((message) => message.ruleId);
    expect(rules).toContain('@typescript-eslint/no-floating-promises');
    expect(rules).toContain('@typescript-eslint/no-misused-promises');
  }, 60_000);
});
