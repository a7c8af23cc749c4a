import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fire, resolve } from '../../core/alert.js';
import { STREAM_NAMES } from '../../core/records.js';
import { byteaArray, int8Array, uuidArray } from './binary-arrays.js';
import { MIGRATIONS_DIR } from './migration-runner.js';
import * as q from './state-queries.js';
import { partitionKey } from './topic-partition.js';

const MIGRATIONS = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).sort().map((f) => readFileSync(`${MIGRATIONS_DIR}/${f}`, 'utf8')).join('\n');

/** Column names of a table as the migrations leave it: created, then columns added and dropped by ALTER TABLE. */
function tableColumns(table: string): string[] {
  const body = new RegExp(`CREATE TABLE ${table} \\(([\\s\\S]*?)\\n\\);`).exec(MIGRATIONS)?.[1];
  if (!body) throw new Error(`no CREATE TABLE ${table} in the migrations`);
  const columns = body.split('\n').map((line) => line.trim()).filter((line) => /^[a-z_]+ /.test(line) && !line.startsWith('PRIMARY') && !line.startsWith('UNIQUE')).map((line) => line.split(' ')[0]!);
  for (const [, action, column] of MIGRATIONS.matchAll(new RegExp(`ALTER TABLE ${table} (ADD|DROP) COLUMN ([a-z_]+)`, 'g'))) {
    if (action === 'ADD') columns.push(column!);
    else columns.splice(columns.indexOf(column!), 1);
  }
  return columns;
}

/** Every $n in the text has a value, and every value is used. */
function expectPlaceholdersMatch(sql: q.Sql): void {
  const used = new Set([...sql.text.matchAll(/\$(\d+)/g)].map((m) => Number(m[1])));
  expect([...used].sort((a, b) => a - b)).toEqual(sql.values.map((_, i) => i + 1));
}

const alert = fire({
  alertId: 'a1', rule: 'OBJECTION_OVERDUE', upstreamEventId: 'ev-1', receiptId: null, disseminationId: null, patientRef: 'ref',
  practiceOds: 'A81001', supplier: 'TPP', optOutType: 'TYPE_2', episodeStart: 1_000, firedAt: 2_000, detectionDelayMs: 1_000,
  downstreamHeldAtShare: null, recipient: null, purpose: null,
});

describe('state queries', () => {
  it('claim the ids of a batch and store its records as one row, prepared once per stream', () => {
    for (const stream of STREAM_NAMES) {
      const ids = { keys: ['0', '1', '2'].map((d) => d.repeat(32)), contentHashes: ['ab', 'ab', 'ab'].map((h) => h.repeat(32)), eventTimes: [1_000, 1_001, 1_002], offsets: [7, 8, 9] };
      const sql = q.claimIdsAndStore(stream, 'topic.x', 4, ids, { from: 7, to: 10, count: 3, lines: 'l', numbers: [5] });
      expectPlaceholdersMatch(sql);
      expect(sql.name).toBe(`claim-ids-${stream}`);
      const claimed = /INSERT INTO record_ids \(([^)]*)\)/.exec(sql.text)![1]!.split(', ');
      expect(new Set(claimed)).toEqual(new Set(tableColumns('record_ids')));
      const stored = /INSERT INTO record_batches \(([^)]*)\)/.exec(sql.text)![1]!.split(', ');
      expect(new Set(stored)).toEqual(new Set(tableColumns('record_batches')));
      // The columns go as binary arrays (binary-arrays.ts), of the types the statement casts them to.
      expect(/WITH r AS \(SELECT \* FROM unnest\(([^)]*)\)/.exec(sql.text)![1]).toBe('$1::uuid[], $2::bytea[], $3::bigint[], $4::bigint[]');
      expect(sql.values.slice(0, 4)).toEqual([
        uuidArray(['0'.repeat(32), '1'.repeat(32), '2'.repeat(32)]), byteaArray(['ab'.repeat(32), 'ab'.repeat(32), 'ab'.repeat(32)], 32), int8Array([1_000, 1_001, 1_002]), int8Array([7, 8, 9]),
      ]);
      expect(sql.values.slice(4)).toEqual(['topic.x', 4, 7, 10, 3, 'l', int8Array([5])]);
      const run = q.insertRecordRun(stream, 'topic.x', 4, { from: 8, to: 9, count: 1, lines: 'l', numbers: [] });
      expectPlaceholdersMatch(run);
      expect(new Set(/INSERT INTO record_batches \(([^)]*)\)/.exec(run.text)![1]!.split(', '))).toEqual(new Set(tableColumns('record_batches')));
    }
  });

  it('read back the runs holding any offset of the ranges', () => {
    const sql = q.recordRunsInRanges('gp', [{ stream: 'gpEvents', topic: 'gp', partition: 2, from: 5, to: 9 }, { stream: 'gpEvents', topic: 'gp', partition: 3, from: 0, to: 1 }]);
    expectPlaceholdersMatch(sql);
    expect(sql.values).toEqual(['gp', [2, 3], [5, 0], [9, 1]]);
  });

  it('commit a round in one statement whose every write depends on the fence', () => {
    const fired = alert;
    const resolved = resolve(alert.alert, 3_000, 'DOWNSTREAM');
    const sql = q.commitRound({
      epoch: 7, streamTime: 3_000, offsets: new Map([[partitionKey('nds.objections.received', 3), 17], [partitionKey('gp_optout-events.v1', 0), 0]]),
      cut: { streamTime: 1_000, offsets: new Map([[partitionKey('gp_optout-events.v1', 0), 0]]) }, latestAlerts: [resolved],
      outbox: [
        { alertId: 'a1', transition: 'FIRED', changedAt: fired.changedAt, payload: Buffer.from([1, 2]), change: '{"fired":1}' },
        { alertId: 'a1', transition: 'RESOLVED', changedAt: 3_000, payload: Buffer.from([3]), change: '{"resolved":1}' },
      ],
      decidedAt: 10_000, snapshot: null,
    });
    expectPlaceholdersMatch(sql);
    expect(sql.values.slice(0, 2)).toEqual([7, 3_000]);
    expect(sql.text).toMatch(/UPDATE decider_state SET stream_time_ms = \$2, updated_at = now\(\) WHERE leader_epoch = \$1/);
    // Every write reads from the fence, so nothing is written once another decider has the epoch.
    const writes = sql.text.split(/\),\n/).slice(1);
    expect(writes).toHaveLength(5);
    for (const write of writes) expect(write).toMatch(/fence/);
    expect(sql.values).toContainEqual(['nds.objections.received', 'gp_optout-events.v1']);
    expect(sql.values).toContainEqual([3, 0]);
    const written = /INSERT INTO alerts \(([^)]*)\)/.exec(sql.text)![1]!.split(', ');
    expect(new Set([...written, 'updated_at'])).toEqual(new Set(tableColumns('alerts')));
    const stateColumn = sql.values.find((v) => Array.isArray(v) && v[0] === 'RESOLVED' && v.length === 1);
    expect(stateColumn).toBeDefined();
    expect(sql.text).toMatch(/WITH ORDINALITY[\s\S]*ORDER BY o\.n/);
    expect(sql.values).toContainEqual(['0102', '03']);
    // The alert history gets each change, in the order made, with the outbox row.
    expect(sql.text).toMatch(/INSERT INTO alert_log \(alert_id, transition, change\)[\s\S]*ORDER BY l\.n/);
    expect(sql.values).toContainEqual(['{"fired":1}', '{"resolved":1}']);
  });

  it('commit a round with nothing but the stream time', () => {
    const sql = q.commitRound({ epoch: 1, streamTime: null, offsets: new Map(), cut: null, latestAlerts: [], outbox: [], decidedAt: 0, snapshot: null });
    expectPlaceholdersMatch(sql);
    expect(sql.text).not.toMatch(/INSERT/);
  });

  it('name the decider lock after the schema', () => {
    expect(q.tryDeciderLock('a').values).not.toEqual(q.tryDeciderLock('b').values);
    expect(q.releaseDeciderLock('a').values).toEqual(q.tryDeciderLock('a').values);
  });

  it('have matching placeholders in every other statement', () => {
    for (const sql of [
      q.lockPartitionProgress('t', 0), q.storedContentHashes(['0'.repeat(32)]), q.forgetCoveredRecords('t', [0], [5], 10),
      q.forgetIds(new Map([['gpEvents', 5]]), [{ stream: 'gpEvents', partition: 0, below: 4 }], 100), q.insertDeadLetters('t', 1, [{ offset: 3, reason: 'UNKNOWN_CODE', detail: 'd' }]),
      q.advancePartition({ topic: 't', partition: 0, nextOffset: 1, maxEventTime: null, stored: 0, duplicates: 0, deadLetters: 0, absent: 0, sawRecords: true }),
      q.storedOffsets(['t'], [0]), q.ingestAccounts(), q.claimLeadership('me'), q.unsentOutbox(10), q.markOutboxSent([1]),
    ]) expectPlaceholdersMatch(sql);
  });
});
