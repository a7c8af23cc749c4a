// Errors that say what to do. A failure is transient (retry with backoff: a server restarting, a connection
// reset, a serialization conflict) or it is not (a bug, a bad configuration, a schema the database lacks).
// Poison input never gets here: it is dead-lettered where it is read.
import pg from 'pg';
import kafkajs from 'kafkajs';
import { SchemaRegistryFailure } from '../schema-registry/registry-client.js';

// kafkajs is CommonJS and spreads its error classes into its exports, which Node cannot name statically.
const { KafkaJSError, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded } = kafkajs;

export type FailureCode =
  | 'STORE_UNAVAILABLE'
  | 'STORE_REJECTED'
  | 'BROKER_UNAVAILABLE'
  | 'BROKER_REJECTED'
  | 'LEADERSHIP_LOST'
  | 'CONFIGURATION'
  | 'SCHEMA_NOT_MIGRATED'
  | 'REGISTRY_UNAVAILABLE'
  | 'REGISTRY_REJECTED'
  /** The intake's thread ended (a bug, or out of memory): this process ingests nothing more. */
  | 'INTAKE_FAILED';

export class VerifierError extends Error {
  readonly code: FailureCode;
  readonly retriable: boolean;

  constructor(code: FailureCode, message: string, options: { retriable: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'VerifierError';
    this.code = code;
    this.retriable = options.retriable;
  }
}

// SQLSTATE classes and codes that a later attempt can get past: connection exceptions (08), serialization
// failure and deadlock (40001, 40P01), insufficient resources (53), a statement or lock wait over the session's
// timeout (57014, 55P03: DB_STATEMENT_TIMEOUT, DB_LOCK_TIMEOUT), operator intervention such as a server
// shutting down (57P01-57P03), and a standby that cannot serve yet.
const TRANSIENT_SQLSTATE_CLASSES = new Set(['08', '53']);
const TRANSIENT_SQLSTATES = new Set(['40001', '40P01', '57014', '57P01', '57P02', '57P03', '55006', '55P03', '58030']);

/**
 * Node's TLS verdicts on a server's certificate: another attempt gets the same answer, so they are settings to
 * fix (the CA in sslrootcert, the host name in the URL), not outages to wait out.
 */
const CERTIFICATE_REFUSALS = new Set([
  'ERR_TLS_CERT_ALTNAME_INVALID', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'CERT_SIGNATURE_FAILURE', 'CERT_UNTRUSTED',
]);

/** Node's socket errors: the other end went away or cannot be reached for now. */
const TRANSIENT_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED']);

/**
 * A PostgreSQL failure as a VerifierError. A DatabaseError carries its SQLSTATE, which decides; any other error
 * from the driver is about the connection itself (refused, reset, terminated, timed out) and is transient.
 */
export function storeFailure(error: unknown, doing: string): VerifierError {
  if (error instanceof VerifierError) return error;
  if (error instanceof pg.DatabaseError) {
    const state = error.code ?? '';
    const transient = TRANSIENT_SQLSTATES.has(state) || TRANSIENT_SQLSTATE_CLASSES.has(state.slice(0, 2));
    return new VerifierError(transient ? 'STORE_UNAVAILABLE' : 'STORE_REJECTED', `PostgreSQL ${doing}: SQLSTATE ${state}: ${error.message}`, { retriable: transient, cause: error });
  }
  const errno = (error as NodeJS.ErrnoException | null)?.code;
  if (errno && CERTIFICATE_REFUSALS.has(errno)) {
    return new VerifierError('CONFIGURATION', `PostgreSQL ${doing}: the server's certificate is refused (${errno}): check sslrootcert and the host name in DATABASE_URL`, { retriable: false, cause: error });
  }
  const detail = errno && TRANSIENT_ERRNOS.has(errno) ? errno : error instanceof Error ? error.message : String(error);
  return new VerifierError('STORE_UNAVAILABLE', `PostgreSQL ${doing}: ${detail}`, { retriable: true, cause: error });
}

/**
 * A Kafka failure as a VerifierError. kafkajs marks its own errors retriable or not; one that gave up after its
 * own retries (the broker stayed away) is still worth another attempt later.
 */
export function brokerFailure(error: unknown, doing: string): VerifierError {
  if (error instanceof VerifierError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof KafkaJSNumberOfRetriesExceeded) {
    return new VerifierError('BROKER_UNAVAILABLE', `Kafka ${doing}: gave up after retries: ${message}`, { retriable: true, cause: error });
  }
  if (error instanceof KafkaJSNonRetriableError) {
    return new VerifierError('BROKER_REJECTED', `Kafka ${doing}: ${message}`, { retriable: false, cause: error });
  }
  if (error instanceof KafkaJSError) {
    return new VerifierError(error.retriable ? 'BROKER_UNAVAILABLE' : 'BROKER_REJECTED', `Kafka ${doing}: ${message}`, { retriable: error.retriable, cause: error });
  }
  const errno = (error as NodeJS.ErrnoException | null)?.code;
  if (errno && TRANSIENT_ERRNOS.has(errno)) {
    return new VerifierError('BROKER_UNAVAILABLE', `Kafka ${doing}: ${errno}`, { retriable: true, cause: error });
  }
  return new VerifierError('BROKER_REJECTED', `Kafka ${doing}: ${message}`, { retriable: false, cause: error });
}

/** A Schema Registry failure as a VerifierError: the client says whether another attempt can help. */
export function registryFailure(error: unknown): VerifierError {
  if (error instanceof VerifierError) return error;
  const retriable = error instanceof SchemaRegistryFailure ? error.retriable : false;
  const message = error instanceof Error ? error.message : String(error);
  return new VerifierError(retriable ? 'REGISTRY_UNAVAILABLE' : 'REGISTRY_REJECTED', message, { retriable, cause: error });
}

export function isRetriable(error: unknown): boolean {
  return error instanceof VerifierError && error.retriable;
}

/** A one-line description for logs: the code and message, never a record's content. */
export function describeFailure(error: unknown): { code: string; retriable: boolean; message: string } {
  if (error instanceof VerifierError) return { code: error.code, retriable: error.retriable, message: error.message };
  return { code: 'INTERNAL', retriable: false, message: error instanceof Error ? error.message : String(error) };
}

// SQLSTATEs one record causes by its own content, whatever the rest of its batch: a data exception (class 22: a value
// its column's type cannot hold, a NUL character, an out-of-range number), a program limit (class 54: an index entry
// too large), or the row's own integrity checks (23502 a null where none may be, 23514 a CHECK constraint).
const RECORD_SQLSTATE_CLASSES = new Set(['22', '54']);
const RECORD_SQLSTATES = new Set(['23502', '23514']);

/**
 * The SQLSTATE of a store failure that a record can cause by its own content, or null for any other failure. Decided
 * by the SQLSTATE alone; the server's message is never looked at (it may quote the value).
 */
export function recordRejectionState(error: unknown): string | null {
  const cause = error instanceof VerifierError ? error.cause : error;
  if (!(cause instanceof pg.DatabaseError) || cause.code === undefined) return null;
  return RECORD_SQLSTATE_CLASSES.has(cause.code.slice(0, 2)) || RECORD_SQLSTATES.has(cause.code) ? cause.code : null;
}
