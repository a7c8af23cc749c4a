import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { parseLiveConfig } from '../config.js';
import { kafkaClientConfig } from './kafka-client.js';

const BASE = { KAFKA_BROKERS: 'k1:9093', DATABASE_URL: 'postgres://v@db/v?sslmode=verify-full', PSEUDONYM_KEY_FILE: '/k', KAFKA_SSL: 'true' };
const NO_SECRETS = { sslCa: null, sslCert: null, sslKey: null, saslPassword: null };
const CA = '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n';

function configOf(env: Record<string, string>) {
  const parsed = parseLiveConfig([], { ...BASE, ...env });
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.config;
}

describe('the kafkajs client configuration', () => {
  const logger = pino({ level: 'silent' });

  it('hands the CA, the client certificate and its key to kafkajs for mutual TLS', () => {
    const config = configOf({ KAFKA_SSL_CA_FILE: '/ca.pem', KAFKA_SSL_CERT_FILE: '/client.pem', KAFKA_SSL_KEY_FILE: '/client.key' });
    expect(kafkaClientConfig(config, { ...NO_SECRETS, sslCa: CA, sslCert: CERT, sslKey: KEY }, logger).ssl).toEqual({ ca: [CA], cert: CERT, key: KEY });
  });

  it('trusts the system CAs when no CA file is given, and uses no TLS only when told', () => {
    expect(kafkaClientConfig(configOf({}), NO_SECRETS, logger).ssl).toBe(true);
    expect(kafkaClientConfig(configOf({ KAFKA_SSL_CERT_FILE: '/c', KAFKA_SSL_KEY_FILE: '/k' }), { ...NO_SECRETS, sslCert: CERT, sslKey: KEY }, logger).ssl).toEqual({ cert: CERT, key: KEY });
    expect(kafkaClientConfig(configOf({ KAFKA_SSL: 'false', ALLOW_PLAINTEXT: 'true' }), NO_SECRETS, logger).ssl).toBe(false);
  });
});
