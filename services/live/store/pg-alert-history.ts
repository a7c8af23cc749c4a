// Reads the alert history and the alerts table for `audit verify`, a page at a time, read-only.
import pg from 'pg';
import type { AlertAgainstLog, LoggedChange } from '../../audit/alert-history-check.js';
import { alertLogPage, alertsWithLastChange, pruneResolvedHistory, STREAM_TIME } from './alert-history-queries.js';
import { connectionFields, dropIfUnanswered, type DatabaseConnection } from './database-connection.js';
import { storeFailure } from '../errors.js';
import type { Sql } from './state-queries.js';

const PAGE = 5_000;

export class PgAlertHistory {
  readonly #client: pg.Client;

  private constructor(client: pg.Client) {
    this.#client = client;
  }

  static async open(connection: DatabaseConnection, schema: string): Promise<PgAlertHistory> {
    const client = new pg.Client({ ...connectionFields(connection), application_name: 'optout-verifier audit', connectionTimeoutMillis: 10_000 });
    client.on('error', () => { /* the next query fails and says why */ });
    try {
      await client.connect();
      // One snapshot for the whole check: rows the decider appends meanwhile are not half seen.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query(`SET LOCAL search_path TO ${pg.escapeIdentifier(schema)}`);
    } catch (error) {
      await client.end().catch(() => {});
      throw storeFailure(error, 'opening the alert history');
    }
    return new PgAlertHistory(client);
  }

  async #query<R extends pg.QueryResultRow>(sql: Sql, doing: string): Promise<R[]> {
    try {
      return (await this.#client.query<R>({ text: sql.text, values: sql.values as unknown[] })).rows;
    } catch (error) {
      dropIfUnanswered(this.#client, error);
      throw storeFailure(error, doing);
    }
  }

  async *changes(): AsyncGenerator<LoggedChange> {
    let after = 0;
    for (;;) {
      const rows = await this.#query<{ position: string; alert_id: string | null; transition: string | null; change: string | null; hash: Buffer }>(alertLogPage(after, PAGE), 'reading the alert history');
      for (const row of rows) yield { position: Number(row.position), alertId: row.alert_id, transition: row.transition, change: row.change, hash: row.hash };
      if (rows.length < PAGE) return;
      after = Number(rows[rows.length - 1]!.position);
    }
  }

  async *alerts(): AsyncGenerator<AlertAgainstLog> {
    let after: string | null = null;
    for (;;) {
      const rows: Record<string, unknown>[] = await this.#query<Record<string, unknown>>(alertsWithLastChange(after, PAGE), 'reading the alerts');
      for (const row of rows) {
        yield {
          row,
          loggedPosition: row.logged_position === null ? null : Number(row.logged_position),
          loggedChange: row.logged_change === null ? null : String(row.logged_change),
          lastPosition: row.last_position === null ? null : Number(row.last_position),
        };
      }
      if (rows.length < PAGE) return;
      after = String(rows[rows.length - 1]!.alert_id);
    }
  }

  async close(): Promise<void> {
    await this.#client.query('ROLLBACK').catch(() => {});
    await this.#client.end().catch(() => {});
  }
}

export interface PruneOutcome {
  /** Alerts resolved before this (epoch ms) were pruned; null when the decider has no stream time yet. */
  readonly resolvedBefore: number | null;
  readonly alerts: number;
  readonly changes: number;
}

/**
 * `audit prune`, as the schema's owner: the history of alerts resolved more than `retentionMs` before the decider's
 * stream time is pruned, in one transaction (see pruneResolvedHistory).
 */
export async function pruneResolvedAlerts(connection: DatabaseConnection, schema: string, retentionMs: number): Promise<PruneOutcome> {
  const client = new pg.Client({ ...connectionFields(connection), application_name: 'optout-verifier audit prune', connectionTimeoutMillis: 10_000 });
  client.on('error', () => { /* the next query fails and says why */ });
  const run = async <R extends pg.QueryResultRow>(sql: Sql, doing: string): Promise<R[]> => {
    try {
      return (await client.query<R>({ text: sql.text, values: sql.values as unknown[] })).rows;
    } catch (error) {
      dropIfUnanswered(client, error);
      throw storeFailure(error, doing);
    }
  };
  try {
    try {
      await client.connect();
    } catch (error) {
      throw storeFailure(error, 'connecting to prune the alert history');
    }
    await run({ text: 'BEGIN', values: [] }, 'pruning the alert history');
    await run({ text: `SET LOCAL search_path TO ${pg.escapeIdentifier(schema)}`, values: [] }, 'pruning the alert history');
    const streamTime = (await run<{ stream_time_ms: string | null }>(STREAM_TIME, 'reading the stream time'))[0]?.stream_time_ms ?? null;
    if (streamTime === null) {
      await run({ text: 'ROLLBACK', values: [] }, 'pruning the alert history');
      return { resolvedBefore: null, alerts: 0, changes: 0 };
    }
    const resolvedBefore = Number(streamTime) - retentionMs;
    let counts: { alerts: number; changes: number } = { alerts: 0, changes: 0 };
    for (const sql of pruneResolvedHistory(resolvedBefore)) {
      const rows = await run<{ alerts?: number; changes?: number }>(sql, 'pruning the alert history');
      if (rows[0]?.alerts !== undefined) counts = { alerts: Number(rows[0].alerts), changes: Number(rows[0].changes) };
    }
    await run({ text: 'COMMIT', values: [] }, 'pruning the alert history');
    return { resolvedBefore, ...counts };
  } finally {
    await client.end().catch(() => {});
  }
}
