import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { admitRecords, admittedRecords, meaningOf, transferables, type AdmittedRecords } from './admitted-records.js';
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

  it('come through a move to another thread whole, their buffers moved, not copied', () => {
    const records = Array.from({ length: 300 }, (_, i) => receipt({ receiptId: `r${i}`, practiceOds: `A8100${i % 3}`, sourceEventId: i % 2 === 0 ? null : `e${i}`, receivedAt: T + i }));
    const batch = admitRecords(new Intake(catalogue), 'ndsReceived', records.map((fields, i) => ({ position: i + 1, fields })));
    const { port1, port2 } = new MessageChannel();
    const moved = transferables(batch);
    port1.postMessage(batch, moved);
    const received = receiveMessageOnPort(port2)!.message as AdmittedRecords;
    port1.close();
    // Moved: gone from this side (a buffer moved is left empty here).
    expect(moved.length).toBeGreaterThan(4);
    expect(moved.every((buffer) => buffer.byteLength === 0)).toBe(true);
    expect(admittedRecords(received)).toEqual(records);
  });
});
