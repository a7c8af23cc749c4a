// Runs one measured job in a process of its own, so that its peak resident memory is its own, and prints
// one JSON line: { records, seconds, maxRssBytes }. Started by the benchmark, never by a user.
import { main as replay } from '../replay/main.js';
import { rawAvroDecode } from './raw-avro-decode.js';

export interface Measurement {
  readonly records: number;
  readonly seconds: number;
  readonly maxRssBytes: number;
}

const [job, ...args] = process.argv.slice(2);
const started = process.hrtime.bigint();
let records = 0;
if (job === 'raw-avro-decode') {
  records = await rawAvroDecode(args);
} else if (job === 'replay') {
  const code = await replay(args);
  if (code !== 0) throw new Error(`replay exited ${code}`);
} else {
  throw new Error(`unknown job ${job}`);
}
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const result: Measurement = { records, seconds, maxRssBytes: process.resourceUsage().maxRSS * 1024 };
process.stdout.write(`${JSON.stringify(result)}\n`);
