import { describe, expect, it } from 'vitest';
import { escalate, fire, resolve } from '../core/alert.js';
import { canonicalChange, CANONICAL_MEMBERS, parseCanonicalChange } from './alert-change-form.js';

const fired = fire({
  alertId: 'a-1', rule: 'OBJECTION_OVERDUE', upstreamEventId: 'gp-1', receiptId: null, disseminationId: null,
  patientRef: 'ref-\u00e9"\\', practiceOds: 'A81001', supplier: 'TPP', optOutType: 'TYPE_1',
  episodeStart: 1_000, firedAt: 260_000_000, detectionDelayMs: 259_999_000, downstreamHeldAtShare: null, recipient: null, purpose: null,
});

describe('the canonical form of an alert change', () => {
  it('is the RFC 8785 serialisation the README defines: members sorted, no spaces, whole milliseconds, null for absent', () => {
    // Written out by hand from the definition, member by member in sorted order.
    expect(canonicalChange(fired)).toBe(
      '{"alertId":"a-1","changedAt":260000000,"detectionDelayMs":259999000,"disseminationId":null,"downstreamHeldAtShare":null,'
      + '"episodeStart":1000,"escalatedAt":null,"firedAt":260000000,"optOutType":"TYPE_1","patientRef":"ref-\u00e9\\"\\\\",'
      + '"practiceOds":"A81001","purpose":null,"receiptId":null,"recipient":null,"resolvedAt":null,"resolvedBy":null,'
      + '"rule":"OBJECTION_OVERDUE","severity":"warning","state":"FIRING","supplier":"TPP","transition":"FIRED","upstreamEventId":"gp-1"}');
  });

  it('sorts members by UTF-16 code units, as RFC 8785 does', () => {
    expect(CANONICAL_MEMBERS).toEqual([...CANONICAL_MEMBERS].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(CANONICAL_MEMBERS).toHaveLength(22);
  });

  it('gives each change of one alert its own form', () => {
    const escalated = escalate(fired.alert, 270_000_000);
    const resolved = resolve(escalated.alert, 280_000_000, 'DOWNSTREAM');
    const forms = [fired, escalated, resolved].map(canonicalChange);
    expect(new Set(forms).size).toBe(3);
    expect(JSON.parse(forms[2]!)).toMatchObject({ transition: 'RESOLVED', changedAt: 280_000_000, rule: 'OBJECTION_NOT_PROPAGATED', escalatedAt: 270_000_000, resolvedBy: 'DOWNSTREAM' });
  });

  it('refuses a time that is not a whole number of milliseconds', () => {
    expect(() => canonicalChange({ ...fired, changedAt: 1.5 })).toThrow(/changedAt is the number 1.5/);
  });

  it('reads back only text that is exactly canonical', () => {
    const text = canonicalChange(fired);
    expect(parseCanonicalChange(text)).toEqual({ ok: true, alertId: 'a-1', transition: 'FIRED' });
    expect(parseCanonicalChange(JSON.stringify(JSON.parse(text), null, 1))).toEqual({ ok: false, problem: 'is not in canonical form' });
    expect(parseCanonicalChange(text.replace('"alertId":"a-1",', ''))).toEqual({ ok: false, problem: 'does not have exactly the canonical members' });
    expect(parseCanonicalChange(text.replace('"episodeStart":1000', '"episodeStart":1000.0'))).toEqual({ ok: false, problem: 'is not in canonical form' });
    expect(parseCanonicalChange('{"alertId"')).toEqual({ ok: false, problem: 'is not JSON' });
  });
});
