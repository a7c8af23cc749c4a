// What a test reads of the service's tables below the probe's level: a partition's counts, the offsets behind the
// stored rows, a stream's records, claimed ids, the schema's columns. Functions over any connection that answers
// `query`, so a test can read through a connection of its own (or one per question, while the server comes and goes).
import pg from 'pg';
import { STREAM_FIELDS, type GpOptOutEvent, type StreamName } from '../../../services/core/records.js';
import { recordIdKey } from '../../../services/live/store/record-id-key.js';
import { parseRecordLines } from '../../../services/live/store/record-lines.js';
import type { StoredRecord } from '../../../services/live/store/state-store.js';

/** What the inspection needs of a connection: pg.Client, pg.Pool and oneConnectionPerQuestion() all serve. */
export interface StoreReader {
  query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<{ rows: R[] }>;
}

/** A reader that opens a connection for each question and closes it after, for a server that goes away under the test. */
export function oneConnectionPerQuestion(databaseUrl: string): StoreReader {
  return {
    async query<R extends pg.QueryResultRow>(text: string, values?: unknown[]) {
      const client = new pg.Client({ connectionString: databaseUrl });
      client.on('error', () => {});
      await client.connect();
      try {
        return await client.query<R>(text, values);
      } finally {
        await client.end().catch(() => {});
      }
    },
  };
}

export interface PartitionAccount {
  readonly topic: string;
  readonly partition: number;
  readonly nextOffset: number;
  readonly records: number;
  readonly duplicates: number;
  readonly deadLetters: number;
  readonly absent: number;
}

/** Every input partition's next offset and how its offsets divide into records, duplicates, dead letters and absent ones. */
export async function partitionAccounts(db: StoreReader): Promise<PartitionAccount[]> {
  const { rows } = await db.query<PartitionAccount>(`SELECT topic, partition, next_offset::int AS "nextOffset", records::int, duplicates::int,
    dead_letters::int AS "deadLetters", absent::int FROM input_partitions`);
  return rows;
}

/** The records held in record_batches (every stream), in topic, partition and offset order. */
async function storedRecords(db: StoreReader): Promise<StoredRecord[]> {
  const { rows } = await db.query<{ stream: StreamName; topic: string; partition: number; records: string }>('SELECT stream, topic, partition, records FROM record_batches');
  const records = rows.flatMap((row) => parseRecordLines(row.stream, row.topic, row.partition, row.records));
  return records.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition || a.offset - b.offset));
}

/**
 * The source offset of every record that claimed its id (any stream, from `record_ids`, which keeps where each was read
 * after retention has deleted the record itself) and of every dead letter, with its topic and partition. Ids are
 * forgotten past DEDUP_HORIZON: a test that counts on every one sets a horizon longer than its scenario.
 */
export async function rowOffsets(db: StoreReader, topics: { readonly [S in StreamName]: string }): Promise<{ topic: string; partition: number; offset: number; kind: 'record' | 'dead' }[]> {
  const claimed = await db.query<{ stream: StreamName; partition: number; offset: number }>(
    'SELECT stream, source_partition AS partition, source_offset::int AS offset FROM record_ids WHERE source_offset IS NOT NULL');
  const records = claimed.rows.map((r) => ({ topic: topics[r.stream], partition: r.partition, offset: r.offset, kind: 'record' as const }));
  const { rows } = await db.query<{ topic: string; partition: number; offset: number }>('SELECT topic, partition, source_offset::int AS offset FROM dead_letters');
  return [...records, ...rows.map((r) => ({ ...r, kind: 'dead' as const }))];
}

/** The ids of the records held (every stream), sorted. */
export async function storedRecordIds(db: StoreReader): Promise<string[]> {
  return (await storedRecords(db)).map((r) => String((r.record as unknown as Record<string, unknown>)[STREAM_FIELDS[r.stream].id])).sort();
}

/** The dead letters noted, in topic and offset order. */
export async function deadLetters(db: StoreReader): Promise<{ topic: string; partition: number; offset: number; reason: string; detail: string }[]> {
  const { rows } = await db.query<{ topic: string; partition: number; offset: string; reason: string; detail: string }>(
    'SELECT topic, partition, source_offset AS offset, reason, detail FROM dead_letters ORDER BY topic, partition, source_offset');
  return rows.map((r) => ({ ...r, offset: Number(r.offset) }));
}

/** The stored GP events (a schema migrated past 007), in event id order. */
export async function storedGpEvents(db: StoreReader): Promise<{ eventId: string; supplier: string; patientRef: string; partition: number }[]> {
  const events = (await storedRecords(db)).filter((r) => r.stream === 'gpEvents').map((r) => {
    const event = r.record as GpOptOutEvent;
    return { eventId: event.eventId, supplier: event.supplier, patientRef: event.nhsNumber, partition: r.partition };
  });
  return events.sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
}

/** The patient references of a stream's stored records, in topic, partition and offset order. */
export async function storedPatientRefs(db: StoreReader, stream: Exclude<StreamName, 'ndsManifests'>): Promise<string[]> {
  return (await storedRecords(db)).filter((r) => r.stream === stream).map((r) => (r.record as { nhsNumber: string }).nhsNumber);
}

/** Which of these ids of a stream are still claimed for duplicates (by a record held, or remembered after it went). */
export async function claimedIds(db: StoreReader, stream: StreamName, ids: readonly string[]): Promise<string[]> {
  const { rows } = await db.query<{ key: string }>(`SELECT encode(uuid_send(id_key), 'hex') AS key FROM record_ids WHERE stream = $1`, [stream]);
  const claimed = new Set(rows.map((r) => r.key));
  return ids.filter((id) => claimed.has(recordIdKey(stream, id)));
}

/** Each stored alert's state and last transition. */
export async function alertStates(db: StoreReader): Promise<{ alertId: string; state: string; lastTransition: string }[]> {
  const { rows } = await db.query<{ alertId: string; state: string; lastTransition: string }>(
    'SELECT alert_id AS "alertId", state, last_transition AS "lastTransition" FROM alerts');
  return rows;
}

/** The tables of `schema` that still have a column `nhs_number` (clear NHS numbers), by name. */
export async function tablesWithNhsNumbers(db: StoreReader, schema: string): Promise<string[]> {
  const { rows } = await db.query<{ table_name: string }>(
    `SELECT table_name FROM information_schema.columns WHERE table_schema = $1 AND column_name = 'nhs_number' ORDER BY 1`, [schema]);
  return rows.map((r) => r.table_name);
}

/** The highest migration version applied to the schema. */
export async function latestMigration(db: StoreReader): Promise<number> {
  const { rows } = await db.query<{ v: number }>('SELECT max(version)::int AS v FROM schema_migrations');
  return rows[0]!.v;
}
