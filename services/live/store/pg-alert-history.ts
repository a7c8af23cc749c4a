// Reads the alert history and the alerts table for `audit verify`, a page at a time, read-only.
import pg from 'pg';
import type { AlertAgainstLog, LoggedChange } from '../../audit/alert-history-check.js';
import { alertLogPage, alertsWithLastChange } from './alert-history-queries.js';
import { connectionFields, type DatabaseConnection } from './database-connection.js';
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
      throw storeFailure(error, doing);
    }
  }

  async *changes(): AsyncGenerator<LoggedChange> {
    let after = 0;
    for (;;) {
      const rows = await this.#query<{ position: string; alert_id: string; transition: string; change: string; hash: Buffer }>(alertLogPage(after, PAGE), 'reading the alert history');
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
