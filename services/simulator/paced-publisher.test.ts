import { describe, expect, it } from 'vitest';
import { collectScenario } from './testing/collected-scenario.js';
import { kafkaMessageEncoder, type KafkaMessage } from './kafka-messages.js';
import { batchSizeFor, publishPaced, type PacedPublishDeps, type PublishProgress } from './paced-publisher.js';
import type { SimulatedItem } from './simulated-item.js';

const scenario = collectScenario({ practices: 4, patients: 3_000, days: 40, faults: ['systmone-2018'], format: 'avro', releaseSize: { lines: 1_000 }, optOutsPerYear: 0.2 });

/** A simulated clock that only the publisher's waits (and each send's cost) move forward. */
function harness(options: { sendCostMs?: number; abortAfterSends?: number } = {}) {
  let clock = 0;
  const sends: { at: number; messages: readonly KafkaMessage[] }[] = [];
  const progress: PublishProgress[] = [];
  const controller = new AbortController();
  const deps: PacedPublishDeps = {
    sink: {
      send: async (messages) => {
        sends.push({ at: clock, messages });
        clock += options.sendCostMs ?? 0;
        if (sends.length === options.abortAfterSends) controller.abort();
      },
    },
    encode: kafkaMessageEncoder(),
    now: () => clock,
    sleep: async (ms) => { clock += ms; },
    signal: controller.signal,
    onProgress: (p) => progress.push(p),
  };
  return { deps, sends, progress, controller, clock: () => clock };
}

describe('paced publishing', () => {
  it('has a scenario large enough to pace', () => {
    expect(scenario.items.length).toBeGreaterThan(5_000);
    expect(scenario.gpEvents.length).toBeGreaterThan(20);
  });

  it('sends every item once, in generation order', async () => {
    const h = harness();
    const result = await publishPaced(scenario.items, h.deps, { pacePerSecond: 500, progressEveryMs: 1_000 });
    expect(result.outcome).toBe('done');
    const sent = h.sends.flatMap((s) => s.messages);
    const encode = kafkaMessageEncoder();
    expect(sent).toEqual(scenario.items.map((item) => encode(item)));
    expect(result.progress.total).toBe(scenario.items.length);
    expect(result.progress.published.gpEvents).toBe(scenario.gpEvents.length);
    expect(result.progress.published.ndsManifests).toBe(scenario.ndsManifests.length);
  });

  it('keeps to the pace: the whole run takes items / pace, and no second carries more than pace plus a batch', async () => {
    for (const pace of [200, 1_000, 7]) {
      const items = scenario.items.slice(0, pace * 5);
      const h = harness({ sendCostMs: 1 });
      await publishPaced(items, h.deps, { pacePerSecond: pace, progressEveryMs: 1_000 });
      const batch = batchSizeFor(pace);
      const span = h.sends.at(-1)!.at - h.sends[0]!.at;
      expect(span, `${pace}/s`).toBeGreaterThanOrEqual(((items.length - batch) / pace) * 1000 - 1);
      expect(span, `${pace}/s`).toBeLessThanOrEqual(((items.length - batch) / pace) * 1000 + h.sends.length);
      for (const first of h.sends) {
        const inSecond = h.sends.filter((s) => s.at >= first.at && s.at < first.at + 1_000).reduce((n, s) => n + s.messages.length, 0);
        expect(inSecond, `${pace}/s`).toBeLessThanOrEqual(pace + batch);
      }
    }
  });

  it('reports progress about once per interval, counting only what was sent', async () => {
    const h = harness();
    await publishPaced(scenario.items.slice(0, 2_000), h.deps, { pacePerSecond: 100, progressEveryMs: 5_000 });
    // 2,000 records at 100/s: about 20 s of simulated time, so a line about every 5 s.
    expect(h.progress.length).toBeGreaterThanOrEqual(3);
    expect(h.progress.length).toBeLessThanOrEqual(4);
    for (const [i, p] of h.progress.entries()) {
      if (i > 0) expect(p.elapsedMs - h.progress[i - 1]!.elapsedMs).toBeGreaterThanOrEqual(5_000);
      const sentBy = h.sends.filter((s) => s.at <= p.elapsedMs).reduce((n, s) => n + s.messages.length, 0);
      expect(p.total).toBe(sentBy);
    }
  });

  it('stops when the signal aborts: the batch being sent completes, nothing after it is sent', async () => {
    const h = harness({ abortAfterSends: 3 });
    const result = await publishPaced(scenario.items, h.deps, { pacePerSecond: 200, progressEveryMs: 1_000 });
    expect(result.outcome).toBe('stopped');
    expect(h.sends).toHaveLength(3);
    expect(result.progress.total).toBe(h.sends.reduce((n, s) => n + s.messages.length, 0));
  });

  it('sends nothing when stopped before it starts, and finishes an empty scenario at once', async () => {
    const stopped = harness();
    stopped.controller.abort();
    expect((await publishPaced(scenario.items, stopped.deps, { pacePerSecond: 200, progressEveryMs: 1_000 })).outcome).toBe('stopped');
    expect(stopped.sends).toHaveLength(0);
    const empty = harness();
    const result = await publishPaced([] as SimulatedItem[], empty.deps, { pacePerSecond: 200, progressEveryMs: 1_000 });
    expect(result).toMatchObject({ outcome: 'done', progress: { total: 0, eventTimeFrom: null } });
  });

  it('sends batches of about a twentieth of a second\'s worth, 1 to 500', () => {
    expect(batchSizeFor(200)).toBe(10);
    expect(batchSizeFor(1)).toBe(1);
    expect(batchSizeFor(0.5)).toBe(1);
    expect(batchSizeFor(1_000_000)).toBe(500);
  });
});
