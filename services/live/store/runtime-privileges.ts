// What `run` does to each table of its schema, and so exactly what `migrate` grants the runtime role
// (DB_RUNTIME_ROLE): USAGE on the schema, these privileges on these tables, USAGE on the sequences of the tables
// it inserts into, and nothing else (no DDL, no TRUNCATE, no REFERENCES or TRIGGER, no DELETE of alert history).
// A table that a migration creates must have its row here: `migrate` refuses a schema holding a table that has
// none, so a new table is never left to whatever its owner happened to grant.
// Pure: the statements are built here and run by the migration runner.
import pg from 'pg';
import { ALERT_LIFECYCLE_COLUMNS } from './state-queries.js';

export type TablePrivilege = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';

export interface TableAccess {
  readonly privileges: readonly TablePrivilege[];
  /** With UPDATE: the only columns `run` changes. Without it, UPDATE covers every column. */
  readonly updatableColumns?: readonly string[];
  /** Why `run` needs it, for the README's table and for whoever reviews a change here. */
  readonly why: string;
}

export const RUNTIME_ACCESS: { readonly [table: string]: TableAccess } = {
  schema_migrations: { privileges: ['SELECT'], why: 'checks at start that every migration is applied' },
  input_partitions: { privileges: ['SELECT', 'INSERT', 'UPDATE'], why: 'ingest progress: created and locked per partition, moved with each batch' },
  record_ids: { privileges: ['SELECT', 'INSERT', 'DELETE'], why: 'the id of every record stored, for duplicates: ingest claims them; retention forgets them past DEDUP_HORIZON once a snapshot covers them' },
  record_batches: { privileges: ['SELECT', 'INSERT', 'DELETE'], why: 'ingest stores the valid records of a batch as a row; the decider reads them; retention deletes those a snapshot covers, applied' },
  dead_letters: { privileges: ['SELECT', 'INSERT', 'DELETE'], why: 'ingest notes each dead letter it publishes (once: SELECT for ON CONFLICT); retention deletes notes past DEAD_LETTER_RETENTION' },
  decider_state: { privileges: ['SELECT', 'UPDATE'], why: 'the leader claims the next epoch; every commit is fenced on it and moves stream time' },
  decider_offsets: { privileges: ['SELECT', 'INSERT', 'UPDATE'], why: 'how far the decider has read each partition, moved with each commit' },
  decider_cuts: { privileges: ['SELECT', 'INSERT', 'DELETE'], why: 'written when a round took late records; read to rebuild; dropped by the snapshot that makes them unneeded' },
  decider_snapshot: { privileges: ['SELECT', 'INSERT', 'UPDATE'], why: 'the engine snapshot, replaced with the offsets it covers every SNAPSHOT_EVERY records; read to take over' },
  decider_standbys: { privileges: ['SELECT', 'INSERT', 'UPDATE', 'DELETE'], why: 'each standby says which snapshot it holds warm, and takes it back; a stopping decider reads it' },
  alerts: {
    privileges: ['SELECT', 'INSERT', 'UPDATE'],
    updatableColumns: ALERT_LIFECYCLE_COLUMNS,
    why: 'each alert as it stands: inserted when fired, then only its lifecycle columns change (escalation, resolution)',
  },
  alert_outbox: {
    privileges: ['SELECT', 'INSERT', 'UPDATE'],
    updatableColumns: ['sent_at'],
    why: 'alert messages queued with the decision; the publisher reads them and marks them sent',
  },
  alert_log: { privileges: ['SELECT', 'INSERT'], why: 'the hash-chained alert history: appended with each decision, never changed' },
  alert_log_prunes: { privileges: ['SELECT'], why: 'none by run itself; audit verify, which the runtime role may run, reports the prunes' },
};

export interface SchemaObjects {
  /** Every table (plain or partitioned) in the schema. */
  readonly tables: readonly string[];
  /** Sequences owned by a column of a table (serial, identity). */
  readonly sequences: readonly { readonly table: string; readonly sequence: string }[];
}

export type GrantPlan = { readonly ok: true; readonly statements: readonly string[] } | { readonly ok: false; readonly problems: readonly string[] };

/**
 * The statements that leave `role` with exactly RUNTIME_ACCESS on `schema`: everything revoked first (so a
 * privilege dropped from the table is taken back), then granted. Refused when the schema and the table disagree.
 */
export function runtimeGrants(schema: string, role: string, objects: SchemaObjects, access = RUNTIME_ACCESS): GrantPlan {
  const problems: string[] = [];
  for (const table of objects.tables) {
    if (!(table in access)) problems.push(`table ${schema}.${table} has no entry in the runtime privileges (services/live/store/runtime-privileges.ts): say what run does to it`);
  }
  for (const table of Object.keys(access)) {
    if (!objects.tables.includes(table)) problems.push(`the runtime privileges name table ${table}, which schema ${schema} does not have`);
  }
  if (problems.length > 0) return { ok: false, problems };

  const s = pg.escapeIdentifier(schema);
  const r = pg.escapeIdentifier(role);
  const statements = [
    `REVOKE ALL ON SCHEMA ${s} FROM ${r}`,
    `REVOKE ALL ON ALL TABLES IN SCHEMA ${s} FROM ${r}, PUBLIC`,
    `REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${s} FROM ${r}, PUBLIC`,
    `GRANT USAGE ON SCHEMA ${s} TO ${r}`,
  ];
  for (const table of [...objects.tables].sort()) {
    const { privileges, updatableColumns } = access[table]!;
    const t = `${s}.${pg.escapeIdentifier(table)}`;
    const whole = privileges.filter((p) => p !== 'UPDATE' || updatableColumns === undefined);
    if (whole.length > 0) statements.push(`GRANT ${whole.join(', ')} ON TABLE ${t} TO ${r}`);
    if (privileges.includes('UPDATE') && updatableColumns !== undefined) {
      statements.push(`GRANT UPDATE (${updatableColumns.map((c) => pg.escapeIdentifier(c)).join(', ')}) ON TABLE ${t} TO ${r}`);
    }
  }
  for (const { table, sequence } of [...objects.sequences].sort((a, b) => a.sequence.localeCompare(b.sequence))) {
    if (access[table]?.privileges.includes('INSERT')) statements.push(`GRANT USAGE ON SEQUENCE ${s}.${pg.escapeIdentifier(sequence)} TO ${r}`);
  }
  return { ok: true, statements };
}
