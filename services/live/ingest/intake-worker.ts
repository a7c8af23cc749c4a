// The intake's thread: MessageIntake over each batch the event loop hands it (intake-thread.ts), so that decoding,
// validation, the pseudonym and the two fingerprints, and the stored line of each record are made off the event
// loop. A batch whose intake throws is answered with the error, never with part of its items.
import avro from 'avsc';
import { parentPort, workerData } from 'node:worker_threads';
import type { WriterSchemaLookup, WriterSchemaSource } from '../../codec/confluent-decoder.js';
import { streamValueDecoder } from '../../codec/stream-value-codec.js';
import { CodeCatalogue } from '../../core/code-catalogue.js';
import type { DeadLetterReason } from '../../core/dead-letter-reason.js';
import type { StreamName } from '../../core/records.js';
import { keyedIdentity } from '../../identity/keyed-identity.js';
import type { IntakeReply, IntakeRequest, IntakeWorkerData, IntakeWorkerMessage } from './intake-messages.js';
import { MessageIntake } from './message-intake.js';

const data = workerData as IntakeWorkerData;
const port = parentPort!;

// The registry's answers, as the event loop fetched them before handing over a batch that needs them.
const lookups = new Map<number, WriterSchemaLookup>();
const handedSchemas: WriterSchemaSource = {
  async writerSchemaById(id) {
    const lookup = lookups.get(id);
    if (lookup === undefined) throw new Error(`schema id ${id} was not handed to the intake thread`);
    return lookup;
  },
};

const catalogue = new CodeCatalogue(data.catalogue);
const pseudonymise = keyedIdentity(Buffer.from(data.pseudonymKey)).patientRefFor;
const intakes = new Map<StreamName, MessageIntake>(data.streams.map(({ stream, framing }) => [stream, new MessageIntake(
  stream, streamValueDecoder(stream, framing.kind === 'confluent' ? { kind: 'confluent', registry: handedSchemas } : framing), catalogue, pseudonymise,
)]));

async function answer(request: IntakeRequest): Promise<IntakeReply> {
  for (const [id, lookup] of request.schemas) {
    lookups.set(id, lookup.kind === 'avro' ? { kind: 'avro', type: avro.Type.forSchema(lookup.schema as avro.Schema) } : lookup);
  }
  const intake = intakes.get(request.stream);
  if (intake === undefined) throw new Error(`the intake thread has no intake for ${request.stream}`);
  const { offsets, bytes, ends } = request;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values: Buffer[] = [];
  for (let i = 0; i < ends.length; i++) values.push(buffer.subarray(i === 0 ? 0 : ends[i - 1]!, ends[i]!));
  const unknown = intake.writerSchemasToFetch(values);
  if (unknown.length > 0) await intake.fetchWriterSchemas(unknown);
  const dead: { index: number; reason: DeadLetterReason; detail: string }[] = [];
  const ids: string[] = [];
  const lines: string[] = [];
  let keys = '';
  let contentHashes = '';
  for (let i = 0; i < values.length; i++) {
    const item = intake.classify(offsets[i]!, values[i]!);
    if (item.kind === 'dead') {
      dead.push({ index: i, reason: item.reason, detail: item.detail });
      continue;
    }
    ids.push(item.id);
    keys += item.idKey;
    contentHashes += item.contentHash;
    lines.push(item.line);
  }
  return { id: request.id, ok: true, dead, ids, keys, contentHashes, lines: lines.join('\n') };
}

port.postMessage({ ready: true } satisfies IntakeWorkerMessage);
port.on('message', (request: IntakeRequest) => {
  answer(request).then(
    (reply) => port.postMessage(reply),
    (error: unknown) => port.postMessage({ id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) } satisfies IntakeReply),
  );
});
