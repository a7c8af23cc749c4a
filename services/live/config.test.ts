import { describe, expect, it } from 'vitest';
import { parseLiveConfig, parseMigrateConfig } from './config.js';

const MINIMAL = { KAFKA_BROKERS: 'k1:9092,k2:9092', DATABASE_URL: 'postgres://verifier@db:5432/verifier', PSEUDONYM_KEY_FILE: '/run/secrets/key' };

describe('live configuration', () => {
  it('takes defaults for everything but brokers, database and key', () => {
    const result = parseLiveConfig([], MINIMAL);
    if (!result.ok) throw new Error(result.problems.join('; '));
    const c = result.config;
    expect(c.kafka).toEqual({
      brokers: ['k1:9092', 'k2:9092'], clientId: 'optout-verifier', groupId: 'optout-verifier', ssl: false, sslCaFile: null, sasl: null,
      sessionTimeoutMs: 30_000, heartbeatIntervalMs: 3_000, fetchMaxWaitMs: 500,
    });
    expect(c.topics).toEqual({
      gpEvents: 'gp.optout.events', ndsReceived: 'nds.objections.received', ndsManifests: 'nds.extracts.received',
      ndsDisseminations: 'nds.disseminations', alerts: 'optout.alerts', deadLetter: 'optout.deadletter',
    });
    expect([c.slaMs, c.graceMs, c.allowedLatenessMs, c.idleTimeoutMs]).toEqual([72 * 3_600_000, 3_600_000, 3_600_000, 300_000]);
    expect(c.database).toEqual({ url: MINIMAL.DATABASE_URL, schema: 'optout_verifier', migrateOnStart: false, poolSize: 6 });
    expect(c.encoding).toEqual({ kind: 'single-object', writerSchemasDir: null });
    expect(c.metricsPort).toBe(9464);
    expect(Object.isFrozen(c) && Object.isFrozen(c.kafka)).toBe(true);
  });

  it('lets a flag win over its variable', () => {
    const result = parseLiveConfig(['--group', 'from-flag', '--sla', '48h', '--migrate', '--metrics-port', '0'], { ...MINIMAL, KAFKA_GROUP_ID: 'from-env', SLA: '24h' });
    expect(result.ok && [result.config.kafka.groupId, result.config.slaMs, result.config.database.migrateOnStart, result.config.metricsPort]).toEqual(['from-flag', 48 * 3_600_000, true, 0]);
  });

  it('lists every problem at once', () => {
    const result = parseLiveConfig([], {
      KAFKA_BROKERS: 'nohost', SLA: 'three days', TOPIC_ALERTS: 'bad topic', VALUE_ENCODING: 'json', KAFKA_SASL_MECHANISM: 'gssapi',
      DB_SCHEMA: 'Drop Table', METRICS_PORT: '70000', LOG_LEVEL: 'loud',
    });
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    for (const expected of ['KAFKA_BROKERS', 'DATABASE_URL', 'PSEUDONYM_KEY_FILE', 'SLA', 'TOPIC_ALERTS', 'VALUE_ENCODING', 'KAFKA_SASL_MECHANISM', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD_FILE', 'DB_SCHEMA', 'METRICS_PORT', 'LOG_LEVEL']) {
      expect(problems.some((p) => p.startsWith(expected)), `${expected} in ${problems.join(' | ')}`).toBe(true);
    }
  });

  it('needs a writer schema per topic for plain binary values', () => {
    const result = parseLiveConfig(['--value-encoding', 'plain'], { ...MINIMAL, WRITER_SCHEMA_GP_EVENTS: '/schemas/gp.avsc' });
    expect(result.ok ? [] : result.problems).toEqual([
      'WRITER_SCHEMA_NDS_RECEIVED is required', 'WRITER_SCHEMA_NDS_MANIFESTS is required', 'WRITER_SCHEMA_NDS_DISSEMINATIONS is required',
    ]);
  });

  it('refuses two roles on one topic', () => {
    const result = parseLiveConfig([], { ...MINIMAL, TOPIC_DEADLETTER: 'gp.optout.events' });
    expect(result.ok ? [] : result.problems).toEqual(['the six topics (four inputs, alerts, dead letters) must all be different']);
  });

  it('reads SASL and TLS settings', () => {
    const result = parseLiveConfig([], { ...MINIMAL, KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: '/ca.pem', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512', KAFKA_SASL_USERNAME: 'verifier', KAFKA_SASL_PASSWORD_FILE: '/pw' });
    expect(result.ok && result.config.kafka).toMatchObject({ ssl: true, sslCaFile: '/ca.pem', sasl: { mechanism: 'scram-sha-512', username: 'verifier', passwordFile: '/pw' } });
  });

  it('gives help instead of a configuration for --help', () => {
    const result = parseLiveConfig(['--help'], {});
    expect(result.ok).toBe(false);
    expect(!result.ok && result.help).toMatch(/ALLOWED_LATENESS/);
  });

  it('parses the migrate command with the database settings only', () => {
    expect(parseMigrateConfig(['--db-schema', 'verifier_a'], { DATABASE_URL: MINIMAL.DATABASE_URL })).toMatchObject({ ok: true, config: { database: { schema: 'verifier_a' } } });
    expect(parseMigrateConfig([], {})).toMatchObject({ ok: false, problems: ['DATABASE_URL (--database-url) is required'] });
  });
});
