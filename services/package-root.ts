// Where the package's own files are: the schemas, the code catalogue, the migrations and the worker modules.
// This module sits one folder below the package root both in the sources (services/package-root.ts) and in
// the build (dist/package-root.js), so every file read by path is found from here, whatever runs the code:
// the compiled JavaScript in production, or a TypeScript loader in tests and development.
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { SHIPPED_CATALOGUE_PATH } from './contract/shipped-catalogue.js';

/** The package's root folder (the one holding package.json), as an absolute path. */
export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** True when this is the compiled JavaScript under dist/; false under a TypeScript loader. */
export const COMPILED = import.meta.url.endsWith('.js');

/** A file shipped with the package, by its path from the package root, whole or in segments. */
export function packageFile(...segments: string[]): string {
  return join(PACKAGE_ROOT, ...segments);
}

/** The shipped code catalogue (SHIPPED_CATALOGUE_PATH), used when a deployment names none of its own. */
export const SHIPPED_CATALOGUE_FILE = packageFile(SHIPPED_CATALOGUE_PATH);

/**
 * One of the package's own modules, for a worker thread or a child process to load, by its path under
 * services/ without an extension ('replay/digest-worker'): the .js file under dist/ when compiled, else the
 * .ts source, which needs the TypeScript loader in the thread or process that loads it.
 */
export function codeModule(path: string): URL {
  return pathToFileURL(COMPILED ? compiledModuleFile(path) : packageFile('services', `${path}.ts`));
}

/** The compiled .js file under dist/ of one of the package's own modules, by its path under services/. */
export function compiledModuleFile(path: string): string {
  return packageFile('dist', `${path}.js`);
}
