// Writes the golden sample files under schemas/samples/ from golden-sample-set.ts:
//   <stem>.avro (null codec), <stem>.deflate.avro, <stem>.<position>.bin (single-object encoding),
//   <stem>.expected.json (what the reader must decode), and for another writer schema <stem>.writer.avsc;
// samples whose writer is not the reader schema go under schemas/samples/writers/.
// Run: npm run samples:write   (output is reproducible: fixed sync markers)
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { goldenSampleSets, type SampleSet } from '../services/codec/testing/golden-sample-set.js';
import { openAvroWriterWithSchema } from '../services/codec/record-writer.js';
import { SCHEMAS_DIR, schemaJson } from '../services/codec/schema-catalog.js';
import { SingleObjectEncoder } from '../services/codec/single-object.js';

export const SAMPLES_DIR = join(SCHEMAS_DIR, 'samples');

export interface ExpectedFile {
  readonly schema: string;
  /** Relative to the expected file's folder; null when the reader schema itself wrote the samples. */
  readonly writerSchema: string | null;
  readonly containers: readonly string[];
  readonly singleObjects: readonly { readonly file: string; readonly position: number }[];
  readonly items: readonly ({ position: number; fields: Record<string, unknown> } | { position: number; error: string })[];
}

async function writeSet(set: SampleSet): Promise<void> {
  const dir = set.writer ? join(SAMPLES_DIR, 'writers') : SAMPLES_DIR;
  mkdirSync(dir, { recursive: true });
  const writer = set.writer ?? schemaJson(set.schema);
  const containers = [`${set.stem}.avro`, `${set.stem}.deflate.avro`];
  for (const [file, codec] of [[containers[0], 'null'], [containers[1], 'deflate']] as const) {
    const syncMarker = createHash('sha256').update(file as string).digest().subarray(0, 16);
    const out = openAvroWriterWithSchema(join(dir, file as string), writer, { codec, syncMarker });
    for (const record of set.written) await out.write(record);
    await out.close();
  }
  const encoder = new SingleObjectEncoder(writer);
  const singleObjects = set.singleObjects.map((position) => {
    const file = `${set.stem}.${position}.bin`;
    writeFileSync(join(dir, file), encoder.encode(set.written[position - 1]));
    return { file, position };
  });
  let writerSchema: string | null = null;
  if (set.writer) {
    writerSchema = `${set.stem}.writer.avsc`;
    writeFileSync(join(dir, writerSchema), `${JSON.stringify(set.writer, null, 2)}\n`);
  }
  const expected: ExpectedFile = {
    schema: set.schema,
    writerSchema,
    containers,
    singleObjects,
    items: set.expected.map((e, i) => ({ position: i + 1, ...e })),
  };
  writeFileSync(join(dir, `${set.stem}.expected.json`), `${JSON.stringify(expected, null, 2)}\n`);
}

for (const set of goldenSampleSets()) await writeSet(set);
console.log(`golden samples written to ${SAMPLES_DIR}`);
