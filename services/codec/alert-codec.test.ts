import { describe, expect, it } from 'vitest';
import { AlertValueDecoder, AlertValueEncoder } from './alert-codec.js';
import { fingerprintBytes } from './crc64-avro.js';
import { producerCopy } from './testing/golden-sample-set.js';
import { alertSchemaJson } from './schema-catalog.js';
import { SingleObjectEncoder } from './single-object.js';
import { escalate, fire, resolve, type AlertChange } from '../core/alert.js';

const fired = fire({
  alertId: 'al-1', rule: 'OBJECTION_OVERDUE', upstreamEventId: 'gp-1', receiptId: null, disseminationId: null, patientRef: 'pr-abc',
  practiceOds: 'A81001', supplier: 'TPP', optOutType: 'TYPE_2', episodeStart: 1_000, firedAt: 260_000_000, detectionDelayMs: 259_999_000,
  downstreamHeldAtShare: null, recipient: null, purpose: null,
});
const escalated = escalate(fired.alert, 300_000_000);
const resolved = resolve(escalated.alert, 400_000_000, 'DOWNSTREAM');
const shared = fire({
  alertId: 'al-2', rule: 'SHARED_DESPITE_OBJECTION', upstreamEventId: 'gp-9', receiptId: null, disseminationId: 'ds-4', patientRef: 'pr-def',
  practiceOds: 'B82005', supplier: 'EMIS', optOutType: 'TYPE_1', episodeStart: null, firedAt: 5_000, detectionDelayMs: null,
  downstreamHeldAtShare: true, recipient: 'Example Research Unit', purpose: 'PLANNING',
});

describe('alert codec', () => {
  it.each([fired, escalated, resolved, shared].map((c) => [c.transition, c.alert.rule, c] as const))('round-trips %s %s', (_t, _r, change: AlertChange) => {
    const bytes = new AlertValueEncoder().encode(change);
    expect(new AlertValueDecoder().decode(bytes)).toEqual({ ok: true, change });
  });

  it('carries the alert schema fingerprint, and no NHS number field exists to carry', () => {
    const encoder = new AlertValueEncoder();
    expect(encoder.encode(fired).subarray(2, 10)).toEqual(fingerprintBytes(encoder.fingerprint!));
    expect(alertSchemaJson().fields.map((f) => f.name)).not.toContain('nhsNumber');
  });

  it('reads an alert written with a registered producer copy of the schema', () => {
    const writer = producerCopy(alertSchemaJson());
    const bytes = new SingleObjectEncoder(writer).encode({ ...resolved.alert, transition: resolved.transition, changedAt: resolved.changedAt, producerBatch: 'b' });
    expect(new AlertValueDecoder().decode(bytes)).toMatchObject({ ok: false, reason: 'UNDECODABLE' });
    expect(new AlertValueDecoder([writer]).decode(bytes)).toEqual({ ok: true, change: resolved });
  });

  it('an alert from a writer lacking a required field is UNDECODABLE, naming the field', () => {
    const schema = alertSchemaJson();
    const writer = { ...schema, fields: schema.fields.filter((f) => f.name !== 'patientRef') };
    const { patientRef: _p, ...rest } = fired.alert;
    const bytes = new SingleObjectEncoder(writer).encode({ ...rest, transition: 'FIRED', changedAt: fired.changedAt });
    expect(new AlertValueDecoder([writer]).decode(bytes)).toEqual({ ok: false, reason: 'UNDECODABLE', detail: 'alert lacks patientRef' });
  });
});
