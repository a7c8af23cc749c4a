// The service's two outputs on Kafka: dead letters (the input's own bytes, with where they came from and why) and
// alert messages from the outbox. Neither carries an NHS number outside a dead letter's payload: the key of a
// dead letter is its source position, never the input's key (which, for most inputs, is the NHS number).
import type { Producer } from 'kafkajs';
import type { DeadLetterReason } from '../../core/dead-letter-reason.js';
import { brokerFailure } from '../errors.js';
import type { OutboxMessage } from '../store/state-store.js';
import { partitionKey } from '../store/topic-partition.js';

export interface DeadLetter {
  readonly sourceTopic: string;
  readonly sourcePartition: number;
  readonly sourceOffset: number;
  readonly reason: DeadLetterReason;
  /** Names fields, never values (see record-validation.ts and decode-result.ts). */
  readonly detail: string;
  readonly value: Buffer | null;
}

export interface DeadLetterSink {
  publish(letters: readonly DeadLetter[]): Promise<void>;
}

export interface AlertSink {
  publish(messages: readonly OutboxMessage[]): Promise<void>;
}

export const DEAD_LETTER_HEADERS = { topic: 'source-topic', partition: 'source-partition', offset: 'source-offset', reason: 'reason', detail: 'detail' } as const;

export function kafkaDeadLetterSink(producer: Producer, topic: string): DeadLetterSink {
  return {
    async publish(letters) {
      if (letters.length === 0) return;
      try {
        await producer.send({
          topic,
          acks: -1,
          messages: letters.map((l) => ({
            key: `${partitionKey(l.sourceTopic, l.sourcePartition)}:${l.sourceOffset}`,
            value: l.value,
            headers: {
              [DEAD_LETTER_HEADERS.topic]: l.sourceTopic,
              [DEAD_LETTER_HEADERS.partition]: String(l.sourcePartition),
              [DEAD_LETTER_HEADERS.offset]: String(l.sourceOffset),
              [DEAD_LETTER_HEADERS.reason]: l.reason,
              [DEAD_LETTER_HEADERS.detail]: l.detail,
            },
          })),
        });
      } catch (error) {
        throw brokerFailure(error, `publishing ${letters.length} dead letter(s) to ${topic}`);
      }
    },
  };
}

/** Alert messages keyed by alert id; the header decided-at is when the decider made the change (epoch ms). */
export function kafkaAlertSink(producer: Producer, topic: string): AlertSink {
  return {
    async publish(messages) {
      if (messages.length === 0) return;
      try {
        await producer.send({
          topic,
          acks: -1,
          messages: messages.map((m) => ({
            key: m.alertId,
            value: m.payload,
            headers: { transition: m.transition, 'decided-at': String(m.decidedAt) },
          })),
        });
      } catch (error) {
        throw brokerFailure(error, `publishing ${messages.length} alert message(s) to ${topic}`);
      }
    },
  };
}
