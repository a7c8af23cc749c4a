// Starts a TypeScript worker: registers the tsx loader in this thread, then loads the entry module.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
