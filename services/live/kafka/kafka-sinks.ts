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

export const DEAD_LETTER_HEADERS = {
  topic: 'source-topic', partition: 'source-partition', offset: 'source-offset', reason: 'reason', detail: 'detail',
  /** Set when the input's bytes were left out because the dead-letter topic refused them as too large: their size. */
  omittedBytes: 'value-omitted-bytes',
} as const;

/** Kafka's answers to a message or a request larger than the topic or broker accepts (never worth a retry). */
const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);

export function isTooLarge(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (TOO_LARGE.has(String((e as Error & { type?: unknown }).type))) return true;
  }
  return false;
}

/**
 * Dead letters on Kafka. Should the topic refuse a send as too large (an input topic that allows larger messages
 * than the dead-letter topic, say), the letters are sent one at a time, and a letter refused on its own is sent
 * without the input's bytes, with their size in a header: the record stays where its headers point (source topic,
 * partition, offset), and one record never blocks its partition. onValueOmitted is told of each.
 */
export function kafkaDeadLetterSink(producer: Producer, topic: string, onValueOmitted: (letter: DeadLetter) => void = () => {}): DeadLetterSink {
  const message = (l: DeadLetter, withValue: boolean) => ({
    key: `${partitionKey(l.sourceTopic, l.sourcePartition)}:${l.sourceOffset}`,
    value: withValue ? l.value : null,
    headers: {
      [DEAD_LETTER_HEADERS.topic]: l.sourceTopic,
      [DEAD_LETTER_HEADERS.partition]: String(l.sourcePartition),
      [DEAD_LETTER_HEADERS.offset]: String(l.sourceOffset),
      [DEAD_LETTER_HEADERS.reason]: l.reason,
      [DEAD_LETTER_HEADERS.detail]: l.detail,
      ...(withValue ? {} : { [DEAD_LETTER_HEADERS.omittedBytes]: String(l.value?.length ?? 0) }),
    },
  });
  const send = async (messages: ReturnType<typeof message>[]) => {
    try {
      await producer.send({ topic, acks: -1, messages });
    } catch (error) {
      if (isTooLarge(error)) throw error;
      throw brokerFailure(error, `publishing ${messages.length} dead letter(s) to ${topic}`);
    }
  };
  return {
    async publish(letters) {
      if (letters.length === 0) return;
      try {
        await send(letters.map((l) => message(l, true)));
        return;
      } catch (error) {
        if (!isTooLarge(error)) throw error;
      }
      for (const letter of letters) {
        try {
          await send([message(letter, true)]);
        } catch (error) {
          if (!isTooLarge(error)) throw error;
          try {
            await send([message(letter, false)]);
          } catch (again) {
            throw brokerFailure(again, `publishing a dead letter to ${topic} without its value`);
          }
          onValueOmitted(letter);
        }
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
