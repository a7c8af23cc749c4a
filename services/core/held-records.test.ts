import { describe, expect, it } from 'vitest';
import { HeldRecords } from './held-records.js';
import { manifest, share } from './testing/builders.js';

const T = 1_500_000_000_000;

describe('held records', () => {
  it('give records back whole, in event-time order with ties in the order added, across chunks', () => {
    const held = new HeldRecords('ndsManifests', (v) => v);
    const added = Array.from({ length: 10_000 }, (_, i) => manifest(`x${i}`, T, T + ((i * 7919) % 97), i % 2 === 0 ? 'A81001' : 'B82002'));
    for (const m of added) held.add(m, 255);
    const order = [...held.timeOrder()];
    const expected = added.map((m, i) => ({ m, i })).sort((a, b) => a.m.receivedAt - b.m.receivedAt || a.i - b.i).map((x) => x.i);
    expect(order).toEqual(expected);
    expect(order.map((i) => held.take(i))).toEqual(expected.map((i) => added[i]));
    expect(() => held.take(order[0]!)).toThrow(/already taken/);
  });

  it('given as a batch of columns, are given back whole, keeping one copy of each value of a field with few values', () => {
    const seen = new Map<string, string>();
    const held = new HeldRecords('ndsDisseminations', (v) => seen.get(v) ?? (seen.set(v, v), v));
    const a = share('d1', T + 5);
    const b = share('d2', T);
    held.addColumns([[a.disseminationId, b.disseminationId], [a.nhsNumber, b.nhsNumber], [a.recipient, b.recipient], [a.purpose, b.purpose], [a.sharedAt, b.sharedAt]], 2, [255, 255]);
    expect([...held.timeOrder()].map((i) => held.take(i))).toEqual([b, a]);
    expect([...seen.keys()].sort()).toEqual([a.purpose, a.recipient].sort());
  });

  it('given batches of columns and single records mixed, give each record back once, whole', () => {
    const held = new HeldRecords('ndsManifests', (v) => v);
    const made = Array.from({ length: 5_000 }, (_, i) => manifest(`x${i}`, T, T + ((i * 7919) % 89), 'A81001'));
    const columns = (ms: typeof made) => [ms.map((m) => m.extractId), ms.map((m) => m.supplier), ms.map((m) => m.practiceOds), ms.map((m) => m.coversUpTo), ms.map((m) => m.receivedAt), ms.map((m) => m.recordCount)];
    held.addColumns(columns(made.slice(0, 1_000)), 1_000, new Uint8Array(1_000).fill(255));
    for (const m of made.slice(1_000, 4_500)) held.add(m, 255);
    held.addColumns(columns(made.slice(4_500)), 500, new Uint8Array(500).fill(255));
    const order = [...held.timeOrder()];
    expect(order.map((i) => held.take(i))).toEqual(made.map((m, i) => ({ m, i })).sort((a, b) => a.m.receivedAt - b.m.receivedAt || a.i - b.i).map((x) => x.m));
    expect(() => held.take(4_999)).toThrow(/already taken/);
  });
});
