import { describe, expect, it } from 'vitest';
import { parseLiveConfig } from '../live/config.js';

// ALLOW_PLAINTEXT: the Kafka and PostgreSQL transport settings are not what these tests are about.
const MINIMAL = { KAFKA_BROKERS: 'k1:9092', DATABASE_URL: 'postgres://verifier@db:5432/verifier', PSEUDONYM_KEY_FILE: '/run/secrets/key', ALLOW_PLAINTEXT: 'true' };
const problemsOf = (env: Record<string, string>): readonly string[] => {
  const result = parseLiveConfig([], { ...MINIMAL, ...env });
  return result.ok ? [] : result.problems;
};

describe('Schema Registry settings', () => {
  it('need nothing when nothing is in the confluent encoding', () => {
    const result = parseLiveConfig([], MINIMAL);
    expect(result.ok && [result.config.alertEncoding, result.config.schemaRegistry]).toEqual(['single-object', null]);
  });

  it('with VALUE_ENCODING=confluent, write alerts in the same format by default, with a 10 s request timeout', () => {
    const result = parseLiveConfig(['--value-encoding', 'confluent'], { ...MINIMAL, SCHEMA_REGISTRY_URL: 'https://registry.example:8081/sr/' });
    if (!result.ok) throw new Error(result.problems.join('; '));
    expect(result.config.encoding).toEqual({ kind: 'confluent' });
    expect(result.config.alertEncoding).toBe('confluent');
    expect(result.config.schemaRegistry).toEqual({ url: 'https://registry.example:8081/sr/', username: null, passwordFile: null, caFile: null, timeoutMs: 10_000 });
  });

  it('let the alerts stay single-object, or be the only part in the confluent encoding', () => {
    const kept = parseLiveConfig([], { ...MINIMAL, VALUE_ENCODING: 'confluent', ALERT_VALUE_ENCODING: 'single-object', SCHEMA_REGISTRY_URL: 'http://sr:8081' });
    expect(kept.ok && kept.config.alertEncoding).toBe('single-object');
    const alertsOnly = parseLiveConfig([], { ...MINIMAL, ALERT_VALUE_ENCODING: 'confluent', SCHEMA_REGISTRY_URL: 'http://sr:8081' });
    expect(alertsOnly.ok && [alertsOnly.config.encoding.kind, alertsOnly.config.schemaRegistry?.url]).toEqual(['single-object', 'http://sr:8081']);
  });

  it('read basic auth and a CA as files, over https', () => {
    const result = parseLiveConfig([], {
      ...MINIMAL, VALUE_ENCODING: 'confluent', SCHEMA_REGISTRY_URL: 'https://sr:8081', SCHEMA_REGISTRY_USERNAME: 'verifier',
      SCHEMA_REGISTRY_PASSWORD_FILE: '/run/secrets/sr-password', SCHEMA_REGISTRY_CA_FILE: '/run/secrets/sr-ca.pem', SCHEMA_REGISTRY_TIMEOUT: '2500ms',
    });
    expect(result.ok && result.config.schemaRegistry).toEqual({ url: 'https://sr:8081', username: 'verifier', passwordFile: '/run/secrets/sr-password', caFile: '/run/secrets/sr-ca.pem', timeoutMs: 2_500 });
  });

  it('list every problem at once', () => {
    expect(problemsOf({ VALUE_ENCODING: 'confluent', ALERT_VALUE_ENCODING: 'json', WRITER_SCHEMAS_DIR: '/schemas', SCHEMA_REGISTRY_USERNAME: 'u', SCHEMA_REGISTRY_TIMEOUT: 'soon' })).toEqual([
      'WRITER_SCHEMAS_DIR applies to single-object; with confluent the registry holds the writer schemas',
      "ALERT_VALUE_ENCODING 'json' must be single-object or confluent",
      'SCHEMA_REGISTRY_URL is required with VALUE_ENCODING=confluent',
      'SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD_FILE go together',
      "SCHEMA_REGISTRY_TIMEOUT 'soon' is not a duration (e.g. 72h, 1.5h, 90m, 30s, 1500ms, 0.5d)",
    ]);
  });

  it('refuse basic auth over plain http, credentials in the URL, and a CA for http', () => {
    expect(problemsOf({ VALUE_ENCODING: 'confluent', SCHEMA_REGISTRY_URL: 'http://sr:8081', SCHEMA_REGISTRY_USERNAME: 'u', SCHEMA_REGISTRY_PASSWORD_FILE: '/pw', SCHEMA_REGISTRY_CA_FILE: '/ca.pem' })).toEqual([
      'SCHEMA_REGISTRY_USERNAME needs an https:// SCHEMA_REGISTRY_URL (basic auth over http sends the password in clear)',
      'SCHEMA_REGISTRY_CA_FILE is set but SCHEMA_REGISTRY_URL is not https://',
    ]);
    expect(problemsOf({ VALUE_ENCODING: 'confluent', SCHEMA_REGISTRY_URL: 'https://u:p@sr:8081' })).toEqual(['SCHEMA_REGISTRY_URL must not hold credentials: use SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD_FILE']);
    expect(problemsOf({ VALUE_ENCODING: 'confluent', SCHEMA_REGISTRY_URL: 'ftp://sr' })).toEqual(["SCHEMA_REGISTRY_URL 'ftp://sr' must be an http:// or https:// URL"]);
  });

  it('refuse registry settings that nothing uses', () => {
    expect(problemsOf({ SCHEMA_REGISTRY_URL: 'http://sr:8081' })).toEqual(['SCHEMA_REGISTRY_URL set, but nothing is in the confluent encoding']);
  });
});
