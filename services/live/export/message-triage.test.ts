import { describe, expect, it } from 'vitest';
import { SingleObjectDecoder, SingleObjectEncoder } from '../../codec/single-object.js';
import { streamSchemaJson } from '../../codec/schema-catalog.js';
import { MessageTriage } from './message-triage.js';

const MARCH = Date.UTC(2018, 2, 1);
const event = { eventId: 'gp-1', nhsNumber: '9990000018', practiceOds: 'A81001', supplier: 'TPP', code: 'XaXj6', recordedAt: MARCH };
const contract = streamSchemaJson('gpEvents');
// A producer's schema without the code field: it decodes, but the contract's files cannot hold the record.
const withoutCode = { ...contract, fields: contract.fields.filter((f) => f.name !== 'code') };

function triage(range = { fromMs: null as number | null, toMs: null as number | null }): MessageTriage {
  return new MessageTriage('gpEvents', new SingleObjectDecoder(contract, [withoutCode]), range);
}

describe('what an export does with one message', () => {
  it('exports a decoded record in the range as it is, an invalid NHS number included (9990000000: its check digit would be 10; the replay sets it aside)', () => {
    const value = new SingleObjectEncoder(contract).encode({ ...event, nhsNumber: '9990000000' });
    expect(triage().triage(value)).toEqual({ kind: 'record', fields: { ...event, nhsNumber: '9990000000' } });
  });

  it('filters on the stream\'s event time: from inclusive, to exclusive', () => {
    const value = new SingleObjectEncoder(contract).encode(event);
    expect(triage({ fromMs: MARCH, toMs: MARCH + 1 }).triage(value).kind).toBe('record');
    expect(triage({ fromMs: null, toMs: MARCH }).triage(value).kind).toBe('outside-range');
  });

  it('rejects what cannot be decoded, whatever the range, and what lacks a field the contract requires', () => {
    expect(triage({ fromMs: 0, toMs: 1 }).triage(Buffer.from('not avro'))).toMatchObject({ kind: 'rejected', reason: 'UNDECODABLE' });
    expect(triage().triage(Buffer.alloc(0))).toMatchObject({ kind: 'rejected', reason: 'UNDECODABLE', detail: 'empty value' });
    const { code: _code, ...rest } = event;
    const missing = new SingleObjectEncoder(withoutCode).encode(rest);
    expect(triage().triage(missing)).toMatchObject({ kind: 'rejected', reason: 'MISSING_FIELD', detail: expect.stringMatching(/^field code is missing/) });
    expect(triage({ fromMs: null, toMs: MARCH }).triage(missing).kind).toBe('outside-range');
  });
});
