// The kafkajs client of the service, from its settings: brokers, TLS, SASL, retries, and kafkajs's own log
// lines carried into the service's structured log.
import { Kafka, logLevel, type LogEntry, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import type { LiveConfig } from './config.js';

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

export function createKafka(config: LiveConfig, secrets: { sslCa: string | null; saslPassword: string | null }, logger: Logger): Kafka {
  const { kafka } = config;
  const sasl: SASLOptions | undefined = kafka.sasl === null ? undefined : {
    mechanism: kafka.sasl.mechanism, username: kafka.sasl.username, password: secrets.saslPassword ?? '',
  } as SASLOptions;
  return new Kafka({
    clientId: kafka.clientId,
    brokers: [...kafka.brokers],
    ssl: kafka.ssl ? (secrets.sslCa === null ? true : { ca: [secrets.sslCa] }) : false,
    ...(sasl ? { sasl } : {}),
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    // Enough attempts inside kafkajs to ride out a broker restart; the service's own backoff takes over after.
    retry: { initialRetryTime: 200, maxRetryTime: 5_000, retries: 8 },
    logLevel: logLevel.INFO,
    logCreator: kafkaLogCreator(logger),
  });
}
