// What the bench measures: the compiled JavaScript under dist/, as the package ships it and as `npm start`, the
// executable and the image run it; not the sources under a TypeScript loader, which transforms every module again in
// every worker thread that loads it. `npm run bench` builds first.
import { existsSync } from 'node:fs';
import { compiledModuleFile } from '../package-root.js';

/** The compiled module of a path under services/ ('bench/measure-child'), for a child process to run. */
export function measuredModule(path: string): string {
  const file = compiledModuleFile(path);
  if (!existsSync(file)) throw new Error(`the bench measures the compiled code, and ${file} is not there: run \`npm run build\` first (\`npm run bench\` does)`);
  return file;
}
