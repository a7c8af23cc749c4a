import { describe, expect, it } from 'vitest';
import { Intake } from './intake.js';
import { isValidNhsNumber } from './nhs-number.js';
import { CodeCatalogue } from './code-catalogue.js';
import { Fingerprinter } from './fingerprint.js';
import { RecordScreen } from './record-screen.js';
import { STREAM_FIELDS } from './records.js';
import { catalogue } from './testing/builders.js';

const T = 1_500_000_000_000;
const gp = (over: Record<string, unknown> = {}) => ({ eventId: 'e1', nhsNumber: '9990000018', practiceOds: 'A81001', supplier: 'TPP', code: '9Nu0', recordedAt: T, ...over });
const manifest = (over: Record<string, unknown> = {}) => ({ extractId: 'x1', supplier: 'TPP', practiceOds: 'A81001', coversUpTo: T + 1000, receivedAt: T + 2000, recordCount: 3, ...over });
const share = (over: Record<string, unknown> = {}) => ({ disseminationId: 'd1', nhsNumber: '9990000018', recipient: 'R', purpose: 'RESEARCH', sharedAt: T + 5, ...over });
const receipt = (over: Record<string, unknown> = {}) => ({ receiptId: 'r', nhsNumber: '9990000018', practiceOds: 'A81001', supplier: 'TPP', code: '9Nu0', extractId: 'x', receivedAt: T + 1, ...over });

function reasonOf(stream: Parameters<Intake['admit']>[0], fields: Record<string, unknown>): string {
  const admission = new Intake(catalogue).admit(stream, fields);
  return admission.kind === 'dead' ? admission.reason : admission.kind;
}

describe('NHS number check', () => {
  it('accepts the Modulus 11 check digit and rejects a check value of 10, spaces and non-ASCII digits', () => {
    expect(isValidNhsNumber('9990000018')).toBe(true);
    expect(isValidNhsNumber('9990000017')).toBe(false);
    // 999000001x: weights give a check value of 10 for some prefixes; find one and make sure no digit passes.
    const prefix = Array.from({ length: 100 }, (_, i) => `9990001${String(i).padStart(2, '0')}`).find((p) => [...'0123456789'].every((d) => !isValidNhsNumber(p + d)));
    expect(prefix).toBeDefined();
    expect(isValidNhsNumber('999 000 0018')).toBe(false);
    expect(isValidNhsNumber('999000001')).toBe(false);
    expect(isValidNhsNumber('٩٩٩0000018')).toBe(false);
  });
});

describe('dead-letter reasons, in the order the rules check them', () => {
  it('says UNDECODABLE before MISSING_FIELD, MISSING_FIELD before INVALID_NHS_NUMBER, and so on', () => {
    expect(reasonOf('gpEvents', gp({ recordedAt: 'yesterday', practiceOds: null }))).toBe('UNDECODABLE');
    expect(reasonOf('gpEvents', gp({ practiceOds: null, nhsNumber: '123' }))).toBe('MISSING_FIELD');
    expect(reasonOf('gpEvents', gp({ supplier: undefined }))).toBe('MISSING_FIELD');
    expect(reasonOf('gpEvents', gp({ supplier: undefined, eventId: '', recordedAt: 0 }))).toBe('MISSING_FIELD');
    expect(reasonOf('gpEvents', gp({ eventId: '', recordedAt: 'yesterday' }))).toBe('UNDECODABLE');
    expect(reasonOf('gpEvents', gp({ practiceOds: '9990000026', nhsNumber: '9990000017', code: 'nope' }))).toBe('INVALID_FIELD');
    expect(reasonOf('ndsManifests', manifest({ recordCount: -1, coversUpTo: T + 2001 }))).toBe('INVALID_FIELD');
    expect(reasonOf('gpEvents', gp({ nhsNumber: '9990000017', code: 'nope' }))).toBe('INVALID_NHS_NUMBER');
    expect(reasonOf('gpEvents', gp({ code: 'nope' }))).toBe('UNKNOWN_CODE');
    expect(reasonOf('ndsManifests', manifest({ coversUpTo: T + 2001 }))).toBe('INVALID_MANIFEST');
    expect(reasonOf('ndsManifests', manifest({ coversUpTo: T + 2000 }))).toBe('accepted');
    expect(reasonOf('ndsDisseminations', share({ purpose: 'MARKETING' }))).toBe('UNDECODABLE');
    expect(reasonOf('ndsDisseminations', share({ sharedAt: 1.5 }))).toBe('UNDECODABLE');
    expect(reasonOf('ndsDisseminations', share({ nhsNumber: null }))).toBe('MISSING_FIELD');
    expect(reasonOf('ndsDisseminations', share({ recipient: '', nhsNumber: '9990000017' }))).toBe('INVALID_FIELD');
    expect(reasonOf('ndsReceived', receipt())).toBe('accepted');
  });

  it('matches codes exactly, allowing one trailing full stop on Read v2 codes only', () => {
    const shipped = new CodeCatalogue([
      { code: '9Nu0', system: 'READ_V2', type: 'TYPE_1', action: 'DISSENT' },
      { code: 'XaZ89', system: 'CTV3', type: 'TYPE_1', action: 'DISSENT' },
      { code: '827241000000103', system: 'SNOMED_CT', type: 'TYPE_1', action: 'DISSENT' },
    ]);
    expect(shipped.lookup('9Nu0.')?.type).toBe('TYPE_1');
    for (const code of ['9Nu0..', '9nu0', 'XAZ89', 'xaz89', 'XaZ89.', '827241000000103.', ' 9Nu0', '9Nu0 ']) expect(shipped.lookup(code)).toBeUndefined();
  });
});

describe('duplicates', () => {
  it('counts the same id with the same content as a duplicate, and different content as a conflict; the first stays', () => {
    const intake = new Intake(catalogue);
    expect(intake.admit('gpEvents', gp()).kind).toBe('accepted');
    expect(intake.admit('gpEvents', gp()).kind).toBe('duplicate');
    expect(intake.admit('gpEvents', gp({ code: '9Nu1' }))).toMatchObject({ kind: 'dead', reason: 'CONFLICTING_DUPLICATE' });
    expect(intake.admit('gpEvents', gp({ code: '9Nu1' }))).toMatchObject({ kind: 'dead', reason: 'CONFLICTING_DUPLICATE' });
    expect(intake.admit('gpEvents', gp()).kind).toBe('duplicate');
  });

  it('lets no invalid record claim an id: a later valid record with that id is new', () => {
    const intake = new Intake(catalogue);
    expect(intake.admit('gpEvents', gp({ nhsNumber: '9990000017' })).kind).toBe('dead');
    expect(intake.admit('gpEvents', gp()).kind).toBe('accepted');
  });

  it('keeps ids of different inputs apart', () => {
    const intake = new Intake(catalogue);
    expect(intake.admit('ndsManifests', manifest({ extractId: 'same' })).kind).toBe('accepted');
    expect(intake.admit('ndsDisseminations', share({ disseminationId: 'same' })).kind).toBe('accepted');
  });

  it('treats an absent optional field as null, and tells timestamps and text apart', () => {
    const intake = new Intake(catalogue);
    expect(intake.admit('ndsReceived', receipt()).kind).toBe('accepted');
    expect(intake.admit('ndsReceived', receipt({ sourceEventId: null })).kind).toBe('duplicate');
    expect(intake.admit('ndsReceived', receipt({ sourceEventId: 'e1' }))).toMatchObject({ reason: 'CONFLICTING_DUPLICATE' });
    expect(intake.admit('ndsReceived', receipt({ receivedAt: T + 2 }))).toMatchObject({ reason: 'CONFLICTING_DUPLICATE' });
  });

  it('remembers hundreds of thousands of ids in a fixed-width table without false duplicates on distinct ids', () => {
    const intake = new Intake(catalogue);
    let duplicates = 0;
    for (let i = 0; i < 300_000; i++) if (intake.admit('ndsDisseminations', share({ disseminationId: `d${i}` })).kind !== 'accepted') duplicates++;
    expect(duplicates).toBe(0);
    expect(intake.admit('ndsDisseminations', share({ disseminationId: 'd123456' })).kind).toBe('duplicate');
  });
});

describe('fingerprints', () => {
  it('gives a dissemination the same content fingerprint on its fast path as the general field loop', () => {
    const screen = new RecordScreen(catalogue);
    const fields = share({ recipient: 'Unit', purpose: 'PLANNING', sharedAt: 1_234_567_890_123 });
    expect(screen.screen('ndsDisseminations', fields).ok).toBe(true);
    const general = new Fingerprinter().begin();
    for (const name of STREAM_FIELDS.ndsDisseminations.fields) {
      if (name === 'disseminationId') continue;
      const value = (fields as Record<string, unknown>)[name];
      if (typeof value === 'number') general.integer(value);
      else general.text(value as string);
    }
    general.end();
    expect([screen.contentHi, screen.contentLo]).toEqual([general.hi, general.lo]);
  });
});
