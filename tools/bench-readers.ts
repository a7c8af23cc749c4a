// Throughput of the file readers against raw baselines measured in the same run (ratios, not absolute speed):
//   container-reader vs avsc's own createFileDecoder, NDJSON reader vs readline + JSON.parse.
// Run: npm run bench:readers -- [records=1000000]
import { once } from 'node:events';
import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import avro from 'avsc';
import { readAvroContainer } from '../services/codec/container-reader.js';
import { readNdjson } from '../services/codec/ndjson-reader.js';
import { openRecordWriter, type RecordFileFormat } from '../services/codec/record-writer.js';
import { avroTypeFor } from '../services/codec/schema-catalog.js';
import type { ContainerCodec } from '../services/codec/container-format.js';

const records = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(join(tmpdir(), 'bench-readers-'));

async function write(path: string, format: RecordFileFormat, codec: ContainerCodec): Promise<number> {
  const started = performance.now();
  const writer = openRecordWriter('gpEvents', path, format, { codec });
  for (let i = 0; i < records; i++) {
    const pending = writer.write({
      eventId: `gp-${i}`, nhsNumber: '9990000018', practiceOds: 'A81001', supplier: 'TPP', code: '827241000000103', recordedAt: 1_514_764_800_000 + i * 1000,
    });
    if (pending) await pending;
  }
  await writer.close();
  return performance.now() - started;
}

async function time(run: () => Promise<number>): Promise<{ ms: number; count: number }> {
  const started = performance.now();
  const count = await run();
  return { ms: performance.now() - started, count };
}

async function ours(items: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const _ of items) n++;
  return n;
}

async function avscDecoder(path: string): Promise<number> {
  let n = 0;
  const decoder = avro.createFileDecoder(path, { readerSchema: avroTypeFor('gpEvents') }).on('data', () => n++);
  await once(decoder, 'end');
  return n;
}

async function readlineJson(path: string): Promise<number> {
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    if (line.length > 0) {
      JSON.parse(line);
      n++;
    }
  }
  return n;
}

function report(name: string, mine: { ms: number; count: number }, base: { ms: number; count: number }, baseName: string): void {
  const rate = (t: { ms: number; count: number }) => `${Math.round(t.count / (t.ms / 1000)).toLocaleString('en-GB')} rec/s`;
  console.log(`${name.padEnd(16)} ours ${rate(mine).padStart(16)}  ${baseName} ${rate(base).padStart(16)}  ratio ours/baseline time ${(mine.ms / base.ms).toFixed(2)}`);
}

try {
  for (const codec of ['null', 'deflate'] as const) {
    const path = join(dir, `gp-${codec}.avro`);
    const writeMs = await write(path, 'avro', codec);
    console.log(`wrote ${records} records (avro, ${codec}) in ${Math.round(writeMs)} ms`);
    for (let round = 0; round < 3; round++) {
      const mine = await time(() => ours(readAvroContainer(path, 'gpEvents')));
      const base = await time(() => avscDecoder(path));
      report(`avro ${codec}`, mine, base, 'avsc createFileDecoder');
    }
  }
  const path = join(dir, 'gp.ndjson');
  const writeMs = await write(path, 'ndjson', 'null');
  console.log(`wrote ${records} records (ndjson) in ${Math.round(writeMs)} ms`);
  for (let round = 0; round < 3; round++) {
    const mine = await time(() => ours(readNdjson(path, 'gpEvents')));
    const base = await time(() => readlineJson(path));
    report('ndjson', mine, base, 'readline+JSON.parse');
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
