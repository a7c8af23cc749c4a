// The intake on a thread of its own (intake-worker.ts), so that the event loop keeps to Kafka, the store's
// transactions and the decider. Each stream's BatchIntake hands the thread a batch and gets its items back in the
// batch's order, made by the same MessageIntake as on the event loop: the same items, the same dead letters. Writer
// schemas of the Confluent format are fetched here, where the registry's client and its retries are, and handed to
// the thread with the first batch sent after they were fetched. A batch the thread fails on rejects (the batch is not
// stored, and is read again); the thread ending by itself rejects every batch in hand and every later one, and
// settles `failed`, upon which the service stops and the process exits non-zero.
import { STREAM_FIELDS, type StreamName } from '../../core/records.js';
import type { CodeCatalogue } from '../../core/code-catalogue.js';
import type { WriterSchemaLookup, WriterSchemaSource } from '../../codec/confluent-decoder.js';
import { streamValueDecoder, type ValueFraming } from '../../codec/stream-value-codec.js';
import type { ValueDecoder } from '../../codec/single-object.js';
import { moduleWorker } from '../../module-worker.js';
import { Stopped } from '../backoff.js';
import { VerifierError } from '../errors.js';
import { parseRecordLines } from '../store/record-lines.js';
import type { IngestItem } from '../store/state-store.js';
import type { IntakeReply, IntakeRequest, IntakeWorkerData, IntakeWorkerMessage, PortableFraming, PortableLookup } from './intake-messages.js';
import type { BatchIntake, IntakeBatch } from './message-intake.js';

const KEY_DIGITS = 32;
const CONTENT_HASH_DIGITS = 64;

export interface IntakeThreadOptions {
  readonly streams: readonly { readonly stream: StreamName; readonly framing: ValueFraming }[];
  readonly catalogue: CodeCatalogue;
  readonly pseudonymKey: Buffer;
  /** The thread's module under services/ (tests start one that fails). */
  readonly workerModule?: string;
}

interface Pending {
  readonly batch: IntakeBatch;
  readonly stream: StreamName;
  readonly resolve: (items: IngestItem[]) => void;
  readonly reject: (error: Error) => void;
}

function portable(lookup: WriterSchemaLookup): PortableLookup {
  return lookup.kind === 'avro' ? { kind: 'avro', schema: lookup.type.schema({ exportAttrs: true }) } : lookup;
}

/** The batch's values in one buffer of its own, so that it can be handed over without a copy. */
function packed(values: readonly (Buffer | null)[]): { buffer: ArrayBuffer; bytes: Uint8Array; ends: Int32Array } {
  let size = 0;
  for (const value of values) size += value?.length ?? 0;
  const buffer = new ArrayBuffer(size);
  const bytes = new Uint8Array(buffer);
  const ends = new Int32Array(values.length);
  let at = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value) {
      bytes.set(value, at);
      at += value.length;
    }
    ends[i] = at;
  }
  return { buffer, bytes, ends };
}

export class IntakeThread {
  readonly #worker;
  readonly #pending = new Map<number, Pending>();
  /** Registry answers not yet handed to the thread. */
  readonly #unsentSchemas = new Map<number, PortableLookup>();
  readonly #intakes = new Map<StreamName, BatchIntake>();
  #nextId = 0;
  #ended: Error | null = null;
  #closing = false;
  #fail!: (error: VerifierError) => void;
  /** Settles when the thread ended by itself: this process can ingest nothing more. */
  readonly failed: Promise<VerifierError> = new Promise((resolve) => { this.#fail = resolve; });
  #isReady!: () => void;
  #notReady!: (error: Error) => void;
  /**
   * Resolves once the thread has loaded its modules (under a TypeScript loader, seconds), rejects if it ends first:
   * the service waits for it before consuming, so that no batch waits for it while the consumer group does.
   */
  readonly ready: Promise<void> = new Promise((resolve, reject) => { this.#isReady = resolve; this.#notReady = reject; });

  constructor(options: IntakeThreadOptions) {
    const streams = options.streams.map(({ stream, framing }) => ({ stream, framing: (framing.kind === 'confluent' ? { kind: 'confluent' } : framing) satisfies PortableFraming }));
    this.#worker = moduleWorker(options.workerModule ?? 'live/ingest/intake-worker', {
      streams, catalogue: options.catalogue.entries, pseudonymKey: new Uint8Array(options.pseudonymKey),
    } satisfies IntakeWorkerData);
    this.#worker.on('message', (message: IntakeWorkerMessage) => {
      if ('ready' in message) this.#isReady();
      else this.#answered(message);
    });
    // Whoever waits on `ready` hears of a failure; `failed` and the batches report it otherwise.
    this.ready.catch(() => {});
    this.#worker.on('error', (error) => this.#end(new VerifierError('INTAKE_FAILED', `the intake thread failed: ${error.message}`, { retriable: false, cause: error })));
    this.#worker.on('exit', (code) => this.#end(new VerifierError('INTAKE_FAILED', `the intake thread exited (code ${code})`, { retriable: false })));
    for (const { stream, framing } of options.streams) this.#intakes.set(stream, this.#intakeOf(stream, framing));
  }

  /** The intake of a stream the thread was started for. */
  intakeFor(stream: StreamName): BatchIntake {
    const intake = this.#intakes.get(stream);
    if (intake === undefined) throw new Error(`the intake thread was not started for ${stream}`);
    return intake;
  }

  /** Ends the thread; a batch still in hand rejects with Stopped. */
  async close(): Promise<void> {
    this.#closing = true;
    await this.#worker.terminate();
  }

  #intakeOf(stream: StreamName, framing: ValueFraming): BatchIntake {
    // Confluent framing: a decoder of this thread's asks the registry, and what it answers goes to the thread too.
    let schemas: ValueDecoder | null = null;
    if (framing.kind === 'confluent') {
      const registry = framing.registry;
      const recorded: WriterSchemaSource = {
        writerSchemaById: async (id) => {
          const lookup = await registry.writerSchemaById(id);
          this.#unsentSchemas.set(id, portable(lookup));
          return lookup;
        },
      };
      schemas = streamValueDecoder(stream, { kind: 'confluent', registry: recorded });
    }
    return {
      writerSchemasToFetch: (values) => schemas?.writerSchemasToFetch?.(values) ?? [],
      fetchWriterSchemas: async (ids) => { await schemas?.fetchWriterSchemas?.(ids); },
      classifyBatch: (batch) => this.#classify(stream, batch),
    };
  }

  #classify(stream: StreamName, batch: IntakeBatch): Promise<IngestItem[]> {
    if (this.#ended !== null) return Promise.reject(this.#ended);
    return new Promise<IngestItem[]>((resolve, reject) => {
      const id = this.#nextId++;
      const { buffer, bytes, ends } = packed(batch.values);
      const schemas = [...this.#unsentSchemas];
      this.#unsentSchemas.clear();
      this.#pending.set(id, { batch, stream, resolve, reject });
      this.#worker.postMessage({ id, stream, offsets: Float64Array.from(batch.offsets), bytes, ends, schemas } satisfies IntakeRequest, [buffer]);
    });
  }

  #answered(reply: IntakeReply): void {
    const pending = this.#pending.get(reply.id);
    if (pending === undefined) return;
    this.#pending.delete(reply.id);
    if (!reply.ok) {
      pending.reject(new Error(`intake of ${pending.batch.topic}/${pending.batch.partition}: ${reply.message}`));
      return;
    }
    try {
      pending.resolve(itemsOf(pending.stream, pending.batch, reply));
    } catch (error) {
      pending.reject(error as Error);
    }
  }

  #end(error: VerifierError): void {
    if (this.#ended !== null) return;
    this.#ended = this.#closing ? new Stopped('the intake of a batch') : error;
    this.#notReady(this.#ended);
    for (const pending of this.#pending.values()) pending.reject(this.#ended);
    this.#pending.clear();
    if (!this.#closing) this.#fail(error);
  }
}

/** The batch's items from the thread's answer: a valid record is read back from its line, as the store reads it. */
function itemsOf(stream: StreamName, batch: IntakeBatch, reply: Extract<IntakeReply, { ok: true }>): IngestItem[] {
  const valid = batch.values.length - reply.dead.length;
  if (reply.ids.length !== valid || reply.keys.length !== valid * KEY_DIGITS || reply.contentHashes.length !== valid * CONTENT_HASH_DIGITS) {
    throw new Error(`intake of ${batch.topic}/${batch.partition}: the intake thread answered for ${reply.ids.length} valid records of ${valid}`);
  }
  const records = valid === 0 ? [] : parseRecordLines(stream, batch.topic, batch.partition, reply.lines);
  const lines = valid === 0 ? [] : reply.lines.split('\n');
  const time = STREAM_FIELDS[stream].time;
  const items: IngestItem[] = [];
  let dead = 0;
  let v = 0;
  for (let i = 0; i < batch.values.length; i++) {
    const letter = reply.dead[dead];
    if (letter !== undefined && letter.index === i) {
      items.push({ kind: 'dead', offset: batch.offsets[i]!, reason: letter.reason, detail: letter.detail });
      dead++;
      continue;
    }
    const { record, meaning, offset } = records[v]!;
    if (offset !== batch.offsets[i]) throw new Error(`intake of ${batch.topic}/${batch.partition}: the intake thread answered offset ${offset} for ${batch.offsets[i]}`);
    items.push({
      kind: 'valid', offset, stream, record, meaning, id: reply.ids[v]!, eventTime: (record as unknown as Readonly<Record<string, number>>)[time]!,
      contentHash: reply.contentHashes.slice(v * CONTENT_HASH_DIGITS, (v + 1) * CONTENT_HASH_DIGITS), idKey: reply.keys.slice(v * KEY_DIGITS, (v + 1) * KEY_DIGITS), line: lines[v]!,
    });
    v++;
  }
  return items;
}
