// The kafkajs client of the service, from its settings: brokers, TLS, SASL, retries, and kafkajs's own log
// lines carried into the service's structured log.
import { Kafka, logLevel, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import type { ConnectionOptions } from 'node:tls';
import type { Logger } from 'pino';
import type { KafkaSettings } from '../config.js';
import { registerCompressionCodecs } from './compression-codecs.js';

// kafkajs reports every failed connection attempt at ERROR; the service reports outages itself (with backoff),
// so kafkajs's lines are one level quieter in the service's log.
const LEVEL: Record<number, 'warn' | 'debug' | 'trace'> = {
  [logLevel.ERROR]: 'warn', [logLevel.WARN]: 'warn', [logLevel.INFO]: 'debug', [logLevel.DEBUG]: 'trace',
};

export function kafkaLogCreator(logger: Logger) {
  const child = logger.child({ component: 'kafkajs' });
  return () => ({ level, log }: LogEntry) => {
    const { message, timestamp: _timestamp, logger: _name, ...rest } = log as { message: string; timestamp?: string; logger?: string } & Record<string, unknown>;
    child[LEVEL[level] ?? 'debug'](rest, message);
  };
}

export interface KafkaSecrets {
  readonly sslCa: string | null;
  readonly sslCert: string | null;
  readonly sslKey: string | null;
  readonly saslPassword: string | null;
}

/** TLS options for kafkajs (Node's tls.connect): the CA to trust, and the client certificate for mutual TLS. */
export function kafkaSsl(config: KafkaSettings, secrets: KafkaSecrets): KafkaConfig['ssl'] {
  if (!config.ssl) return false;
  const options: ConnectionOptions = {
    ...(secrets.sslCa !== null ? { ca: [secrets.sslCa] } : {}),
    ...(secrets.sslCert !== null && secrets.sslKey !== null ? { cert: secrets.sslCert, key: secrets.sslKey } : {}),
  };
  return Object.keys(options).length === 0 ? true : options;
}

export function kafkaClientConfig(config: { readonly kafka: KafkaSettings }, secrets: KafkaSecrets, logger: Logger): KafkaConfig {
  const { kafka } = config;
  const sasl: SASLOptions | undefined = kafka.sasl === null ? undefined : {
    mechanism: kafka.sasl.mechanism, username: kafka.sasl.username, password: secrets.saslPassword ?? '',
  } as SASLOptions;
  return {
    clientId: kafka.clientId,
    brokers: [...kafka.brokers],
    ssl: kafkaSsl(kafka, secrets),
    ...(sasl ? { sasl } : {}),
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    // Enough attempts inside kafkajs to ride out a broker restart; the service's own backoff takes over after.
    retry: { initialRetryTime: 200, maxRetryTime: 5_000, retries: 8 },
    logLevel: logLevel.INFO,
    logCreator: kafkaLogCreator(logger),
  };
}

/** The service's client; input batches compressed with Snappy, LZ4 or Zstandard are read too (compression-codecs.ts). */
export function createKafka(config: { readonly kafka: KafkaSettings }, secrets: KafkaSecrets, logger: Logger): Kafka {
  registerCompressionCodecs();
  return new Kafka(kafkaClientConfig(config, secrets, logger));
}

/** What the start-up log says about the Kafka connection: never a secret, only which protections are on. */
export function kafkaTransport(config: KafkaSettings): { tls: boolean; ca: 'system' | 'file'; clientCertificate: boolean; sasl: string | null } {
  return { tls: config.ssl, ca: config.sslCaFile === null ? 'system' : 'file', clientCertificate: config.sslCertFile !== null, sasl: config.sasl?.mechanism ?? null };
}
