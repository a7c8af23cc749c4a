import { describe, expect, it } from 'vitest';
import type { CodeMeaning } from './code-catalogue.js';
import { eventTimeOf, offerRecord } from './offer-record.js';
import { Reconciler } from './reconciler.js';
import { STREAM_FIELDS, type RecordOf, type StreamName } from './records.js';
import { catalogue, CODES, gp, HOUR, manifest, PATIENT_B, readableIdentity, receipt, share, T0 } from './testing/builders.js';

const engine = () => new Reconciler({ slaMs: 72 * HOUR, graceMs: HOUR, identity: readableIdentity });
const dissent = catalogue.lookup(CODES.t1Dissent)!;

type Offered = { [S in StreamName]: { stream: S; record: RecordOf[S]; meaning: CodeMeaning | null } }[StreamName];
const records: Offered[] = [
  { stream: 'gpEvents', record: gp('e1', T0, CODES.t1Dissent), meaning: dissent },
  { stream: 'ndsReceived', record: receipt('r1', T0 + 1, CODES.t1Dissent, PATIENT_B), meaning: dissent },
  { stream: 'ndsManifests', record: manifest('x1', T0 - 5, T0 + 2), meaning: null },
  { stream: 'ndsDisseminations', record: share('d1', T0 + 3), meaning: null },
];

describe('offering a record of any stream', () => {
  it('takes the event time from the stream\'s time field (a manifest\'s receivedAt, never coversUpTo)', () => {
    for (const { stream, record } of records) {
      expect(eventTimeOf(stream, record), stream).toBe((record as unknown as Record<string, number>)[STREAM_FIELDS[stream].time]);
    }
    expect(eventTimeOf('ndsManifests', manifest('x1', T0 - 5, T0 + 2))).toBe(T0 + 2);
  });

  it('gives the engine what offering to its own input gives', () => {
    const through = engine();
    const direct = engine();
    for (const { stream, record, meaning } of records) offerRecord(through, stream, record, meaning);
    direct.offerGpEvent(gp('e1', T0, CODES.t1Dissent), dissent);
    direct.offerReceipt(receipt('r1', T0 + 1, CODES.t1Dissent, PATIENT_B), dissent);
    direct.offerManifest(manifest('x1', T0 - 5, T0 + 2));
    direct.offerDissemination(share('d1', T0 + 3));
    const at = T0 + 100 * HOUR;
    expect(through.advanceTo(at)).toEqual(direct.advanceTo(at));
    expect(through.alerts()).toEqual(direct.alerts());
    expect(through.alerts().length).toBeGreaterThan(0);
  });

  it('says late for a record older than the stream time, irrelevant for a release for direct care', () => {
    const e = engine();
    e.advanceTo(T0 + HOUR);
    expect(offerRecord(e, 'gpEvents', gp('e1', T0, CODES.t1Dissent), dissent)).toBe('late');
    expect(offerRecord(e, 'ndsDisseminations', share('d2', T0 + 2 * HOUR, 'DIRECT_CARE'), null)).toBe('irrelevant');
    expect(offerRecord(e, 'ndsManifests', manifest('x2', T0, T0 + 2 * HOUR), null)).toBe('on-time');
  });

  it('refuses a GP event or a receipt offered without its code\'s meaning', () => {
    expect(() => offerRecord(engine(), 'gpEvents', gp('e1', T0, CODES.t1Dissent), null as unknown as CodeMeaning)).toThrow(/meaning/);
    expect(() => offerRecord(engine(), 'ndsReceived', receipt('r1', T0, CODES.t1Dissent), null as unknown as CodeMeaning)).toThrow(/meaning/);
  });
});
