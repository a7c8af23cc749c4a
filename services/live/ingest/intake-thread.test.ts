import avro from 'avsc';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfluentEncoder, type WriterSchemaLookup, type WriterSchemaSource } from '../../codec/confluent-decoder.js';
import { streamSchemaJson } from '../../codec/schema-catalog.js';
import { streamValueDecoder, streamValueEncoder, type ValueFraming } from '../../codec/stream-value-codec.js';
import { catalogue, gp, manifest, PATIENT_A, PATIENT_B, receipt, share, T0 } from '../../core/testing/builders.js';
import { STREAM_NAMES, type RecordOf, type StreamName } from '../../core/records.js';
import { keyedIdentity } from '../../identity/keyed-identity.js';
import { Stopped } from '../backoff.js';
import type { IngestItem } from '../store/state-store.js';
import { IntakeThread } from './intake-thread.js';
import { MessageIntake, type BatchIntake } from './message-intake.js';

const key = Buffer.from('5c'.repeat(32), 'hex');
const pseudonymise = keyedIdentity(key).patientRefFor;
const encode = <S extends StreamName>(stream: S, record: RecordOf[S]): Buffer => (streamValueEncoder(stream) as (r: RecordOf[S]) => Buffer)(record);

const threads: IntakeThread[] = [];
const started = (framing: (stream: StreamName) => ValueFraming = () => ({ kind: 'single-object' }), workerModule?: string): IntakeThread => {
  const thread = new IntakeThread({ streams: STREAM_NAMES.map((stream) => ({ stream, framing: framing(stream) })), catalogue, pseudonymKey: key, ...(workerModule ? { workerModule } : {}) });
  threads.push(thread);
  return thread;
};
afterEach(async () => {
  await Promise.all(threads.splice(0).map((t) => t.close()));
});

/** A batch through an intake, as ingest takes it: writer schemas first, then its items. */
async function itemsOf(intake: BatchIntake, values: (Buffer | null)[], firstOffset = 100): Promise<IngestItem[]> {
  const unknown = intake.writerSchemasToFetch(values);
  if (unknown.length > 0) await intake.fetchWriterSchemas(unknown);
  return intake.classifyBatch({ topic: 't', partition: 3, offsets: values.map((_, i) => firstOffset + 2 * i), values });
}

/** What the store and the decider read of an item: of its code's catalogue entry, the meaning alone (CodeMeaning). */
const asStored = (items: readonly IngestItem[]) => items.map((item) => (item.kind === 'dead' || item.meaning === null ? item : { ...item, meaning: { type: item.meaning.type, action: item.meaning.action } }));

describe('the intake thread', () => {
  it('gives each stream the items the intake gives on the event loop, valid and dead, in the batch\'s order', async () => {
    const thread = started();
    await thread.ready;
    const batches: { readonly [S in StreamName]: (Buffer | null)[] } = {
      gpEvents: [encode('gpEvents', gp('e-1', T0, '9Nu0', PATIENT_A)), null, Buffer.from('not avro'), encode('gpEvents', gp('e-2', T0, '9Nu0', '9990000017')),
        encode('gpEvents', { ...gp('e-3', T0 + 1, '9Nu0', PATIENT_B), supplier: 'Tab\there\\ and\nline' }), Buffer.alloc(0), encode('gpEvents', gp('e-4', T0 + 2, 'XAZ89', PATIENT_A))],
      ndsReceived: [encode('ndsReceived', receipt('r-1', T0, '9Nu0', PATIENT_A)), encode('ndsReceived', receipt('r-2', T0 + 5, '9Nu0', PATIENT_B))],
      ndsManifests: [encode('ndsManifests', manifest('x-1', T0 + 1, T0)), encode('ndsManifests', manifest('x-2', T0, T0 + 1))],
      ndsDisseminations: [encode('ndsDisseminations', share('d-1', T0, 'RESEARCH', PATIENT_A)), Buffer.from([0xc3, 0x01, 1, 2])],
    };
    for (const stream of STREAM_NAMES) {
      const here = new MessageIntake(stream, streamValueDecoder(stream), catalogue, pseudonymise);
      const expected = await itemsOf(here, batches[stream]);
      const items = await itemsOf(thread.intakeFor(stream), batches[stream]);
      expect(asStored(items)).toEqual(asStored(expected));
    }
    // The test data holds valid records and dead letters of several reasons.
    const gpItems = await itemsOf(thread.intakeFor('gpEvents'), batches.gpEvents);
    expect(gpItems.map((i) => (i.kind === 'valid' ? 'valid' : i.reason))).toEqual(['valid', 'UNDECODABLE', 'UNDECODABLE', 'INVALID_NHS_NUMBER', 'valid', 'UNDECODABLE', 'UNKNOWN_CODE']);
    expect(JSON.stringify(gpItems)).not.toContain(PATIENT_A);
  });

  it('hands the thread the writer schemas fetched from the registry, and judges absent ones as the event loop does', async () => {
    const reader = streamSchemaJson('ndsDisseminations');
    const writer = avro.Type.forSchema({ ...reader, fields: [...reader.fields, { name: 'extra', type: 'string', default: '' }] } as avro.Schema);
    const asked: number[] = [];
    let schemas = new Map<number, WriterSchemaLookup>([[7, { kind: 'avro', type: writer }], [8, { kind: 'unusable', detail: 'a PROTOBUF schema, not Avro' }]]);
    const registry: WriterSchemaSource = { writerSchemaById: async (id) => { asked.push(id); return schemas.get(id) ?? { kind: 'absent' }; } };
    const confluent = { kind: 'confluent', registry } as const;
    const thread = started(() => confluent);
    const record = { ...share('d-1', T0, 'RESEARCH', PATIENT_A), extra: 'x' };
    const values = [new ConfluentEncoder(7, writer).encode(record), new ConfluentEncoder(8, writer).encode(record), new ConfluentEncoder(9, writer).encode(record)];
    const here = new MessageIntake('ndsDisseminations', streamValueDecoder('ndsDisseminations', confluent), catalogue, pseudonymise);
    const expected = await itemsOf(here, values);
    asked.length = 0;
    const items = await itemsOf(thread.intakeFor('ndsDisseminations'), values);
    expect(asked.sort()).toEqual([7, 8, 9]);
    expect(asStored(items)).toEqual(asStored(expected));
    expect(items.map((i) => (i.kind === 'valid' ? 'valid' : i.detail))).toEqual(['valid', 'schema id 8: a PROTOBUF schema, not Avro', 'schema id 9 is not in the schema registry']);
    // Id 9 registered since: asked again, and the thread is told.
    schemas = new Map([...schemas, [9, { kind: 'avro', type: writer }]]);
    expect((await itemsOf(thread.intakeFor('ndsDisseminations'), values)).map((i) => i.kind)).toEqual(['valid', 'dead', 'valid']);
  });

  it('rejects a batch it fails on (here, one whose writer schema was not fetched first), and takes the next', async () => {
    const writer = avro.Type.forSchema(streamSchemaJson('gpEvents') as avro.Schema);
    const registry: WriterSchemaSource = { writerSchemaById: async () => ({ kind: 'avro', type: writer }) };
    const intake = started(() => ({ kind: 'confluent', registry })).intakeFor('gpEvents');
    const values = [new ConfluentEncoder(3, writer).encode(gp('e-1', T0, '9Nu0', PATIENT_A))];
    await expect(intake.classifyBatch({ topic: 't', partition: 0, offsets: [1], values })).rejects.toThrow('intake of t/0: schema id 3 was not handed to the intake thread');
    expect(await itemsOf(intake, values)).toMatchObject([{ kind: 'valid', id: 'e-1' }]);
  });

  it('once its thread has ended by itself, rejects every batch in hand and after, and says it failed', async () => {
    const thread = started(undefined, 'live/ingest/testing/failing-intake-worker');
    const intake = thread.intakeFor('gpEvents');
    const value = encode('gpEvents', gp('e-1', T0, '9Nu0', PATIENT_A));
    const inHand = intake.classifyBatch({ topic: 't', partition: 0, offsets: [0], values: [value] });
    await expect(inHand).rejects.toMatchObject({ code: 'INTAKE_FAILED' });
    await expect(thread.failed).resolves.toMatchObject({ code: 'INTAKE_FAILED' });
    // It never said it was ready.
    await expect(thread.ready).rejects.toMatchObject({ code: 'INTAKE_FAILED' });
    await expect(intake.classifyBatch({ topic: 't', partition: 0, offsets: [1], values: [value] })).rejects.toMatchObject({ code: 'INTAKE_FAILED' });
  });

  it('closed, rejects a batch in hand as stopped and does not say it failed', async () => {
    const thread = started();
    let failed = false;
    void thread.failed.then(() => { failed = true; });
    const inHand = thread.intakeFor('gpEvents').classifyBatch({ topic: 't', partition: 0, offsets: [0], values: [encode('gpEvents', gp('e-1', T0, '9Nu0', PATIENT_A))] });
    await thread.close();
    await expect(inHand).rejects.toBeInstanceOf(Stopped);
    expect(failed).toBe(false);
  });
});
