import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryCgroup, oomKillsOf, quantityBytes, type MemoryCgroup } from './memory-cgroup.js';

describe('memory quantities and counts the bench reads', () => {
  it.each([['768Mi', 768 * 1024 ** 2], ['2Gi', 2 * 1024 ** 3], ['64Ki', 65_536], ['500M', 5e8], ['1G', 1e9], ['123', 123]] as const)('%s is %d bytes', (quantity, bytes) => {
    expect(quantityBytes(quantity)).toBe(bytes);
  });

  it('refuses a quantity it does not read', () => {
    expect(() => quantityBytes('768MiB')).toThrow(/768MiB/);
    expect(() => quantityBytes('0.5Gi')).toThrow(/0.5Gi/);
  });

  it('reads the out-of-memory kills from v1\'s oom_control and v2\'s events', () => {
    expect(oomKillsOf('oom_kill_disable 0\nunder_oom 0\noom_kill 3\n')).toBe(3);
    expect(oomKillsOf('low 0\nhigh 0\nmax 12\noom 2\noom_kill 2\noom_group_kill 0\n')).toBe(2);
    expect(oomKillsOf('oom_kill_disable 0\nunder_oom 0\n')).toBe(0);
  });
});

/** Runs `node -e script` in the cgroup; resolves with the signal that ended it, if any. */
function runIn(cgroup: MemoryCgroup, script: string): Promise<NodeJS.Signals | null> {
  const { file, args } = cgroup.command(process.execPath, ['-e', script]);
  const child = spawn(file, args, { stdio: 'ignore' });
  return new Promise((resolve) => child.on('exit', (_, signal) => resolve(signal)));
}

// Only where the bench itself can make one (root on Linux, with a memory controller it may write to): asked of
// memoryCgroup itself, whose answer elsewhere is null and the bench's line says the limit was not checked.
const cgroup = await memoryCgroup(`optout-verifier-test-${randomBytes(4).toString('hex')}`, 256 * 1024 ** 2);

afterAll(async () => {
  await cgroup?.remove();
});

describe.runIf(cgroup !== null)('a memory cgroup of the bench', () => {
  it('holds a process under its limit: one that stays under runs to its end, one that passes it is killed and counted', async () => {
    // 64 MiB touched: under the limit.
    expect(await runIn(cgroup!, 'const b = Buffer.alloc(64 << 20, 1); if (b[0] !== 1) process.exit(2)')).toBeNull();
    const peak = await cgroup!.peakBytes();
    if (peak !== null) expect(peak).toBeGreaterThan(64 * 1024 ** 2);
    expect(await cgroup!.oomKills()).toBe(0);
    // 1 GiB touched, 16 MiB at a time, all kept: past it.
    expect(await runIn(cgroup!, 'const kept = []; for (let i = 0; i < 64; i++) kept.push(Buffer.alloc(16 << 20, 1))')).toBe('SIGKILL');
    expect(await cgroup!.oomKills()).toBe(1);
  });
});
