// Retention against PostgreSQL: records a snapshot covers go (a stored batch at a time) and their ids stay claimed,
// so a redelivery is still a duplicate (or a CONFLICTING_DUPLICATE) until the ids pass DEDUP_HORIZON; old dead-letter
// notes go; alert history (alerts, the outbox) never does.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamValueDecoder, streamValueEncoder } from '../../services/codec/stream-value-codec.js';
import { catalogue, CODES, gp, T0 } from '../../services/core/testing/builders.js';
import type { GpOptOutEvent } from '../../services/core/records.js';
import { keyedIdentity } from '../../services/identity/keyed-identity.js';
import { MessageIntake } from '../../services/live/ingest/message-intake.js';
import { migrate } from '../../services/live/store/migration-runner.js';
import { PgStateStore } from '../../services/live/store/pg-state-store.js';
import { partitionKey, type IngestBatch, type IngestItem, type IngestOutcome } from '../../services/live/store/state-store.js';
import { testStack, type FreshSchema } from '../stack/test-context.js';
import { claimedIds, storedGpEvents } from './support/store-inspection.js';

const TOPIC = 'gp.optout.events';
const DAY = 86_400_000;
const intake = new MessageIntake('gpEvents', streamValueDecoder('gpEvents'), catalogue, keyedIdentity(Buffer.from('5c'.repeat(32), 'hex')).patientRefFor);
const encode = streamValueEncoder('gpEvents');
const item = (offset: number, event: GpOptOutEvent): IngestItem => intake.classify(offset, encode(event));
const batch = (items: IngestItem[]): IngestBatch =>
  ({ topic: TOPIC, partition: 0, stream: 'gpEvents' as const, items, nextOffset: items[items.length - 1]!.offset + 1, fetchedFrom: items[0]!.offset, gapAccepted: false });
const plan = (covered: number, forgetIdsBefore: number | null, deadLetterRetentionMs = 90 * DAY) => ({
  covered: new Map([[partitionKey(TOPIC, 0), covered]]), streamOfTopic: new Map([[TOPIC, 'gpEvents' as const]]),
  forgetIdsBefore: new Map(forgetIdsBefore === null ? [] : [['gpEvents' as const, forgetIdsBefore]]), deadLetterRetentionMs,
});

describe('retention', () => {
  const stack = testStack();
  let schema: FreshSchema;
  let store: PgStateStore;
  let raw: pg.Client;
  const ingest = async (b: IngestBatch): Promise<IngestOutcome> => {
    const outcome = await store.ingest(b, async () => {});
    if (outcome.kind !== 'stored') throw new Error(`batch refused: the stored offset is ${outcome.storedOffset}`);
    return outcome;
  };

  beforeAll(async () => {
    schema = await stack.freshSchema();
    await migrate(stack.databaseUrl, schema.schema);
    store = new PgStateStore({ databaseUrl: stack.databaseUrl, schema: schema.schema, poolSize: 3, applicationName: 'retention-test', onConnectionError: () => {} });
    raw = new pg.Client({ connectionString: schema.databaseUrl });
    await raw.connect();
  });

  afterAll(async () => {
    await raw?.end();
    await store?.close();
    await schema?.drop();
  });

  it('forgets covered records but remembers their ids for duplicates until the horizon, and old dead-letter notes', async () => {
    const first = gp('e-1', T0, CODES.t1Dissent);
    const second = gp('e-2', T0 + DAY, CODES.t1Dissent);
    expect(await ingest(batch([item(0, first)]))).toMatchObject({ stored: 1 });
    const stored = await ingest(batch([item(1, second), item(2, { ...first, code: 'XAZ89' })]));
    expect(stored).toMatchObject({ stored: 1, deadLetters: [{ offset: 2 }] });

    // A snapshot covers offset 0 only: the batch of e-1 goes, the one of e-2 (offsets 1-2) stays.
    expect(await store.retain(plan(1, null))).toEqual({ records: 1, ids: 0, deadLetters: 0 });
    expect((await storedGpEvents(raw)).map((e) => e.eventId)).toEqual(['e-2']);
    expect(await claimedIds(raw, 'gpEvents', ['e-1', 'e-2'])).toEqual(['e-1', 'e-2']);

    // Redelivered: the same content is a duplicate, other content a CONFLICTING_DUPLICATE; neither is stored again.
    const again = await ingest(batch([item(3, { ...first }), item(4, { ...first, code: CODES.t1Withdrawn })]));
    expect(again).toMatchObject({ stored: 0, duplicates: 1, records: [] });
    expect(again.deadLetters.map((d) => [d.offset, d.reason])).toEqual([[4, 'CONFLICTING_DUPLICATE']]);

    // The horizon of another stream forgets none of this one's ids.
    expect(await store.retain({ ...plan(1, null), forgetIdsBefore: new Map([['ndsReceived' as const, T0 + 100 * DAY]]) })).toEqual({ records: 0, ids: 0, deadLetters: 0 });
    expect(await claimedIds(raw, 'gpEvents', ['e-1', 'e-2'])).toEqual(['e-1', 'e-2']);

    // Past the horizon and covered, the id is forgotten; dead-letter notes older than their retention go too.
    expect(await store.retain(plan(5, T0 + 1, 0))).toEqual({ records: 1, ids: 1, deadLetters: 2 });
    expect(await claimedIds(raw, 'gpEvents', ['e-1', 'e-2'])).toEqual(['e-2']);
    expect(await storedGpEvents(raw)).toHaveLength(0);
    const late = await ingest(batch([item(5, { ...first })]));
    expect(late).toMatchObject({ stored: 1, duplicates: 0 });
  });

  it('keeps the id of a record past the horizon while no snapshot covers it', async () => {
    const old = gp('o-1', T0 - 10 * DAY, CODES.t1Dissent);
    expect(await ingest(batch([item(6, old)]))).toMatchObject({ stored: 1 });
    // Offset 6 is not covered (the late e-1 at offset 5 is): o-1 is past the horizon, but its id stays.
    expect(await store.retain(plan(6, T0))).toEqual({ records: 1, ids: 0, deadLetters: 0 });
    expect(await claimedIds(raw, 'gpEvents', ['o-1'])).toEqual(['o-1']);
    expect(await ingest(batch([item(7, { ...old })]))).toMatchObject({ stored: 0, duplicates: 1 });
    expect(await store.retain(plan(8, T0))).toEqual({ records: 1, ids: 1, deadLetters: 0 });
    expect(await claimedIds(raw, 'gpEvents', ['o-1'])).toEqual([]);
  });
});
