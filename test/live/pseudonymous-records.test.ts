// Migration 003 on a schema populated under migrations 001-002: refused without the pseudonym key (exit 2, one
// line) or with another key than the stored alerts were made with, leaving the schema as it was; with the key, every
// NHS number becomes the patient's keyed pseudonym, content fingerprints follow (a repeat of a stored record is still
// a duplicate), the clear columns are gone and a dump of the schema holds no NHS number.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamValueDecoder, streamValueEncoder } from '../../services/codec/stream-value-codec.js';
import type { StreamName } from '../../services/core/records.js';
import { catalogue, gp, PATIENT_A, PATIENT_B, PATIENT_C, receipt, share, T0 } from '../../services/core/testing/builders.js';
import { keyedIdentity } from '../../services/identity/keyed-identity.js';
import { readPseudonymKey } from '../../services/identity/pseudonym-key.js';
import { VerifierError } from '../../services/live/errors.js';
import { MessageIntake } from '../../services/live/ingest/message-intake.js';
import { migrate } from '../../services/live/store/migration-runner.js';
import { PgStateStore } from '../../services/live/store/pg-state-store.js';
import { CLI_ENTRY } from '../stack/cli-entry.js';
import { testStack, type FreshSchema } from '../stack/test-context.js';
import { createRuntimeRole, type RuntimeRole } from './support/runtime-role.js';
import { storeClearRows } from './support/pre-pseudonym-rows.js';
import { dumpSchema, nhsNumbersIn } from './support/schema-dump.js';
import { latestMigration, storedGpEvents, storedPatientRefs, tablesWithNhsNumbers } from './support/store-inspection.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const PATIENTS = [PATIENT_A, PATIENT_B, PATIENT_C];

function runMigrate(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // The test's PostgreSQL is the local one, without TLS.
    const child = spawn(process.execPath, [...CLI_ENTRY, 'migrate'], { cwd: REPO, env: { PATH: process.env.PATH ?? '', ALLOW_PLAINTEXT: 'true', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => { stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('migration 003 pseudonymises a schema populated under migrations 001-002', () => {
  const stack = testStack();
  let schema: FreshSchema;
  let db: pg.Client;
  let keyFile: string;
  let key: Buffer;
  let role: RuntimeRole;
  const event = gp('e-1', T0, '9Nu0', PATIENT_A);
  const event2 = gp('e-2', T0 + 1, '9Nu4', PATIENT_B);
  const received = receipt('r-1', T0 + 2, '9Nu0', PATIENT_A);
  const shared = share('d-1', T0 + 3, 'RESEARCH', PATIENT_C);

  beforeAll(async () => {
    schema = await stack.freshSchema();
    role = await createRuntimeRole(stack);
    expect((await migrate(stack.databaseUrl, schema.schema, { upTo: 2 })).map((m) => m.version)).toEqual([1, 2]);
    const dir = await mkdtemp(join(tmpdir(), 'optout-pseudonymise-'));
    keyFile = join(dir, 'key');
    await writeFile(keyFile, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
    key = await readPseudonymKey(keyFile);
    db = new pg.Client({ connectionString: schema.databaseUrl });
    await db.connect();
    await storeClearRows(db, { events: [event, event2], receipt: received, dissemination: shared, alertPatientRef: keyedIdentity(key).patientRefFor(PATIENT_A) });
  });

  afterAll(async () => {
    await db?.end();
    await schema?.drop();
    await role?.drop();
  });

  const clearColumns = () => tablesWithNhsNumbers(db, schema.schema);

  it('refuses without the key, in one line and exit 2, and leaves the schema as it was', async () => {
    const result = await runMigrate({ DATABASE_URL: stack.databaseUrl, DB_SCHEMA: schema.schema, DB_RUNTIME_ROLE: role.name });
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/003_pseudonymous_records\.sql .*needs the key: set PSEUDONYM_KEY_FILE/);
    expect(await clearColumns()).toEqual(['gp_events', 'nds_disseminations', 'nds_received']);
    expect(await latestMigration(db)).toBe(2);
  });

  it('refuses a key that does not give the stored alerts\' patient references', async () => {
    const refused = await migrate(stack.databaseUrl, schema.schema, { pseudonymKey: randomBytes(32) }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(VerifierError);
    expect(refused).toMatchObject({ code: 'CONFIGURATION', message: expect.stringContaining('does not give the patient references of the stored alerts') });
    expect(await clearColumns()).toHaveLength(3);
  });

  it('with the key, stores keyed pseudonyms in place of NHS numbers, drops the clear columns, and keeps duplicates duplicates', async () => {
    const result = await runMigrate({ DATABASE_URL: stack.databaseUrl, DB_SCHEMA: schema.schema, DB_RUNTIME_ROLE: role.name, PSEUDONYM_KEY_FILE: keyFile });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('003_pseudonymous_records.sql');
    expect(await clearColumns()).toEqual([]);

    const ref = keyedIdentity(key).patientRefFor;
    expect((await storedGpEvents(db)).map(({ eventId, patientRef }) => ({ eventId, patientRef }))).toEqual([
      { eventId: 'e-1', patientRef: ref(PATIENT_A) }, { eventId: 'e-2', patientRef: ref(PATIENT_B) },
    ]);
    expect(await storedPatientRefs(db, 'ndsReceived')).toEqual([ref(PATIENT_A)]);
    expect(await storedPatientRefs(db, 'ndsDisseminations')).toEqual([ref(PATIENT_C)]);
    expect(nhsNumbersIn(await dumpSchema(stack.databaseUrl, schema.schema), PATIENTS)).toEqual([]);

    // The fingerprints were recomputed as ingest now computes them: the same content again is a duplicate, other
    // content under a stored id a conflict.
    const store = new PgStateStore({ databaseUrl: stack.databaseUrl, schema: schema.schema, poolSize: 2, applicationName: 'migration-test', onConnectionError: () => {} });
    try {
      const intake = (stream: StreamName) => new MessageIntake(stream, streamValueDecoder(stream), catalogue, ref);
      const again = async (stream: StreamName, record: object) => {
        const item = intake(stream).classify(0, streamValueEncoder(stream)(record as never));
        return store.ingest({ topic: `again-${stream}`, partition: 0, stream, items: [item], nextOffset: 1, fetchedFrom: 0, gapAccepted: false }, async () => {});
      };
      expect(await again('gpEvents', event)).toMatchObject({ stored: 0, duplicates: 1, deadLetters: [] });
      expect(await again('ndsReceived', received)).toMatchObject({ stored: 0, duplicates: 1, deadLetters: [] });
      expect(await again('ndsDisseminations', shared)).toMatchObject({ stored: 0, duplicates: 1, deadLetters: [] });
      const changed = intake('gpEvents').classify(1, streamValueEncoder('gpEvents')({ ...event2, recordedAt: T0 + 99 }));
      const conflict = await store.ingest({ topic: 'again-gpEvents', partition: 0, stream: 'gpEvents', items: [changed], nextOffset: 2, fetchedFrom: 1, gapAccepted: false }, async () => {});
      expect(conflict).toMatchObject({ kind: 'stored', deadLetters: [expect.objectContaining({ reason: 'CONFLICTING_DUPLICATE' })] });
    } finally {
      await store.close();
    }
  });
});
