import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import recorded from './testing/report-bytes.json' with { type: 'json' };
import { replayDigests, type ReportDigests } from './testing/report-bytes.js';

// report-bytes.json holds the digests of what the replay wrote for these runs before its reading, engine and
// report writing were reworked for speed: the rework must not change a byte of the report, the page or the CSVs.
// A new rule or report field changes them on purpose; then the file is remade from the new output and the
// change explained in its commit.

interface Recorded extends ReportDigests {
  readonly format: 'avro' | 'ndjson';
  readonly keyed: boolean;
  readonly flags: readonly string[];
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'optout-report-bytes-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('the replay of a simulated scenario with every fault', () => {
  for (const [name, run] of Object.entries(recorded as Record<string, Recorded>)) {
    it(`writes the same bytes as before (${name})`, async () => {
      const out = await mkdtemp(join(dir, 'run-'));
      const digests = await replayDigests(out, run.format, run.keyed, run.flags);
      // Different inputs mean the simulator changed: the outputs cannot be compared.
      expect(digests.inputs, 'simulated inputs').toEqual(run.inputs);
      expect(digests.outputs).toEqual(run.outputs);
    });
  }
});
