// Which partitions the four input topics have and where each log ends, from Kafka's metadata. The decider needs
// every partition of every input, not only those this instance consumes: stream time is a minimum over all.
import type { Admin } from 'kafkajs';
import { brokerFailure } from '../errors.js';
import { partitionKey, type PartitionKey } from '../store/topic-partition.js';

export interface InputTopology {
  /** The log end offset of every partition of the input topics, by partition key. */
  endOffsets(): Promise<Map<PartitionKey, number>>;
}

export function kafkaInputTopology(admin: Admin, topics: readonly string[]): InputTopology {
  return {
    async endOffsets() {
      const ends = new Map<PartitionKey, number>();
      try {
        await admin.connect();
        for (const topic of topics) {
          for (const p of await admin.fetchTopicOffsets(topic)) ends.set(partitionKey(topic, p.partition), Number(p.high));
        }
      } catch (error) {
        throw brokerFailure(error, 'reading the input topics\' end offsets');
      }
      return ends;
    },
  };
}

/** Where a partition's log begins now: offsets below it were deleted (retention) or never were. */
export function kafkaLogStart(admin: Admin): (topic: string, partition: number) => Promise<number> {
  return async (topic, partition) => {
    try {
      await admin.connect();
      const offsets = await admin.fetchTopicOffsets(topic);
      const found = offsets.find((p) => p.partition === partition);
      if (!found) throw new Error(`no partition ${partition}`);
      return Number(found.low);
    } catch (error) {
      throw brokerFailure(error, `reading where ${topic}/${partition} begins`);
    }
  };
}
