import { KafkaJSNonRetriableError, KafkaJSProtocolError, type Producer, type ProducerRecord } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { DEAD_LETTER_HEADERS, isTooLarge, kafkaDeadLetterSink, type DeadLetter } from './kafka-sinks.js';

const MAX_BYTES = 100;

/** As kafkajs rejects a send the broker refused with MESSAGE_TOO_LARGE: a non-retriable error caused by the protocol error. */
function tooLarge(): Error {
  const protocol = new KafkaJSProtocolError({ type: 'MESSAGE_TOO_LARGE', code: 10, retriable: false, message: 'The request included a message larger than the max message size the server will accept' } as unknown as Error);
  // kafkajs passes the cause as a second argument its type declarations leave out.
  const NonRetriable = KafkaJSNonRetriableError as unknown as new (e: Error, options: { cause: Error }) => Error;
  return new NonRetriable(protocol, { cause: protocol });
}

/** A producer whose topic takes messages of at most MAX_BYTES (value), refusing a whole send that holds a larger one. */
function sizeLimitedProducer(): { producer: Producer; sent: ProducerRecord['messages'] } {
  const sent: ProducerRecord['messages'] = [];
  const producer = {
    send: async (record: ProducerRecord) => {
      if (record.messages.some((m) => Buffer.isBuffer(m.value) && m.value.length > MAX_BYTES)) throw tooLarge();
      sent.push(...record.messages);
      return [];
    },
  } as unknown as Producer;
  return { producer, sent };
}

const letter = (offset: number, bytes: number): DeadLetter => ({
  sourceTopic: 'nds.disseminations', sourcePartition: 3, sourceOffset: offset, reason: 'UNDECODABLE', detail: 'truncated body', value: Buffer.alloc(bytes, 7),
});

describe('the dead-letter sink', () => {
  it('recognises kafkajs refusals for size, and nothing else', () => {
    expect(isTooLarge(tooLarge())).toBe(true);
    expect(isTooLarge(new KafkaJSNonRetriableError(new Error('UNKNOWN_TOPIC_OR_PARTITION')))).toBe(false);
    expect(isTooLarge('MESSAGE_TOO_LARGE')).toBe(false);
  });

  it('sends a letter the topic refuses as too large without its bytes, naming their size, and every other letter whole', async () => {
    const { producer, sent } = sizeLimitedProducer();
    const omitted: number[] = [];
    const sink = kafkaDeadLetterSink(producer, 'optout.deadletter', (l) => omitted.push(l.sourceOffset));
    await sink.publish([letter(10, 20), letter(11, 5_000), letter(12, 30)]);
    expect(sent.map((m) => [m.key, m.value === null ? null : (m.value as Buffer).length, m.headers?.[DEAD_LETTER_HEADERS.omittedBytes] ?? null])).toEqual([
      ['nds.disseminations:3:10', 20, null],
      ['nds.disseminations:3:11', null, '5000'],
      ['nds.disseminations:3:12', 30, null],
    ]);
    expect(sent[1]!.headers).toMatchObject({ [DEAD_LETTER_HEADERS.reason]: 'UNDECODABLE', [DEAD_LETTER_HEADERS.offset]: '11' });
    expect(omitted).toEqual([11]);
  });

  it('sends letters within the limit in one request, and passes other failures on', async () => {
    const { producer, sent } = sizeLimitedProducer();
    await kafkaDeadLetterSink(producer, 'optout.deadletter').publish([letter(1, 10), letter(2, 10)]);
    expect(sent).toHaveLength(2);
    const failing = { send: async () => { throw new KafkaJSNonRetriableError(new Error('broker down')); } } as unknown as Producer;
    await expect(kafkaDeadLetterSink(failing, 'optout.deadletter').publish([letter(1, 10)])).rejects.toThrow(/dead letter/);
  });
});
