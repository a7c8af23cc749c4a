import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import avro from 'avsc';
import { streamSchemaJson } from '../schema-catalog.js';

/** Writes dissemination records with avsc's own container encoder, in blocks of about `blockSize` bytes. */
export async function writeDisseminationContainer(path: string, records: readonly object[], options: { readonly blockSize: number; readonly codec?: 'null' | 'deflate'; readonly syncMarker?: Buffer }): Promise<string> {
  const encoder = new avro.streams.BlockEncoder(avro.Type.forSchema(streamSchemaJson('ndsDisseminations') as avro.Schema), { codec: 'null', ...options });
  const out = createWriteStream(path);
  encoder.pipe(out);
  for (const record of records) encoder.write(record);
  encoder.end();
  await once(out, 'close');
  return path;
}
