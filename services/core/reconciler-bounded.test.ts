import { describe, expect, it } from 'vitest';
import { snapshotOf } from './engine-snapshot.js';
import { Reconciler } from './reconciler.js';
import { CODES, HOUR, PATIENT_A, PATIENT_B, T0, catalogue, gp, manifest, readableIdentity, receipt, share } from './testing/builders.js';

const DAY = 24 * HOUR;
const SLA = 72 * HOUR;
const { t1Dissent, t1Withdrawn } = CODES;
const bounded = () => new Reconciler({ slaMs: SLA, graceMs: HOUR, identity: readableIdentity, bounded: { horizonMs: 30 * DAY } });

describe('a bounded engine (the live service\'s)', () => {
  it('keeps a firing alert while its episode is open and forgets it once resolved', () => {
    const engine = bounded();
    engine.offerGpEvent(gp('e1', T0, t1Dissent), catalogue.lookup(t1Dissent)!);
    engine.advanceTo(T0 + SLA);
    expect(engine.alerts().map((a) => [a.alertId, a.state])).toEqual([['episode|gp|e1', 'FIRING']]);
    engine.offerReceipt(receipt('r1', T0 + SLA + HOUR, t1Dissent), catalogue.lookup(t1Dissent)!);
    const effects = engine.advanceTo(T0 + SLA + 2 * HOUR);
    expect(effects.filter((e) => e.type === 'alert').map((e) => e.type === 'alert' && e.change.transition)).toEqual(['RESOLVED']);
    expect(engine.alerts()).toEqual([]);
    expect(engine.latencySamples()).toEqual([]);
  });

  it('counts SHARED_DESPITE_OBJECTION alerts by supplier instead of keeping them', () => {
    const engine = bounded();
    engine.offerGpEvent(gp('e1', T0, t1Dissent, PATIENT_A, 'A81001', 'EMIS'), catalogue.lookup(t1Dissent)!);
    engine.offerDissemination(share('d1', T0 + SLA + HOUR));
    engine.offerDissemination(share('d2', T0 + SLA + 2 * HOUR));
    const fired = engine.advanceTo(T0 + SLA + 3 * HOUR).filter((e) => e.type === 'alert' && e.change.alert.rule === 'SHARED_DESPITE_OBJECTION');
    expect(fired).toHaveLength(2);
    expect([...engine.sharesFiredBySupplier()]).toEqual([['EMIS', 2]]);
    expect(engine.alerts().map((a) => a.rule)).toEqual(['OBJECTION_OVERDUE']);
  });

  it('forgets a patient with nothing active, nothing open and nothing newer than the horizon, and no one else', () => {
    const engine = bounded();
    // A: objected, and it reached downstream; then withdrew on both sides: settled.
    for (const [id, at, code] of [['a1', T0, t1Dissent], ['a2', T0 + DAY, t1Withdrawn]] as const) {
      engine.offerGpEvent(gp(id, at, code, PATIENT_A), catalogue.lookup(code)!);
      engine.offerReceipt(receipt(`${id}r`, at + HOUR, code, PATIENT_A), catalogue.lookup(code)!);
    }
    // B: an objection still in force.
    engine.offerGpEvent(gp('b1', T0, t1Dissent, PATIENT_B), catalogue.lookup(t1Dissent)!);
    engine.offerReceipt(receipt('b1r', T0 + HOUR, t1Dissent, PATIENT_B), catalogue.lookup(t1Dissent)!);
    engine.advanceTo(T0 + 20 * DAY);
    expect(engine.forgetSettled()).toBe(0);
    engine.advanceTo(T0 + 40 * DAY);
    expect(engine.forgetSettled()).toBe(1);
    expect(snapshotOf(engine).keys.map((k) => k[0])).toEqual([PATIENT_B]);
  });

  it('drops manifests that cover only up to before the horizon', () => {
    const engine = bounded();
    engine.offerManifest(manifest('x1', T0, T0 + HOUR));
    engine.offerManifest(manifest('x2', T0 + 20 * DAY, T0 + 20 * DAY + HOUR));
    engine.advanceTo(T0 + 40 * DAY);
    expect(snapshotOf(engine).manifests).toEqual([['A81001', [['x2', T0 + 20 * DAY, T0 + 20 * DAY + HOUR]]]]);
  });

  it('is not what the replay uses: an engine without bounds keeps everything', () => {
    const engine = new Reconciler({ slaMs: SLA, graceMs: HOUR, identity: readableIdentity });
    engine.offerManifest(manifest('x1', T0, T0 + HOUR));
    engine.advanceTo(T0 + 400 * DAY);
    expect(engine.forgetSettled()).toBe(0);
    expect(snapshotOf(engine).manifests).toHaveLength(1);
  });
});
