import { describe, expect, it } from 'vitest';
import { cpuBetween, formatCpuSplit, statSeconds } from './cpu-accounts.js';

describe('CPU accounts of the live bench', () => {
  it('reads utime and stime from a stat line, whatever the process name holds', () => {
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
    const line = '4242 (odd name) (x)) R 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 123 456 789';
    expect(statSeconds(line)).toBe(3);
    // cutime and cstime: 400 and 100 ticks of children that ended.
    expect(statSeconds('1 (postgres) S 0 1 1 0 -1 4194560 100 0 0 0 250 50 400 100 20 0 1 0 123 456 789', true)).toBe(8);
  });

  it('splits a stretch into the process, PostgreSQL and the rest of the machine', () => {
    const before = { process: 10, postgres: 5, machineBusy: 100, machineTotal: 200 };
    const after = { process: 14, postgres: 8, machineBusy: 108, machineTotal: 210 };
    const split = cpuBetween(before, after);
    expect(split).toEqual({ process: 4, postgres: 3, rest: 1, busyShare: 0.8 });
    expect(formatCpuSplit(split!, 200_000, 'service')).toBe('service 20.0 µs, PostgreSQL 15.0 µs, rest of the machine 5.0 µs of CPU per record; cores 80% busy');
    expect(cpuBetween(null, after)).toBeNull();
  });
});
