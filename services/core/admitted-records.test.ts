import { describe, expect, it } from 'vitest';
import { admitRecords, admittedRecords, meaningOf } from './admitted-records.js';
import { Intake } from './intake.js';
import { catalogue } from './testing/builders.js';

const T = 1_500_000_000_000;
const receipt = (over: Record<string, unknown> = {}) => ({ receiptId: 'r1', nhsNumber: '9990000018', practiceOds: 'A81001', supplier: 'TPP', code: '9Nu0', sourceEventId: null, extractId: 'x', receivedAt: T, ...over });

describe('admitted records', () => {
  it('hand over the accepted records whole, in file order, with their meanings, and count the rest', () => {
    const batch = admitRecords(new Intake(catalogue), 'ndsReceived', [
      { position: 1, fields: receipt() },
      { position: 2, fields: receipt() },
      { position: 3, fields: receipt({ receiptId: 'r2', code: '9Nu1', sourceEventId: 'e9', receivedAt: T + 5 }) },
      { position: 4, fields: receipt({ receiptId: 'r3', nhsNumber: '123' }) },
      { position: 5, error: 'truncated' },
    ]);
    expect(admittedRecords(batch)).toEqual([receipt(), receipt({ receiptId: 'r2', code: '9Nu1', sourceEventId: 'e9', receivedAt: T + 5 })]);
    expect([...batch.meanings].map(meaningOf)).toEqual([catalogue.lookup('9Nu0'), catalogue.lookup('9Nu1')].map((m) => ({ type: m!.type, action: m!.action })));
    expect({ items: batch.items, duplicates: batch.duplicates, latest: batch.latest, dead: batch.dead.map((d) => d.reason) })
      .toEqual({ items: 5, duplicates: 1, latest: T + 5, dead: ['INVALID_NHS_NUMBER', 'UNDECODABLE'] });
  });
});
