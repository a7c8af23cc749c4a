import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { IngestAccounting } from './ingest-accounting.js';
import { createVerifierMetrics } from '../ops/metrics.js';
import type { IngestAccount } from '../store/state-store.js';

async function exported(accounts: IngestAccount[]): Promise<string[]> {
  const registry = new Registry();
  const metrics = createVerifierMetrics(registry, { version: 'test' }, { inputTopics: ['gp', 'rc'] });
  const accounting = new IngestAccounting({ ingestAccounts: async () => accounts }, metrics, pino({ level: 'silent' }), 60_000);
  await accounting.check();
  await accounting.stop();
  return (await registry.getSingleMetricAsString('optout_verifier_ingest_accounting_mismatch')).split('\n').filter((l) => !l.startsWith('#'));
}

describe('ingest accounting', () => {
  it('exports 0 per topic when every offset is accounted for', async () => {
    expect(await exported([{ topic: 'gp', partition: 0, nextOffset: 10, unaccounted: 0 }, { topic: 'gp', partition: 1, nextOffset: 3, unaccounted: 0 }]))
      .toEqual(['optout_verifier_ingest_accounting_mismatch{topic="gp"} 0', 'optout_verifier_ingest_accounting_mismatch{topic="rc"} 0']);
  });

  it('exports the offsets not accounted for, summed over a topic\'s partitions, records counted twice included', async () => {
    expect(await exported([{ topic: 'gp', partition: 0, nextOffset: 10, unaccounted: 4 }, { topic: 'gp', partition: 1, nextOffset: 3, unaccounted: -1 }]))
      .toContain('optout_verifier_ingest_accounting_mismatch{topic="gp"} 5');
  });
});
