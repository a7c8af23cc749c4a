import type { CodeCatalogue } from '../core/code-catalogue.js';
import type { Identity } from '../core/reconciler.js';
import type { Millis, StreamName } from '../core/records.js';
import { buildReport, type InputDescription, type Report } from '../core/replay-report.js';
import type { AdmittedRecords, ObjectionStream } from '../core/admitted-records.js';
import { ReplaySession } from '../core/replay-session.js';
import type { JudgedDisseminations } from '../core/dissemination-judge.js';
import type { InputDigest } from './input-digest.js';
import type { Progress } from './progress.js';

export interface ReplayPlan {
  readonly inputs: { readonly [S in StreamName]: string };
  readonly slaMs: Millis;
  readonly graceMs: Millis;
  readonly asOf: Millis | null;
  readonly catalogue: CodeCatalogue;
}

/** What the objection-side reading hands over: admitted batches of an input, then its end, input after input. */
export type ObjectionSideItem =
  | { readonly type: 'admitted'; readonly batch: AdmittedRecords }
  | { readonly type: 'end'; readonly stream: ObjectionStream };

export interface ReplayPorts {
  /**
   * Reads the objection-side inputs (elsewhere: another thread) in the order given, each through intake with an
   * id table sized for about `expected` records.
   */
  readonly objectionSide: (inputs: readonly { readonly stream: ObjectionStream; readonly path: string; readonly expected: number }[]) => AsyncIterable<ObjectionSideItem>;
  /** Judges the dissemination file elsewhere (another thread), given the patients with a recorded dissent and about how many lines it holds. */
  readonly judgedDisseminations: (path: string, objectors: readonly string[], expected: number) => AsyncIterable<JudgedDisseminations>;
  /** The inputs' checksums, computed alongside the reading. */
  readonly digests: Promise<{ readonly [S in StreamName]: InputDigest }>;
  /** The identity, once the checksums are known (a key may be derived from them). */
  readonly identity: (digests: { readonly [S in StreamName]: InputDigest }) => Identity;
  /** The digest the report publishes for an input, once the identity is bound. */
  readonly publishedDigest: (digest: InputDigest) => string;
  readonly progress: Progress;
  readonly sizes: { readonly [S in StreamName]: number };
}

// Rough bytes per record, to size each input's id table once (a hint; a table grows if it is short).
const BYTES_PER_RECORD: { readonly [S in StreamName]: { readonly avro: number; readonly ndjson: number } } = {
  gpEvents: { avro: 50, ndjson: 150 }, ndsReceived: { avro: 80, ndjson: 210 }, ndsManifests: { avro: 44, ndjson: 170 }, ndsDisseminations: { avro: 60, ndjson: 140 },
};
const expectedRecords = (stream: StreamName, path: string, bytes: number) => Math.ceil(bytes / BYTES_PER_RECORD[stream][path.endsWith('.avro') ? 'avro' : 'ndjson']);

// GP events first: they say whose releases can breach an objection, so disseminations can stream past.
const ORDER: readonly StreamName[] = ['gpEvents', 'ndsReceived', 'ndsManifests', 'ndsDisseminations'];
const OBJECTION_ORDER: readonly ObjectionStream[] = ['gpEvents', 'ndsReceived', 'ndsManifests'];
const LABEL: { readonly [S in StreamName]: string } = {
  gpEvents: 'GP opt-out events', ndsReceived: 'NDS received objections', ndsManifests: 'NDS extract manifests', ndsDisseminations: 'NDS disseminations',
};

/** Identity is only consulted when alerts are made, at the end: it can wait for the checksums. */
function lateBoundIdentity(): Identity & { bind(identity: Identity): void } {
  let bound: Identity | null = null;
  const get = (): Identity => {
    if (bound === null) throw new Error('replay: identity used before the input checksums were known');
    return bound;
  };
  return {
    bind: (identity) => void (bound = identity),
    alertIdFor: (seed) => get().alertIdFor(seed),
    patientRefFor: (nhs) => get().patientRefFor(nhs),
  };
}

/** Reads the four inputs through the core and returns the report. */
export async function runReplay(plan: ReplayPlan, ports: ReplayPorts): Promise<Report> {
  const identity = lateBoundIdentity();
  const session = new ReplaySession({ slaMs: plan.slaMs, graceMs: plan.graceMs, asOf: plan.asOf, identity, catalogue: plan.catalogue });
  ports.progress.start(ORDER.reduce((n, s) => n + ports.sizes[s], 0));
  const expected = (stream: StreamName) => expectedRecords(stream, plan.inputs[stream], ports.sizes[stream]);
  const objectionSide = ports.objectionSide(OBJECTION_ORDER.map((stream) => ({ stream, path: plan.inputs[stream], expected: expected(stream) })))[Symbol.asyncIterator]();
  let judged: AsyncIterable<JudgedDisseminations> | null = null;
  for (const stream of ORDER) {
    ports.progress.input(`reading ${LABEL[stream]}`);
    let read = 0;
    let reported = 0;
    const tick = () => {
      if (read - reported >= 65_536) {
        ports.progress.records(read - reported);
        reported = read;
      }
    };
    if (stream === 'ndsDisseminations') {
      for await (const batch of judged!) {
        session.feedJudgedDisseminations(batch);
        read += batch.items;
        tick();
      }
    } else {
      for (;;) {
        const next = await objectionSide.next();
        if (next.done) throw new Error(`replay: the reading of the objection-side inputs ended before the end of ${stream}`);
        if (next.value.type === 'end') break;
        session.feedAdmitted(next.value.batch);
        read += next.value.batch.items;
        tick();
      }
    }
    ports.progress.records(read - reported);
    ports.progress.inputDone(ports.sizes[stream]);
    if (stream === 'gpEvents') {
      // Every GP event is in, so the patients with a recorded dissent are known: the dissemination file can
      // be judged on another thread while the receipts and manifests are read.
      judged = ports.judgedDisseminations(plan.inputs.ndsDisseminations, session.objectors(), expected('ndsDisseminations'));
    }
    // Read to its end, so that what it noted along the way is handed over and its thread ends.
    if (stream === 'ndsManifests') for (let next = await objectionSide.next(); !next.done; next = await objectionSide.next());
  }
  ports.progress.stop();
  const digests = await ports.digests;
  identity.bind(ports.identity(digests));
  const result = session.finish();
  const inputs = Object.fromEntries(ORDER.map((s) => [s, { path: plan.inputs[s], records: session.recordsRead(s), hmacSha256: ports.publishedDigest(digests[s]) } satisfies InputDescription])) as { [S in StreamName]: InputDescription };
  return buildReport({ ...result, inputs });
}
