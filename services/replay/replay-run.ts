import type { CodeCatalogue } from '../core/code-catalogue.js';
import type { Identity } from '../core/reconciler.js';
import type { Millis, StreamName } from '../core/records.js';
import { buildReport, type InputDescription, type Report } from '../core/replay-report.js';
import { ReplaySession, type ReadItem } from '../core/replay-session.js';
import type { InputDigest } from './input-digest.js';
import type { Progress } from './progress.js';

export interface ReplayPlan {
  readonly inputs: { readonly [S in StreamName]: string };
  readonly slaMs: Millis;
  readonly graceMs: Millis;
  readonly asOf: Millis | null;
  readonly catalogue: CodeCatalogue;
}

export interface ReplayPorts {
  readonly openInput: (stream: StreamName, path: string) => Promise<AsyncIterable<ReadItem>>;
  readonly digests: { readonly [S in StreamName]: InputDigest };
  readonly identity: Identity;
  readonly progress: Progress;
}

// Objection-side inputs first, so that disseminations can be judged as they stream past.
const ORDER: readonly StreamName[] = ['gpEvents', 'ndsReceived', 'ndsManifests', 'ndsDisseminations'];
const LABEL: { readonly [S in StreamName]: string } = {
  gpEvents: 'GP opt-out events', ndsReceived: 'NDS received objections', ndsManifests: 'NDS extract manifests', ndsDisseminations: 'NDS disseminations',
};

/** Reads the four inputs through the core and returns the report. */
export async function runReplay(plan: ReplayPlan, ports: ReplayPorts): Promise<Report> {
  const session = new ReplaySession({ slaMs: plan.slaMs, graceMs: plan.graceMs, asOf: plan.asOf, identity: ports.identity, catalogue: plan.catalogue });
  for (const stream of ORDER) {
    const digest = ports.digests[stream];
    ports.progress.phase(`reading ${LABEL[stream]}`, digest.bytes);
    const items = await ports.openInput(stream, plan.inputs[stream]);
    let sinceUpdate = 0;
    for await (const item of items) {
      session.feed(stream, item);
      if (++sinceUpdate === 65_536) {
        ports.progress.advance(0, sinceUpdate);
        sinceUpdate = 0;
      }
    }
    ports.progress.advance(0, sinceUpdate);
  }
  ports.progress.stop();
  const result = session.finish();
  const inputs = Object.fromEntries(ORDER.map((s) => [s, { path: plan.inputs[s], records: session.recordsRead(s), sha256: ports.digests[s].sha256 } satisfies InputDescription])) as { [S in StreamName]: InputDescription };
  return buildReport({ ...result, inputs });
}
