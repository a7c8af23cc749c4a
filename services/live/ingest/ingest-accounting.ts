// The ingest accounting check: every offset below a partition's stored next offset must be a stored record, a
// duplicate, a dead letter or an offset absent from the log, as the partition's counts (written with the offset, in
// one transaction) say. Checked every few seconds on what PostgreSQL holds; a mismatch is exported by topic and
// logged by partition, and is records lost (or counted twice): never normal.
import type { Logger } from 'pino';
import { describeFailure } from '../errors.js';
import type { VerifierMetrics } from '../ops/metrics.js';
import type { StateStore } from '../store/state-store.js';
import { partitionKey, type PartitionKey } from '../store/topic-partition.js';

export class IngestAccounting {
  readonly #store: Pick<StateStore, 'ingestAccounts'>;
  readonly #metrics: VerifierMetrics;
  readonly #log: Logger;
  readonly #timer: NodeJS.Timeout;
  /** Last mismatch logged per partition, so a standing one is logged once, not every check. */
  readonly #reported = new Map<PartitionKey, number>();
  #checking: Promise<void> | null = null;

  constructor(store: Pick<StateStore, 'ingestAccounts'>, metrics: VerifierMetrics, logger: Logger, intervalMs: number) {
    this.#store = store;
    this.#metrics = metrics;
    this.#log = logger.child({ component: 'ingest-accounting' });
    this.#timer = setInterval(() => { this.#checking ??= this.check().finally(() => { this.#checking = null; }); }, intervalMs).unref();
  }

  async check(): Promise<void> {
    let accounts;
    try {
      accounts = await this.#store.ingestAccounts();
    } catch (error) {
      this.#log.warn({ error: describeFailure(error) }, 'could not check the ingest accounts; checking again later');
      return;
    }
    const byTopic = new Map<string, number>();
    for (const a of accounts) {
      byTopic.set(a.topic, (byTopic.get(a.topic) ?? 0) + Math.abs(a.unaccounted));
      const key = partitionKey(a.topic, a.partition);
      if (a.unaccounted !== (this.#reported.get(key) ?? 0)) {
        this.#reported.set(key, a.unaccounted);
        if (a.unaccounted !== 0) {
          this.#log.error({ topic: a.topic, partition: a.partition, nextOffset: a.nextOffset, unaccounted: a.unaccounted }, 'ingest has passed offsets it cannot account for');
        }
      }
    }
    for (const [topic, mismatch] of byTopic) this.#metrics.ingestAccountingMismatch.set({ topic }, mismatch);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#checking;
  }
}
