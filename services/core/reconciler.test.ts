import { describe, expect, it } from 'vitest';
import { Reconciler } from './reconciler.js';
import { CODES, HOUR, PATIENT_A, PATIENT_B, T0, catalogue, gp, manifest, readableIdentity, receipt, share } from './testing/builders.js';
import { runEngine } from './testing/run-engine.js';

const SLA = 72 * HOUR;
const GRACE = 1 * HOUR;
const opts = { slaMs: SLA, graceMs: GRACE };
const { t1Dissent, t1Withdrawn, t2Dissent, t2Withdrawn } = CODES;

describe('objection not propagated', () => {
  it('fires critical at the manifest check when a covering extract arrived without the objection', () => {
    const run = runEngine({
      gpEvents: [gp('e1', T0, t2Dissent)],
      manifests: [manifest('x1', T0 + 10 * HOUR, T0 + 12 * HOUR)],
    }, T0 + 100 * HOUR, opts);
    const alert = run.byId('episode|gp|e1');
    expect(alert).toMatchObject({ rule: 'OBJECTION_NOT_PROPAGATED', severity: 'critical', state: 'FIRING', firedAt: T0 + 13 * HOUR, escalatedAt: null, upstreamEventId: 'e1', optOutType: 'TYPE_2', detectionDelayMs: 13 * HOUR });
  });

  it('ignores a manifest that covers only up to before the episode start', () => {
    const run = runEngine({
      gpEvents: [gp('e1', T0, t2Dissent)],
      manifests: [manifest('x0', T0 - 1, T0 + 2 * HOUR)],
    }, T0 + 10 * HOUR, opts);
    expect(run.alerts).toEqual([]);
    expect(run.pending).toMatchObject([{ alertId: 'episode|gp|e1', rule: 'OBJECTION_OVERDUE', dueAt: T0 + SLA }]);
  });

  it('counts a manifest covering exactly the episode start', () => {
    const run = runEngine({ gpEvents: [gp('e1', T0, t2Dissent)], manifests: [manifest('x1', T0, T0)] }, T0 + GRACE, opts);
    expect(run.byId('episode|gp|e1')).toMatchObject({ rule: 'OBJECTION_NOT_PROPAGATED', firedAt: T0 + GRACE });
  });

  it('uses the earliest covering manifest by receivedAt, then extractId, of any supplier', () => {
    const run = runEngine({
      gpEvents: [gp('e1', T0, t1Dissent)],
      manifests: [manifest('x-b', T0 + 5 * HOUR, T0 + 6 * HOUR, 'A81001', 'EMIS'), manifest('x-a', T0 + 4 * HOUR, T0 + 6 * HOUR), manifest('x-c', T0 + 9 * HOUR, T0 + 9 * HOUR)],
    }, T0 + 50 * HOUR, opts);
    expect(run.byId('episode|gp|e1')?.firedAt).toBe(T0 + 7 * HOUR);
  });

  it('ignores manifests of other practices', () => {
    const run = runEngine({ gpEvents: [gp('e1', T0, t1Dissent)], manifests: [manifest('x1', T0 + HOUR, T0 + HOUR, 'B82002')] }, T0 + 10 * HOUR, opts);
    expect(run.alerts).toEqual([]);
  });
});

describe('deadlines to the millisecond', () => {
  it('treats a receipt stamped exactly at the manifest check as in time', () => {
    const run = runEngine({
      gpEvents: [gp('e1', T0, t2Dissent)],
      manifests: [manifest('x1', T0 + HOUR, T0 + 2 * HOUR)],
      receipts: [receipt('r1', T0 + 3 * HOUR, t2Dissent)],
    }, T0 + 100 * HOUR, opts);
    expect(run.alerts).toEqual([]);
    expect(run.latency).toEqual([3 * HOUR]);
  });

  it('fires when the receipt is one millisecond late, then resolves by downstream at the receipt', () => {
    const run = runEngine({
      gpEvents: [gp('e1', T0, t2Dissent)],
      manifests: [manifest('x1', T0 + HOUR, T0 + 2 * HOUR)],
      receipts: [receipt('r1', T0 + 3 * HOUR + 1, t2Dissent)],
    }, T0 + 100 * HOUR, opts);
    expect(run.byId('episode|gp|e1')).toMatchObject({ rule: 'OBJECTION_NOT_PROPAGATED', state: 'RESOLVED', firedAt: T0 + 3 * HOUR, resolvedAt: T0 + 3 * HOUR + 1, resolvedBy: 'DOWNSTREAM' });
    expect(run.latency).toEqual([3 * HOUR + 1]);
  });

  it('treats a receipt exactly at start + sla as in time when no manifest came', () => {
    const run = runEngine({ gpEvents: [gp('e1', T0, t1Dissent)], receipts: [receipt('r1', T0 + SLA, t1Dissent)] }, T0 + 200 * HOUR, opts);
    expect(run.alerts).toEqual([]);
  });

  it('fires a timer due exactly at asOf, and lists it as pending one millisecond before', () => {
    const at = runEngine({ gpEvents: [gp('e1', T0, t1Dissent)] }, T0 + SLA, opts);
    expect(at.byId('episode|gp|e1')).toMatchObject({ rule: 'OBJECTION_OVERDUE', severity: 'warning', firedAt: T0 + SLA });
    expect(at.pending).toEqual([]);
    const before = runEngine({ gpEvents: [gp('e1', T0, t1Dissent)] }, T0 + SLA - 1, opts);
    expect(before.alerts).toEqual([]);
    expect(before.pending).toMatchObject([{ alertId: 'episode|gp|e1', rule: 'OBJECTION_OVERDUE', severity: 'warning', dueAt: T0 + SLA, episodeStart: T0, upstreamEventId: 'e1', receiptId: null }]);
  });

  it('leaves out records stamped after asOf', () => {
    const run = runEngine({ gpEvents: [gp('e1', T0, t1Dissent)], receipts: [receipt('r1', T0 + SLA + 1, t1Dissent)] }, T0 + SLA, opts);
    expect(run.byId('episode|gp|e1')?.state).toBe('FIRING');
  });
});

describe('escalation', () => {
  it('escalates OBJECTION_OVERDUE to OBJECTION_NOT_PROPAGATED at the manifest check, keeping the id', () => {
    const run = runEngine({
      gpEvents: [gp('e1', T0, t2Dissent)],
      manifests: [manifest('x1', T0 + 80 * HOUR, T0 + 90 * HOUR)],
    }, T0 + 200 * HOUR, opts);
    expect(run.alerts).toHaveLength(1);
    expect(run.byId('episode|gp|e1')).toMatchObject({ rule: 'OBJECTION_NOT_PROPAGATED', severity: 'critical', firedAt: T0 + SLA, escalatedAt: T0 + 91 * HOUR, detectionDelayMs: SLA });
  });

  it('fires OBJECTION_NOT_PROPAGATED directly when the check equals start + sla', () => {
    const run = runEngine({ gpEvents: [gp('e1', T0, t2Dissent)], manifests: [manifest('x1', T0 + 70 * HOUR, T0 + 71 * HOUR)] }, T0 + SLA, opts);
    expect(run.byId('episode|gp|e1')).toMatchObject({ rule: 'OBJECTION_NOT_PROPAGATED', firedAt: T0 + SLA, escalatedAt: null });
  });

  it('keeps an overdue alert waiting for its escalation out of pending', () => {
    const run = runEngine({ gpEvents: [gp('e1', T0, t2Dissent)], manifests: [manifest('x1', T0 + 80 * HOUR, T0 + 90 * HOUR)] }, T0 + 80 * HOUR, opts);
    expect(run.byId('episode|gp|e1')?.rule).toBe('OBJECTION_OVERDUE');
    expect(run.pending).toEqual([]);
  });

  it('does not escalate when the objection arrives exactly at the manifest check', () => {
    const run = runEngine({
      gpEvents: [gp('e1', T0, t2Dissent)],
      manifests: [manifest('x1', T0 + 80 * HOUR, T0 + 90 * HOUR)],
      receipts: [receipt('r1', T0 + 91 * HOUR, t2Dissent)],
    }, T0 + 200 * HOUR, opts);
    expect(run.byId('episode|gp|e1')).toMatchObject({ rule: 'OBJECTION_OVERDUE', state: 'RESOLVED', escalatedAt: null, resolvedAt: T0 + 91 * HOUR, resolvedBy: 'DOWNSTREAM' });
  });
});

describe('flips', () => {
  it('opens nothing for a repeated dissent', () => {
    const run = runEngine({
      gpEvents: [gp('e1', T0, t1Dissent), gp('e2', T0 + HOUR, t1Dissent)],
      receipts: [receipt('r1', T0 + 2 * HOUR, t1Dissent)],
    }, T0 + 200 * HOUR, opts);
    expect(run.alerts).toEqual([]);
    expect(run.latency).toEqual([2 * HOUR]);
  });

  it('changes nothing for a withdrawal with nothing held on either side', () => {
    const run = runEngine({ gpEvents: [gp('w1', T0, t1Withdrawn)], receipts: [receipt('r1', T0, t2Withdrawn)] }, T0 + 200 * HOUR, opts);
    expect(run).toMatchObject({ alerts: [], pending: [], latency: [] });
  });

  it('gives an episode of length zero, never alerting, when both sides flip at the same instant', () => {
    const run = runEngine({ gpEvents: [gp('e1', T0, t2Dissent)], receipts: [receipt('r1', T0, t2Dissent)] }, T0 + 200 * HOUR, { slaMs: 0, graceMs: 0 });
    expect(run.alerts).toEqual([]);
    expect(run.latency).toEqual([0]);
  });

  it('orders same-instant changes on one side by id: dissent then withdrawal is a zero-length upstream episode', () => {
    const run = runEngine({ gpEvents: [gp('a', T0, t1Dissent), gp('b', T0, t1Withdrawn)] }, T0 + 200 * HOUR, opts);
    expect(run).toMatchObject({ alerts: [], pending: [], latency: [] });
  });

  it('resolves by upstream when the patient withdraws before the objection propagates', () => {
    const run = runEngine({ gpEvents: [gp('e1', T0, t1Dissent), gp('e2', T0 + 100 * HOUR, t1Withdrawn)] }, T0 + 300 * HOUR, opts);
    expect(run.byId('episode|gp|e1')).toMatchObject({ rule: 'OBJECTION_OVERDUE', state: 'RESOLVED', resolvedBy: 'UPSTREAM', resolvedAt: T0 + 100 * HOUR });
    expect(run.latency).toEqual([]);
  });

  it('keeps types apart: a type 1 receipt does not satisfy a type 2 objection', () => {
    const run = runEngine({ gpEvents: [gp('e1', T0, t2Dissent)], receipts: [receipt('r1', T0 + HOUR, t1Dissent)] }, T0 + 200 * HOUR, opts);
    expect(run.byId('episode|gp|e1')?.rule).toBe('OBJECTION_OVERDUE');
    expect(run.byId('episode|nds|r1')).toMatchObject({ rule: 'UNKNOWN_DOWNSTREAM_OBJECTION', firedAt: T0 + 2 * HOUR });
  });
});

describe('withdrawals and downstream-caused episodes', () => {
  it('fires WITHDRAWAL_NOT_PROPAGATED at the earlier of the manifest check and start + sla', () => {
    const base = { gpEvents: [gp('e1', T0, t1Dissent), gp('w1', T0 + 10 * HOUR, t1Withdrawn)], receipts: [receipt('r1', T0 + HOUR, t1Dissent)] };
    const noManifest = runEngine(base, T0 + 500 * HOUR, opts);
    expect(noManifest.byId('episode|gp|w1')).toMatchObject({ rule: 'WITHDRAWAL_NOT_PROPAGATED', severity: 'warning', firedAt: T0 + 10 * HOUR + SLA });
    const withManifest = runEngine({ ...base, manifests: [manifest('x1', T0 + 20 * HOUR, T0 + 21 * HOUR)] }, T0 + 500 * HOUR, opts);
    expect(withManifest.byId('episode|gp|w1')?.firedAt).toBe(T0 + 22 * HOUR);
  });

  it('fires UNKNOWN_DOWNSTREAM_OBJECTION at start + grace, and not when the GP record catches up in time', () => {
    const phantom = runEngine({ receipts: [receipt('r1', T0, t2Dissent)] }, T0 + 10 * HOUR, opts);
    expect(phantom.byId('episode|nds|r1')).toMatchObject({ rule: 'UNKNOWN_DOWNSTREAM_OBJECTION', severity: 'warning', receiptId: 'r1', upstreamEventId: null, firedAt: T0 + GRACE });
    const caughtUp = runEngine({ receipts: [receipt('r1', T0, t2Dissent)], gpEvents: [gp('e1', T0 + GRACE, t2Dissent)] }, T0 + 10 * HOUR, opts);
    expect(caughtUp.alerts).toEqual([]);
    expect(caughtUp.latency).toEqual([]);
  });

  it('fires OBJECTION_REVOKED_DOWNSTREAM when downstream drops an objection the GP record holds', () => {
    const run = runEngine({
      gpEvents: [gp('e1', T0, t1Dissent)],
      receipts: [receipt('r1', T0 + HOUR, t1Dissent), receipt('r2', T0 + 50 * HOUR, t1Withdrawn), receipt('r3', T0 + 60 * HOUR, t1Dissent)],
    }, T0 + 100 * HOUR, opts);
    expect(run.byId('episode|nds|r2')).toMatchObject({ rule: 'OBJECTION_REVOKED_DOWNSTREAM', severity: 'critical', firedAt: T0 + 51 * HOUR, state: 'RESOLVED', resolvedBy: 'DOWNSTREAM', resolvedAt: T0 + 60 * HOUR });
    expect(run.latency).toEqual([HOUR]);
  });
});

describe('shared despite objection', () => {
  const objection = [gp('e1', T0, t2Dissent)];

  it('fires when the stretch began exactly sla before the share, not one millisecond later', () => {
    const run = runEngine({ gpEvents: objection, shares: [share('d1', T0 + SLA), share('d2', T0 + SLA - 1)] }, T0 + SLA, opts);
    expect(run.byId('share|d1')).toMatchObject({ rule: 'SHARED_DESPITE_OBJECTION', severity: 'critical', state: 'FIRING', disseminationId: 'd1', upstreamEventId: null, episodeStart: null, detectionDelayMs: null, firedAt: T0 + SLA, optOutType: 'TYPE_2', downstreamHeldAtShare: false, purpose: 'RESEARCH' });
    expect(run.byId('share|d2')).toBeUndefined();
  });

  it('never fires for direct care, or for another patient', () => {
    const run = runEngine({ gpEvents: objection, shares: [share('d1', T0 + 100 * HOUR, 'DIRECT_CARE'), share('d2', T0 + 100 * HOUR, 'PLANNING', PATIENT_B)] }, T0 + 200 * HOUR, opts);
    expect(run.alerts.filter((a) => a.rule === 'SHARED_DESPITE_OBJECTION')).toEqual([]);
  });

  it('measures the stretch from the flip, not from a repeated dissent, and a break restarts it', () => {
    const run = runEngine({
      gpEvents: [gp('e1', T0, t1Dissent), gp('e2', T0 + 10 * HOUR, t1Dissent), gp('w1', T0 + 20 * HOUR, t1Withdrawn), gp('e3', T0 + 30 * HOUR, t1Dissent)],
      shares: [share('d1', T0 + 19 * HOUR), share('d2', T0 + 30 * HOUR + SLA - 1), share('d3', T0 + 30 * HOUR + SLA)],
    }, T0 + 500 * HOUR, { slaMs: 10 * HOUR, graceMs: GRACE });
    expect(run.byId('share|d1')).toBeDefined();
    expect(run.byId('share|d2')).toBeDefined();
    expect(run.byId('share|d3')).toBeDefined();
    const strict = runEngine({
      gpEvents: [gp('e1', T0, t1Dissent), gp('w1', T0 + 20 * HOUR, t1Withdrawn), gp('e3', T0 + 30 * HOUR, t1Dissent)],
      shares: [share('d1', T0 + 39 * HOUR), share('d2', T0 + 40 * HOUR)],
    }, T0 + 500 * HOUR, { slaMs: 10 * HOUR, graceMs: GRACE });
    expect(strict.byId('share|d1')).toBeUndefined();
    expect(strict.byId('share|d2')).toBeDefined();
  });

  it('gives one alert per release, with the type whose stretch began first, TYPE_1 on a tie', () => {
    const tie = runEngine({ gpEvents: [gp('e1', T0, t2Dissent), gp('e2', T0, t1Dissent)], shares: [share('d1', T0 + SLA)] }, T0 + SLA, opts);
    expect(tie.alerts.filter((a) => a.disseminationId === 'd1').map((a) => a.optOutType)).toEqual(['TYPE_1']);
    const earlier2 = runEngine({ gpEvents: [gp('e1', T0, t2Dissent), gp('e2', T0 + 1, t1Dissent)], shares: [share('d1', T0 + SLA + 1)] }, T0 + SLA + 1, opts);
    expect(earlier2.byId('share|d1')?.optOutType).toBe('TYPE_2');
  });

  it('says whether downstream held the objection at the share', () => {
    const run = runEngine({ gpEvents: objection, receipts: [receipt('r1', T0 + HOUR, t2Dissent)], shares: [share('d1', T0 + SLA)] }, T0 + SLA, opts);
    expect(run.byId('share|d1')?.downstreamHeldAtShare).toBe(true);
  });

  it('sees an upstream withdrawal stamped at the share instant', () => {
    const run = runEngine({ gpEvents: [gp('e1', T0, t2Dissent), gp('w1', T0 + SLA, t2Withdrawn)], shares: [share('d1', T0 + SLA)] }, T0 + SLA, opts);
    expect(run.byId('share|d1')).toBeUndefined();
  });
});

describe('late records', () => {
  it('applies a record stamped before the stream time at the next advance, with its own event time', () => {
    const engine = new Reconciler({ slaMs: SLA, graceMs: GRACE, identity: readableIdentity });
    engine.advanceTo(T0 + 10 * HOUR);
    expect(engine.offerReceipt(receipt('r1', T0, t2Dissent, PATIENT_A), catalogue.lookup(t2Dissent)!)).toBe('late');
    const effects = engine.advanceTo(T0 + 10 * HOUR);
    const fired = effects.flatMap((e) => (e.type === 'alert' ? [e.change] : []));
    expect(fired).toMatchObject([{ transition: 'FIRED', changedAt: T0 + GRACE, alert: { rule: 'UNKNOWN_DOWNSTREAM_OBJECTION', episodeStart: T0 } }]);
  });
});

describe('an engine fed in order', () => {
  const manifestIds = (engine: Reconciler) => engine.exportState().manifests.flatMap(([, ms]) => ms.map((m) => m.extractId));

  it('keeps, once tens of thousands are applied, only the manifests covering the time reached or later', () => {
    const engine = new Reconciler({ slaMs: SLA, graceMs: GRACE, identity: readableIdentity, inOrder: true });
    engine.offerManifest(manifest('x0', T0 - 1, T0 - 1));
    engine.offerManifest(manifest('x1', T0 + HOUR, T0 + HOUR));
    engine.advanceTo(T0 + HOUR);
    expect(manifestIds(engine)).toEqual(['x0', 'x1']);
    for (let i = 0; i < 65_536; i++) engine.offerManifest(manifest(`y${i}`, T0 + HOUR, T0 + 2 * HOUR, `B${i % 100}`));
    engine.advanceTo(T0 + 2 * HOUR);
    expect(manifestIds(engine)).toEqual([]);
  });

  it('refuses a record stamped at or before the time reached', () => {
    const engine = new Reconciler({ slaMs: SLA, graceMs: GRACE, identity: readableIdentity, inOrder: true });
    engine.advanceTo(T0 + HOUR);
    expect(() => engine.offerGpEvent(gp('e1', T0 + HOUR, t2Dissent), catalogue.lookup(t2Dissent)!)).toThrow(/in order/);
    expect(engine.offerGpEvent(gp('e2', T0 + HOUR + 1, t2Dissent), catalogue.lookup(t2Dissent)!)).toBe('on-time');
  });
});
