// Reads the input topics from each partition's start up to the end offsets found when the export started, then
// stops: records produced since are never read, and nothing is waited for. The consumer is in a group of its own
// (a fresh id under the service's group id, so the service's group and its offsets are never touched) and
// never commits: kafkajs commits nothing with autoCommit off, and the group's metadata lapses when it leaves.
// kafkajs cannot assign partitions without a group; a group of one member is given every partition.
import type { Kafka, KafkaMessage } from 'kafkajs';
import { brokerFailure } from '../errors.js';
import { PartitionWindow, type PartitionBound } from './partition-window.js';

export interface BoundedReadOptions {
  readonly groupId: string;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly fetchMaxWaitMs: number;
}

/** Called with each batch's messages below the end offset, in offset order within the partition. */
export type BatchHandler = (topic: string, partition: number, messages: readonly KafkaMessage[]) => Promise<void>;

/** Ends the read early with this error (a signal): the caller discards what was read. */
export type StopSignal = Promise<Error>;

export async function readBounded(kafka: Kafka, bounds: readonly PartitionBound[], options: BoundedReadOptions, onBatch: BatchHandler, stop?: StopSignal): Promise<void> {
  const window = new PartitionWindow(bounds);
  if (window.finished) return;
  const consumer = kafka.consumer({
    groupId: options.groupId, sessionTimeout: options.sessionTimeoutMs, heartbeatInterval: options.heartbeatIntervalMs,
    maxWaitTimeInMs: options.fetchMaxWaitMs, allowAutoTopicCreation: false,
    // A failure ends the export (exit 3) rather than restarting the consumer behind the command's back.
    retry: { retries: 5, restartOnFailure: async () => false },
  });
  let settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  const finished = new Promise<void>((resolve, reject) => { settle = { resolve, reject }; });
  // Awaited once the consumer runs; a stop or crash before that must not be an unhandled rejection meanwhile.
  finished.catch(() => undefined);
  let done = false;
  const end = (error?: unknown): void => {
    if (done) return;
    done = true;
    if (error === undefined) settle!.resolve();
    else settle!.reject(error);
  };
  const advance = (topic: string, partition: number, next: number): void => {
    window.advance(topic, partition, next);
    if (window.finished) end();
  };
  // Batches of control records or compacted-away offsets never reach eachBatch; their end does.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => advance(payload.topic, payload.partition, Number(payload.lastOffset) + 1));
  consumer.on(consumer.events.CRASH, ({ payload }) => end(brokerFailure(payload.error, 'reading the input topics')));
  void stop?.then((reason) => end(reason));

  try {
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: window.topics(), fromBeginning: true });
    } catch (error) {
      throw brokerFailure(error, 'joining a consumer group of its own');
    }
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (done) return;
        const wanted = window.take(batch.topic, batch.partition, batch.messages);
        if (wanted.length > 0) {
          try {
            await onBatch(batch.topic, batch.partition, wanted);
          } catch (error) {
            // Not thrown to kafkajs, which would hand the same batch again: what failed (a file, the registry) ends the export.
            end(error);
            return;
          }
        }
        const last = batch.messages.at(-1);
        if (last !== undefined) advance(batch.topic, batch.partition, Number(last.offset) + 1);
      },
    });
    await finished;
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}
