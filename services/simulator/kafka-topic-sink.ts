// The Kafka side of `simulate --publish kafka`: checks that the four input topics exist (it never creates one:
// partitions, retention and access are the deployment's to choose), then sends batches with a plain producer,
// acks from all in-sync replicas, one request in flight (so each partition keeps generation order), keys placed by
// the Java-compatible partitioner as other producers of the contract would place them.
import { Kafka, logLevel, Partitioners, type LogEntry, type Producer } from 'kafkajs';
import { STREAM_NAMES, type StreamName } from '../core/records.js';
import type { KafkaMessage } from './kafka-messages.js';
import type { MessageSink } from './paced-publisher.js';

export interface KafkaTopicSinkOptions {
  readonly brokers: readonly string[];
  readonly topics: { readonly [S in StreamName]: string };
  readonly clientId: string;
  /** kafkajs's warnings and errors (a broker unreachable, a retry), one line each, without message contents. */
  readonly warn: (line: string) => void;
}

export interface KafkaTopicSink extends MessageSink {
  close(): Promise<void>;
}

/** The topics are not there: nothing was sent, and the run cannot go on. */
export class TopicsMissing extends Error {
  constructor(readonly missing: readonly string[]) {
    super(`topic(s) missing: ${missing.join(', ')}; create them first (simulate never creates topics)`);
    this.name = 'TopicsMissing';
  }
}

export async function openKafkaTopicSink(options: KafkaTopicSinkOptions): Promise<KafkaTopicSink> {
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: 8 },
    logLevel: logLevel.WARN,
    logCreator: () => ({ label, log }: LogEntry) => {
      const { message, broker } = log as { message?: string; broker?: string };
      options.warn(`kafka ${label.toLowerCase()}: ${message ?? ''}${broker ? ` (broker ${broker})` : ''}`);
    },
  });

  const wanted = STREAM_NAMES.map((s) => options.topics[s]);
  const admin = kafka.admin();
  try {
    await admin.connect();
    // Listing asks for no topic by name, so no broker auto-creates one on the way.
    const present = new Set(await admin.listTopics());
    const missing = wanted.filter((t) => !present.has(t));
    if (missing.length > 0) throw new TopicsMissing(missing);
  } finally {
    await admin.disconnect();
  }

  const producer: Producer = kafka.producer({
    allowAutoTopicCreation: false, idempotent: false, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  return {
    async send(messages: readonly KafkaMessage[]) {
      const byTopic = new Map<string, { key: string; value: Buffer }[]>();
      for (const m of messages) {
        const topic = options.topics[m.stream];
        let list = byTopic.get(topic);
        if (list === undefined) byTopic.set(topic, (list = []));
        list.push({ key: m.key, value: m.value });
      }
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list })) });
    },
    close: () => producer.disconnect(),
  };
}
