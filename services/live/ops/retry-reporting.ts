// Every transient failure the service retries is a warning in the log and a count in the metrics; the first
// success after it is an info line, so an outage reads as a start and an end.
import type { Logger } from 'pino';
import type { RetryObserver } from '../backoff.js';
import type { VerifierMetrics } from './metrics.js';

export function retryReporter(logger: Logger, metrics: VerifierMetrics): RetryObserver {
  return {
    retrying(what, attempt, waitMs, failure) {
      if (failure.code.startsWith('STORE')) metrics.postgresqlRetries.inc();
      else if (failure.code.startsWith('REGISTRY')) metrics.schemaRegistryRetries.inc();
      else metrics.kafkaRetries.inc();
      logger.warn({ operation: what, attempt, retryInMs: waitMs, failure: failure.code, retriable: failure.retriable, error: failure.message }, `${what} failed; retrying`);
    },
    recovered(what, attempts) {
      logger.info({ operation: what, attempts }, `${what} succeeded after ${attempts} attempts`);
    },
  };
}
