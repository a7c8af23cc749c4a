import { describe, expect, it } from 'vitest';
import { parseKafkaInputConfig, parseLiveConfig, parseMigrateConfig } from './config.js';

const MINIMAL = { KAFKA_BROKERS: 'k1:9092,k2:9092', KAFKA_SSL: 'true', DATABASE_URL: 'postgres://verifier@db:5432/verifier?sslmode=verify-full', PSEUDONYM_KEY_FILE: '/run/secrets/key' };

describe('live configuration', () => {
  it('takes defaults for everything but brokers, database and key', () => {
    const result = parseLiveConfig([], MINIMAL);
    if (!result.ok) throw new Error(result.problems.join('; '));
    const c = result.config;
    expect(c.kafka).toEqual({
      brokers: ['k1:9092', 'k2:9092'], clientId: 'optout-verifier', groupId: 'optout-verifier', ssl: true, sslCaFile: null, sslCertFile: null, sslKeyFile: null, sasl: null,
      sessionTimeoutMs: 30_000, heartbeatIntervalMs: 3_000, fetchMaxWaitMs: 500,
    });
    expect(c.topics).toEqual({
      gpEvents: 'gp.optout.events', ndsReceived: 'nds.objections.received', ndsManifests: 'nds.extracts.received',
      ndsDisseminations: 'nds.disseminations', alerts: 'optout.alerts', deadLetter: 'optout.deadletter',
    });
    expect([c.slaMs, c.graceMs, c.allowedLatenessMs, c.idleTimeoutMs]).toEqual([72 * 3_600_000, 3_600_000, 3_600_000, 300_000]);
    expect(c.database).toEqual({
      url: MINIMAL.DATABASE_URL, schema: 'optout_verifier', migrateOnStart: false, poolSize: 6, passwordFile: null, statementTimeoutMs: 60_000, lockTimeoutMs: 10_000,
    });
    expect([c.stallTimeoutMs, c.metricsHost, c.allowPlaintext]).toEqual([120_000, '127.0.0.1', false]);
    expect(result.warnings).toEqual([]);
    expect(c.encoding).toEqual({ kind: 'single-object', writerSchemasDir: null });
    expect(c.metricsPort).toBe(9464);
    expect(Object.isFrozen(c) && Object.isFrozen(c.kafka)).toBe(true);
  });

  it('lets a flag win over its variable', () => {
    const result = parseLiveConfig(['--group', 'from-flag', '--sla', '48h', '--migrate', '--metrics-port', '0'], { ...MINIMAL, KAFKA_GROUP_ID: 'from-env', SLA: '24h' });
    expect(result.ok && [result.config.kafka.groupId, result.config.slaMs, result.config.database.migrateOnStart, result.config.metricsPort]).toEqual(['from-flag', 48 * 3_600_000, true, 0]);
  });

  it('reads decimal durations in variables and flags, and refuses one that is not whole milliseconds by its name', () => {
    const result = parseLiveConfig(['--grace', '0.5h'], { ...MINIMAL, SLA: '1.5h', DEDUP_HORIZON: '0.5d' });
    expect(result.ok && [result.config.slaMs, result.config.graceMs, result.config.dedupHorizonMs]).toEqual([5_400_000, 1_800_000, 43_200_000]);
    const refused = parseLiveConfig(['--sla', '0.0001s'], { ...MINIMAL, MAX_FUTURE: '1.5w' });
    expect(refused.ok ? [] : refused.problems).toEqual([
      "SLA '0.0001s' is not a whole number of milliseconds",
      "MAX_FUTURE '1.5w' is not a duration (e.g. 72h, 1.5h, 90m, 30s, 1500ms, 0.5d)",
    ]);
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

  it('parses the migrate command with the database settings and the runtime role', () => {
    expect(parseMigrateConfig(['--db-schema', 'verifier_a'], { DATABASE_URL: MINIMAL.DATABASE_URL, DB_RUNTIME_ROLE: 'verifier_run' })).toMatchObject({
      ok: true, config: { database: { schema: 'verifier_a', statementTimeoutMs: 3_600_000, lockTimeoutMs: 10_000 }, runtimeRole: 'verifier_run' },
    });
    expect(parseMigrateConfig(['--runtime-role', 'from_flag'], { DATABASE_URL: MINIMAL.DATABASE_URL, DB_RUNTIME_ROLE: 'from_env' }))
      .toMatchObject({ ok: true, config: { runtimeRole: 'from_flag' } });
    expect(parseMigrateConfig([], {})).toMatchObject({ ok: false, problems: ['DATABASE_URL (--database-url) is required', 'DB_RUNTIME_ROLE (--runtime-role) is required'] });
    expect(parseMigrateConfig([], { DATABASE_URL: MINIMAL.DATABASE_URL, DB_RUNTIME_ROLE: 'Run-Role' }))
      .toMatchObject({ ok: false, problems: ["DB_RUNTIME_ROLE 'Run-Role' must be a lower-case SQL identifier (letters, digits, _)"] });
  });

  // Regression: a DATABASE_URL without sslmode connected in plaintext silently.
  it('refuses plaintext to PostgreSQL or Kafka unless ALLOW_PLAINTEXT=true', () => {
    const plaintext = { ...MINIMAL, KAFKA_SSL: 'false', DATABASE_URL: 'postgres://verifier@db:5432/verifier' };
    const refused = parseLiveConfig([], plaintext);
    expect(refused.ok ? [] : refused.problems.map((p) => p.split(' ')[0])).toEqual(['DATABASE_URL', 'KAFKA_SSL']);
    for (const sslmode of ['disable', 'allow']) {
      const result = parseLiveConfig([], { ...MINIMAL, DATABASE_URL: `postgres://verifier@db/verifier?sslmode=${sslmode}` });
      expect(result.ok ? [] : result.problems, sslmode).toEqual([expect.stringContaining(`without TLS (sslmode ${sslmode})`)]);
    }
    for (const url of ['postgres://v@db/v?sslmode=require', 'postgres://v@db/v?sslrootcert=/ca.pem', 'postgres://v@localhost/v?host=/var/run/postgresql']) {
      expect(parseLiveConfig([], { ...MINIMAL, DATABASE_URL: url }).ok, url).toBe(true);
    }
    const allowed = parseLiveConfig([], { ...plaintext, ALLOW_PLAINTEXT: 'true' });
    expect(allowed.ok && allowed.config.allowPlaintext).toBe(true);
    expect(parseMigrateConfig([], { DATABASE_URL: plaintext.DATABASE_URL, DB_RUNTIME_ROLE: 'verifier_run' })).toMatchObject({ ok: false, problems: [expect.stringMatching(/^DATABASE_URL connects to PostgreSQL without TLS/)] });
  });

  it('takes a Kafka client certificate and key together, over TLS only', () => {
    const both = parseLiveConfig([], { ...MINIMAL, KAFKA_SSL_CERT_FILE: '/tls/client.pem', KAFKA_SSL_KEY_FILE: '/tls/client.key' });
    expect(both.ok && both.config.kafka).toMatchObject({ sslCertFile: '/tls/client.pem', sslKeyFile: '/tls/client.key' });
    const alone = parseLiveConfig([], { ...MINIMAL, KAFKA_SSL_CERT_FILE: '/tls/client.pem' });
    expect(alone.ok ? [] : alone.problems).toEqual(['KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together: give both or neither']);
    const withoutTls = parseLiveConfig([], { ...MINIMAL, KAFKA_SSL: 'false', ALLOW_PLAINTEXT: 'true', KAFKA_SSL_CERT_FILE: '/c', KAFKA_SSL_KEY_FILE: '/k' });
    expect(withoutTls.ok ? [] : withoutTls.problems).toEqual(['KAFKA_SSL_CERT_FILE or KAFKA_SSL_KEY_FILE is set but KAFKA_SSL is not true']);
  });

  // Regression: --database-url showed the password in ps.
  it('warns of a password in the database URL, louder from the command line, and takes one from a file', () => {
    const withPassword = 'postgres://verifier:s3cret@db/verifier?sslmode=verify-full';
    const fromEnv = parseLiveConfig([], { ...MINIMAL, DATABASE_URL: withPassword });
    expect(fromEnv.ok && fromEnv.warnings).toEqual([expect.stringMatching(/^DATABASE_URL carries a password: put it in DATABASE_PASSWORD_FILE/)]);
    const fromFlag = parseLiveConfig(['--database-url', withPassword], MINIMAL);
    expect(fromFlag.ok && fromFlag.warnings).toEqual([expect.stringMatching(/^--database-url carries a password, which any user of this host can read in the process list/)]);
    const file = parseLiveConfig([], { ...MINIMAL, DATABASE_PASSWORD_FILE: '/run/secrets/db-password' });
    expect(file.ok && [file.config.database.passwordFile, file.warnings]).toEqual(['/run/secrets/db-password', []]);
    const twice = parseLiveConfig([], { ...MINIMAL, DATABASE_URL: withPassword, DATABASE_PASSWORD_FILE: '/run/secrets/db-password' });
    expect(twice.ok ? [] : twice.problems).toEqual([expect.stringMatching(/^DATABASE_URL carries a password and DATABASE_PASSWORD_FILE is set/)]);
  });

  it('reads the stall timeout, the database timeouts and the metrics host', () => {
    const result = parseLiveConfig(['--metrics-host', '0.0.0.0'], { ...MINIMAL, STALL_TIMEOUT: '90s', DB_STATEMENT_TIMEOUT: '2m', DB_LOCK_TIMEOUT: '5s' });
    expect(result.ok && [result.config.stallTimeoutMs, result.config.database.statementTimeoutMs, result.config.database.lockTimeoutMs, result.config.metricsHost])
      .toEqual([90_000, 120_000, 5_000, '0.0.0.0']);
    const zero = parseLiveConfig([], { ...MINIMAL, STALL_TIMEOUT: '0s', DB_LOCK_TIMEOUT: '0ms', METRICS_HOST: 'a host' });
    expect(zero.ok ? [] : zero.problems.map((p) => p.split(' ')[0])).toEqual(['DB_STATEMENT_TIMEOUT', 'STALL_TIMEOUT', 'METRICS_HOST']);
  });

  it('reads the Kafka part alone exactly as run reads it, needing no database or key', () => {
    const env = {
      KAFKA_BROKERS: 'k1:9092', KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: '/ca.pem', TOPIC_GP_EVENTS: 'site.gp', VALUE_ENCODING: 'confluent',
      SCHEMA_REGISTRY_URL: 'https://registry:8081', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD_FILE: '/pw',
    };
    const kafkaOnly = parseKafkaInputConfig({}, env);
    const run = parseLiveConfig([], { ...env, DATABASE_URL: MINIMAL.DATABASE_URL, PSEUDONYM_KEY_FILE: '/key' });
    if (!kafkaOnly.ok || !run.ok) throw new Error('settings refused');
    expect(kafkaOnly.config.kafka).toEqual(run.config.kafka);
    expect(kafkaOnly.config.encoding).toEqual(run.config.encoding);
    expect(kafkaOnly.config.schemaRegistry).toEqual(run.config.schemaRegistry);
    const { alerts: _alerts, deadLetter: _deadLetter, ...inputTopics } = run.config.topics;
    expect(kafkaOnly.config.inputTopics).toEqual(inputTopics);
    expect(kafkaOnly.config.inputTopics.gpEvents).toBe('site.gp');
  });

  it('refuses plaintext Kafka and two inputs on one topic when reading the Kafka part alone', () => {
    const result = parseKafkaInputConfig({ brokers: 'k1:9092' }, { TOPIC_NDS_RECEIVED: 'gp.optout.events' });
    expect(result.ok ? [] : result.problems.map((p) => p.split(':')[0])).toEqual(['the four input topics must all be different', 'KAFKA_SSL is not true']);
    expect(parseKafkaInputConfig({ brokers: 'k1:9092' }, { ALLOW_PLAINTEXT: 'true' }).ok).toBe(true);
  });
});
