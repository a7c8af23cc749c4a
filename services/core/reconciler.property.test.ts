import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Alert } from './alert.js';
import { Reconciler } from './reconciler.js';
import type { GpOptOutEvent, NdsDissemination, NdsExtractManifest, NdsReceivedObjection, Purpose } from './records.js';
import { catalogue, readableIdentity } from './testing/builders.js';
import { oracle, type OracleAlert } from './testing/spec-oracle.js';

// Small worlds with many collisions: two patients, two practices, a dozen instants, tiny sla and grace, so
// equal timestamps and changes exactly at deadlines come up constantly.
const patients = ['9990000018', '9990000026'];
const practices = ['A81001', 'B82002'];
const codes = ['9Nu0', '9Nu1', '9Nu4', '9Nu5', 'XaZ89', 'XaaVL'];
const purposes: Purpose[] = ['DIRECT_CARE', 'PLANNING', 'RESEARCH', 'OTHER'];
const instant = fc.integer({ min: 0, max: 12 });

const world = fc.record({
  gp: fc.array(fc.tuple(instant, fc.constantFrom(...patients), fc.constantFrom(...codes), fc.constantFrom(...practices)), { maxLength: 8 }),
  nds: fc.array(fc.tuple(instant, fc.constantFrom(...patients), fc.constantFrom(...codes), fc.constantFrom(...practices)), { maxLength: 8 }),
  manifests: fc.array(fc.tuple(instant, fc.integer({ min: 0, max: 3 }), fc.constantFrom(...practices)), { maxLength: 4 }),
  shares: fc.array(fc.tuple(instant, fc.constantFrom(...patients), fc.constantFrom(...purposes)), { maxLength: 5 }),
  sla: fc.integer({ min: 0, max: 6 }),
  grace: fc.integer({ min: 0, max: 3 }),
  asOf: fc.integer({ min: 0, max: 16 }),
  seed: fc.integer(),
});
type World = typeof world extends fc.Arbitrary<infer W> ? W : never;

function records(w: World) {
  const gpEvents: GpOptOutEvent[] = w.gp.map(([t, nhsNumber, code, practiceOds], i) => ({ eventId: `e${(i * 7) % 10}${i}`, nhsNumber, practiceOds, supplier: 'TPP', code, recordedAt: t }));
  const receipts: NdsReceivedObjection[] = w.nds.map(([t, nhsNumber, code, practiceOds], i) => ({ receiptId: `r${(i * 3) % 10}${i}`, nhsNumber, practiceOds, supplier: 'EMIS', code, sourceEventId: null, extractId: 'x', receivedAt: t }));
  const manifests: NdsExtractManifest[] = w.manifests.map(([t, lag, practiceOds], i) => ({ extractId: `m${i}`, supplier: 'TPP', practiceOds, coversUpTo: t, receivedAt: t + lag, recordCount: 0 }));
  const disseminations: NdsDissemination[] = w.shares.map(([t, nhsNumber, purpose], i) => ({ disseminationId: `d${i}`, nhsNumber, recipient: 'R', purpose, sharedAt: t }));
  return { gpEvents, receipts, manifests, disseminations };
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

type Offer = () => void;

function runShuffled(w: World, advanceSteps: number[] = [], collect = true) {
  const r = records(w);
  const engine = new Reconciler({ slaMs: w.sla, graceMs: w.grace, identity: readableIdentity });
  const offers: Offer[] = [
    ...r.gpEvents.map((e) => () => void engine.offerGpEvent(e, catalogue.lookup(e.code)!)),
    ...r.receipts.map((x) => () => void engine.offerReceipt(x, catalogue.lookup(x.code)!)),
    ...r.manifests.map((m) => () => void engine.offerManifest(m)),
    ...r.disseminations.map((d) => () => void engine.offerDissemination(d)),
  ];
  for (const offer of shuffled(offers, w.seed)) offer();
  for (const step of advanceSteps) if (step <= w.asOf) engine.advanceTo(step);
  engine.advanceTo(w.asOf, collect);
  return engine;
}

const asOracle = (a: Alert): OracleAlert => ({
  cause: a.disseminationId !== null ? `share:${a.disseminationId}` : a.upstreamEventId !== null ? `gp:${a.upstreamEventId}` : `nds:${a.receiptId}`,
  rule: a.rule, state: a.state, firedAt: a.firedAt, escalatedAt: a.escalatedAt, resolvedAt: a.resolvedAt, resolvedBy: a.resolvedBy,
  optOutType: a.optOutType, downstreamHeldAtShare: a.downstreamHeldAtShare,
});
const byCause = (a: { cause: string }, b: { cause: string }) => (a.cause < b.cause ? -1 : a.cause > b.cause ? 1 : 0);

describe('the engine against a second reading of the rules', () => {
  it('agrees on alerts, pending episodes and latency samples, whatever order records are offered in', () => {
    fc.assert(fc.property(world, (w) => {
      const engine = runShuffled(w);
      const expected = oracle({ ...records(w), slaMs: w.sla, graceMs: w.grace, asOf: w.asOf, catalogue });
      expect(engine.alerts().map(asOracle).sort(byCause)).toEqual(expected.alerts.sort(byCause));
      const pending = engine.pending().map((p) => ({ cause: p.upstreamEventId !== null ? `gp:${p.upstreamEventId}` : `nds:${p.receiptId}`, rule: p.rule, dueAt: p.dueAt }));
      expect(pending.sort(byCause)).toEqual(expected.pending.sort(byCause));
      expect([...engine.latencySamples()].sort((a, b) => a - b)).toEqual(expected.latency.sort((a, b) => a - b));
    }), { numRuns: 3000 });
  });

  it('gives the same answer when stream time advances in steps while records arrive in time order', () => {
    fc.assert(fc.property(world, fc.array(fc.integer({ min: 0, max: 16 }), { maxLength: 6 }), (w, steps) => {
      const all = runShuffled(w).alerts().map(asOracle).sort(byCause);
      const stepped = runShuffled(w, [...steps].sort((a, b) => a - b)).alerts().map(asOracle).sort(byCause);
      expect(stepped).toEqual(all);
    }), { numRuns: 500 });
  });

  it('reaches the same state when the effects of the last advance are not collected', () => {
    fc.assert(fc.property(world, (w) => {
      const collected = runShuffled(w);
      const uncollected = runShuffled(w, [], false);
      expect(uncollected.alerts()).toEqual(collected.alerts());
      expect(uncollected.pending()).toEqual(collected.pending());
      expect(uncollected.exportState()).toEqual(collected.exportState());
    }), { numRuns: 500 });
  });
});
