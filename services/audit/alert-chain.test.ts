import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fire, resolve } from '../core/alert.js';
import { canonicalChange } from './alert-change-form.js';
import { chainHash, ChainVerifier, GENESIS_HASH, type LoggedChange } from './alert-chain.js';

function alertChanges(n: number): { alertId: string; transition: string; change: string }[] {
  const out = [];
  for (let i = 0; i < n; i++) {
    const fired = fire({
      alertId: `a-${i}`, rule: 'OBJECTION_OVERDUE', upstreamEventId: `gp-${i}`, receiptId: null, disseminationId: null, patientRef: `ref-${i}`,
      practiceOds: 'A81001', supplier: 'EMIS', optOutType: 'TYPE_2', episodeStart: i, firedAt: 1_000 + i, detectionDelayMs: 1_000,
      downstreamHeldAtShare: null, recipient: null, purpose: null,
    });
    out.push({ alertId: fired.alert.alertId, transition: 'FIRED', change: canonicalChange(fired) });
    if (i % 2 === 0) out.push({ alertId: fired.alert.alertId, transition: 'RESOLVED', change: canonicalChange(resolve(fired.alert, 5_000 + i, 'UPSTREAM')) });
  }
  return out;
}

/** The chain as the database appends it, computed here with nothing but SHA-256 over bytes. */
function chained(changes: ReturnType<typeof alertChanges>): (LoggedChange & { change: string })[] {
  let previous = Buffer.alloc(32);
  return changes.map((c, i) => {
    const hash = createHash('sha256').update(Buffer.concat([previous, Buffer.from(c.change, 'utf8')])).digest();
    previous = hash;
    return { position: i + 1, ...c, hash };
  });
}

function verify(rows: readonly LoggedChange[]) {
  const verifier = new ChainVerifier();
  for (const row of rows) if (!verifier.accept(row)) break;
  return verifier.verdict();
}

describe('the alert history chain', () => {
  it('starts from 32 zero bytes and hashes the previous hash followed by the UTF-8 change', () => {
    expect(GENESIS_HASH).toEqual(Buffer.alloc(32));
    expect(chainHash(GENESIS_HASH, 'é').toString('hex')).toBe(createHash('sha256').update(Buffer.from([...Buffer.alloc(32), 0xc3, 0xa9])).digest('hex'));
  });

  it('is intact when untouched, and gives the head hash', () => {
    const rows = chained(alertChanges(5));
    expect(verify(rows)).toEqual({ intact: true, rows: 8, pruned: 0, head: rows[7]!.hash });
    expect(verify([])).toEqual({ intact: true, rows: 0, pruned: 0, head: null });
  });

  it('names the position of an edited change', () => {
    const rows = chained(alertChanges(5));
    rows[3] = { ...rows[3]!, change: rows[3]!.change.replace('"supplier":"EMIS"', '"supplier":"TPP"') };
    expect(verify(rows)).toMatchObject({ intact: false, rows: 3, broken: { position: 4, reason: expect.stringMatching(/stored hash is not/) } });
  });

  it('names the position of an edited change whose hash was recomputed: the next one breaks', () => {
    const rows = chained(alertChanges(5));
    const edited = rows[3]!.change.replace('"supplier":"EMIS"', '"supplier":"TPP"');
    rows[3] = { ...rows[3]!, change: edited, hash: chainHash(rows[2]!.hash, edited) };
    expect(verify(rows)).toMatchObject({ intact: false, broken: { position: 5 } });
  });

  it('names the position of a deleted row', () => {
    const rows = chained(alertChanges(5));
    rows.splice(2, 1);
    expect(verify(rows)).toMatchObject({ intact: false, rows: 2, broken: { position: 3, reason: 'position 3 is missing (the next row is position 4): a row was deleted' } });
  });

  it('names the first position of two swapped rows', () => {
    const rows = chained(alertChanges(5));
    const [second, third] = [rows[1]!, rows[2]!];
    rows[1] = { ...third, position: 2 };
    rows[2] = { ...second, position: 3 };
    expect(verify(rows)).toMatchObject({ intact: false, broken: { position: 2 } });
  });

  it('names a row whose alert id or transition was changed outside the hashed change', () => {
    const rows = chained(alertChanges(2));
    rows[1] = { ...rows[1]!, transition: 'ESCALATED' };
    expect(verify(rows)).toMatchObject({ intact: false, broken: { position: 2, reason: 'alert_id or transition differ from the change' } });
  });

  it('takes a pruned row\'s stored hash and checks every row after it', () => {
    const rows: LoggedChange[] = chained(alertChanges(5));
    const prune = (i: number) => { rows[i] = { position: rows[i]!.position, alertId: null, transition: null, change: null, hash: rows[i]!.hash }; };
    prune(0);
    prune(1);
    prune(4);
    expect(verify(rows)).toEqual({ intact: true, rows: 8, pruned: 3, head: rows[7]!.hash });
    // An edit after a pruned row still breaks the chain at its position.
    const edited = [...rows];
    edited[5] = { ...edited[5]!, change: edited[5]!.change!.replace('"supplier":"EMIS"', '"supplier":"TPP"') };
    expect(verify(edited)).toMatchObject({ intact: false, broken: { position: 6 } });
    // Pruning is no cover for deleting a row, nor for a half-pruned one.
    expect(verify(rows.filter((_, i) => i !== 4))).toMatchObject({ intact: false, broken: { position: 5, reason: expect.stringMatching(/a row was deleted/) } });
    const half = [...rows];
    half[0] = { ...half[0]!, alertId: 'a-0' };
    expect(verify(half)).toMatchObject({ intact: false, broken: { position: 1, reason: 'a pruned row still names an alert or a transition' } });
  });
});
