// Readers decode a whole block or chunk at a time and hand out batches; this turns batches into the one-item
// async iterable the replay consumes. A hand-written iterator rather than an async generator: every item of an
// async generator pays for a trip through the generator's request queue, and files hold millions of items.
export function itemsOf<T>(batches: () => AsyncIterator<readonly T[]>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const source = batches();
      let batch: readonly T[] = [];
      let index = 0;
      const pull = async (): Promise<IteratorResult<T>> => {
        for (;;) {
          const next = await source.next();
          if (next.done === true) return { done: true, value: undefined };
          if (next.value.length > 0) {
            batch = next.value;
            index = 1;
            return { done: false, value: batch[0] as T };
          }
        }
      };
      return {
        next: () => (index < batch.length ? Promise.resolve({ done: false, value: batch[index++] as T }) : pull()),
        // Lets `break` out of a for-await close the file underneath.
        return: async () => {
          await source.return?.();
          return { done: true, value: undefined };
        },
      };
    },
  };
}
