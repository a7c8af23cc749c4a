import { describe, expect, it } from 'vitest';
import { isValidNhsNumber } from '../core/nhs-number.js';
import type { StreamName } from '../core/records.js';
import { STREAM_FIELDS } from '../core/records.js';
import { FOREIGN_PURPOSE } from './bad-records.js';
import { collectScenario, meaningOf } from './testing/collected-scenario.js';

const ndjson = collectScenario({ faults: ['bad-records'], format: 'ndjson', releaseSize: { lines: 200 } });
const avro = collectScenario({ faults: ['bad-records'], format: 'avro', releaseSize: { lines: 200 } });
const fault = ndjson.run.faultDescriptions()[0];
const countOf = (what: string) => fault?.affected[what]?.count;

describe('fault profile bad-records', () => {
  it('writes invalid NHS numbers that keep the 999 prefix, each lending its id to a valid record after it', () => {
    for (const stream of ['gpEvents', 'ndsReceived', 'ndsDisseminations'] as const) {
      const records = ndjson.items.flatMap((item, position) => (item.kind === 'record' && item.stream === stream ? [{ position, record: item.record as unknown as Record<string, string> }] : []));
      const idField = STREAM_FIELDS[stream].id;
      const invalid = records.filter((r) => !isValidNhsNumber(r.record.nhsNumber as string));
      expect(invalid.length).toBe(3);
      expect(countOf(`${stream}.INVALID_NHS_NUMBER`)).toBe(3);
      for (const bad of invalid) {
        expect(bad.record.nhsNumber).toMatch(/^999\d{7}$/);
        const heir = records.find((r) => r.position > bad.position && r.record[idField] === bad.record[idField]);
        expect(heir && isValidNhsNumber(heir.record.nhsNumber as string)).toBe(true);
      }
    }
  });

  it('writes codes the catalogue does not hold, and manifests that cover time after they were stored', () => {
    expect(ndjson.gpEvents.filter((e) => meaningOf(e.code) === undefined).length).toBe(3);
    expect(ndjson.ndsReceived.filter((r) => meaningOf(r.code) === undefined).length).toBe(3);
    expect(ndjson.ndsManifests.filter((m) => m.coversUpTo > m.receivedAt).length).toBe(2);
  });

  it('in NDJSON, also writes a record with a missing field and a line that is no record, in every stream', () => {
    for (const stream of ['gpEvents', 'ndsReceived', 'ndsManifests', 'ndsDisseminations'] as StreamName[]) {
      const missing = ndjson.offContract.filter((i) => i.stream === stream && i.flaw === 'MISSING_FIELD');
      expect(missing.length).toBe(1);
      const fields = missing[0]?.fields ?? {};
      expect(STREAM_FIELDS[stream].fields.some((f) => fields[f] === undefined || fields[f] === null)).toBe(true);
      const garbled = ndjson.garbled.filter((g) => g.stream === stream);
      expect(garbled.length).toBe(1);
      const text = garbled[0]?.text ?? '';
      const parsesAsRecord = (() => {
        try {
          const value = JSON.parse(text) as Record<string, unknown>;
          const time = value[STREAM_FIELDS[stream].time];
          return typeof time === 'number' || !Number.isNaN(Date.parse(String(time)));
        } catch {
          return false;
        }
      })();
      expect(parsesAsRecord).toBe(false);
    }
  });

  it('writes a purpose outside the contract in both formats, and the NDJSON-only kinds only in NDJSON', () => {
    for (const run of [ndjson, avro]) {
      const foreign = run.offContract.filter((i) => i.flaw === 'UNKNOWN_SYMBOL');
      expect(foreign.map((i) => i.fields.purpose)).toEqual([FOREIGN_PURPOSE, FOREIGN_PURPOSE]);
    }
    expect(avro.offContract.filter((i) => i.flaw === 'MISSING_FIELD')).toEqual([]);
    expect(avro.garbled).toEqual([]);
    expect(avro.run.carriesForeignPurpose).toBe(true);
  });
});
