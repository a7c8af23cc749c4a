// Steps of a migration that SQL alone cannot do, run by the migration runner where a migration file has a line
// `-- step: <name>`, inside that migration's transaction. A step sees the schema as its migration left it, so it
// names its tables and columns itself (never through state-queries.ts, which follows the latest schema).
import { createHmac, hash } from 'node:crypto';
import { contentKey } from '../../core/duplicates.js';
import type { StreamName } from '../../core/records.js';
import { logStoredAlerts } from './alert-history-step.js';
import { VerifierError } from '../errors.js';
import type { Sql } from './state-queries.js';

export interface MigrationStepContext {
  /** The migration's file name, for messages. */
  readonly migration: string;
  /** The pseudonym key (PSEUDONYM_KEY_FILE), when the caller gave one. */
  readonly pseudonymKey: Buffer | null;
  query<R>(sql: Sql): Promise<R[]>;
}

export interface MigrationStep {
  run(context: MigrationStepContext): Promise<void>;
  /** Statements run once the migration has committed, outside any transaction (VACUUM cannot run in one). */
  readonly afterCommit: readonly string[];
}

interface ClearTable {
  readonly stream: StreamName;
  readonly table: string;
  readonly id: string;
  /** Column of each contract field, as migrations 001-002 made them. */
  readonly columns: readonly (readonly [field: string, column: string])[];
}

const CLEAR_TABLES: readonly ClearTable[] = [
  {
    stream: 'gpEvents', table: 'gp_events', id: 'event_id',
    columns: [['eventId', 'event_id'], ['nhsNumber', 'nhs_number'], ['practiceOds', 'practice_ods'], ['supplier', 'supplier'], ['code', 'code'], ['recordedAt', 'recorded_at_ms']],
  },
  {
    stream: 'ndsReceived', table: 'nds_received', id: 'receipt_id',
    columns: [['receiptId', 'receipt_id'], ['nhsNumber', 'nhs_number'], ['practiceOds', 'practice_ods'], ['supplier', 'supplier'], ['code', 'code'],
      ['sourceEventId', 'source_event_id'], ['extractId', 'extract_id'], ['receivedAt', 'received_at_ms']],
  },
  {
    stream: 'ndsDisseminations', table: 'nds_disseminations', id: 'dissemination_id',
    columns: [['disseminationId', 'dissemination_id'], ['nhsNumber', 'nhs_number'], ['recipient', 'recipient'], ['purpose', 'purpose'], ['sharedAt', 'shared_at_ms']],
  },
];

/** The alert columns naming the record an alert came from, and that record's table. */
const ALERT_SOURCES: readonly (readonly [alertColumn: string, table: ClearTable])[] = [
  ['upstream_event_id', CLEAR_TABLES[0]!], ['receipt_id', CLEAR_TABLES[1]!], ['dissemination_id', CLEAR_TABLES[2]!],
];

const CHUNK = 5_000;
const KEY_CHECK_SAMPLE = 50;

export function anyRowIn(tables: readonly string[]): Sql {
  return { text: `SELECT ${tables.map((t) => `EXISTS (SELECT 1 FROM ${t})`).join(' OR ')} AS any_row`, values: [] };
}

/** NHS numbers of records that alerts came from, with the alerts' patient references. */
export function alertPatients(alertColumn: string, t: ClearTable, limit: number): Sql {
  return {
    text: `SELECT a.patient_ref, r.nhs_number FROM alerts a JOIN ${t.table} r ON r.${t.id} = a.${alertColumn} LIMIT $1`,
    values: [limit],
  };
}

/** The next chunk of rows after `after` (by id), with every contract field as text. */
export function clearRowsAfter(t: ClearTable, after: string | null, limit: number): Sql {
  return {
    text: `SELECT ${t.columns.map(([, column]) => `${column}::text AS ${column}`).join(', ')} FROM ${t.table}
WHERE $1::text IS NULL OR ${t.id} > $1 ORDER BY ${t.id} LIMIT $2`,
    values: [after, limit],
  };
}

export function setPseudonyms(t: ClearTable, ids: readonly string[], refs: readonly string[], hashes: readonly string[]): Sql {
  return {
    text: `UPDATE ${t.table} t SET patient_ref = u.patient_ref, content_hash = decode(u.content_hash, 'hex')
FROM unnest($1::text[], $2::text[], $3::text[]) AS u(id, patient_ref, content_hash) WHERE t.${t.id} = u.id`,
    values: [ids, refs, hashes],
  };
}

/**
 * Migration 003: the record tables' NHS numbers become the patients' keyed pseudonyms (HMAC-SHA256 under the
 * pseudonym key, the alerts' patientRef), and each content fingerprint is recomputed over the pseudonymised
 * content, as ingest now computes it (so a later repeat of a stored record is still a duplicate). Without the key,
 * a schema holding records is refused; a key that does not give the stored alerts' references is refused too.
 */
export const pseudonymiseRecords: MigrationStep = {
  afterCommit: CLEAR_TABLES.map((t) => `VACUUM FULL ${t.table}`),
  async run(context) {
    const [probe] = await context.query<{ any_row: boolean }>(anyRowIn(CLEAR_TABLES.map((t) => t.table)));
    if (!probe?.any_row) return;
    const key = context.pseudonymKey;
    if (key === null) {
      throw new VerifierError('CONFIGURATION', `migration ${context.migration} replaces the stored NHS numbers with keyed pseudonyms and needs the key: set PSEUDONYM_KEY_FILE to the key \`run\` uses`, { retriable: false });
    }
    const patientRef = (nhsNumber: string): string => createHmac('sha256', key).update(nhsNumber, 'utf8').digest('hex');
    for (const [alertColumn, table] of ALERT_SOURCES) {
      const pairs = await context.query<{ patient_ref: string; nhs_number: string }>(alertPatients(alertColumn, table, KEY_CHECK_SAMPLE));
      if (pairs.some((p) => patientRef(p.nhs_number) !== p.patient_ref)) {
        throw new VerifierError('CONFIGURATION', `migration ${context.migration}: the key in PSEUDONYM_KEY_FILE does not give the patient references of the stored alerts; give the key \`run\` has used on this schema`, { retriable: false });
      }
    }
    for (const table of CLEAR_TABLES) {
      let after: string | null = null;
      for (;;) {
        const rows: Record<string, string | null>[] = await context.query<Record<string, string | null>>(clearRowsAfter(table, after, CHUNK));
        if (rows.length === 0) break;
        const ids: string[] = [];
        const refs: string[] = [];
        const hashes: string[] = [];
        for (const row of rows) {
          const fields: Record<string, string | null> = {};
          for (const [field, column] of table.columns) fields[field] = row[column] ?? null;
          fields.nhsNumber = patientRef(fields.nhsNumber!);
          ids.push(row[table.id]!);
          refs.push(fields.nhsNumber);
          hashes.push(hash('sha256', contentKey(table.stream, fields), 'hex'));
        }
        await context.query(setPseudonyms(table, ids, refs, hashes));
        after = ids[ids.length - 1]!;
      }
    }
  },
};

export const MIGRATION_STEPS: ReadonlyMap<string, MigrationStep> = new Map([['pseudonymise-records', pseudonymiseRecords], ['log-stored-alerts', { afterCommit: [], run: logStoredAlerts }]]);
