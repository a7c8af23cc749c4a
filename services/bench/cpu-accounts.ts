// Where the machine's CPU went over a stretch of the live bench, from Linux's /proc: one process (the service, or
// the bench's own process for the raw baseline), PostgreSQL's processes, and the rest of the machine (the Kafka
// broker, the bench itself). Every process named postgres counts, so a machine running other clusters counts theirs
// too. Elsewhere, or where /proc cannot be read, nothing is measured and nothing is printed.
import { readdir, readFile } from 'node:fs/promises';

/** Linux counts process and machine CPU time in clock ticks of 1/100 s (USER_HZ) on every architecture it runs on. */
const TICKS_PER_SECOND = 100;

export interface CpuReading {
  /** CPU seconds of the process watched, PostgreSQL's processes and the whole machine; the machine's wall span. */
  readonly process: number;
  readonly postgres: number;
  readonly machineBusy: number;
  readonly machineTotal: number;
}

export interface CpuSplit {
  /** CPU seconds over the stretch. */
  readonly process: number;
  readonly postgres: number;
  readonly rest: number;
  /** Share of every core's time that was busy. */
  readonly busyShare: number;
}

/**
 * utime + stime of a /proc/<pid>/stat line, in seconds (fields 14 and 15, counted after the parenthesised name); with
 * `children`, also cutime + cstime (16 and 17): the time of its children that have ended and been waited for.
 */
export function statSeconds(stat: string, children = false): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const own = Number(fields[11]) + Number(fields[12]);
  return (children ? own + Number(fields[13]) + Number(fields[14]) : own) / TICKS_PER_SECOND;
}

async function processSeconds(pid: number): Promise<number> {
  return statSeconds(await readFile(`/proc/${pid}/stat`, 'utf8'));
}

async function postgresSeconds(): Promise<number> {
  let total = 0;
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      // With its ended children's time: a backend or an autovacuum worker that ends within the stretch is counted
      // in the postmaster's, which waits for it.
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) === 'postgres') total += statSeconds(stat, true);
    } catch {
      // a process that ended while the list was read
    }
  }
  return total;
}

async function machineSeconds(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n', 1)[0]!;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number) as number[];
  // Time the hypervisor gave to others (steal) is neither busy here nor idle: it counts in the total only.
  const busy = user! + nice! + system! + irq! + softirq!;
  return { busy: busy / TICKS_PER_SECOND, total: (busy + idle! + iowait! + steal!) / TICKS_PER_SECOND };
}

/** A reading now, or null where /proc cannot be read. */
export async function readCpu(pid: number): Promise<CpuReading | null> {
  try {
    const [process, postgres, machine] = await Promise.all([processSeconds(pid), postgresSeconds(), machineSeconds()]);
    return { process, postgres, machineBusy: machine.busy, machineTotal: machine.total };
  } catch {
    return null;
  }
}

export function cpuBetween(before: CpuReading | null, after: CpuReading | null): CpuSplit | null {
  if (before === null || after === null) return null;
  const process = after.process - before.process;
  const postgres = after.postgres - before.postgres;
  const busy = after.machineBusy - before.machineBusy;
  const total = after.machineTotal - before.machineTotal;
  return { process, postgres, rest: Math.max(0, busy - process - postgres), busyShare: total > 0 ? busy / total : 0 };
}

/** "service 18.2 µs, PostgreSQL 12.9 µs, rest 2.1 µs of CPU per record; cores 97% busy". */
export function formatCpuSplit(split: CpuSplit, records: number, processName: string): string {
  const perRecord = (seconds: number) => `${((seconds / records) * 1e6).toFixed(1)} µs`;
  return `${processName} ${perRecord(split.process)}, PostgreSQL ${perRecord(split.postgres)}, rest of the machine ${perRecord(split.rest)} of CPU per record; cores ${Math.round(split.busyShare * 100)}% busy`;
}
