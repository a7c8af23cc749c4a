import { describe, expect, it } from 'vitest';
import { DEFAULT_TOPICS } from '../contract/streams.js';
import { parsePace, parseSimulateFlags } from './simulate-options.js';

const run = (argv: string[], env: Record<string, string> = {}) => {
  const parsed = parseSimulateFlags(argv, env);
  if (parsed.kind !== 'run') throw new Error(parsed.lines.join('\n'));
  return parsed.config;
};
const problems = (argv: string[], env: Record<string, string> = {}) => {
  const parsed = parseSimulateFlags(argv, env);
  return parsed.kind === 'exit' ? parsed.lines : [];
};

describe('simulate --publish kafka flags', () => {
  it('take the command docker-compose.yml runs, with brokers from KAFKA_BROKERS and the contract\'s topics', () => {
    const c = run(['--faults', 'systmone-2018', '--publish', 'kafka', '--pace', '200/s'], { KAFKA_BROKERS: 'kafka:9092' });
    expect(c.outDir).toBeNull();
    expect(c.publish).toEqual({
      brokers: ['kafka:9092'], pacePerSecond: 200, valueEncoding: { kind: 'single-object' },
      topics: { gpEvents: DEFAULT_TOPICS.gpEvents, ndsReceived: DEFAULT_TOPICS.ndsReceived, ndsManifests: DEFAULT_TOPICS.ndsManifests, ndsDisseminations: DEFAULT_TOPICS.ndsDisseminations },
    });
    expect(c.faults).toEqual(['systmone-2018']);
  });

  it('let flags win over the environment, and read the live service\'s TOPIC_* variables', () => {
    const c = run(['--publish', 'kafka', '--brokers', 'a:1,b:2', '--topic-gp-events', 'gp.x', '--topic-nds-disseminations', 'ds.x'], {
      KAFKA_BROKERS: 'ignored:9092', TOPIC_GP_EVENTS: 'ignored', TOPIC_NDS_RECEIVED: 'rc.env',
    });
    expect(c.publish?.brokers).toEqual(['a:1', 'b:2']);
    expect(c.publish?.topics).toEqual({ gpEvents: 'gp.x', ndsReceived: 'rc.env', ndsManifests: DEFAULT_TOPICS.ndsManifests, ndsDisseminations: 'ds.x' });
    expect(c.publish?.pacePerSecond).toBe(200);
  });

  it('report every problem at once: no brokers, a bad pace, a bad or repeated topic, file-only flags', () => {
    const lines = problems(['--publish', 'kafka', '--pace', 'fast', '--topic-gp-events', 'bad topic', '--topic-nds-received', 'same', '--topic-nds-manifests', 'same', '--format', 'ndjson']);
    expect(lines.join('\n')).toMatch(/needs brokers/);
    expect(lines.join('\n')).toMatch(/--pace .*'fast'/);
    expect(lines.join('\n')).toMatch(/'bad topic' is not a legal Kafka topic name/);
    expect(lines.join('\n')).toMatch(/must all be different/);
    expect(lines.join('\n')).toMatch(/--format applies to files/);
    expect(lines).toHaveLength(5);
  });

  it('refuse --out with --publish, an unknown target, and Kafka flags without --publish', () => {
    expect(problems(['--out', 'x', '--publish', 'kafka', '--brokers', 'k:9092']).join('\n')).toMatch(/alternatives/);
    expect(problems(['--publish', 'files']).join('\n')).toMatch(/--publish/);
    const lines = problems(['--out', 'x', '--pace', '10/s', '--brokers', 'k:9092']);
    expect(lines).toEqual([
      'optout-verifier simulate: --pace applies only with --publish kafka',
      'optout-verifier simulate: --brokers applies only with --publish kafka',
    ]);
  });

  it('read a pace as records per second', () => {
    const seen: string[] = [];
    expect(parsePace('200/s', seen)).toBe(200);
    expect(parsePace('0.5/s', seen)).toBe(0.5);
    expect(parsePace('20000/s', seen)).toBe(20_000);
    expect(seen).toEqual([]);
    for (const bad of ['0/s', '200', '200/m', '-1/s', '2000000/s', '']) parsePace(bad, seen);
    expect(seen).toHaveLength(6);
  });

  it('write the Confluent wire format with a registry from the flag or the live service\'s SCHEMA_REGISTRY_* variables', () => {
    const fromEnv = run(['--publish', 'kafka'], {
      KAFKA_BROKERS: 'kafka:9092', VALUE_ENCODING: 'confluent', SCHEMA_REGISTRY_URL: 'https://sr:8081', SCHEMA_REGISTRY_USERNAME: 'sim', SCHEMA_REGISTRY_PASSWORD_FILE: '/pw',
    });
    expect(fromEnv.publish?.valueEncoding).toEqual({ kind: 'confluent', registry: { url: 'https://sr:8081', username: 'sim', passwordFile: '/pw', caFile: null, timeoutMs: 10_000 } });
    const fromFlag = run(['--publish', 'kafka', '--value-encoding', 'confluent', '--schema-registry-url', 'http://sr:8081'], { KAFKA_BROKERS: 'kafka:9092', SCHEMA_REGISTRY_URL: 'http://ignored:1' });
    expect(fromFlag.publish?.valueEncoding).toMatchObject({ kind: 'confluent', registry: { url: 'http://sr:8081' } });
  });

  it('refuse a registry without confluent, confluent without a registry, and an encoding it cannot write', () => {
    expect(problems(['--publish', 'kafka', '--value-encoding', 'confluent'], { KAFKA_BROKERS: 'k:1' })).toEqual(['optout-verifier simulate: SCHEMA_REGISTRY_URL is required with --value-encoding confluent']);
    expect(problems(['--publish', 'kafka', '--schema-registry-url', 'http://sr:8081'], { KAFKA_BROKERS: 'k:1' })).toEqual(['optout-verifier simulate: --schema-registry-url applies only with --value-encoding confluent']);
    expect(problems(['--publish', 'kafka', '--value-encoding', 'plain'], { KAFKA_BROKERS: 'k:1' })).toEqual(["optout-verifier simulate: --value-encoding must be single-object or confluent, got 'plain'"]);
    expect(problems(['--out', 'x', '--value-encoding', 'confluent'])).toEqual(['optout-verifier simulate: --value-encoding applies only with --publish kafka']);
  });
});
