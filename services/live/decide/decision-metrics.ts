// The decider's effects as metrics: alert counters and the firing gauge as changes happen, latency and detection
// delay as episodes close and alerts fire, and the open-episode gauges refreshed from the engine's state.
import type { AlertChange } from '../../core/alert.js';
import type { EngineEffect, Reconciler } from '../../core/reconciler.js';
import { SEVERITY, type Rule } from '../../core/rules.js';
import type { Gauge } from 'prom-client';
import { practiceLabelGuard, supplierLabelGuard, type VerifierMetrics } from '../ops/metrics.js';

type Labels = ReturnType<DecisionMetrics['labelsOf']>;

export class DecisionMetrics {
  readonly #supplier = supplierLabelGuard();
  readonly #practice = practiceLabelGuard();
  /**
   * The label sets the firing and open-episode gauges have held (rules by supplier, both bounded): a refresh sets 0
   * where nothing is counted any more, so that a series goes to 0 rather than vanishing between two scrapes.
   */
  readonly #firingSeen = new Map<string, Labels>();
  readonly #openSeen = new Map<string, Labels>();

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
        this.#firing(labels, 1);
        m.alertLastFired.set(labels, this.wallNow() / 1000);
        if (alert.detectionDelayMs !== null) m.detectionDelay.observe({ rule: labels.rule, severity: labels.severity }, alert.detectionDelayMs / 1000);
        break;
      case 'ESCALATED':
        m.alertsEscalated.inc(labels);
        this.#firing(this.#labels('OBJECTION_OVERDUE', alert.supplier), -1);
        this.#firing(labels, 1);
        break;
      case 'RESOLVED':
        m.alertsResolved.inc(labels);
        this.#firing(labels, -1);
        break;
    }
  }

  #firing(labels: Labels, by: number): void {
    this.metrics.alertsFiring.inc(labels, by);
    this.#firingSeen.set(seriesKey(labels), labels);
  }

  /** Sets the gauges that describe the engine's whole state: firing alerts and open episodes. */
  refresh(engine: Reconciler): void {
    const m = this.metrics;
    const firing = new Map<string, { labels: Labels; count: number }>();
    const open = new Map<string, { labels: Labels; count: number }>();
    const byPractice = new Map<string, number>();
    const add = (into: typeof firing, rule: Rule, supplier: string, count = 1) => {
      const labels = this.labelsOf(rule, supplier);
      const key = seriesKey(labels);
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
    setCounts(m.alertsFiring, this.#firingSeen, firing);
    setCounts(m.openEpisodes, this.#openSeen, open);
    m.openEpisodesByPractice.reset();
    for (const [practice, count] of byPractice) m.openEpisodesByPractice.set({ practice }, count);
    m.enginePatientKeys.set(engine.keyCount);
  }

  labelsOf(rule: Rule, supplier: string) {
    return this.#labels(rule, supplier);
  }
}

const seriesKey = (labels: Labels): string => `${labels.rule}|${labels.supplier}`;

/** Sets each counted series, and 0 on every series the gauge held before that nothing counts now. */
function setCounts(gauge: Gauge<'rule' | 'severity' | 'supplier'>, seen: Map<string, Labels>, counts: ReadonlyMap<string, { readonly labels: Labels; readonly count: number }>): void {
  for (const [key, labels] of seen) if (!counts.has(key)) gauge.set(labels, 0);
  for (const [key, { labels, count }] of counts) {
    gauge.set(labels, count);
    seen.set(key, labels);
  }
}
