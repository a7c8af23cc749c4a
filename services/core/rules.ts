// The rules table of reconciliation-rules.md.
export const RULES = [
  'OBJECTION_NOT_PROPAGATED',
  'OBJECTION_OVERDUE',
  'WITHDRAWAL_NOT_PROPAGATED',
  'UNKNOWN_DOWNSTREAM_OBJECTION',
  'OBJECTION_REVOKED_DOWNSTREAM',
  'SHARED_DESPITE_OBJECTION',
] as const;
export type Rule = (typeof RULES)[number];
export type Severity = 'critical' | 'warning';

export const SEVERITY: { readonly [R in Rule]: Severity } = {
  OBJECTION_NOT_PROPAGATED: 'critical',
  OBJECTION_OVERDUE: 'warning',
  WITHDRAWAL_NOT_PROPAGATED: 'warning',
  UNKNOWN_DOWNSTREAM_OBJECTION: 'warning',
  OBJECTION_REVOKED_DOWNSTREAM: 'critical',
  SHARED_DESPITE_OBJECTION: 'critical',
};

export type Side = 'UPSTREAM' | 'DOWNSTREAM';

/**
 * The kind of an episode, fixed by the flip that opened it: which side flipped, and to what.
 * Every later flip of either side closes it, so the kind never changes while it is open.
 */
export type EpisodeKind = 'OBJECTION' | 'WITHDRAWAL' | 'UNKNOWN_DOWNSTREAM' | 'REVOKED_DOWNSTREAM';

export function episodeKindOf(cause: Side, causeNowActive: boolean): EpisodeKind {
  if (cause === 'UPSTREAM') return causeNowActive ? 'OBJECTION' : 'WITHDRAWAL';
  return causeNowActive ? 'UNKNOWN_DOWNSTREAM' : 'REVOKED_DOWNSTREAM';
}

/** The rule an episode of this kind fires first, before any escalation. */
export function firstRuleOf(kind: EpisodeKind, manifestCheckFirst: boolean): Rule {
  switch (kind) {
    case 'OBJECTION': return manifestCheckFirst ? 'OBJECTION_NOT_PROPAGATED' : 'OBJECTION_OVERDUE';
    case 'WITHDRAWAL': return 'WITHDRAWAL_NOT_PROPAGATED';
    case 'UNKNOWN_DOWNSTREAM': return 'UNKNOWN_DOWNSTREAM_OBJECTION';
    case 'REVOKED_DOWNSTREAM': return 'OBJECTION_REVOKED_DOWNSTREAM';
  }
}
