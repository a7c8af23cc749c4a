#!/usr/bin/env node
// Runs the compiled JavaScript in dist/ (`npm run build`; `npm start` and the image build it first).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/start.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('optout-verifier: dist/ has not been built: run `npm run build` in the package folder first\n');
  process.exitCode = 1;
} else {
  await import(entry.href);
}
