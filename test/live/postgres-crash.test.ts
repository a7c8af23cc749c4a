// No record lost when PostgreSQL crashes: the service runs against a PostgreSQL cluster of the test's own while a
// simulated scenario is produced in chunks, and the server is stopped with `pg_ctl stop -m immediate` (no
// checkpoint, as a power cut) and started again as soon as ingest has begun on a chunk: six times with records produced and not yet
// stored. Afterwards every produced offset is a stored record, a duplicate or a dead letter, as the replay counts
// them per input, the partitions' counts add up to their offsets, and the alerts equal the replay's.
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { STREAM_NAMES } from '../../services/core/records.js';
import { replayScenario, storedAlerts } from './support/alert-views.js';
import { liveEnv, produce, waitUntil } from './support/live-harness.js';
import { testResources } from './support/test-resources.js';
import { LiveProbe } from './support/live-probe.js';
import { startOwnPostgres } from './support/own-postgres.js';
import { seededRandom, shuffledOrder, simulateScenario, writeWriterSchemas } from './support/scenario.js';
import { oneConnectionPerQuestion, partitionAccounts, rowOffsets } from './support/store-inspection.js';
import { testStack } from '../stack/test-context.js';

const DAY = 86_400_000;
const SCENARIO = ['--seed', '37', '--practices', '4', '--patients', '1500', '--days', '240', '--start', '2018-01-01', '--opt-outs-per-year', '0.5',
  '--disseminations-per-week', '2%', '--faults', 'systmone-2018,late-receipts,phantom-objections,revoked-objections,bad-records,redeliveries'];
const STOPS = 6;
const CHUNKS = 14;

interface Stop { readonly produced: number; readonly storedBefore: number; readonly storedAfterRestart: number }

describe('a crash of PostgreSQL', () => {
  const stack = testStack();
  const made = testResources(stack);

  it('loses no record: after six immediate stops while ingest had records in flight, every offset is accounted for and the alerts are the replay\'s', { timeout: 300_000 }, async () => {
    const server = made.keep(await startOwnPostgres(), (own) => own.remove());
    const setup = await made.live({ partitions: 4, databaseUrl: server.url });
    const schemaUrl = setup.schema.databaseUrl;
    // A connection per question: the server goes away under the test.
    const db = oneConnectionPerQuestion(schemaUrl);
    const probe = new LiveProbe(setup, db);
    const stored = async () => (await probe.progress()).ingested;

    const scenario = await simulateScenario(join(setup.dir, 'scenario'), SCENARIO);
    const replayed = await replayScenario(scenario, setup.keyFile);
    const order = shuffledOrder(scenario.messages, 3 * DAY, seededRandom(9));
    // No partition counts as idle while records trickle in (a stall of the test's process could make every one
    // idle, and stream time jump), so only the end of the scenario moves stream time to the replay's as-of.
    const running = await made.inProcess(setup, liveEnv(setup, {
      ALLOWED_LATENESS: '7d', IDLE_TIMEOUT: '15s', DEDUP_HORIZON: '3650d', WRITER_SCHEMAS_DIR: await writeWriterSchemas(scenario, join(setup.dir, 'writer-schemas')),
    }));

    // The records go to Kafka in chunks. As soon as ingest has begun storing a chunk, the server is stopped; it
    // counts as a stop with records in flight when the server, started again, holds fewer records than were produced
    // (it holds what it held at the stop, plus what ingest may have committed since).
    const chunk = Math.ceil(order.length / CHUNKS);
    const stops: Stop[] = [];
    let produced = 0;
    let attempts = 0;
    while (produced < order.length) {
      const base = await stored();
      await produce(setup, order.slice(produced, produced + chunk));
      produced = Math.min(order.length, produced + chunk);
      if (stops.length >= STOPS) continue;
      const storedBefore = await waitUntil(`ingest to begin on the records up to ${produced} (log: ${running.logFile})`, async () => {
        const now = await stored();
        return now > base ? now : undefined;
      }, 60_000, 5);
      await server.crash();
      attempts++;
      await sleep(200 + 100 * (attempts % 4));
      await server.start();
      const storedAfterRestart = await stored();
      if (storedAfterRestart < produced) stops.push({ produced, storedBefore, storedAfterRestart });
    }
    expect(stops.length, `stops with records in flight, of ${attempts}`).toBe(STOPS);

    await waitUntil(`the service to store every record and reach the replay's as-of (log: ${running.logFile})`,
      () => probe.settled(replayed.asOf, order.length), 120_000, 500);

    // Every offset of every partition: a stored record (its id's row, kept past retention with a horizon longer than
    // the scenario), a dead letter (its row) or a duplicate, never two.
    const partitions = await partitionAccounts(db);
    const offsetsOf = new Map<string, number[]>();
    for (const r of await rowOffsets(db, setup.topics)) offsetsOf.set(`${r.topic}:${r.partition}`, [...(offsetsOf.get(`${r.topic}:${r.partition}`) ?? []), r.offset]);
    for (const p of partitions) {
      const offsets = offsetsOf.get(`${p.topic}:${p.partition}`) ?? [];
      expect(new Set(offsets).size, `${p.topic}/${p.partition}: an offset both stored and dead-lettered`).toBe(offsets.length);
      expect(offsets.every((o) => o >= 0 && o < p.nextOffset)).toBe(true);
      expect(offsets.length + p.duplicates, `${p.topic}/${p.partition}`).toBe(p.nextOffset);
      expect(p.records + p.duplicates + p.deadLetters + p.absent).toBe(p.nextOffset);
    }
    const topicOf = Object.fromEntries(STREAM_NAMES.map((s) => [setup!.topics[s], s]));
    const live = Object.fromEntries(STREAM_NAMES.map((s) => [s, { read: 0, duplicates: 0, deadLetters: 0 }]));
    for (const p of partitions) {
      const counts = live[topicOf[p.topic]!]!;
      counts.read += p.nextOffset;
      counts.duplicates += p.duplicates;
      counts.deadLetters += p.deadLetters;
    }
    expect(live).toEqual(Object.fromEntries(STREAM_NAMES.map((s) => [s, {
      read: replayed.report.inputs[s]!.records, duplicates: replayed.report.duplicates.byInput[s], deadLetters: replayed.report.deadLetters.byInput[s],
    }])));

    const reader = await connected(schemaUrl);
    try {
      expect(await storedAlerts(reader)).toEqual(replayed.alerts);
    } finally {
      await reader.end();
    }

    const deadLettered = live.gpEvents!.deadLetters + live.ndsReceived!.deadLetters + live.ndsManifests!.deadLetters + live.ndsDisseminations!.deadLetters;
    const duplicates = Object.values(live).reduce((n, c) => n + c.duplicates, 0);
    console.info(`[postgres-crash] immediate stops ${attempts}, ${stops.length} with records in flight (stored/produced at each: ${stops.map((s) => `${s.storedAfterRestart}/${s.produced}`).join(', ')}); `
      + `records produced ${order.length}, stored ${order.length - deadLettered - duplicates}, duplicates ${duplicates}, dead-lettered ${deadLettered}; alerts ${replayed.alerts.length}`);
  });
});

async function connected(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => {});
  await client.connect();
  return client;
}
