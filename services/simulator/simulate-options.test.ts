import { describe, expect, it } from 'vitest';
import { DEFAULTS, FAULT_PROFILES } from './scenario-params.js';
import { parseSimulateFlags } from './simulate-options.js';

const ok = (argv: string[]) => {
  const parsed = parseSimulateFlags(argv);
  if (parsed.kind !== 'run') throw new Error(parsed.lines.join('\n'));
  return parsed.config;
};
const problems = (argv: string[]) => {
  const parsed = parseSimulateFlags(argv);
  return parsed.kind === 'exit' ? { code: parsed.code, lines: parsed.lines } : { code: -1, lines: [] };
};

describe('simulate flags', () => {
  it('needs only --out, and defaults the rest', () => {
    const c = ok(['--out', 'x']);
    expect(c).toMatchObject({ outDir: 'x', seed: 1, practices: DEFAULTS.practices, patients: DEFAULTS.patients, days: DEFAULTS.days, faults: [], format: 'avro', codec: 'null', quiet: false });
    expect(c.startAt).toBe(Date.UTC(2015, 0, 1));
    expect(c.releaseSize).toEqual({ shareOfPatients: 0.05 });
  });

  it('reads fault lists in any order into the canonical order, and none and all', () => {
    expect(ok(['--out', 'x', '--faults', 'redeliveries,systmone-2018']).faults).toEqual(['systmone-2018', 'redeliveries']);
    expect(ok(['--out', 'x', '--faults', 'none']).faults).toEqual([]);
    expect(ok(['--out', 'x', '--faults', 'all']).faults).toEqual([...FAULT_PROFILES]);
  });

  it('takes disseminations per week as a number or a share of patients', () => {
    expect(ok(['--out', 'x', '--disseminations-per-week', '51000']).releaseSize).toEqual({ lines: 51000 });
    expect(ok(['--out', 'x', '--disseminations-per-week', '2.5%']).releaseSize).toEqual({ shareOfPatients: 0.025 });
  });

  it('reports every bad value at once, one line each, with exit code 2', () => {
    const p = problems(['--out', 'x', '--seed', '-3', '--start', '2015-02-30', '--faults', 'systmone-2018,meteor', '--format', 'csv', '--patients', '2000000', '--opt-outs-per-year', '0']);
    expect(p.code).toBe(2);
    expect(p.lines.length).toBe(6);
    expect(p.lines.join('\n')).toMatch(/--start.*2015-02-30/);
    expect(p.lines.join('\n')).toMatch(/unknown profile 'meteor'/);
  });

  it('says in one line what is wrong with a missing or unknown flag', () => {
    expect(problems([])).toMatchObject({ code: 2 });
    expect(problems([]).lines).toHaveLength(1);
    expect(problems([]).lines[0]).toMatch(/--out/);
    expect(problems(['--out', 'x', '--frobnicate']).lines[0]).toMatch(/--frobnicate/);
    expect(problems(['--out', 'x', '--practices', '10', '--patients', '5']).lines[0]).toMatch(/every practice needs a patient/);
  });

  it('prints help with exit code 0', () => {
    const parsed = parseSimulateFlags(['--help']);
    expect(parsed).toMatchObject({ kind: 'exit', code: 0 });
    expect(parsed.kind === 'exit' && parsed.lines[0]).toMatch(/--disseminations-per-week/);
  });
});
