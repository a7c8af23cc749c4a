import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { fire, resolve } from '../../core/alert.js';
import { Reconciler } from '../../core/reconciler.js';
import { HOUR, readableIdentity, T0 } from '../../core/testing/builders.js';
import { createVerifierMetrics } from '../ops/metrics.js';
import { DecisionMetrics } from './decision-metrics.js';

const fired = fire({
  alertId: 'a-1', rule: 'OBJECTION_OVERDUE', upstreamEventId: 'e-1', receiptId: null, disseminationId: null, patientRef: 'ref',
  practiceOds: 'A81001', supplier: 'TPP', optOutType: 'TYPE_1', episodeStart: T0, firedAt: T0 + 72 * HOUR, detectionDelayMs: 0,
  downstreamHeldAtShare: null, recipient: null, purpose: null,
});

async function firingTpp(registry: Registry): Promise<number[]> {
  const values = (await registry.getSingleMetric('optout_verifier_alerts_firing')!.get()).values;
  return values.filter((v) => v.labels.rule === 'OBJECTION_OVERDUE' && v.labels.supplier === 'TPP').map((v) => v.value);
}

describe('the decider\'s metrics', () => {
  it('keep a firing series at 0 once nothing fires under it, through a refresh from the engine, rather than dropping it', async () => {
    const registry = new Registry();
    const decision = new DecisionMetrics(createVerifierMetrics(registry, { version: 'test' }), () => 0);
    decision.observe([{ type: 'alert', change: fired }]);
    expect(await firingTpp(registry)).toEqual([1]);
    // An engine with nothing firing (restored after the alert resolved, say): the series stays, at 0.
    decision.refresh(new Reconciler({ slaMs: 72 * HOUR, graceMs: HOUR, identity: readableIdentity }));
    expect(await firingTpp(registry)).toEqual([0]);
    decision.observe([{ type: 'alert', change: resolve(fired.alert, T0 + 80 * HOUR, 'DOWNSTREAM') }]);
    decision.refresh(new Reconciler({ slaMs: 72 * HOUR, graceMs: HOUR, identity: readableIdentity }));
    expect(await firingTpp(registry)).toEqual([0]);
  });
});
