// Background checks behind /readyz: PostgreSQL answers a query on the state schema, a Kafka broker answers a
// metadata request, and the inputs make progress (their end offsets are read here, see input-progress.ts); the
// outbox gauges are refreshed here too, so they move even while publishing is stuck. A change
// of state is logged once (unreachable, then reachable again), not every probe.
import type { Admin } from 'kafkajs';
import type { Logger } from 'pino';
import { brokerFailure, describeFailure } from '../errors.js';
import type { InputProgress } from './input-progress.js';
import type { VerifierMetrics } from './metrics.js';
import type { Readiness, ReadinessPart } from './readiness.js';
import type { StateStore } from '../store/state-store.js';

export interface HealthProbes {
  stop(): Promise<void>;
}

export interface ProgressWatch {
  /** The inputs: their end offsets against what is stored. */
  readonly inputs: { readonly progress: InputProgress; readonly topics: readonly string[] };
  /** The outbox: alerts decided and not yet published, whichever instance publishes them. */
  readonly outbox: { readonly metrics: VerifierMetrics; readonly wallNow: () => number };
}

export function startHealthProbes(store: StateStore, admin: Admin, readiness: Readiness, logger: Logger, intervalMs: number, watch?: ProgressWatch): HealthProbes {
  const log = logger.child({ component: 'health' });
  const state = new Map<ReadinessPart, boolean>([['postgresql', true], ['kafka', true]]);
  const report = (part: 'postgresql' | 'kafka', ok: boolean, error?: unknown) => {
    readiness.set(part, ok);
    if (state.get(part) === ok) return;
    state.set(part, ok);
    const name = part === 'kafka' ? 'Kafka' : 'PostgreSQL';
    if (ok) log.info(`${name} is reachable again`);
    else log.warn({ error: describeFailure(error) }, `${name} is unreachable; not ready until it answers`);
  };
  let inFlight: Promise<void> | null = null;
  // A probe that gets no answer within the interval has failed: a broker that is away may leave a request hanging.
  const answered = <T>(work: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${intervalMs} ms`)), intervalMs); });
    return Promise.race([work, late]).finally(() => clearTimeout(timer));
  };
  const probe = async () => {
    await answered(store.ping()).then(() => report('postgresql', true), (error: unknown) => report('postgresql', false, error));
    await answered(admin.connect().then(() => admin.describeCluster()))
      .then(() => report('kafka', true), (error: unknown) => report('kafka', false, brokerFailure(error, 'health check')));
    if (watch === undefined) return;
    const { inputs, outbox } = watch;
    await answered(store.outboxBacklog()).then(
      (backlog) => {
        outbox.metrics.outboxPending.set(backlog.unsent);
        outbox.metrics.outboxOldestUnsentAge.set(backlog.oldestDecidedAt === null ? 0 : Math.max(0, (outbox.wallNow() - backlog.oldestDecidedAt) / 1000));
      },
      (error: unknown) => log.debug({ error: describeFailure(error) }, 'outbox backlog not read'),
    );
    // End offsets unknown for now (a broker away) leave the last ones known: a stall is still seen.
    for (const topic of inputs.topics) {
      await answered(admin.fetchTopicOffsets(topic)).then(
        (offsets) => inputs.progress.endOffsets(topic, new Map(offsets.map((o) => [o.partition, Number(o.high)]))),
        (error: unknown) => log.debug({ topic, error: describeFailure(brokerFailure(error, 'reading end offsets')) }, 'end offsets not read'),
      );
    }
    inputs.progress.evaluate();
  };
  const timer = setInterval(() => {
    if (inFlight === null) inFlight = probe().finally(() => { inFlight = null; });
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await inFlight;
    },
  };
}
