// Migration 003 on a schema populated under migrations 001-002: refused without the pseudonym key (exit 2, one
// line) or with another key than the stored alerts were made with, leaving the schema as it was; with the key, every
// NHS number becomes the patient's keyed pseudonym, content fingerprints follow (a repeat of a stored record is still
// a duplicate), the clear columns are gone and a dump of the schema holds no NHS number.
import { spawn } from 'node:child_process';
import { hash, randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamValueDecoder, streamValueEncoder } from '../../services/codec/stream-value-codec.js';
import { contentKey } from '../../services/core/duplicates.js';
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
import { dumpSchema, nhsNumbersIn } from './support/schema-dump.js';

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

const clearHash = (stream: StreamName, record: object): string => hash('sha256', contentKey(stream, record as Record<string, unknown>), 'hex');

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
    // Rows as the service stored them before 003: NHS numbers in clear, fingerprints of the clear content.
    for (const [i, e] of [event, event2].entries()) {
      await db.query(`INSERT INTO gp_events (event_id, nhs_number, practice_ods, supplier, code, recorded_at_ms, opt_out_type, action, content_hash, topic, source_partition, source_offset)
        VALUES ($1, $2, $3, $4, $5, $6, 'TYPE_1', 'DISSENT', decode($7, 'hex'), 'gp', 1, $8)`,
      [e.eventId, e.nhsNumber, e.practiceOds, e.supplier, e.code, e.recordedAt, clearHash('gpEvents', e), i]);
    }
    await db.query(`INSERT INTO nds_received (receipt_id, nhs_number, practice_ods, supplier, code, source_event_id, extract_id, received_at_ms, opt_out_type, action, content_hash, topic, source_partition, source_offset)
      VALUES ($1, $2, $3, $4, $5, NULL, $6, $7, 'TYPE_1', 'DISSENT', decode($8, 'hex'), 'rc', 0, 0)`,
    [received.receiptId, received.nhsNumber, received.practiceOds, received.supplier, received.code, received.extractId, received.receivedAt, clearHash('ndsReceived', received)]);
    await db.query(`INSERT INTO nds_disseminations (dissemination_id, nhs_number, recipient, purpose, shared_at_ms, content_hash, topic, source_partition, source_offset)
      VALUES ($1, $2, $3, $4, $5, decode($6, 'hex'), 'ds', 0, 0)`,
    [shared.disseminationId, shared.nhsNumber, shared.recipient, shared.purpose, shared.sharedAt, clearHash('ndsDisseminations', shared)]);
    await db.query(`INSERT INTO alerts (alert_id, rule, severity, state, upstream_event_id, patient_ref, practice_ods, supplier, opt_out_type, fired_at, last_transition)
      VALUES ('a-1', 'OBJECTION_OVERDUE', 'WARNING', 'FIRING', 'e-1', $1, 'A81001', 'TPP', 'TYPE_1', now(), 'FIRED')`, [keyedIdentity(key).patientRefFor(PATIENT_A)]);
  });

  afterAll(async () => {
    await db?.end();
    await schema?.drop();
    await role?.drop();
  });

  const clearColumns = async () => (await db.query(`SELECT table_name FROM information_schema.columns WHERE table_schema = $1 AND column_name = 'nhs_number' ORDER BY 1`, [schema.schema])).rows.map((r) => r.table_name);

  it('refuses without the key, in one line and exit 2, and leaves the schema as it was', async () => {
    const result = await runMigrate({ DATABASE_URL: stack.databaseUrl, DB_SCHEMA: schema.schema, DB_RUNTIME_ROLE: role.name });
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/003_pseudonymous_records\.sql .*needs the key: set PSEUDONYM_KEY_FILE/);
    expect(await clearColumns()).toEqual(['gp_events', 'nds_disseminations', 'nds_received']);
    expect((await db.query('SELECT max(version)::int AS v FROM schema_migrations')).rows[0].v).toBe(2);
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
    expect((await db.query('SELECT event_id, patient_ref FROM gp_events ORDER BY event_id')).rows).toEqual([
      { event_id: 'e-1', patient_ref: ref(PATIENT_A) }, { event_id: 'e-2', patient_ref: ref(PATIENT_B) },
    ]);
    expect((await db.query('SELECT patient_ref FROM nds_received')).rows).toEqual([{ patient_ref: ref(PATIENT_A) }]);
    expect((await db.query('SELECT patient_ref FROM nds_disseminations')).rows).toEqual([{ patient_ref: ref(PATIENT_C) }]);
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
