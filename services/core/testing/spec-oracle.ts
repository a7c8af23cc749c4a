// A second reading of reconciliation-rules.md, written for clarity rather than speed, and shaped differently
// from the engine (whole history at once, episodes as intervals, alerts computed from closed-form deadlines).
// Property tests check the streaming engine against it on random inputs.
import type { CodeCatalogue } from '../code-catalogue.js';
import type { GpOptOutEvent, Millis, NdsDissemination, NdsExtractManifest, NdsReceivedObjection, OptOutType } from '../records.js';

export interface OracleInput {
  readonly gpEvents: readonly GpOptOutEvent[];
  readonly receipts: readonly NdsReceivedObjection[];
  readonly manifests: readonly NdsExtractManifest[];
  readonly disseminations: readonly NdsDissemination[];
  readonly slaMs: Millis;
  readonly graceMs: Millis;
  readonly asOf: Millis;
  readonly catalogue: CodeCatalogue;
}

export interface OracleAlert {
  readonly cause: string; // 'gp:<eventId>' | 'nds:<receiptId>' | 'share:<disseminationId>'
  readonly rule: string;
  readonly state: 'FIRING' | 'RESOLVED';
  readonly firedAt: Millis;
  readonly escalatedAt: Millis | null;
  readonly resolvedAt: Millis | null;
  readonly resolvedBy: string | null;
  readonly optOutType: OptOutType;
  readonly downstreamHeldAtShare: boolean | null;
}

export interface OraclePending {
  readonly cause: string;
  readonly rule: string;
  readonly dueAt: Millis;
}

export interface OracleResult {
  readonly alerts: OracleAlert[];
  readonly pending: OraclePending[];
  readonly latency: Millis[];
}

interface Row { t: Millis; side: 0 | 1; id: string; key: string; dissent: boolean; practice: string }

const cmp = (a: Row, b: Row) => a.t - b.t || a.side - b.side || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

export function oracle(input: OracleInput): OracleResult {
  const { slaMs: sla, graceMs: grace, asOf, catalogue } = input;
  const rows: Row[] = [];
  for (const e of input.gpEvents) {
    const m = catalogue.lookup(e.code)!;
    if (e.recordedAt <= asOf) rows.push({ t: e.recordedAt, side: 0, id: e.eventId, key: `${e.nhsNumber}|${m.type}`, dissent: m.action === 'DISSENT', practice: e.practiceOds });
  }
  for (const r of input.receipts) {
    const m = catalogue.lookup(r.code)!;
    if (r.receivedAt <= asOf) rows.push({ t: r.receivedAt, side: 1, id: r.receiptId, key: `${r.nhsNumber}|${m.type}`, dissent: m.action === 'DISSENT', practice: r.practiceOds });
  }
  rows.sort(cmp);
  const manifests = input.manifests.filter((m) => m.receivedAt <= asOf);
  const manifestCheck = (practice: string, start: Millis): Millis | null => {
    const covering = manifests.filter((m) => m.practiceOds === practice && m.coversUpTo >= start)
      .sort((a, b) => a.receivedAt - b.receivedAt || (a.extractId < b.extractId ? -1 : 1));
    return covering.length > 0 ? covering[0]!.receivedAt + grace : null;
  };

  const alerts: OracleAlert[] = [];
  const pending: OraclePending[] = [];
  const latency: Millis[] = [];
  const byKey = new Map<string, Row[]>();
  for (const row of rows) {
    if (!byKey.has(row.key)) byKey.set(row.key, []);
    byKey.get(row.key)!.push(row);
  }
  for (const [key, keyRows] of byKey) {
    const type = key.split('|')[1] as OptOutType;
    const state = [false, false];
    let open: { start: Millis; cause: Row; upActive: boolean; downActive: boolean } | null = null;
    const episodes: { start: Millis; cause: Row; causeActive: boolean; end: Millis | null; endSide: 0 | 1 | null }[] = [];
    for (const row of keyRows) {
      if (state[row.side] === row.dissent) continue;
      state[row.side] = row.dissent;
      if (open === null) {
        open = { start: row.t, cause: row, upActive: state[0]!, downActive: state[1]! };
        episodes.push({ start: row.t, cause: row, causeActive: row.dissent, end: null, endSide: null });
      } else {
        const ep = episodes[episodes.length - 1]!;
        ep.end = row.t;
        ep.endSide = row.side;
        open = null;
      }
    }
    for (const ep of episodes) {
      const upstreamCaused = ep.cause.side === 0;
      if (upstreamCaused && ep.endSide === 1) latency.push(ep.end! - ep.start);
      const end = ep.end ?? Infinity;
      const openAt = (t: Millis) => end > t;
      const cause = `${upstreamCaused ? 'gp' : 'nds'}:${ep.cause.id}`;
      const M = upstreamCaused ? manifestCheck(ep.cause.practice, ep.start) : null;
      const O = ep.start + sla;
      let rule: string;
      let F: Millis;
      let escalateAt: Millis | null = null;
      if (upstreamCaused && ep.causeActive) {
        if (M !== null && M <= O) { rule = 'OBJECTION_NOT_PROPAGATED'; F = M; }
        else { rule = 'OBJECTION_OVERDUE'; F = O; escalateAt = M; }
      } else if (upstreamCaused) { rule = 'WITHDRAWAL_NOT_PROPAGATED'; F = M === null ? O : Math.min(M, O); }
      else { rule = ep.causeActive ? 'UNKNOWN_DOWNSTREAM_OBJECTION' : 'OBJECTION_REVOKED_DOWNSTREAM'; F = ep.start + grace; }
      if (F <= asOf && openAt(F)) {
        let escalatedAt: Millis | null = null;
        if (escalateAt !== null && escalateAt <= asOf && openAt(escalateAt)) { rule = 'OBJECTION_NOT_PROPAGATED'; escalatedAt = escalateAt; }
        const resolved = ep.end !== null;
        alerts.push({ cause, rule, state: resolved ? 'RESOLVED' : 'FIRING', firedAt: F, escalatedAt, resolvedAt: ep.end, resolvedBy: ep.endSide === null ? null : ep.endSide === 0 ? 'UPSTREAM' : 'DOWNSTREAM', optOutType: type, downstreamHeldAtShare: null });
      } else if (ep.end === null && F > asOf) {
        pending.push({ cause, rule, dueAt: F });
      }
    }
  }

  // Shares: state at s is read from the whole history of each side up to and including s.
  const latestAt = (side: 0 | 1, key: string, s: Millis): boolean => {
    const list = (byKey.get(key) ?? []).filter((r) => r.side === side && r.t <= s);
    return list.length > 0 && list[list.length - 1]!.dissent;
  };
  const stretchStart = (key: string, s: Millis): Millis | null => {
    let active = false;
    let since: Millis | null = null;
    for (const r of byKey.get(key) ?? []) {
      if (r.side !== 0 || r.t > s) continue;
      if (r.dissent !== active) { active = r.dissent; since = active ? r.t : null; }
    }
    return active ? since : null;
  };
  for (const d of input.disseminations) {
    if (d.purpose === 'DIRECT_CARE' || d.sharedAt > asOf) continue;
    let best: { type: OptOutType; since: Millis } | null = null;
    for (const type of ['TYPE_1', 'TYPE_2'] as const) {
      const since = stretchStart(`${d.nhsNumber}|${type}`, d.sharedAt);
      if (since === null || since > d.sharedAt - sla) continue;
      if (best === null || since < best.since) best = { type, since };
    }
    if (best) alerts.push({ cause: `share:${d.disseminationId}`, rule: 'SHARED_DESPITE_OBJECTION', state: 'FIRING', firedAt: d.sharedAt, escalatedAt: null, resolvedAt: null, resolvedBy: null, optOutType: best.type, downstreamHeldAtShare: latestAt(1, `${d.nhsNumber}|${best.type}`, d.sharedAt) });
  }
  return { alerts, pending, latency };
}
