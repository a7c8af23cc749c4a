// PropagationAlert values on the optout.alerts topic: one AlertChange per message, single-object encoded with
// the alert schema. The message is the alert as it stands after the change, plus the transition and its time.
import type { Alert, AlertChange } from '../core/alert.js';
import { alertSchemaJson } from './schema-catalog.js';
import { SingleObjectDecoder, SingleObjectEncoder } from './single-object.js';

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

export class AlertValueEncoder {
  readonly #encoder = new SingleObjectEncoder(alertSchemaJson());

  get fingerprint(): bigint {
    return this.#encoder.fingerprint;
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
  readonly #decoder: SingleObjectDecoder;

  /** Older or foreign writer schemas of the alert can be registered so their messages resolve. */
  constructor(extraWriterSchemas: readonly (object | string)[] = []) {
    this.#decoder = new SingleObjectDecoder(alertSchemaJson(), extraWriterSchemas);
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
