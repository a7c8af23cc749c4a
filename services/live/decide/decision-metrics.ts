// The decider's effects as metrics: alert counters and the firing gauge as changes happen, latency and detection
// delay as episodes close and alerts fire, and the open-episode gauges refreshed from the engine's state.
import type { AlertChange } from '../../core/alert.js';
import type { EngineEffect, Reconciler } from '../../core/reconciler.js';
import { SEVERITY, type Rule } from '../../core/rules.js';
import { practiceLabelGuard, supplierLabelGuard, type VerifierMetrics } from '../ops/metrics.js';

export class DecisionMetrics {
  readonly #supplier = supplierLabelGuard();
  readonly #practice = practiceLabelGuard();

  constructor(private readonly metrics: VerifierMetrics, private readonly wallNow: () => number) {}

  #labels(rule: Rule, supplier: string) {
    return { rule, severity: SEVERITY[rule], supplier: this.#supplier(supplier) };
  }

  /** Counts one round's effects (never called while rebuilding: those effects were counted when first made). */
  observe(effects: readonly EngineEffect[]): void {
    const m = this.metrics;
    for (const effect of effects) {
      if (effect.type === 'episode-closed') {
        if (effect.latencyMs !== null) m.propagationLatency.observe({ supplier: this.#supplier(effect.supplier) }, effect.latencyMs / 1000);
        continue;
      }
      if (effect.type !== 'alert') continue;
      this.#alert(effect.change);
    }
  }

  #alert(change: AlertChange): void {
    const m = this.metrics;
    const alert = change.alert;
    const labels = this.#labels(alert.rule, alert.supplier);
    switch (change.transition) {
      case 'FIRED':
        m.alertsFired.inc(labels);
        m.alertsFiring.inc(labels);
        m.alertLastFired.set(labels, this.wallNow() / 1000);
        if (alert.detectionDelayMs !== null) m.detectionDelay.observe({ rule: labels.rule, severity: labels.severity }, alert.detectionDelayMs / 1000);
        break;
      case 'ESCALATED':
        m.alertsEscalated.inc(labels);
        m.alertsFiring.dec(this.#labels('OBJECTION_OVERDUE', alert.supplier));
        m.alertsFiring.inc(labels);
        break;
      case 'RESOLVED':
        m.alertsResolved.inc(labels);
        m.alertsFiring.dec(labels);
        break;
    }
  }

  /** Sets the gauges that describe the engine's whole state: firing alerts and open episodes. */
  refresh(engine: Reconciler): void {
    const m = this.metrics;
    const firing = new Map<string, { labels: ReturnType<DecisionMetrics['labelsOf']>; count: number }>();
    const open = new Map<string, { labels: ReturnType<DecisionMetrics['labelsOf']>; count: number }>();
    const byPractice = new Map<string, number>();
    const add = (into: typeof firing, rule: Rule, supplier: string, count = 1) => {
      const labels = this.labelsOf(rule, supplier);
      const key = `${labels.rule}|${labels.supplier}`;
      const entry = into.get(key);
      if (entry) entry.count += count;
      else into.set(key, { labels, count });
    };
    for (const alert of engine.alerts()) {
      if (alert.state !== 'FIRING' || alert.rule === 'SHARED_DESPITE_OBJECTION') continue;
      add(firing, alert.rule, alert.supplier);
      add(open, alert.rule, alert.supplier);
      const practice = this.#practice(alert.practiceOds);
      byPractice.set(practice, (byPractice.get(practice) ?? 0) + 1);
    }
    // SHARED_DESPITE_OBJECTION never resolves: the engine counts them rather than keeping them.
    for (const [supplier, count] of engine.sharesFiredBySupplier()) {
      add(firing, 'SHARED_DESPITE_OBJECTION', supplier, count);
    }
    for (const pending of engine.pending()) {
      add(open, pending.rule, pending.supplier);
      const practice = this.#practice(pending.practiceOds);
      byPractice.set(practice, (byPractice.get(practice) ?? 0) + 1);
    }
    m.alertsFiring.reset();
    for (const { labels, count } of firing.values()) m.alertsFiring.set(labels, count);
    m.openEpisodes.reset();
    for (const { labels, count } of open.values()) m.openEpisodes.set(labels, count);
    m.openEpisodesByPractice.reset();
    for (const [practice, count] of byPractice) m.openEpisodesByPractice.set({ practice }, count);
    m.enginePatientKeys.set(engine.keyCount);
  }

  labelsOf(rule: Rule, supplier: string) {
    return this.#labels(rule, supplier);
  }
}
