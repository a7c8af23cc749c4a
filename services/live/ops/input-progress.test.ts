import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { InputProgress } from './input-progress.js';
import { createVerifierMetrics } from './metrics.js';
import { Readiness } from './readiness.js';

const TOPIC = 'gp.optout.events';
const STALL_MS = 120_000;

function watch() {
  const registry = new Registry();
  const metrics = createVerifierMetrics(registry, { version: 'test' });
  const readiness = new Readiness();
  let now = 0;
  const progress = new InputProgress(metrics, readiness, pino({ level: 'silent' }), { stallTimeoutMs: STALL_MS, inputTopics: [TOPIC], now: () => now });
  const value = async (name: string, labels: Record<string, string>) =>
    (await registry.getSingleMetric(name)!.get()).values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))?.value;
  return {
    progress, readiness,
    advance: (ms: number) => { now += ms; },
    stalled: () => value('optout_verifier_input_stalled', { topic: TOPIC }),
    lag: (partition: number) => value('optout_verifier_consumer_lag_records', { topic: TOPIC, partition: String(partition) }),
  };
}

describe('input progress', () => {
  // Regression: a consumer stalled by a table lock held for 90 s kept /readyz at 200 and the lag gauge at 0.
  it('calls a partition with lag and nothing stored for the stall timeout stalled: /readyz 503, the gauge 1, the lag from the end offsets', async () => {
    const w = watch();
    w.progress.assigned([{ topic: TOPIC, partition: 0, committed: 100 }]);
    w.progress.committed(TOPIC, 0, 120, 120);
    expect(await w.lag(0)).toBe(0);
    w.advance(3_600_000);
    w.progress.endOffsets(TOPIC, new Map([[0, 150]]));
    w.progress.evaluate();
    // Lag has only just been seen: the hour of quiet before it is not a stall.
    expect([await w.lag(0), await w.stalled(), w.readiness.snapshot().progressing]).toEqual([30, 0, true]);
    w.advance(STALL_MS - 1);
    w.progress.evaluate();
    expect(await w.stalled()).toBe(0);
    w.advance(1);
    w.progress.evaluate();
    expect([await w.lag(0), await w.stalled(), w.readiness.snapshot().progressing, w.readiness.ready]).toEqual([30, 1, false, false]);
    w.progress.committed(TOPIC, 0, 130, 150);
    w.progress.evaluate();
    expect([await w.lag(0), await w.stalled(), w.readiness.snapshot().progressing]).toEqual([20, 0, true]);
  });

  it('does not call a partition without lag stalled, however long it stores nothing', async () => {
    const w = watch();
    w.progress.assigned([{ topic: TOPIC, partition: 0, committed: 7 }]);
    w.progress.endOffsets(TOPIC, new Map([[0, 7]]));
    w.advance(10 * STALL_MS);
    w.progress.evaluate();
    expect([await w.lag(0), await w.stalled()]).toEqual([0, 0]);
  });

  it('forgets partitions the group moved to another instance, and their lag series', async () => {
    const w = watch();
    w.progress.assigned([{ topic: TOPIC, partition: 0, committed: 0 }, { topic: TOPIC, partition: 1, committed: 0 }]);
    w.progress.endOffsets(TOPIC, new Map([[0, 5], [1, 9]]));
    w.progress.evaluate();
    w.progress.assigned([{ topic: TOPIC, partition: 0, committed: 0 }]);
    w.advance(STALL_MS);
    w.progress.endOffsets(TOPIC, new Map([[0, 5], [1, 9]]));
    w.progress.evaluate();
    expect([await w.lag(0), await w.lag(1), await w.stalled()]).toEqual([5, undefined, 1]);
  });

  it('judges nothing while the stored offset is unknown', async () => {
    const w = watch();
    w.progress.assigned([{ topic: TOPIC, partition: 0, committed: null }]);
    w.progress.endOffsets(TOPIC, new Map([[0, 50]]));
    w.advance(10 * STALL_MS);
    w.progress.evaluate();
    expect([await w.lag(0), await w.stalled()]).toEqual([undefined, 0]);
  });

  // Regression: a consumer failing on the same batch was restarted by kafkajs every half minute; each rejoin
  // started the stall count again, so a partition that stored nothing for hours was never called stalled.
  it('keeps counting a partition it already held over a rejoin, and starts the count for one newly assigned', async () => {
    const w = watch();
    w.progress.assigned([{ topic: TOPIC, partition: 0, committed: 100 }]);
    w.progress.endOffsets(TOPIC, new Map([[0, 150]]));
    for (let i = 0; i < 4; i++) {
      w.advance(STALL_MS / 4);
      w.progress.assigned([{ topic: TOPIC, partition: 0, committed: 100 }, { topic: TOPIC, partition: i + 1, committed: 0 }]);
      w.progress.endOffsets(TOPIC, new Map([[0, 150], [i + 1, 10]]));
    }
    w.progress.evaluate();
    expect([await w.stalled(), w.readiness.snapshot().progressing]).toEqual([1, false]);
    w.progress.assigned([{ topic: TOPIC, partition: 7, committed: 0 }]);
    w.progress.endOffsets(TOPIC, new Map([[7, 10]]));
    w.progress.evaluate();
    expect([await w.stalled(), await w.lag(7)]).toEqual([0, 10]);
  });
});

