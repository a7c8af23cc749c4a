// The core must stay deterministic: no I/O modules, no ambient time, no randomness.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ioModules = ['kafkajs', 'pg', 'pg-*', 'prom-client', 'avsc', 'pino', 'commander', 'cli-progress', 'node:*',
  'fs', 'fs/*', 'net', 'http', 'https', 'crypto', 'child_process', 'os', 'path', 'process', 'stream', 'worker_threads',
  'timers', 'timers/*', 'dgram', 'dns', 'tls', 'zlib', 'readline'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'infra/kafka/build/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['bin/**/*.js', '**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    files: ['services/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: ioModules, message: 'The core does no I/O: pass the effect out through a port.' }] }],
      'no-restricted-globals': ['error',
        { name: 'process', message: 'The core reads no environment.' },
        { name: 'setTimeout', message: 'The core has no timers of its own: stream time is an input.' },
        { name: 'setInterval', message: 'The core has no timers of its own: stream time is an input.' },
        { name: 'setImmediate', message: 'The core has no timers of its own.' },
        { name: 'performance', message: 'The core reads no clock.' },
        { name: 'fetch', message: 'The core does no I/O.' },
        { name: 'require', message: 'The core does no I/O.' },
      ],
      'no-restricted-syntax': ['error',
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'No ambient time in the core: take time as an input.' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'No ambient time in the core: take time as an input.' },
        { selector: "CallExpression[callee.name='Date']", message: 'No ambient time in the core.' },
        { selector: "MemberExpression[object.name='Math'][property.name='random']", message: 'No randomness in the core: take a seed as an input.' },
        { selector: "MemberExpression[object.name='crypto']", message: 'No randomness or I/O in the core.' },
        { selector: 'ImportExpression', message: 'The core loads no modules at run time.' },
      ],
    },
  },
);
