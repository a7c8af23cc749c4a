import { describe, expect, it } from 'vitest';
import { streamValueDecoder } from '../codec/stream-value-codec.js';
import { STREAM_NAMES, type StreamName } from '../core/records.js';
import { collectScenario } from './testing/collected-scenario.js';
import { CONTRACT_STREAMS } from '../contract/streams.js';
import { kafkaMessageEncoder } from './kafka-messages.js';

const decoders = Object.fromEntries(STREAM_NAMES.map((s) => [s, streamValueDecoder(s)])) as Record<StreamName, ReturnType<typeof streamValueDecoder>>;

describe('simulated items as Kafka messages', () => {
  const scenario = collectScenario({ practices: 6, patients: 1_500, days: 120, faults: ['systmone-2018', 'bad-records'], format: 'avro', releaseSize: { lines: 100 } });
  const encode = kafkaMessageEncoder();
  const messages = scenario.items.map((item) => ({ item, message: encode(item) }));

  it('key each record as the data contract says, and decode to the record with the contract schema', () => {
    let records = 0;
    for (const { item, message } of messages) {
      if (item.kind !== 'record') continue;
      records++;
      const fields = item.record as unknown as Record<string, unknown>;
      expect(message.stream).toBe(item.stream);
      expect(message.key).toBe(fields[CONTRACT_STREAMS[item.stream].keyField]);
      const decoded = decoders[item.stream].decode(message.value);
      expect(decoded.ok).toBe(true);
      if (decoded.ok) expect({ ...decoded.fields }).toEqual({ ...fields });
    }
    expect(records).toBeGreaterThan(1_000);
    expect(new Set(messages.map((m) => m.message.stream))).toEqual(new Set(STREAM_NAMES));
  });

  it('key manifests by practice and everything else by NHS number', () => {
    expect(messages.filter((m) => m.message.stream === 'ndsManifests').every((m) => /^[A-Z]\d{5}$/.test(m.message.key))).toBe(true);
    expect(messages.filter((m) => m.message.stream !== 'ndsManifests').every((m) => /^999\d{7}$/.test(m.message.key))).toBe(true);
  });

  it('carry each record\'s event time', () => {
    const gp = messages.find((m) => m.item.kind === 'record' && m.item.stream === 'gpEvents');
    expect(gp?.message.eventTime).toBe(gp?.item.kind === 'record' && gp.item.stream === 'gpEvents' ? gp.item.record.recordedAt : undefined);
  });

  it('write a purpose outside the contract with a writer schema the contract reader does not know', () => {
    const foreign = messages.filter((m) => m.item.kind === 'off-contract');
    expect(foreign.length).toBe(2);
    for (const { message } of foreign) {
      expect(message.stream).toBe('ndsDisseminations');
      const decoded = decoders.ndsDisseminations.decode(message.value);
      expect(decoded.ok).toBe(false);
    }
  });

  it('refuse what Avro cannot carry (items generated for NDJSON only)', () => {
    const ndjson = collectScenario({ practices: 3, patients: 300, days: 30, faults: ['bad-records'], format: 'ndjson', releaseSize: { lines: 20 } });
    const garbled = ndjson.items.find((i) => i.kind === 'garbled');
    expect(garbled).toBeDefined();
    expect(() => encode(garbled!)).toThrow(/garbled/);
  });
});
