// The process entry of the one executable: bin/optout-verifier.js runs the compiled form of this module
// (dist/cli/start.js); tests and development run it through a TypeScript loader (`tsx services/cli/start.ts`).
import { stopQuietlyWhenReaderLeaves } from './closed-output.js';
import { main } from './optout-verifier.js';

stopQuietlyWhenReaderLeaves([process.stdout, process.stderr], (code) => process.exit(code));
process.exitCode = await main(process.argv.slice(2));
