import { describe, expect, it } from 'vitest';
import { compareTopicPartitions, keyOf, parsePartitionKey, partitionKey, partitionMapOf, sameTopicPartition, topicOf, topicPartitionOf } from './topic-partition.js';

describe('topic partitions', () => {
  it('keys a partition as topic:partition, the form the stored checkpoints hold', () => {
    expect(partitionKey('gp_optout-events.v1', 3)).toBe('gp_optout-events.v1:3');
    expect(keyOf({ topic: 'nds.manifests', partition: 0 })).toBe('nds.manifests:0');
  });

  it('reads a key back into its topic and partition, whatever dots, dashes and digits the topic holds', () => {
    for (const tp of [{ topic: 'a', partition: 0 }, { topic: 'nds.objections.received-2', partition: 17 }, { topic: '1.2_3', partition: 120 }]) {
      expect(topicPartitionOf(keyOf(tp))).toEqual(tp);
      expect(topicOf(keyOf(tp))).toBe(tp.topic);
    }
  });

  it('refuses a stored key that names no partition, rather than reading partition NaN', () => {
    expect(parsePartitionKey('gp.events:12')).toBe('gp.events:12');
    for (const bad of ['gp.events', 'gp.events:', ':3', 'gp.events:-1', 'gp.events:03', 'gp events:1', 'gp.events:1.5']) {
      expect(() => parsePartitionKey(bad), bad).toThrow(/not a partition key/);
    }
  });

  it('turns stored offsets by key back into a map by key', () => {
    expect([...partitionMapOf({ 't:0': 5, 't:1': 7 })]).toEqual([[partitionKey('t', 0), 5], [partitionKey('t', 1), 7]]);
    expect(() => partitionMapOf({ 't:x': 1 })).toThrow(/not a partition key/);
  });

  it('says two partitions are the same when topic and number are', () => {
    expect(sameTopicPartition({ topic: 't', partition: 1 }, { topic: 't', partition: 1 })).toBe(true);
    expect(sameTopicPartition({ topic: 't', partition: 1 }, { topic: 't', partition: 2 })).toBe(false);
    expect(sameTopicPartition({ topic: 't', partition: 1 }, { topic: 'u', partition: 1 })).toBe(false);
  });

  it('orders by topic, then by partition number (10 after 9, unlike the keys as text)', () => {
    const sorted = [{ topic: 'b', partition: 0 }, { topic: 'a', partition: 10 }, { topic: 'a', partition: 9 }].sort(compareTopicPartitions);
    expect(sorted.map(keyOf)).toEqual(['a:9', 'a:10', 'b:0']);
  });
});
