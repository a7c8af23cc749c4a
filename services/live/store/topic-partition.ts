// A partition of an input topic, and its key: the one string form of a partition, used for maps in memory and
// stored in the checkpoints (the decider's cuts and snapshots hold offsets by key), so its form is fixed:
// `topic:partition`. Kafka topic names hold only [a-zA-Z0-9._-], so the last colon separates unambiguously.

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

declare const partitionKeyBrand: unique symbol;
/** A partition's key, made only here: a map keyed by it cannot be given some other string by mistake. */
export type PartitionKey = string & { readonly [partitionKeyBrand]: true };

export function partitionKey(topic: string, partition: number): PartitionKey {
  return `${topic}:${partition}` as PartitionKey;
}

export function keyOf(tp: TopicPartition): PartitionKey {
  return partitionKey(tp.topic, tp.partition);
}

export function topicPartitionOf(key: PartitionKey): TopicPartition {
  const at = key.lastIndexOf(':');
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
}

export function topicOf(key: PartitionKey): string {
  return key.slice(0, key.lastIndexOf(':'));
}

/** A key read back from storage (JSON of a cut or a snapshot); a malformed one is an error, never a partition NaN. */
export function parsePartitionKey(text: string): PartitionKey {
  const match = /^([a-zA-Z0-9._-]+):(0|[1-9][0-9]*)$/.exec(text);
  if (match === null) throw new Error(`not a partition key: ${JSON.stringify(text)}`);
  return text as PartitionKey;
}

/** The stored form of offsets by key (a JSON object) back into a map. */
export function partitionMapOf<V>(stored: Readonly<Record<string, V>>): Map<PartitionKey, V> {
  return new Map(Object.entries(stored).map(([key, value]) => [parsePartitionKey(key), value]));
}

export function sameTopicPartition(a: TopicPartition, b: TopicPartition): boolean {
  return a.topic === b.topic && a.partition === b.partition;
}

/** By topic, then partition number (so partition 10 comes after 9, unlike the keys' string order). */
export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  return a.partition - b.partition;
}
