// The PostgreSQL state store against a real server: ingest in one transaction with duplicates judged in offset
// order, redelivery skipped by the stored offset, dead letters published before commit, the decider's lock,
// fence and outbox.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamValueEncoder } from '../../services/codec/stream-value-codec.js';
import { streamValueDecoder } from '../../services/codec/stream-value-codec.js';
import { fire, resolve } from '../../services/core/alert.js';
import { catalogue, CODES, gp, HOUR, manifest, PATIENT_A, PATIENT_B, readableIdentity, receipt, share, T0 } from '../../services/core/testing/builders.js';
import { STREAM_NAMES, type DecodedFields, type GpOptOutEvent, type RecordOf, type StreamName } from '../../services/core/records.js';
import { ReplaySession } from '../../services/core/replay-session.js';
import { MessageIntake } from '../../services/live/ingest/message-intake.js';
import { keyedIdentity } from '../../services/identity/keyed-identity.js';
import { migrate, migrationStatus, readMigrations } from '../../services/live/store/migration-runner.js';
import { PgStateStore } from '../../services/live/store/pg-state-store.js';
import { recordIdKey } from '../../services/live/store/record-id-key.js';
import { recordLine } from '../../services/live/store/record-lines.js';
import { partitionKey, type DeadLetterNote, type IngestBatch, type IngestItem, type IngestOutcome, type PublishDeadLetters } from '../../services/live/store/state-store.js';
import { testStack, type FreshSchema } from '../stack/test-context.js';
import { advanceLeaderEpoch, terminateAdvisoryLockHolders } from './support/database-faults.js';
import { alertStates, deadLetters, partitionAccounts, storedGpEvents } from './support/store-inspection.js';

const TOPIC = 'gp.optout.events';
const pseudonymise = keyedIdentity(Buffer.from('a3'.repeat(32), 'hex')).patientRefFor;
const intake = new MessageIntake('gpEvents', streamValueDecoder('gpEvents'), catalogue, pseudonymise);
const encode = streamValueEncoder('gpEvents');
const item = (offset: number, event: GpOptOutEvent): IngestItem => intake.classify(offset, encode(event));
const batch = (partition: number, items: IngestItem[], fetchedFrom = items[0]!.offset): IngestBatch =>
  ({ topic: TOPIC, partition, stream: 'gpEvents' as const, items, nextOffset: items[items.length - 1]!.offset + 1, fetchedFrom, gapAccepted: false });

describe('PostgreSQL state store', () => {
  const stack = testStack();
  let schema: FreshSchema;
  let store: PgStateStore;
  let raw: pg.Client;
  /** Ingests a batch that must be stored (not refused). */
  const ingest = async (b: IngestBatch, publish: PublishDeadLetters): Promise<IngestOutcome> => {
    const outcome = await store.ingest(b, publish);
    if (outcome.kind !== 'stored') throw new Error(`batch refused: the stored offset is ${outcome.storedOffset}`);
    return outcome;
  };

  beforeAll(async () => {
    schema = await stack.freshSchema();
    const applied = await migrate(stack.databaseUrl, schema.schema);
    expect(applied.map((m) => m.version)).toEqual((await readMigrations()).map((m) => m.version));
    store = new PgStateStore({ databaseUrl: stack.databaseUrl, schema: schema.schema, poolSize: 3, applicationName: 'store-test', onConnectionError: () => {} });
    raw = new pg.Client({ connectionString: schema.databaseUrl });
    await raw.connect();
  });

  afterAll(async () => {
    await raw?.end();
    await store?.close();
    await schema?.drop();
  });

  it('migrates once: a second run applies nothing and reports nothing pending', async () => {
    expect(await migrate(stack.databaseUrl, schema.schema)).toEqual([]);
    const status = await migrationStatus(stack.databaseUrl, schema.schema);
    expect(status.pending).toEqual([]);
    expect(status.applied).toEqual((await readMigrations()).map((m) => m.version));
  });

  it('stores a batch in offset order: first valid record of an id stays, repeats are duplicates or conflicts', async () => {
    const published: DeadLetterNote[][] = [];
    const first = gp('e-1', T0, CODES.t1Dissent);
    const items = [
      item(0, first),
      item(1, { ...first }),
      item(2, { ...first, recordedAt: T0 + 60_000 }),
      item(3, { ...gp('e-2', T0 + 1, CODES.t2Dissent, PATIENT_B) }),
      item(4, { ...gp('e-3', T0 + 2, CODES.t1Dissent), nhsNumber: '9990000017' }),
    ];
    const outcome = await ingest(batch(0, items), async (letters) => { published.push([...letters]); });
    expect(outcome).toMatchObject({ previousOffset: 0, nextOffset: 5, stored: 2, duplicates: 1, maxEventTime: T0 + 1 });
    expect(outcome.records.map((r) => [r.offset, (r.record as GpOptOutEvent).eventId])).toEqual([[0, 'e-1'], [3, 'e-2']]);
    expect(published).toEqual([[
      { offset: 2, reason: 'CONFLICTING_DUPLICATE', detail: expect.any(String) },
      { offset: 4, reason: 'INVALID_NHS_NUMBER', detail: expect.any(String) },
    ]]);
    // Redelivered after a crash or a rebalance: below the stored offset, so nothing happens at all.
    const again = await ingest(batch(0, items), async () => { throw new Error('must not publish again'); });
    expect(again).toMatchObject({ previousOffset: 5, nextOffset: 5, stored: 0, duplicates: 0, deadLetters: [] });
    const progress = (await partitionAccounts(raw)).find((p) => p.topic === TOPIC && p.partition === 0);
    expect(progress).toMatchObject({ nextOffset: 5, records: 2, duplicates: 1, deadLetters: 2 });
    expect((await deadLetters(raw)).map(({ offset, reason }) => ({ offset, reason }))).toEqual([{ offset: 2, reason: 'CONFLICTING_DUPLICATE' }, { offset: 4, reason: 'INVALID_NHS_NUMBER' }]);
  });

  it('judges a repeated id of every stream as the replay does: same classification, same dead-letter reason and detail', async () => {
    const first: { readonly [S in StreamName]: RecordOf[S] } = {
      gpEvents: gp('dup-e', T0, CODES.t1Dissent), ndsReceived: receipt('dup-r', T0, CODES.t1Dissent),
      ndsManifests: manifest('dup-x', T0, T0 + 1), ndsDisseminations: share('dup-d', T0),
    };
    const changed: { readonly [S in StreamName]: RecordOf[S] } = {
      gpEvents: { ...first.gpEvents, code: CODES.t1Withdrawn }, ndsReceived: { ...first.ndsReceived, receivedAt: T0 + 1 },
      ndsManifests: { ...first.ndsManifests, recordCount: 7 }, ndsDisseminations: { ...first.ndsDisseminations, recipient: 'Another Unit' },
    };
    const replay = new ReplaySession({ slaMs: HOUR, graceMs: HOUR, asOf: null, identity: readableIdentity, catalogue });
    const live = new Map<StreamName, { duplicates: number; deadLetters: { reason: string; detail: string }[] }>();
    for (const stream of STREAM_NAMES) {
      // The first, an identical redelivery, then the same id with other content.
      const sequence = [first[stream], { ...first[stream] }, changed[stream]];
      replay.feedBatch(stream, sequence.map((record, i) => ({ position: i + 1, fields: record as unknown as DecodedFields })));
      const streamIntake = new MessageIntake(stream, streamValueDecoder(stream), catalogue, pseudonymise);
      const encodeOf = streamValueEncoder(stream) as (record: RecordOf[StreamName]) => Buffer;
      const items = sequence.map((record, offset) => streamIntake.classify(offset, encodeOf(record)));
      const outcome = await ingest({ topic: `dup.${stream}`, partition: 0, stream, items, nextOffset: items.length, fetchedFrom: 0, gapAccepted: false }, async () => {});
      live.set(stream, { duplicates: outcome.duplicates, deadLetters: outcome.deadLetters.map(({ reason, detail }) => ({ reason, detail })) });
    }
    const report = replay.finish();
    for (const stream of STREAM_NAMES) {
      const replayed = { duplicates: report.duplicates[stream], deadLetters: report.deadLetters.filter((d) => d.input === stream).map(({ reason, detail }) => ({ reason, detail })) };
      expect(replayed).toMatchObject({ duplicates: 1, deadLetters: [{ reason: 'CONFLICTING_DUPLICATE' }] });
      expect(live.get(stream), stream).toEqual(replayed);
    }
  });

  it('stores text with quotes, backslashes and commas as given', async () => {
    const awkward = { ...gp('e-"q\\,{}', T0, CODES.t1Dissent), supplier: 'Say "TPP", \\ ok' };
    const outcome = await ingest(batch(3, [item(0, awkward)]), async () => {});
    expect(outcome.stored).toBe(1);
    const rows = (await storedGpEvents(raw)).filter((e) => e.partition === 3).map(({ eventId, supplier }) => ({ eventId, supplier }));
    expect(rows).toEqual([{ eventId: awkward.eventId, supplier: awkward.supplier }]);
  });

  it('judges an id stored by an earlier batch (any partition) against the stored content, not the batch', async () => {
    const stored = gp('e-1', T0, CODES.t1Dissent);
    const changed = { ...stored, code: CODES.t1Withdrawn };
    const outcome = await ingest(batch(1, [item(0, changed), item(1, { ...stored })]), async () => {});
    expect(outcome.stored).toBe(0);
    expect(outcome.duplicates).toBe(1);
    expect(outcome.deadLetters.map((d) => [d.offset, d.reason])).toEqual([[0, 'CONFLICTING_DUPLICATE']]);
  });

  it('keeps nothing of a batch whose dead letters could not be published', async () => {
    const items = [item(0, gp('e-9', T0 + 5, CODES.t1Dissent)), item(1, { ...gp('e-10', T0, CODES.t1Dissent), code: 'XAZ89' })];
    await expect(store.ingest(batch(2, items), async () => { throw new Error('broker away'); })).rejects.toThrow('broker away');
    expect((await store.storedOffsets([{ topic: TOPIC, partition: 2 }])).get(partitionKey(TOPIC, 2))).toBe(0);
    expect((await storedGpEvents(raw)).filter((e) => e.eventId === 'e-9')).toHaveLength(0);
    const retried = await ingest(batch(2, items), async () => {});
    expect(retried).toMatchObject({ previousOffset: 0, nextOffset: 2, stored: 1 });
  });

  it('refuses a batch read beyond the stored offset (a consumer ahead of a server that lost commits), writing nothing', async () => {
    const first = [item(0, gp('g-0', T0, CODES.t1Dissent)), item(1, gp('g-1', T0, CODES.t1Dissent))];
    await ingest(batch(4, first), async () => {});
    const beyond = [item(5, gp('g-5', T0, CODES.t1Dissent)), item(6, gp('g-6', T0, CODES.t1Dissent))];
    const refused = await store.ingest(batch(4, beyond), async () => { throw new Error('must not publish'); });
    expect(refused).toEqual({ kind: 'refused', storedOffset: 2 });
    expect((await store.storedOffsets([{ topic: TOPIC, partition: 4 }])).get(partitionKey(TOPIC, 4))).toBe(2);
    expect((await storedGpEvents(raw)).filter((e) => e.eventId === 'g-5' || e.eventId === 'g-6')).toHaveLength(0);
    // Read again from the stored offset: stored, and every offset accounted for.
    const again = await ingest(batch(4, [item(2, gp('g-2', T0, CODES.t1Dissent)), ...beyond]), async () => {});
    expect(again).toMatchObject({ previousOffset: 2, nextOffset: 7, stored: 3 });
    expect((await store.ingestAccounts()).find((a) => a.partition === 4)).toEqual({ topic: TOPIC, partition: 4, nextOffset: 7, unaccounted: 0 });
  });

  describe('a record the store refuses for its own sake is a dead letter, and the rest of the batch is stored', () => {
    /** A valid item with some fields changed after validation: what only the store can refuse. */
    const altered = (offset: number, event: GpOptOutEvent, change: Partial<GpOptOutEvent>): IngestItem => {
      const valid = item(offset, event);
      if (valid.kind !== 'valid') throw new Error('not valid');
      const id = change.eventId ?? valid.id;
      const record = { ...valid.record, ...change };
      return { ...valid, id, record, idKey: recordIdKey('gpEvents', id), line: recordLine('gpEvents', offset, record, valid.meaning) } as IngestItem;
    };
    const refusedIn = async (partition: number, bad: (offset: number) => IngestItem) => {
      const published: DeadLetterNote[] = [];
      const items = [item(0, gp(`s${partition}-0`, T0, CODES.t1Dissent)), bad(1), item(2, gp(`s${partition}-2`, T0 + 1, CODES.t1Dissent)), item(3, gp(`s${partition}-3`, T0 + 2, CODES.t1Dissent))];
      const outcome = await ingest(batch(partition, items), async (letters) => { published.push(...letters); });
      expect(outcome).toMatchObject({ previousOffset: 0, nextOffset: 4, stored: 3, duplicates: 0 });
      expect(outcome.records.map((r) => r.offset)).toEqual([0, 2, 3]);
      expect(published).toEqual(outcome.deadLetters);
      expect((await store.ingestAccounts()).find((a) => a.partition === partition)).toMatchObject({ nextOffset: 4, unaccounted: 0 });
      return outcome.deadLetters;
    };

    // Ids are held by a fixed-size key, so an id of any length fits (the core refuses one over 128 bytes first).
    it('an 8 KB eventId is held: stored, and its repeat a duplicate', async () => {
      const long = altered(0, gp('x', T0, CODES.t1Dissent), { eventId: randomBytes(4 * 1024).toString('hex') });
      expect(await ingest(batch(10, [long]), async () => {})).toMatchObject({ stored: 1, deadLetters: [] });
      expect(await ingest(batch(10, [{ ...long, offset: 1 }]), async () => {})).toMatchObject({ stored: 0, duplicates: 1, deadLetters: [] });
    });

    it('a NUL character in a text field fails the insert (SQLSTATE 22021) and blocks the partition', async () => {
      const letters = await refusedIn(11, (o) => altered(o, gp('s11-1', T0, CODES.t1Dissent), { supplier: 'TP\u0000P' }));
      expect(letters).toEqual([{ offset: 1, reason: 'INVALID_FIELD', detail: expect.stringMatching(/SQLSTATE 22/) }]);
    });

    it('an event time beyond a bigint fails the insert (SQLSTATE class 22) and blocks the partition', async () => {
      const letters = await refusedIn(12, (o) => altered(o, gp('s12-1', T0, CODES.t1Dissent), { recordedAt: 1e20 }));
      expect(letters).toEqual([{ offset: 1, reason: 'INVALID_FIELD', detail: expect.stringMatching(/SQLSTATE 22/) }]);
    });

    it('names no value of the record in the detail', async () => {
      const letters = await refusedIn(13, (o) => altered(o, gp('s13-1', T0, CODES.t1Dissent), { supplier: 'S3CR3T\u0000' }));
      expect(letters[0]!.detail).not.toContain('S3CR3T');
    });
  });

  describe('two partitions claiming one id at once: the later claimant runs its batch again and judges the id against the first', () => {
    /** An invalid record, so that the batch publishes a dead letter: the store calls out while its transaction is open. */
    const invalid = (offset: number): IngestItem => item(offset, { ...gp(`bad-${offset}`, T0, CODES.t1Dissent), nhsNumber: '9990000017' });
    const opened: PgStateStore[] = [];
    const storeNamed = (applicationName: string): PgStateStore => {
      const s = new PgStateStore({ databaseUrl: stack.databaseUrl, schema: schema.schema, poolSize: 1, applicationName, onConnectionError: () => {} });
      opened.push(s);
      return s;
    };
    afterAll(async () => { await Promise.all(opened.map((s) => s.close())); });

    /** Ingests `b` and holds its transaction open, its ids claimed but not committed, until `release` is called. */
    const holdOpen = async (s: PgStateStore, b: IngestBatch) => {
      let entered!: () => void;
      let release!: () => void;
      const inside = new Promise<void>((r) => { entered = r; });
      const released = new Promise<void>((r) => { release = r; });
      const outcome = s.ingest(b, async () => { entered(); await released; });
      await inside;
      return { outcome, release };
    };

    /** Waits until a backend of `applicationName` waits on a lock, and names the applications holding it. */
    const blockersOf = async (applicationName: string): Promise<string[]> => {
      for (let tries = 0; tries < 500; tries++) {
        const { rows } = await raw.query<{ blocker: string }>(`SELECT b.application_name AS blocker FROM pg_stat_activity w
          JOIN pg_stat_activity b ON b.pid = ANY(pg_blocking_pids(w.pid)) WHERE w.application_name = $1`, [applicationName]);
        if (rows.length > 0) return rows.map((r) => r.blocker);
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`${applicationName} never waited on a lock`);
    };

    const storedWithId = async (eventId: string) => (await storedGpEvents(raw)).filter((e) => e.eventId === eventId).map((e) => e.partition);

    it('once: the id stored by the first, repeated as a duplicate or a conflict by the second, every offset accounted for', async () => {
      const same = gp('race-same', T0, CODES.t1Dissent);
      const differs = gp('race-differs', T0, CODES.t1Dissent);
      const first = await holdOpen(storeNamed('race-first'), batch(20, [item(0, same), item(1, differs), invalid(2)]));
      const published: DeadLetterNote[] = [];
      const second = storeNamed('race-second').ingest(batch(21, [item(0, { ...same }), item(1, { ...differs, code: CODES.t1Withdrawn }), item(2, gp('race-own', T0, CODES.t1Dissent))]),
        async (letters) => { published.push(...letters); });
      // The second has looked its ids up (none stored yet) and waits on the first's uncommitted claim.
      expect(await blockersOf('race-second')).toEqual(['race-first']);
      first.release();
      expect(await first.outcome).toMatchObject({ kind: 'stored', stored: 2, duplicates: 0 });
      const outcome = await second;
      expect(outcome).toMatchObject({ kind: 'stored', previousOffset: 0, nextOffset: 3, stored: 1, duplicates: 1 });
      expect(outcome.kind === 'stored' && outcome.records.map((r) => r.offset)).toEqual([2]);
      expect(published.map((l) => [l.offset, l.reason])).toEqual([[1, 'CONFLICTING_DUPLICATE']]);
      expect(await storedWithId('race-same')).toEqual([20]);
      expect(await storedWithId('race-differs')).toEqual([20]);
      expect(await storedWithId('race-own')).toEqual([21]);
      const accounts = (await store.ingestAccounts()).filter((a) => a.topic === TOPIC && (a.partition === 20 || a.partition === 21));
      expect(accounts).toEqual([{ topic: TOPIC, partition: 20, nextOffset: 3, unaccounted: 0 }, { topic: TOPIC, partition: 21, nextOffset: 3, unaccounted: 0 }]);
    });

    it('twice in a row for one batch (a third claimant): run again until no claim is in flight, nothing lost', async () => {
      const one = gp('race-one', T0, CODES.t1Dissent);
      const other = gp('race-other', T0, CODES.t1Dissent);
      const holders = new Map([
        ['race-holder-a', await holdOpen(storeNamed('race-holder-a'), batch(22, [item(0, one), invalid(1)]))],
        ['race-holder-b', await holdOpen(storeNamed('race-holder-b'), batch(23, [item(0, other), invalid(1)]))],
      ]);
      const late = storeNamed('race-late').ingest(batch(24, [item(0, { ...one }), item(1, { ...other }), item(2, gp('race-late-own', T0, CODES.t1Dissent))]), async () => {});
      // Whichever claim the late batch meets first is committed; its second attempt meets the other one.
      const meets: string[] = [];
      for (let round = 0; round < 2; round++) {
        const [blocker] = await blockersOf('race-late');
        expect(holders.has(blocker!)).toBe(true);
        meets.push(blocker!);
        holders.get(blocker!)!.release();
        expect(await holders.get(blocker!)!.outcome).toMatchObject({ kind: 'stored', stored: 1 });
        holders.delete(blocker!);
      }
      expect(meets.sort()).toEqual(['race-holder-a', 'race-holder-b']);
      expect(await late).toMatchObject({ kind: 'stored', previousOffset: 0, nextOffset: 3, stored: 1, duplicates: 2, deadLetters: [] });
      expect(await storedWithId('race-one')).toEqual([22]);
      expect(await storedWithId('race-other')).toEqual([23]);
      expect(await storedWithId('race-late-own')).toEqual([24]);
      expect((await store.ingestAccounts()).find((a) => a.topic === TOPIC && a.partition === 24)).toEqual({ topic: TOPIC, partition: 24, nextOffset: 3, unaccounted: 0 });
    });
  });

  it('accounts for every offset: offsets the fetch went over without a message count as absent, a gap accepted after retention does not', async () => {
    // Fetched from 0; offsets 0 and 2 hold no message (control records of a transaction, say).
    const withHoles = await ingest(batch(5, [item(1, gp('h-1', T0, CODES.t1Dissent)), item(3, gp('h-3', T0, CODES.t1Dissent))], 0), async () => {});
    expect(withHoles).toMatchObject({ previousOffset: 0, nextOffset: 4, stored: 2 });
    expect((await store.ingestAccounts()).find((a) => a.partition === 5)).toMatchObject({ nextOffset: 4, unaccounted: 0 });
    // Offsets 4-9 deleted from the log before they were read: stored after them, and those six stay unaccounted.
    const afterRetention = await ingest({ ...batch(5, [item(10, gp('h-10', T0, CODES.t1Dissent))]), gapAccepted: true }, async () => {});
    expect(afterRetention).toMatchObject({ previousOffset: 4, nextOffset: 11, stored: 1 });
    expect((await store.ingestAccounts()).find((a) => a.partition === 5)).toMatchObject({ nextOffset: 11, unaccounted: 6 });
  });

  it('passes over offsets with no record (a transaction\'s last marker) with a batch of no items, counted as absent', async () => {
    await ingest(batch(6, [item(0, gp('m-0', T0, CODES.t1Dissent))]), async () => {});
    const marker = await ingest({ topic: TOPIC, partition: 6, stream: 'gpEvents', items: [], nextOffset: 2, fetchedFrom: 1, gapAccepted: false }, async () => {});
    expect(marker).toMatchObject({ previousOffset: 1, nextOffset: 2, stored: 0, records: [] });
    // Told again (a fetch read again), it changes nothing.
    expect(await ingest({ topic: TOPIC, partition: 6, stream: 'gpEvents', items: [], nextOffset: 2, fetchedFrom: 1, gapAccepted: false }, async () => {})).toMatchObject({ previousOffset: 2, nextOffset: 2 });
    expect((await store.ingestAccounts()).find((a) => a.partition === 6)).toMatchObject({ nextOffset: 2, unaccounted: 0 });
    const { rows } = await raw.query<{ absent: number }>('SELECT absent::int FROM input_partitions WHERE topic = $1 AND partition = 6', [TOPIC]);
    expect(rows).toEqual([{ absent: 1 }]);
  });

  it('elects one decider, fences a deposed one, and keeps each alert change once in the outbox', async () => {
    const leader = await store.tryLead('instance-a');
    expect(leader).not.toBeNull();
    expect(await store.tryLead('instance-b')).toBeNull();
    const session = leader!;
    const records = await session.loadRecords([{ stream: 'gpEvents', topic: TOPIC, partition: 0, from: 0, to: 5 }]);
    expect(records.map((r) => [r.offset, (r.record as GpOptOutEvent).eventId, r.meaning])).toEqual([
      [0, 'e-1', { type: 'TYPE_1', action: 'DISSENT' }],
      [3, 'e-2', { type: 'TYPE_2', action: 'DISSENT' }],
    ]);
    expect((records[0]!.record as GpOptOutEvent).nhsNumber).toBe(pseudonymise(PATIENT_A));
    const progress = await session.readProgress();
    expect(progress.find((p) => p.partition === 0)).toMatchObject({ nextOffset: 5, maxEventTime: T0 + 1 });

    const fired = fire({
      alertId: 'alert-1', rule: 'OBJECTION_OVERDUE', upstreamEventId: 'e-1', receiptId: null, disseminationId: null, patientRef: 'ref',
      practiceOds: 'A81001', supplier: 'TPP', optOutType: 'TYPE_1', episodeStart: T0, firedAt: T0 + 10, detectionDelayMs: 10,
      downstreamHeldAtShare: null, recipient: null, purpose: null,
    });
    const resolved = resolve(fired.alert, T0 + 20, 'DOWNSTREAM');
    const round = {
      streamTime: T0 + 20, offsets: new Map([[partitionKey(TOPIC, 0), 5]]), cut: null, decidedAt: Date.now(), snapshot: null,
      alertChanges: [{ change: fired, payload: Buffer.from('fired') }, { change: resolved, payload: Buffer.from('resolved') }],
    };
    await session.commitRound(round);
    await session.commitRound({ ...round, cut: { streamTime: T0, offsets: new Map([[partitionKey(TOPIC, 0), 3]]) } });
    expect(await alertStates(raw)).toEqual([{ alertId: 'alert-1', state: 'RESOLVED', lastTransition: 'RESOLVED' }]);
    const unsent = await store.unsentAlerts(10);
    expect(unsent.map((m) => [m.alertId, m.transition, m.payload.toString()])).toEqual([['alert-1', 'FIRED', 'fired'], ['alert-1', 'RESOLVED', 'resolved']]);
    await store.markSent([unsent[0]!.seq]);
    expect(await store.countUnsent()).toBe(1);

    const checkpoint = await session.loadCheckpoint();
    expect([...checkpoint.offsets]).toEqual([[partitionKey(TOPIC, 0), 5]]);
    expect(checkpoint.cuts).toEqual([{ streamTime: T0, offsets: new Map([[partitionKey(TOPIC, 0), 3]]) }]);

    await advanceLeaderEpoch(raw);
    await expect(session.commitRound({ ...round, alertChanges: [] })).rejects.toMatchObject({ code: 'LEADERSHIP_LOST' });
    await session.release();
    const next = await store.tryLead('instance-b');
    expect(next?.epoch).toBeGreaterThan(session.epoch);
    expect((await next!.loadCheckpoint()).streamTime).toBe(T0 + 20);
    await next!.release();
  });

  it('reads a stored batch once for the ranges of it a decider takes in turn, and reads again past it', async () => {
    const partition = 9;
    const items = Array.from({ length: 10 }, (_, i) => item(i, gp(`hb-${i}`, T0 + i, CODES.t1Dissent)));
    await ingest(batch(partition, items.slice(0, 6)), async () => {});
    await ingest(batch(partition, items.slice(6)), async () => {});
    const session = (await store.tryLead('instance-held'))!;
    try {
      const range = (from: number, to: number) => ({ stream: 'gpEvents' as const, topic: TOPIC, partition, from, to });
      const ids = async (from: number, to: number) => (await session.loadRecords([range(from, to)])).map((r) => (r.record as GpOptOutEvent).eventId);
      expect(await ids(0, 2)).toEqual(['hb-0', 'hb-1']);
      // Gone from the store: what the session reads from here on comes from the batch it holds, up to its end.
      await raw.query('DELETE FROM record_batches WHERE topic = $1 AND partition = $2 AND from_offset = 0', [TOPIC, partition]);
      expect(await ids(2, 4)).toEqual(['hb-2', 'hb-3']);
      expect(await ids(4, 6)).toEqual(['hb-4', 'hb-5']);
      // Past it, or back before it once let go: read from the store.
      expect(await ids(6, 8)).toEqual(['hb-6', 'hb-7']);
      expect(await ids(0, 4)).toEqual([]);
    } finally {
      await session.release();
    }
  });

  it('reads a snapshot back in pieces, byte for byte, and with it the offsets it covers; not again for who holds it', async () => {
    const pieced = new PgStateStore({ databaseUrl: stack.databaseUrl, schema: schema.schema, poolSize: 1, applicationName: 'store-test-pieces', onConnectionError: () => {}, snapshotPieceBytes: 1 << 20 });
    try {
      const session = (await pieced.tryLead('instance-pieces'))!;
      const round = { streamTime: T0 + 30, offsets: new Map(), cut: null, decidedAt: Date.now(), alertChanges: [] };
      for (const bytes of [(5 << 19) + 7, 1 << 20, 1]) {
        const state = randomBytes(bytes);
        const covered = new Map([[partitionKey(TOPIC, 0), 5], [partitionKey(TOPIC, 1), bytes]]);
        await session.commitRound({ ...round, snapshot: { format: 2, streamTime: T0 + 30, offsets: covered, state } });
        const { snapshot, snapshotHeld } = await session.loadCheckpoint();
        expect(snapshot?.state.equals(state)).toBe(true);
        expect(snapshot).toMatchObject({ format: 2, streamTime: T0 + 30, offsets: covered });
        expect(snapshotHeld).toBe(false);
        // A standby reads it the same, outside the session; then, holding it, only learns that it holds it.
        const standing = await pieced.latestSnapshot(null);
        expect(standing !== null && standing !== 'held' && standing.state.equals(state)).toBe(true);
        const held = { streamTime: T0 + 30, offsets: covered };
        expect(await pieced.latestSnapshot(held)).toBe('held');
        expect(await session.loadCheckpoint(held)).toMatchObject({ snapshot: null, snapshotHeld: true });
        // Another cover (another offset, or another stream time) is another snapshot: read whole.
        const other = { streamTime: T0 + 30, offsets: new Map([...covered, [partitionKey(TOPIC, 1), bytes + 1]]) };
        expect((await session.loadCheckpoint(other)).snapshot?.state.equals(state)).toBe(true);
        expect(await pieced.latestSnapshot({ ...held, streamTime: T0 + 31 })).not.toBe('held');
      }
      await session.release();
    } finally {
      await pieced.close();
    }
  });

  it('tells a decider whether another instance lately said it holds the stored snapshot', async () => {
    const session = (await store.tryLead('instance-s0'))!;
    try {
      const covered = new Map([[partitionKey(TOPIC, 0), 7], [partitionKey(TOPIC, 1), 3]]);
      const stored = { streamTime: T0 + 40, offsets: covered };
      await session.commitRound({ streamTime: T0 + 40, offsets: new Map(), cut: null, decidedAt: Date.now(), alertChanges: [], snapshot: { format: 2, ...stored, state: randomBytes(16) } });
      expect(await session.standbyHoldsSnapshot('instance-s0', 60_000)).toBe(false);
      // Another snapshot (a stream time or an offset apart) is not the stored one.
      await store.reportStandby('instance-s1', { ...stored, streamTime: T0 + 39 });
      await store.reportStandby('instance-s2', { ...stored, offsets: new Map([...covered, [partitionKey(TOPIC, 1), 4]]) });
      expect(await session.standbyHoldsSnapshot('instance-s0', 60_000)).toBe(false);
      // The stored one, said again by the same instance: one row, the latest word.
      await store.reportStandby('instance-s1', stored);
      expect(await session.standbyHoldsSnapshot('instance-s0', 60_000)).toBe(true);
      // Not the instance asking, and not a word older than asked for.
      expect(await session.standbyHoldsSnapshot('instance-s1', 60_000)).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(await session.standbyHoldsSnapshot('instance-s0', 50)).toBe(false);
      // Taken back.
      await store.reportStandby('instance-s1', null);
      expect(await session.standbyHoldsSnapshot('instance-s0', 60_000)).toBe(false);
      expect((await raw.query('SELECT instance_name FROM decider_standbys ORDER BY 1')).rows).toEqual([{ instance_name: 'instance-s2' }]);
      // A row not said again for an hour (an instance killed while standing by) goes with the next word of another.
      await raw.query(`UPDATE decider_standbys SET reported_at = clock_timestamp() - interval '61 minutes' WHERE instance_name = 'instance-s2'`);
      await store.reportStandby('instance-s3', stored);
      expect((await raw.query('SELECT instance_name FROM decider_standbys ORDER BY 1')).rows).toEqual([{ instance_name: 'instance-s3' }]);
    } finally {
      await raw.query('DELETE FROM decider_standbys');
      await session.release();
    }
  });

  it('elects a waiting instance the moment the decider\'s session ends, and one that waits in vain after its wait', async () => {
    const leader = (await store.tryLead('instance-w1'))!;
    let started = performance.now();
    expect(await store.tryLead('instance-w2', 300)).toBeNull();
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    // A statement timeout shorter than the wait does not end it first.
    const impatient = new PgStateStore({ databaseUrl: stack.databaseUrl, schema: schema.schema, poolSize: 1, applicationName: 'store-test-impatient', onConnectionError: () => {}, statementTimeoutMs: 100 });
    try {
      expect(await impatient.tryLead('instance-w3', 400)).toBeNull();
    } finally {
      await impatient.close();
    }
    started = performance.now();
    const waiting = store.tryLead('instance-w2', 20_000);
    await new Promise((r) => setTimeout(r, 200));
    await leader.release();
    const successor = await waiting;
    const waited = performance.now() - started;
    expect(successor?.epoch).toBeGreaterThan(leader.epoch);
    expect(waited).toBeGreaterThanOrEqual(150);
    expect(waited).toBeLessThan(10_000);
    // The wait's lock_timeout was the transaction's: the session keeps the store's own, and can commit.
    await successor!.commitRound({ streamTime: null, offsets: new Map(), cut: null, alertChanges: [], decidedAt: Date.now(), snapshot: null });
    await successor!.release();
  });

  it('says the decider session is lost when its connection goes', async () => {
    const session = (await store.tryLead('instance-c'))!;
    await terminateAdvisoryLockHolders(raw, 'store-test');
    const lost = await session.lost;
    expect(lost).toMatchObject({ retriable: true });
    await session.release();
    const successor = await store.tryLead('instance-d');
    expect(successor).not.toBeNull();
    await successor!.release();
  });
});
