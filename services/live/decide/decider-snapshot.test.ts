import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { snapshotOf } from '../../core/engine-snapshot.js';
import { Reconciler } from '../../core/reconciler.js';
import { catalogue, CODES, gp, HOUR, manifest, PATIENT_A, readableIdentity, receipt, T0 } from '../../core/testing/builders.js';
import { VerifierError } from '../errors.js';
import { decodeDeciderSnapshot, DECIDER_SNAPSHOT_FORMAT, encodeDeciderSnapshot, type DeciderSnapshotContent } from './decider-snapshot.js';

function content(): DeciderSnapshotContent {
  const engine = new Reconciler({ slaMs: 72 * HOUR, graceMs: HOUR, identity: readableIdentity });
  engine.offerGpEvent(gp('e1', T0, CODES.t1Dissent, PATIENT_A), catalogue.lookup(CODES.t1Dissent)!);
  engine.offerReceipt(receipt('r1', T0 + HOUR, CODES.t1Dissent, PATIENT_A), catalogue.lookup(CODES.t1Dissent)!);
  engine.offerManifest(manifest('x1', T0 + 2 * HOUR, T0 + 3 * HOUR));
  engine.advanceTo(T0 + 2 * HOUR);
  return { engine: snapshotOf(engine), latestEventTime: { 'gp:0': T0, 'rc:0': T0 + HOUR }, futureTimes: { 'mf:0': [T0 + 3 * HOUR] } };
}

describe('the decider snapshot as stored', () => {
  it('reads back what was written, as JSON would carry it', async () => {
    const written = content();
    const state = await encodeDeciderSnapshot(written);
    expect(await decodeDeciderSnapshot(DECIDER_SNAPSHOT_FORMAT, state)).toStrictEqual(JSON.parse(JSON.stringify(written)));
  });

  it('still reads a snapshot an earlier version stored as JSON text (format 1)', async () => {
    const written = content();
    const state = gzipSync(Buffer.from(JSON.stringify(written), 'utf8'));
    expect(await decodeDeciderSnapshot(1, state)).toStrictEqual(JSON.parse(JSON.stringify(written)));
  });

  it('refuses a format it does not know, naming it', async () => {
    const refusal = await decodeDeciderSnapshot(9, await encodeDeciderSnapshot(content())).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(VerifierError);
    expect((refusal as VerifierError).message).toMatch(/format 9/);
  });
});
