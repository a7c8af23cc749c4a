// An intake thread that breaks on the first batch it is handed, as a thread that runs out of memory would end.
import { parentPort } from 'node:worker_threads';

parentPort!.on('message', () => {
  throw new Error('the intake thread broke');
});
