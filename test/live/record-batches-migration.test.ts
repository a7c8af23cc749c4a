// Migration 007 on a schema populated under migrations 001-006: NDS extract manifests become runs of record_batches
// (read back by the decider's reader as the records ingest would have stored, at their offsets) and claim their ids
// in record_ids; ids remembered after their records went stay claimed, without an offset. A redelivery of either is
// still a duplicate, or a conflict when its content differs.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamValueDecoder, streamValueEncoder } from '../../services/codec/stream-value-codec.js';
import type { RecordOf, StreamName } from '../../services/core/records.js';
import { catalogue, CODES, gp, manifest, T0 } from '../../services/core/testing/builders.js';
import { keyedIdentity } from '../../services/identity/keyed-identity.js';
import { MessageIntake } from '../../services/live/ingest/message-intake.js';
import { migrate, readMigrations } from '../../services/live/store/migration-runner.js';
import { PgStateStore } from '../../services/live/store/pg-state-store.js';
import type { IngestItem, StoredRecord } from '../../services/live/store/state-store.js';
import { testStack, type FreshSchema } from '../stack/test-context.js';
import { claimedIds, latestMigration } from './support/store-inspection.js';

const MANIFESTS = 'nds.manifests';
const key = randomBytes(32);
const pseudonymise = keyedIdentity(key).patientRefFor;
const classify = <S extends StreamName>(stream: S, offset: number, record: RecordOf[S]): Extract<IngestItem, { kind: 'valid' }> => {
  const item = new MessageIntake(stream, streamValueDecoder(stream), catalogue, pseudonymise).classify(offset, (streamValueEncoder(stream) as (r: RecordOf[S]) => Buffer)(record));
  if (item.kind !== 'valid') throw new Error(`not valid: ${item.reason}`);
  return item;
};

describe('migration 007 moves the manifests and remembered ids of a schema populated under migrations 001-006', () => {
  const stack = testStack();
  let schema: FreshSchema;
  let db: pg.Client;
  let store: PgStateStore;
  // Two manifests on partition 0, at offsets 3 and 7 (the offsets between held records of other kinds, or none).
  const manifests = [classify('ndsManifests', 3, { ...manifest('x-1', T0, T0 + 1), recordCount: 12 }), classify('ndsManifests', 7, manifest('x-2', T0 + 5, T0 + 6, 'B82002', 'EMIS'))];
  // Ids whose records retention deleted, remembered for the dedup horizon.
  const goneEvent = gp('gone-e', T0 - 1_000, CODES.t1Dissent);
  const goneManifest = manifest('gone-x', T0 - 2_000, T0 - 1_000);
  const remembered = [classify('gpEvents', 0, goneEvent), classify('ndsManifests', 0, goneManifest)];

  beforeAll(async () => {
    schema = await stack.freshSchema();
    expect((await migrate(stack.databaseUrl, schema.schema, { upTo: 6, pseudonymKey: key })).map((m) => m.version)).toEqual([1, 2, 3, 4, 5, 6]);
    db = new pg.Client({ connectionString: schema.databaseUrl });
    await db.connect();
    for (const m of manifests) {
      const r = m.record as RecordOf['ndsManifests'];
      await db.query(`INSERT INTO nds_manifests (extract_id, supplier, practice_ods, covers_up_to_ms, received_at_ms, record_count, content_hash, topic, source_partition, source_offset)
        VALUES ($1, $2, $3, $4, $5, $6, decode($7, 'hex'), $8, 0, $9)`, [r.extractId, r.supplier, r.practiceOds, r.coversUpTo, r.receivedAt, r.recordCount, m.contentHash, MANIFESTS, m.offset]);
    }
    for (const r of remembered) {
      await db.query(`INSERT INTO remembered_ids (stream, id, content_hash, event_time_ms) VALUES ($1, $2, decode($3, 'hex'), $4)`, [r.stream, r.id, r.contentHash, r.eventTime]);
    }
    expect((await migrate(stack.databaseUrl, schema.schema, { pseudonymKey: key })).map((m) => m.version)).toEqual((await readMigrations()).map((m) => m.version).filter((v) => v > 6));
    expect(await latestMigration(db)).toBe(Math.max(...(await readMigrations()).map((m) => m.version)));
    store = new PgStateStore({ databaseUrl: stack.databaseUrl, schema: schema.schema, poolSize: 2, applicationName: 'record-batches-migration', onConnectionError: () => {} });
  });

  afterAll(async () => {
    await store?.close();
    await db?.end();
    await schema?.drop();
  });

  it('claims every id: a stored manifest\'s where it was read, a remembered one\'s without an offset', async () => {
    expect(await claimedIds(db, 'ndsManifests', ['x-1', 'x-2', 'gone-x', 'never-seen'])).toEqual(['x-1', 'x-2', 'gone-x']);
    expect(await claimedIds(db, 'gpEvents', ['gone-e', 'x-1'])).toEqual(['gone-e']);
    const { rows } = await db.query<{ stream: string; partition: number | null; offset: number | null; eventTime: number; hash: string }>(
      `SELECT stream, source_partition AS partition, source_offset::int AS offset, event_time_ms::float8 AS "eventTime", encode(content_hash, 'hex') AS hash
       FROM record_ids ORDER BY event_time_ms, stream`);
    expect(rows).toEqual([
      { stream: 'gpEvents', partition: null, offset: null, eventTime: remembered[0]!.eventTime, hash: remembered[0]!.contentHash },
      { stream: 'ndsManifests', partition: null, offset: null, eventTime: remembered[1]!.eventTime, hash: remembered[1]!.contentHash },
      ...manifests.map((m) => ({ stream: 'ndsManifests', partition: 0, offset: m.offset, eventTime: m.eventTime, hash: m.contentHash })),
    ]);
  });

  it('holds the manifests as one run of their partition, read back as the records ingest would have stored', async () => {
    const { rows } = await db.query('SELECT topic, partition, from_offset::int AS "from", to_offset::int AS "to", stream, record_count AS count FROM record_batches');
    expect(rows).toEqual([{ topic: MANIFESTS, partition: 0, from: 3, to: 8, stream: 'ndsManifests', count: 2 }]);
    const session = (await store.tryLead('migration-reader'))!;
    try {
      const read = await session.loadRecords([{ stream: 'ndsManifests', topic: MANIFESTS, partition: 0, from: 0, to: 10 }]);
      const expected: StoredRecord[] = manifests.map((m) => ({ stream: 'ndsManifests', topic: MANIFESTS, partition: 0, offset: m.offset, record: m.record, meaning: m.meaning }) as StoredRecord);
      expect(read).toEqual(expected);
      expect(await session.loadRecords([{ stream: 'ndsManifests', topic: MANIFESTS, partition: 0, from: 4, to: 7 }])).toEqual([]);
    } finally {
      await session.release();
    }
  });

  it('judges a redelivery of a stored or remembered id a duplicate, and other content under it a conflict', async () => {
    const again = (stream: StreamName, items: IngestItem[]) => store.ingest({ topic: `again.${stream}`, partition: 0, stream, items, nextOffset: items.length, fetchedFrom: 0, gapAccepted: false }, async () => {});
    expect(await again('ndsManifests', [classify('ndsManifests', 0, manifests[0]!.record as RecordOf['ndsManifests']), classify('ndsManifests', 1, goneManifest),
      classify('ndsManifests', 2, { ...goneManifest, recordCount: 3 })])).toMatchObject({
      kind: 'stored', stored: 0, duplicates: 2, deadLetters: [{ offset: 2, reason: 'CONFLICTING_DUPLICATE' }],
    });
    expect(await again('gpEvents', [classify('gpEvents', 0, { ...goneEvent }), classify('gpEvents', 1, { ...goneEvent, code: CODES.t1Withdrawn })])).toMatchObject({
      kind: 'stored', stored: 0, duplicates: 1, deadLetters: [{ offset: 1, reason: 'CONFLICTING_DUPLICATE' }],
    });
  });
});
