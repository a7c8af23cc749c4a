import { describe, expect, it } from 'vitest';
import { streamValueDecoder, streamValueEncoder } from '../../codec/stream-value-codec.js';
import { catalogue, gp, manifest, PATIENT_A, receipt, share, T0 } from '../../core/testing/builders.js';
import { keyedIdentity } from '../../identity/keyed-identity.js';
import { recordIdKey } from '../store/record-id-key.js';
import { recordLine } from '../store/record-lines.js';
import { contentHashOf, MessageIntake } from './message-intake.js';

const pseudonymise = keyedIdentity(Buffer.from('5c'.repeat(32), 'hex')).patientRefFor;
const gpIntake = new MessageIntake('gpEvents', streamValueDecoder('gpEvents'), catalogue, pseudonymise);
const encodeGp = streamValueEncoder('gpEvents');

describe('message intake', () => {
  it('gives a valid record its id, event time, meaning and the fingerprint of its pseudonymised content', () => {
    const event = gp('e-1', T0, '9Nu0', PATIENT_A);
    const item = gpIntake.classify(7, encodeGp(event));
    const stored = { ...event, nhsNumber: pseudonymise(PATIENT_A) };
    expect(item).toEqual({
      kind: 'valid', offset: 7, stream: 'gpEvents', id: 'e-1', eventTime: T0, record: stored,
      meaning: expect.objectContaining({ type: 'TYPE_1', action: 'DISSENT' }), contentHash: contentHashOf('gpEvents', stored as unknown as Record<string, unknown>),
      idKey: recordIdKey('gpEvents', 'e-1'), line: recordLine('gpEvents', 7, stored, catalogue.lookup(event.code)!),
    });
  });

  it('keeps no NHS number past validation: the record carries the keyed pseudonym the alerts carry', () => {
    const receipts = new MessageIntake('ndsReceived', streamValueDecoder('ndsReceived'), catalogue, pseudonymise);
    const shares = new MessageIntake('ndsDisseminations', streamValueDecoder('ndsDisseminations'), catalogue, pseudonymise);
    const items = [
      gpIntake.classify(1, encodeGp(gp('e-1', T0, '9Nu0', PATIENT_A))),
      receipts.classify(2, streamValueEncoder('ndsReceived')(receipt('r-1', T0, '9Nu0', PATIENT_A))),
      shares.classify(3, streamValueEncoder('ndsDisseminations')(share('d-1', T0, 'RESEARCH', PATIENT_A))),
    ];
    for (const item of items) {
      expect(item.kind).toBe('valid');
      expect(JSON.stringify(item)).not.toContain(PATIENT_A);
      expect(item.kind === 'valid' && (item.record as { nhsNumber: string }).nhsNumber).toBe(pseudonymise(PATIENT_A));
    }
  });

  it('tells the same content by its fingerprint, and any field changed', () => {
    const event = gp('e-1', T0, '9Nu0', PATIENT_A);
    const hash = (e: typeof event) => contentHashOf('gpEvents', e as unknown as Record<string, unknown>);
    expect(hash({ ...event })).toBe(hash(event));
    expect(hash({ ...event, recordedAt: T0 + 1 })).not.toBe(hash(event));
    expect(hash({ ...event, supplier: 'EMIS' })).not.toBe(hash(event));
  });

  it('dead-letters what cannot be read or fails validation, with the core\'s reasons', () => {
    expect(gpIntake.classify(1, null)).toMatchObject({ kind: 'dead', reason: 'UNDECODABLE' });
    expect(gpIntake.classify(2, Buffer.from('not avro'))).toMatchObject({ kind: 'dead', reason: 'UNDECODABLE' });
    expect(gpIntake.classify(3, encodeGp(gp('e-2', T0, '9Nu0', '9990000017')))).toMatchObject({ kind: 'dead', reason: 'INVALID_NHS_NUMBER' });
    expect(gpIntake.classify(4, encodeGp(gp('e-3', T0, 'XAZ89', PATIENT_A)))).toMatchObject({ kind: 'dead', reason: 'UNKNOWN_CODE' });
    const manifests = new MessageIntake('ndsManifests', streamValueDecoder('ndsManifests'), catalogue, pseudonymise);
    expect(manifests.classify(5, streamValueEncoder('ndsManifests')(manifest('x-1', T0 + 1, T0)))).toMatchObject({ kind: 'dead', reason: 'INVALID_MANIFEST' });
  });

  it('dead-letters what the state store cannot keep: a NUL character', () => {
    expect(gpIntake.classify(6, encodeGp({ ...gp('e-4', T0, '9Nu0', PATIENT_A), supplier: 'TP\u0000P' }))).toMatchObject({ kind: 'dead', reason: 'UNDECODABLE', detail: expect.stringMatching(/^supplier holds a NUL/) });
  });

  it('applies the core\'s INVALID_FIELD: an instant beyond any Date, the year 9999, an 8 KB id, an NHS number as practiceOds', () => {
    expect(gpIntake.classify(7, encodeGp(gp('e-5', 9e15, '9Nu0', PATIENT_A)))).toMatchObject({ kind: 'dead', reason: 'INVALID_FIELD', detail: 'recordedAt is outside [2000-01-01, 2100-01-01)' });
    expect(gpIntake.classify(8, encodeGp(gp('e-6', Date.UTC(9999, 11, 31), '9Nu0', PATIENT_A)))).toMatchObject({ kind: 'dead', reason: 'INVALID_FIELD' });
    expect(gpIntake.classify(9, encodeGp(gp('e'.repeat(8192), T0, '9Nu0', PATIENT_A)))).toMatchObject({ kind: 'dead', reason: 'INVALID_FIELD', detail: 'eventId is longer than 128 bytes in UTF-8' });
    const odsAsNhsNumber = gpIntake.classify(10, encodeGp(gp('e-7', T0, '9Nu0', PATIENT_A, '9990000026')));
    expect(odsAsNhsNumber).toMatchObject({ kind: 'dead', reason: 'INVALID_FIELD' });
    expect(odsAsNhsNumber.kind === 'dead' && odsAsNhsNumber.detail).not.toContain('9990000026');
  });

  it('never puts a field value in a dead letter\'s detail', () => {
    const item = gpIntake.classify(8, encodeGp(gp('e-6', T0, '9Nu0', '9990000017')));
    expect(item.kind === 'dead' && item.detail).not.toContain('9990000017');
  });

  it('dead-letters a record it fails on, naming the error\'s class only, and goes on with the batch', async () => {
    const decoder = streamValueDecoder('gpEvents');
    const poison = Buffer.from('poison');
    const failing = new MessageIntake('gpEvents', {
      decode: (bytes) => {
        if (Buffer.from(bytes).equals(poison)) throw new TypeError('cannot read 9990000017');
        return decoder.decode(bytes);
      },
    }, catalogue, pseudonymise);
    const good = (id: string) => encodeGp(gp(id, T0, '9Nu0', PATIENT_A));
    const items = await failing.classifyBatch({ topic: 't', partition: 0, offsets: [1, 2, 3], values: [good('e-1'), poison, good('e-2')] });
    expect(items.map((i) => i.kind)).toEqual(['valid', 'dead', 'valid']);
    expect(items[1]).toEqual({ kind: 'dead', offset: 2, reason: 'UNDECODABLE', detail: 'the intake failed on this record (TypeError)' });
  });
});

