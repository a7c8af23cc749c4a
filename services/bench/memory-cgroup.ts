// A Linux memory cgroup for a child process of the live bench, so that the service works off a backlog under the
// memory limit the shipped deployment gives its container (deploy/optout-verifier.yaml), as it would there: Node
// sizes its heap from the limit it starts under, and the kernel kills the process if it passes the limit. Made only
// where the bench may (root, and a memory controller: cgroup v1's hierarchy or v2's unified one); elsewhere there is
// none, and the bench says the backlog was worked off without a limit.
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The memory limit of the verifier's container in deploy/optout-verifier.yaml (test/ops checks they agree). */
export const SHIPPED_MEMORY_LIMIT = '768Mi';

/**
 * NODE_OPTIONS of the image (infra/docker/verifier.Dockerfile; test/ops checks they agree). Under a memory limit
 * Node would shrink V8's young generation to a quarter (8 MB of new space in a 768 MiB cgroup, 32 MB without), and
 * the service collect garbage far more often: on the four-times backlog under the limit, 34,064 events/s and 31.4
 * µs of service CPU per record with it, against 27,906 to 30,871 and 35.3 to 39.0 µs without, using at most 447 MiB
 * instead of 384 to 391.
 */
export const SHIPPED_NODE_OPTIONS = '--max-semi-space-size=16';

const UNITS: Readonly<Record<string, number>> = { '': 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, k: 1e3, M: 1e6, G: 1e9 };

/** A Kubernetes memory quantity (`768Mi`, `1G`, `500000000`) in bytes. */
export function quantityBytes(quantity: string): number {
  const match = /^(\d+)(Ki|Mi|Gi|k|M|G)?$/.exec(quantity);
  if (match === null) throw new Error(`not a memory quantity this bench reads: ${quantity}`);
  return Number(match[1]) * UNITS[match[2] ?? '']!;
}

/** The count on the `oom_kill` line of v1's memory.oom_control or v2's memory.events (0 when there is none). */
export function oomKillsOf(text: string): number {
  const line = text.split('\n').find((l) => l.startsWith('oom_kill '));
  return line === undefined ? 0 : Number(line.slice('oom_kill '.length));
}

export interface MemoryCgroup {
  readonly limitBytes: number;
  /** The command that starts `file args` inside the cgroup, as the process itself (the shell execs it). */
  command(file: string, args: readonly string[]): { readonly file: string; readonly args: string[] };
  /** The most memory the cgroup has used (resident memory and the page cache charged to it), in bytes; null if not kept. */
  peakBytes(): Promise<number | null>;
  /** Processes the kernel killed in the cgroup for passing the limit. */
  oomKills(): Promise<number>;
  /** Removes the cgroup, once nothing runs in it. */
  remove(): Promise<void>;
}

interface Layout {
  readonly limit: string;
  readonly peak: string;
  readonly oom: string;
}

const V1: Layout = { limit: 'memory.limit_in_bytes', peak: 'memory.max_usage_in_bytes', oom: 'memory.oom_control' };
const V2: Layout = { limit: 'memory.max', peak: 'memory.peak', oom: 'memory.events' };

/** A new memory cgroup limited to `limitBytes`, or null where none can be made here. */
export async function memoryCgroup(name: string, limitBytes: number): Promise<MemoryCgroup | null> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return null;
  const found = await hierarchy();
  if (found === null) return null;
  const dir = join(found.root, name);
  try {
    await mkdir(dir);
  } catch {
    return null;
  }
  try {
    await writeFile(join(dir, found.layout.limit), String(limitBytes));
  } catch {
    await rmdir(dir).catch(() => {});
    return null;
  }
  const read = (file: string) => readFile(join(dir, file), 'utf8');
  return {
    limitBytes,
    command: (file, args) => ({ file: '/bin/sh', args: ['-c', 'echo $$ > "$0" && exec "$@"', join(dir, 'cgroup.procs'), file, ...args] }),
    peakBytes: async () => {
      try {
        return Number((await read(found.layout.peak)).trim());
      } catch {
        return null;
      }
    },
    oomKills: async () => oomKillsOf(await read(found.layout.oom)),
    remove: () => rmdir(dir),
  };
}

/** Where memory cgroups are made here, and how their files are named. */
async function hierarchy(): Promise<{ readonly root: string; readonly layout: Layout } | null> {
  const v1 = '/sys/fs/cgroup/memory';
  if (await readable(join(v1, V1.limit))) return { root: v1, layout: V1 };
  const v2 = '/sys/fs/cgroup';
  const controllers = await readFile(join(v2, 'cgroup.controllers'), 'utf8').catch(() => '');
  if (!controllers.split(/\s+/).includes('memory')) return null;
  // The root's children get a memory controller once the root hands it down.
  const handed = await readFile(join(v2, 'cgroup.subtree_control'), 'utf8').catch(() => '');
  if (!handed.split(/\s+/).includes('memory')) await writeFile(join(v2, 'cgroup.subtree_control'), '+memory').catch(() => {});
  return { root: v2, layout: V2 };
}

async function readable(path: string): Promise<boolean> {
  return readFile(path, 'utf8').then(() => true, () => false);
}
