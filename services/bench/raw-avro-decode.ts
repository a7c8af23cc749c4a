import avro from 'avsc';

/** The baseline: avsc's own container-file decoder over each file, decoding every record with its writer schema. */
export async function rawAvroDecode(paths: readonly string[]): Promise<number> {
  let records = 0;
  for (const path of paths) {
    await new Promise<void>((resolve, reject) => {
      avro.createFileDecoder(path)
        .on('data', () => void records++)
        .on('error', reject)
        .on('end', () => resolve());
    });
  }
  return records;
}
