// Where a container block's items go as the block is read, and what they make: one batch per block. The plain
// sink gathers the items; another may make something more compact of them (and of whole blocks that are errors),
// or read the records it can straight from the block's bytes instead of having them decoded.
import type { ReadItem } from '../core/read-item.js';

export interface BlockSink<T> {
  push(item: ReadItem): void;
  /**
   * Given when the sink reads records straight from their bytes: takes the record at `pos` of `data`, as the
   * item at `position`, if it is one the sink reads so and it is at most `maxBytes` long, and returns where it
   * ends; else returns -1, having taken nothing, and the record is decoded and pushed as usual.
   */
  readonly readDirect?: (data: Buffer, pos: number, position: number, maxBytes: number) => number;
  /** The batch of what was pushed or taken. */
  batch(): T;
}

/**
 * A sink for one block's batch, made for about `records` items. `writer` is the file's writer schema (parsed
 * JSON, the same value for every block of a file) when its records are resolved to the reader schema, for a sink
 * to tell whether it can read them from their bytes; null when they are not (each is then an error item).
 */
export type BlockSinks<T> = (records: number, writer: unknown) => BlockSink<T>;

/** Batches of items, as decoded. */
export const ITEM_BATCHES: BlockSinks<readonly ReadItem[]> = () => {
  const items: ReadItem[] = [];
  return { push: (item) => void items.push(item), batch: () => items };
};
