// Bad input on every input topic: bytes that are not Avro, a value written with a schema the topic does not know
// (another stream's record, plain binary without the single-object header, a truncated body), an invalid NHS
// number, a missing field, fields outside their form (an NHS number as practiceOds, the year 9999, an 8 KB id,
// a 900 KB practiceOds, a negative count, an empty recipient), NUL characters, an unknown code, an invalid manifest,
// an enum symbol outside the contract, a null value. Each goes to the dead-letter topic with its own bytes and its
// source and reason in the headers (never an NHS number), and the good records around it are processed: the alerts
// are the core's over the good records. No NHS number is in the database, on the alerts topic or in the log.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { SingleObjectEncoder } from '../../services/codec/single-object.js';
import { streamSchemaJson } from '../../services/codec/schema-catalog.js';
import { parseCodeCatalogue } from '../../services/core/code-catalogue.js';
import type { DeadLetterReason } from '../../services/core/dead-letter-reason.js';
import type { RecordOf, StreamName } from '../../services/core/records.js';
import { ReplaySession } from '../../services/core/replay-session.js';
import { gp, HOUR, manifest, PATIENT_A, PATIENT_B, PATIENT_C, receipt, share, T0 } from '../../services/core/testing/builders.js';
import { keyedIdentity } from '../../services/identity/keyed-identity.js';
import { readPseudonymKey } from '../../services/identity/pseudonym-key.js';
import { SHIPPED_CATALOGUE_FILE } from '../../services/package-root.js';
import { DEAD_LETTER_HEADERS } from '../../services/live/kafka/kafka-sinks.js';
import { topicAlerts, viewOf } from './support/alert-views.js';
import { dumpSchema, nhsNumbersIn } from './support/schema-dump.js';
import { liveEnv, waitUntil } from './support/live-harness.js';
import { testResources } from './support/test-resources.js';
import { LiveProbe } from './support/live-probe.js';
import { testStack } from '../stack/test-context.js';

const WRITERS = fileURLToPath(new URL('../../schemas/samples/writers/', import.meta.url));
const INVALID_NHS_NUMBER = '9990000017';
const NHS_NUMBERS = [PATIENT_A, PATIENT_B, PATIENT_C, INVALID_NHS_NUMBER];
const DAY = 24 * HOUR;

type Planned = { readonly value: Buffer | null; readonly good?: RecordOf[StreamName]; readonly reason?: DeadLetterReason };

async function writerEncoder(file: string): Promise<SingleObjectEncoder> {
  return new SingleObjectEncoder(JSON.parse(await readFile(`${WRITERS}${file}`, 'utf8')) as object);
}

async function plan(): Promise<{ readonly [S in StreamName]: Planned[] }> {
  const contract = (stream: StreamName) => new SingleObjectEncoder(streamSchemaJson(stream));
  const gpEncoder = contract('gpEvents');
  const shareEncoder = contract('ndsDisseminations');
  const garbage = Buffer.from('this is not an Avro record at all');
  const good = <S extends StreamName>(stream: S, record: RecordOf[S], encoder = contract(stream)): Planned => ({ value: encoder.encode(record), good: record });
  const bad = (value: Buffer | null, reason: DeadLetterReason): Planned => ({ value, reason });

  const e1 = gp('e-1', T0, '9Nu0', PATIENT_A);
  const producerCopy = await writerEncoder('optout.v1.GpOptOutEvent.producer-copy.writer.avsc');
  const nullableNhs = await writerEncoder('optout.v1.GpOptOutEvent.nullable-nhs-number.writer.avsc');
  const extraSymbol = await writerEncoder('optout.v1.NdsDissemination.extra-purpose-symbol.writer.avsc');
  const e2 = gp('e-2', T0 + 2 * HOUR, '9Nu4', PATIENT_C);
  const onlyBody = avro.Type.forSchema(streamSchemaJson('gpEvents') as unknown as avro.Schema).toBuffer(gp('e-9', T0, '9Nu0', PATIENT_B));
  return {
    gpEvents: [
      good('gpEvents', e1),
      bad(garbage, 'UNDECODABLE'),
      { value: producerCopy.encode({ ...e2, producerBatch: 'b-7' }), good: e2 },
      bad(shareEncoder.encode(share('d-x', T0, 'RESEARCH', PATIENT_B)), 'UNDECODABLE'),
      bad(gpEncoder.encode(gp('e-3', T0 + HOUR, '9Nu0', INVALID_NHS_NUMBER)), 'INVALID_NHS_NUMBER'),
      bad(nullableNhs.encode({ ...gp('e-4', T0 + HOUR, '9Nu0'), nhsNumber: null }), 'MISSING_FIELD'),
      bad(null, 'UNDECODABLE'),
      bad(onlyBody, 'UNDECODABLE'),
      bad(gpEncoder.encode(gp('e-5', T0 + HOUR, '9Nu0', PATIENT_B)).subarray(0, 20), 'UNDECODABLE'),
      bad(gpEncoder.encode(gp('e-11', T0 + HOUR, '9Nu0', PATIENT_A, PATIENT_B)), 'INVALID_FIELD'),
      bad(gpEncoder.encode(gp('e-12', Date.UTC(9999, 11, 31), '9Nu0', PATIENT_B)), 'INVALID_FIELD'),
      bad(gpEncoder.encode(gp('e'.repeat(8192), T0 + HOUR, '9Nu0', PATIENT_B)), 'INVALID_FIELD'),
      bad(gpEncoder.encode({ ...gp('e-13', T0 + HOUR, '9Nu0', PATIENT_B), supplier: 'TP\u0000P' }), 'UNDECODABLE'),
      good('gpEvents', gp('e-6', T0 + 3 * HOUR, '9Nu5', PATIENT_C)),
    ],
    ndsReceived: [
      good('ndsReceived', receipt('r-1', T0 + HOUR, '9Nu0', PATIENT_B)),
      bad(garbage, 'UNDECODABLE'),
      bad(gpEncoder.encode(gp('e-7', T0, '9Nu0', PATIENT_B)), 'UNDECODABLE'),
      bad(contract('ndsReceived').encode(receipt('r-2', T0 + HOUR, '9Nu0', INVALID_NHS_NUMBER)), 'INVALID_NHS_NUMBER'),
      bad(contract('ndsReceived').encode(receipt('r-3', T0 + HOUR, 'XAZ89', PATIENT_A)), 'UNKNOWN_CODE'),
      good('ndsReceived', receipt('r-4', T0 + 5 * HOUR, '9Nu4', PATIENT_C)),
    ],
    ndsManifests: [
      good('ndsManifests', manifest('x-1', T0 + DAY, T0 + DAY + 2 * HOUR)),
      bad(garbage, 'UNDECODABLE'),
      bad(gpEncoder.encode(gp('e-8', T0, '9Nu0', PATIENT_A)), 'UNDECODABLE'),
      bad(contract('ndsManifests').encode(manifest('x-2', T0 + 3 * DAY, T0 + 2 * DAY)), 'INVALID_MANIFEST'),
      bad(contract('ndsManifests').encode({ ...manifest('x-4', T0 + DAY, T0 + DAY), recordCount: -1 }), 'INVALID_FIELD'),
      bad(contract('ndsManifests').encode(manifest('x-5', T0 + DAY, T0 + DAY, 'A'.repeat(900_000))), 'INVALID_FIELD'),
      good('ndsManifests', manifest('x-3', T0 + 2 * DAY, T0 + 2 * DAY + HOUR, 'B82002', 'EMIS')),
    ],
    ndsDisseminations: [
      good('ndsDisseminations', share('d-1', T0 + 4 * DAY, 'RESEARCH', PATIENT_A)),
      bad(garbage, 'UNDECODABLE'),
      bad(gpEncoder.encode(gp('e-10', T0, '9Nu0', PATIENT_B)), 'UNDECODABLE'),
      bad(shareEncoder.encode(share('d-2', T0 + DAY, 'PLANNING', INVALID_NHS_NUMBER)), 'INVALID_NHS_NUMBER'),
      bad(shareEncoder.encode({ ...share('d-5', T0 + DAY, 'RESEARCH', PATIENT_A), recipient: '' }), 'INVALID_FIELD'),
      bad(shareEncoder.encode({ ...share('d-6', T0 + DAY, 'RESEARCH', PATIENT_A), recipient: 'NHS\u0000Digital' }), 'UNDECODABLE'),
      bad(extraSymbol.encode({ ...share('d-3', T0 + DAY, 'RESEARCH', PATIENT_B), purpose: 'MARKETING' }), 'UNDECODABLE'),
      good('ndsDisseminations', share('d-4', T0 + 4 * DAY + HOUR, 'DIRECT_CARE', PATIENT_C)),
    ],
  };
}

describe('dead letters', () => {
  const stack = testStack();
  const made = testResources(stack);

  it('go to the dead-letter topic with their bytes and reasons, and the good records around them are processed', async () => {
    const setup = await made.live({ partitions: 2 });
    const planned = await plan();
    const streams = Object.keys(planned) as StreamName[];
    const producer = setup.kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    for (const stream of streams) {
      await producer.send({ topic: setup.topics[stream], acks: -1, messages: planned[stream].map((p) => ({ partition: 0, key: 'k', value: p.value })) });
    }
    await producer.disconnect();

    // What the core says over the good records alone.
    const expected = new ReplaySession({
      slaMs: 72 * HOUR, graceMs: HOUR, asOf: null, identity: keyedIdentity(await readPseudonymKey(setup.keyFile)),
      catalogue: parseCodeCatalogue(JSON.parse(await readFile(SHIPPED_CATALOGUE_FILE, 'utf8'))),
    });
    for (const stream of streams) planned[stream].forEach((p, i) => { if (p.good) expected.feed(stream, { position: i + 1, fields: p.good as unknown as Record<string, unknown> }); });
    const report = expected.finish();
    expect(new Set(report.alerts.map((a) => a.rule))).toEqual(new Set(['OBJECTION_NOT_PROPAGATED', 'SHARED_DESPITE_OBJECTION', 'UNKNOWN_DOWNSTREAM_OBJECTION']));

    const running = await made.inProcess(setup, liveEnv(setup, { WRITER_SCHEMAS_DIR: WRITERS, ALLOWED_LATENESS: '1h' }));
    const deadCount = streams.reduce((n, s) => n + planned[s].filter((p) => p.reason).length, 0);
    const probe = new LiveProbe(setup);
    await waitUntil(`every record to be handled (log: ${running.logFile})`, async () => (await probe.progress()).deadLetters === deadCount && probe.settled(report.asOf), 60_000);

    expect(await probe.storedAlerts()).toEqual(report.alerts.map(viewOf).sort((a, b) => (a.alertId < b.alertId ? -1 : 1)));
    const goodIds = streams.flatMap((s) => planned[s].flatMap((p) => (p.good ? [Object.values(p.good)[0] as string] : []))).sort();
    expect(await probe.storedRecordIds()).toEqual(goodIds);

    // The dead-letter topic: one message per bad record, its own bytes, where it came from and why.
    const letters: { key: string; value: Buffer | null; headers: Record<string, string> }[] = [];
    const consumer = setup.kafka.consumer({ groupId: stack.uniqueName('dead-letter-reader'), sessionTimeout: 6_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topic: setup.topics.deadLetter, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        letters.push({
          key: message.key!.toString(), value: message.value,
          headers: Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)])),
        });
      },
    });
    await waitUntil('every dead letter on the topic', async () => letters.length >= deadCount, 30_000);
    await consumer.disconnect();

    const expectedLetters = streams.flatMap((stream) => planned[stream].flatMap((p, offset) => (p.reason ? [{
      key: `${setup!.topics[stream]}:0:${offset}`,
      value: p.value === null ? null : p.value.toString('hex'),
      headers: {
        [DEAD_LETTER_HEADERS.topic]: setup!.topics[stream], [DEAD_LETTER_HEADERS.partition]: '0', [DEAD_LETTER_HEADERS.offset]: String(offset),
        [DEAD_LETTER_HEADERS.reason]: p.reason, [DEAD_LETTER_HEADERS.detail]: expect.any(String),
      },
    }] : [])));
    const seen = letters.map((l) => ({ key: l.key, value: l.value === null ? null : l.value.toString('hex'), headers: l.headers }));
    expect(seen.sort((a, b) => (a.key < b.key ? -1 : 1))).toEqual(expectedLetters.sort((a, b) => (a.key < b.key ? -1 : 1)));
    for (const letter of letters) {
      for (const [name, value] of Object.entries(letter.headers)) {
        for (const nhs of NHS_NUMBERS) expect(value, `header ${name}`).not.toContain(nhs);
      }
      for (const nhs of NHS_NUMBERS) expect(letter.key).not.toContain(nhs);
    }
    const log = await readFile(running.logFile, 'utf8');
    for (const nhs of NHS_NUMBERS) expect(log).not.toContain(nhs);
    expect(nhsNumbersIn(await dumpSchema(setup.ownerUrl, setup.schema.schema), NHS_NUMBERS)).toEqual([]);
    const outbox = (await probe.progress()).outbox;
    const onTopic = await topicAlerts(setup.kafka, setup.topics.alerts, outbox, stack.uniqueName('alerts-reader'));
    expect(onTopic.changes.length).toBeGreaterThan(0);
    expect(nhsNumbersIn(JSON.stringify(onTopic.changes), NHS_NUMBERS)).toEqual([]);
  });

  it('reads plain Avro binary with the writer schema declared per topic, and dead-letters what it cannot read', async () => {
    const setup = await made.live({ partitions: 1 });
    const writerFile: { readonly [S in StreamName]: string } = {
      gpEvents: 'optout.v1.GpOptOutEvent.producer-copy.writer.avsc', ndsReceived: 'optout.v1.NdsReceivedObjection.producer-copy.writer.avsc',
      ndsManifests: 'optout.v1.NdsExtractManifest.producer-copy.writer.avsc', ndsDisseminations: 'optout.v1.NdsDissemination.producer-copy.writer.avsc',
    };
    const types = Object.fromEntries(await Promise.all(Object.entries(writerFile).map(async ([stream, file]) =>
      [stream, avro.Type.forSchema(JSON.parse(await readFile(`${WRITERS}${file}`, 'utf8')) as avro.Schema)]))) as Record<StreamName, avro.Type>;
    const good: { readonly [S in StreamName]: RecordOf[S] } = {
      gpEvents: gp('p-1', T0, '9Nu0', PATIENT_A), ndsReceived: receipt('p-r-1', T0 + HOUR, '9Nu0', PATIENT_A),
      ndsManifests: manifest('p-x-1', T0, T0 + HOUR), ndsDisseminations: share('p-d-1', T0 + 2 * HOUR, 'RESEARCH', PATIENT_B),
    };
    const streams = Object.keys(good) as StreamName[];
    const producer = setup.kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    for (const stream of streams) {
      const body = types[stream].toBuffer({ ...good[stream], producerBatch: 'b-1' });
      // A good record, bytes that are not Avro, the good record cut short, a single-object message (not plain).
      const values = [body, Buffer.from('this is not an Avro record at all'), body.subarray(0, body.length - 3), new SingleObjectEncoder(streamSchemaJson(stream)).encode(good[stream])];
      await producer.send({ topic: setup.topics[stream], acks: -1, messages: values.map((value) => ({ key: 'k', value })) });
    }
    await producer.disconnect();

    const running = await made.inProcess(setup, liveEnv(setup, {
      VALUE_ENCODING: 'plain',
      WRITER_SCHEMA_GP_EVENTS: `${WRITERS}${writerFile.gpEvents}`, WRITER_SCHEMA_NDS_RECEIVED: `${WRITERS}${writerFile.ndsReceived}`,
      WRITER_SCHEMA_NDS_MANIFESTS: `${WRITERS}${writerFile.ndsManifests}`, WRITER_SCHEMA_NDS_DISSEMINATIONS: `${WRITERS}${writerFile.ndsDisseminations}`,
    }));
    const probe = new LiveProbe(setup);
    await waitUntil(`every record to be handled (log: ${running.logFile})`, async () => (await probe.progress()).ingested === streams.length * 4, 60_000);
    expect(await probe.storedRecordIds()).toEqual(['p-1', 'p-d-1', 'p-r-1', 'p-x-1']);
    const letters = await probe.deadLetters();
    // The single-object message may happen to parse as plain binary of the declared schema; if so it fails validation.
    for (const stream of streams) {
      const mine = letters.filter((r) => r.topic === setup!.topics[stream]);
      expect(mine.slice(0, 2).map((r) => [r.offset, r.reason])).toEqual([[1, 'UNDECODABLE'], [2, 'UNDECODABLE']]);
      expect(mine.map((r) => r.offset)).toEqual([1, 2, 3]);
    }
  });
});
