// The registry's part in /readyz: false from the first failed request for a writer schema until one succeeds. While
// it is false a batch that needs a schema the service does not have yet waits; batches whose schemas are known go on.
import type { WriterSchemaSource } from '../../codec/confluent-decoder.js';
import { registryFailure } from '../errors.js';
import type { Readiness } from '../ops/readiness.js';

export function writerSchemasWatched(source: WriterSchemaSource, readiness: Readiness): WriterSchemaSource {
  return {
    async writerSchemaById(id) {
      try {
        const lookup = await source.writerSchemaById(id);
        readiness.set('schemaRegistry', true);
        return lookup;
      } catch (error) {
        readiness.set('schemaRegistry', false);
        throw registryFailure(error);
      }
    },
  };
}
