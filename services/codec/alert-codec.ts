// PropagationAlert values on the optout.alerts topic: one AlertChange per message, single-object encoded with
// the alert schema, or in the Confluent wire format under the id the registry gave the alert schema. The message
// is the alert as it stands after the change, plus the transition and its time.
import type { Alert, AlertChange } from '../core/alert.js';
import { ConfluentDecoder, ConfluentEncoder, type WriterSchemaSource } from './confluent-decoder.js';
import { alertAvroType, alertSchemaJson } from './schema-catalog.js';
import { SingleObjectDecoder, SingleObjectEncoder, type ValueDecoder } from './single-object.js';

/** The alert schema's fields, as a plain object. */
export type PropagationAlertMessage = Alert & Pick<AlertChange, 'transition' | 'changedAt'>;

export type AlertDecodeResult =
  | { readonly ok: true; readonly change: AlertChange }
  | { readonly ok: false; readonly reason: 'UNDECODABLE'; readonly detail: string };

export function alertMessageOf(change: AlertChange): PropagationAlertMessage {
  return { ...change.alert, transition: change.transition, changedAt: change.changedAt };
}

export function alertChangeOf(message: PropagationAlertMessage): AlertChange {
  const { transition, changedAt, ...alert } = message;
  return { transition, changedAt, alert };
}

export type AlertFraming = { readonly kind: 'single-object' } | { readonly kind: 'confluent'; readonly schemaId: number };

export class AlertValueEncoder {
  readonly #encoder: SingleObjectEncoder | ConfluentEncoder;

  constructor(framing: AlertFraming = { kind: 'single-object' }) {
    this.#encoder = framing.kind === 'single-object' ? new SingleObjectEncoder(alertSchemaJson()) : new ConfluentEncoder(framing.schemaId, alertAvroType());
  }

  /** The single-object fingerprint; undefined in the Confluent format. */
  get fingerprint(): bigint | undefined {
    return this.#encoder instanceof SingleObjectEncoder ? this.#encoder.fingerprint : undefined;
  }

  encode(change: AlertChange): Buffer {
    return this.#encoder.encode(alertMessageOf(change));
  }
}

// Fields the schema declares without a null branch: a writer that lacks one cannot have produced an alert.
const REQUIRED = alertSchemaJson()
  .fields.filter((f) => !(Array.isArray(f.type) && (f.type as unknown[]).includes('null')))
  .map((f) => f.name);

export class AlertValueDecoder {
  readonly #decoder: ValueDecoder;

  /**
   * Older or foreign writer schemas of the alert can be registered so their messages resolve. With a registry,
   * values are read in the Confluent format: fetch their writer schemas (writerSchemasToFetch) before decoding.
   */
  constructor(extraWriterSchemas: readonly (object | string)[] = [], registry?: WriterSchemaSource) {
    this.#decoder = registry === undefined ? new SingleObjectDecoder(alertSchemaJson(), extraWriterSchemas) : new ConfluentDecoder(alertSchemaJson(), registry);
  }

  writerSchemasToFetch(values: readonly (Uint8Array | null)[]): readonly number[] {
    return this.#decoder.writerSchemasToFetch?.(values) ?? [];
  }

  async fetchWriterSchemas(ids: readonly number[]): Promise<void> {
    await this.#decoder.fetchWriterSchemas?.(ids);
  }

  decode(bytes: Uint8Array): AlertDecodeResult {
    const result = this.#decoder.decode(bytes);
    if (!result.ok) return result;
    const missing = REQUIRED.filter((name) => result.fields[name] === null || result.fields[name] === undefined);
    if (missing.length > 0) return { ok: false, reason: 'UNDECODABLE', detail: `alert lacks ${missing.join(', ')}` };
    const message: Record<string, unknown> = {};
    for (const field of alertSchemaJson().fields) message[field.name] = result.fields[field.name] ?? null;
    return { ok: true, change: alertChangeOf(message as unknown as PropagationAlertMessage) };
  }
}
