import type { Report } from '../core/replay-report.js';

/** The part of the simulator's scenario.json the demo reads: each injected fault and its window. */
export interface ScenarioFaults {
  readonly faults?: readonly { readonly profile: string; readonly supplier?: string; readonly from?: string; readonly to?: string; readonly [k: string]: unknown }[];
}

type Alert = Report['alerts'][number];

const at = (iso: string | null) => (iso === null ? NaN : Date.parse(iso));

/** What the replay found about the SystmOne fault, said plainly, with times in simulated event time. */
export function describeFindings(report: Report, scenario: ScenarioFaults, duration: (ms: number) => string): string {
  const fault = scenario.faults?.find((f) => f.profile === 'systmone-2018');
  const lines: string[] = ['What the verifier found'];
  // The fault's own alerts: Type 2 objections at the faulty supplier whose episode began inside its window.
  const inWindow = (a: Alert) => !fault?.from || (at(a.episodeStart) >= at(fault.from) && (!fault.to || at(a.episodeStart) < at(fault.to)));
  const tpp2 = (a: Alert) => a.supplier === (fault?.supplier ?? 'TPP') && a.optOutType === 'TYPE_2' && inWindow(a);
  const objections = report.alerts.filter((a) => tpp2(a) && (a.rule === 'OBJECTION_NOT_PROPAGATED' || a.rule === 'OBJECTION_OVERDUE'));
  const shares = report.alerts.filter((a) => a.rule === 'SHARED_DESPITE_OBJECTION');
  if (fault?.from) {
    lines.push(`- The fault began ${fault.from}: ${fault.supplier ?? 'TPP'} stopped passing Type 2 objections to the national data service${fault.to ? ` until ${fault.to}` : ''}.`);
  }
  if (objections.length === 0) {
    lines.push('- No unpropagated Type 2 objection was alerted on. (Check the scenario: the fault window may lie outside the simulated days.)');
    return lines.join('\n');
  }
  const first = objections.reduce((a, b) => (at(a.firedAt) <= at(b.firedAt) ? a : b));
  const firstCritical = objections.filter((a) => a.severity === 'critical').sort((a, b) => at(a.escalatedAt ?? a.firedAt) - at(b.escalatedAt ?? b.firedAt))[0];
  const practices = new Set(objections.map((a) => a.practiceOds));
  lines.push(`- ${objections.length.toLocaleString('en-GB')} Type 2 objections recorded at ${practices.size} ${fault?.supplier ?? 'TPP'} practices never reached the national data service in time${fault?.to ? ' while the fault lasted' : ''}.`);
  const sinceFault = fault?.from ? ` (${duration(at(first.firedAt) - at(fault.from))} after the fault began)` : '';
  lines.push(`- First alarm: ${first.rule} at ${first.firedAt}${sinceFault}, ${duration(first.detectionDelayMs ?? 0)} after that patient's objection was recorded at practice ${first.practiceOds}.`);
  if (firstCritical) {
    const when = firstCritical.escalatedAt ?? firstCritical.firedAt;
    const since = fault?.from ? `, ${duration(at(when) - at(fault.from))} after the fault began` : '';
    lines.push(`- First critical page: OBJECTION_NOT_PROPAGATED at ${when}${since}: a complete extract from the practice arrived without the objection.`);
  }
  if (shares.length > 0) {
    const held = shares.filter((a) => a.downstreamHeldAtShare === false).length;
    lines.push(`- ${shares.length.toLocaleString('en-GB')} releases for purposes other than direct care went out despite an objection (${held.toLocaleString('en-GB')} of them while the national data service did not hold it); the first on ${shares.map((a) => a.firedAt!).sort()[0]}.`);
  }
  const resolved = objections.filter((a) => a.state === 'RESOLVED' && a.resolvedBy === 'DOWNSTREAM').length;
  if (resolved > 0) lines.push(`- ${resolved.toLocaleString('en-GB')} of those objections arrived later (the flood when the code path changed) and their alerts resolved.`);
  lines.push('- In the real incident nothing raised an alarm for about three years.');
  return lines.join('\n');
}
