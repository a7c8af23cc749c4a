// PostgreSQL over TLS with sslmode=verify-full, against a server of the test's own (initdb, ssl=on) with
// certificates made here with openssl: a CA, and a server certificate for localhost and 127.0.0.1. The right CA
// connects, and the connection is encrypted; a certificate from another CA, or a host name the certificate does
// not carry, is refused, as a setting to fix rather than an outage to retry.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLiveConfig } from '../../services/live/config.js';
import { VerifierError } from '../../services/live/errors.js';
import { migrate, migrationStatus } from '../../services/live/store/migration-runner.js';
import { PgStateStore } from '../../services/live/store/pg-state-store.js';
import { startOwnPostgres, type OwnPostgres } from './support/own-postgres.js';

const exec = promisify(execFile);

async function openssl(dir: string, args: string[]): Promise<void> {
  await exec('openssl', args, { cwd: dir });
}

/** A CA (its key and certificate), in `dir` under `name`. */
async function makeCa(dir: string, name: string): Promise<string> {
  await openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`,
    '-days', '2', '-subj', `/CN=${name}`]);
  return join(dir, `${name}.crt`);
}

describe('PostgreSQL over TLS (sslmode=verify-full)', () => {
  let dir: string;
  let server: OwnPostgres;
  let rightCa: string;
  let otherCa: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'optout-pg-tls-'));
    rightCa = await makeCa(dir, 'verifier-test-ca');
    otherCa = await makeCa(dir, 'another-ca');
    await openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
    await writeFile(join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    await openssl(dir, ['x509', '-req', '-in', 'server.csr', '-CA', 'verifier-test-ca.crt', '-CAkey', 'verifier-test-ca.key', '-CAcreateserial',
      '-out', 'server.crt', '-days', '2', '-extfile', 'server.ext']);
    server = await startOwnPostgres({
      // 127.0.0.2 reaches the same server by an address its certificate does not name.
      listen: '127.0.0.1,127.0.0.2',
      settings: { ssl: 'on', ssl_cert_file: 'server.crt', ssl_key_file: 'server.key' },
      files: { 'server.crt': await readFile(join(dir, 'server.crt'), 'utf8'), 'server.key': await readFile(join(dir, 'server.key'), 'utf8') },
    });
  }, 120_000);

  afterAll(async () => {
    await server?.remove();
    await rm(dir, { recursive: true, force: true });
  });

  const urlOf = (host: string, ca: string) => `postgres://postgres@${host}:${server.port}/postgres?sslmode=verify-full&sslrootcert=${ca}`;

  it('connects with the right CA, encrypted, and the settings accept it without ALLOW_PLAINTEXT', async () => {
    const url = urlOf('127.0.0.1', rightCa);
    const parsed = parseLiveConfig([], { KAFKA_BROKERS: 'k:9093', KAFKA_SSL: 'true', DATABASE_URL: url, PSEUDONYM_KEY_FILE: '/k' });
    expect(parsed.ok ? [] : parsed.problems).toEqual([]);
    await migrate(url, 'tls_check');
    const store = new PgStateStore({ databaseUrl: url, schema: 'tls_check', poolSize: 2, applicationName: 'optout-verifier tls test', onConnectionError: () => {} });
    try {
      await store.ping();
      const security = await store.connectionSecurity();
      expect(security.tls).toBe(true);
      expect(security.version).toMatch(/^TLSv1\.[23]$/);
    } finally {
      await store.close();
    }
    // The name on the certificate works as well as the address.
    expect((await migrationStatus(urlOf('localhost', rightCa), 'tls_check')).pending).toEqual([]);
  });

  it('refuses a server whose certificate another CA signed, as a setting to fix', async () => {
    const refused = await migrationStatus(urlOf('127.0.0.1', otherCa), 'tls_check').then(() => null, (error: unknown) => error);
    expect(refused).toBeInstanceOf(VerifierError);
    expect(refused).toMatchObject({ code: 'CONFIGURATION', retriable: false });
    expect((refused as Error).message).toMatch(/certificate is refused \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)/);
  });

  it('refuses a host name the certificate does not carry', async () => {
    const refused = await migrationStatus(urlOf('127.0.0.2', rightCa), 'tls_check').then(() => null, (error: unknown) => error);
    expect(refused).toMatchObject({ code: 'CONFIGURATION', retriable: false });
    expect((refused as Error).message).toMatch(/certificate is refused \(ERR_TLS_CERT_ALTNAME_INVALID\)/);
  });
});
