// The core and the simulator's generator must stay deterministic: no I/O modules, no ambient time, no randomness.
// Promises are checked with type information everywhere: a floating promise is a failure nobody hears of.
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const simulatorGeneratorFiles = JSON.parse(readFileSync(join(import.meta.dirname, 'services/simulator/generator-files.json'), 'utf8')).files;

const nodeBuiltins = builtinModules.filter((name) => !name.startsWith('_'));
const ioModules = [
  'kafkajs', 'kafkajs/*', 'pg', 'pg-*', 'prom-client', 'avsc', 'pino', 'commander', 'cli-progress',
  'node:*', ...nodeBuiltins, ...nodeBuiltins.map((name) => `${name}/*`),
];

const noAmbientTime = 'No ambient time here: take time as an input.';
const pureRules = {
  'no-restricted-imports': ['error', { patterns: [{ group: ioModules, message: 'No I/O here: pass the effect out through a port.' }] }],
  'no-restricted-globals': ['error',
    { name: 'process', message: 'No environment reads here.' },
    { name: 'globalThis', message: 'No globals here: ambient time, randomness and I/O hide behind globalThis.' },
    { name: 'global', message: 'No globals here.' },
    { name: 'setTimeout', message: 'No timers of its own: stream time is an input.' },
    { name: 'setInterval', message: 'No timers of its own: stream time is an input.' },
    { name: 'setImmediate', message: 'No timers of its own.' },
    { name: 'queueMicrotask', message: 'No scheduling of its own.' },
    { name: 'performance', message: 'No clock here.' },
    { name: 'fetch', message: 'No I/O here.' },
    { name: 'require', message: 'No I/O here.' },
    { name: 'Buffer', message: 'Buffer is Node I/O: use Uint8Array.' },
  ],
  'no-restricted-syntax': ['error',
    { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: noAmbientTime },
    { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: noAmbientTime },
    { selector: "CallExpression[callee.name='Date']", message: noAmbientTime },
    { selector: "MemberExpression[object.name='Math'][property.name='random']", message: 'No randomness here: take a seed as an input.' },
    { selector: "MemberExpression[object.name='crypto']", message: 'No randomness or I/O here.' },
    { selector: 'ImportExpression', message: 'No modules loaded at run time.' },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'infra/kafka/build/**', 'coverage/**', 'test/lint-fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  {
    files: ['bin/**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', fetch: 'readonly', AbortSignal: 'readonly' } },
  },
  {
    // The same code runs from services/ and from dist/, so a file found relative to a module's own folder is
    // found in one and missed in the other: package-root.ts alone knows where the package's files are. Tests
    // run only from the sources.
    files: ['services/**/*.ts'],
    ignores: ['services/package-root.ts', 'services/**/*.test.ts'],
    rules: {
      'no-restricted-syntax': ['error',
        { selector: "MetaProperty[meta.name='import'][property.name='meta']", message: 'Find package files through services/package-root.ts, not import.meta.' },
        { selector: "Identifier[name='__dirname']", message: 'Find package files through services/package-root.ts.' },
        { selector: "Identifier[name='__filename']", message: 'Find package files through services/package-root.ts.' },
      ],
    },
  },
  { files: ['services/core/**/*.ts'], ignores: ['services/core/**/*.test.ts'], rules: pureRules },
  { files: simulatorGeneratorFiles.map((file) => `services/simulator/${file}`), rules: pureRules },
);
