import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ScenarioFault } from '../report-html/report-facts.js';

/**
 * The simulator's injected faults, from scenario.json: the one given, or else one beside the GP events file
 * when the simulator wrote it (its `generator` says so). No scenario: no faults, and the page shades nothing.
 * A scenario given but unreadable is an error; one found beside the inputs but unreadable is ignored.
 */
export async function scenarioFaults(given: string | null, gpEventsPath: string): Promise<readonly ScenarioFault[]> {
  const path = given ?? join(dirname(gpEventsPath), 'scenario.json');
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    if (given === null) return [];
    throw new Error(`cannot read the scenario ${given}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const scenario = json as { generator?: unknown; faults?: unknown };
  if (scenario.generator !== 'optout-verifier simulate' || !Array.isArray(scenario.faults)) {
    if (given === null) return [];
    throw new Error(`the scenario ${given} is not a scenario.json written by optout-verifier simulate`);
  }
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  return scenario.faults.flatMap((f: unknown) => {
    const fault = f as Record<string, unknown> | null;
    const profile = text(fault?.profile);
    return profile === null ? [] : [{ profile, what: text(fault!.what) ?? undefined, supplier: text(fault!.supplier), from: text(fault!.from), to: text(fault!.to) }];
  });
}
