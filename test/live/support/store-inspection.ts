// What a test reads of the service's tables below the probe's level: a partition's counts, the offsets behind the
// stored rows, a stream's records, remembered ids, the schema's columns. Functions over any connection that answers
// `query`, so a test can read through a connection of its own (or one per question, while the server comes and goes).
import pg from 'pg';
import type { StreamName } from '../../../services/core/records.js';

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

/** The source offset of every stored record (any stream) and every dead letter, with its topic and partition. */
export async function rowOffsets(db: StoreReader): Promise<{ topic: string; partition: number; offset: number; kind: 'record' | 'dead' }[]> {
  const { rows } = await db.query<{ topic: string; partition: number; offset: number; kind: 'record' | 'dead' }>(`
    SELECT topic, source_partition AS partition, source_offset::int AS offset, 'record' AS kind FROM gp_events
    UNION ALL SELECT topic, source_partition, source_offset::int, 'record' FROM nds_received
    UNION ALL SELECT topic, source_partition, source_offset::int, 'record' FROM nds_manifests
    UNION ALL SELECT topic, source_partition, source_offset::int, 'record' FROM nds_disseminations
    UNION ALL SELECT topic, partition, source_offset::int, 'dead' FROM dead_letters`);
  return rows;
}

/** The dead letters noted, in topic and offset order. */
export async function deadLetters(db: StoreReader): Promise<{ topic: string; partition: number; offset: number; reason: string; detail: string }[]> {
  const { rows } = await db.query<{ topic: string; partition: number; offset: string; reason: string; detail: string }>(
    'SELECT topic, partition, source_offset AS offset, reason, detail FROM dead_letters ORDER BY topic, partition, source_offset');
  return rows.map((r) => ({ ...r, offset: Number(r.offset) }));
}

/** The stored GP events (a schema migrated past 003), in event id order. */
export async function storedGpEvents(db: StoreReader): Promise<{ eventId: string; supplier: string; patientRef: string; partition: number }[]> {
  const { rows } = await db.query<{ eventId: string; supplier: string; patientRef: string; partition: number }>(
    'SELECT event_id AS "eventId", supplier, patient_ref AS "patientRef", source_partition AS partition FROM gp_events ORDER BY event_id');
  return rows;
}

const RECORD_TABLES: { readonly [S in StreamName]: string } = {
  gpEvents: 'gp_events', ndsReceived: 'nds_received', ndsManifests: 'nds_manifests', ndsDisseminations: 'nds_disseminations',
};

/** The patient references of a stream's stored records, in storage order. */
export async function storedPatientRefs(db: StoreReader, stream: Exclude<StreamName, 'ndsManifests'>): Promise<string[]> {
  const { rows } = await db.query<{ patient_ref: string }>(`SELECT patient_ref FROM ${RECORD_TABLES[stream]}`);
  return rows.map((r) => r.patient_ref);
}

/** The ids remembered for duplicates after their records went, with their stream. */
export async function rememberedIds(db: StoreReader): Promise<{ stream: string; id: string }[]> {
  const { rows } = await db.query<{ stream: string; id: string }>('SELECT stream, id FROM remembered_ids');
  return rows;
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
