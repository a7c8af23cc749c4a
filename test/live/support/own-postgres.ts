// A PostgreSQL cluster of the test's own (initdb in a temporary folder, its own port), so that the test can crash
// it (`pg_ctl stop -m immediate`: no checkpoint, no shutdown record, as a power cut) without touching any other
// test's server. initdb refuses root: as root, the cluster belongs to the postgres user and runs under it.
import { execFile } from 'node:child_process';
import { chmod, chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const BIN = '/usr/lib/postgresql/15/bin';
const exec = promisify(execFile);

export interface OwnPostgres {
  readonly url: string;
  readonly port: number;
  /** Stops the server at once, as a crash: commits not yet flushed to the WAL on disk are lost. */
  crash(): Promise<void>;
  /** Starts it again (crash recovery replays the WAL), and returns once it accepts connections. */
  start(): Promise<void>;
  /** Stops it and deletes its folder. */
  remove(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface OwnPostgresOptions {
  /** listen_addresses (default 127.0.0.1). */
  readonly listen?: string;
  /** Further server settings, as -c name=value. */
  readonly settings?: Readonly<Record<string, string>>;
  /** Files written into the data folder before the first start, owned by the server's user, mode 0600 (TLS keys). */
  readonly files?: Readonly<Record<string, string>>;
}

export async function startOwnPostgres(options: OwnPostgresOptions = {}): Promise<OwnPostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'optout-own-pg-'));
  const asRoot = process.getuid?.() === 0;
  let owner: { uid: number; gid: number } | null = null;
  if (asRoot) {
    const { stdout } = await exec('id', ['-u', 'postgres']);
    const { stdout: gid } = await exec('id', ['-g', 'postgres']);
    owner = { uid: Number(stdout.trim()), gid: Number(gid.trim()) };
    await chown(dir, owner.uid, owner.gid);
  }
  const run = (tool: string, args: string[]) => (asRoot
    ? exec('runuser', ['-u', 'postgres', '--', join(BIN, tool), ...args])
    : exec(join(BIN, tool), args));
  const data = join(dir, 'data');
  const port = await freePort();
  await run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  for (const [name, content] of Object.entries(options.files ?? {})) {
    const path = join(data, name);
    await writeFile(path, content);
    await chmod(path, 0o600);
    if (owner) await chown(path, owner.uid, owner.gid);
  }
  const settings = Object.entries(options.settings ?? {}).map(([name, value]) => ` -c ${name}=${value}`).join('');
  const start = async () => {
    await run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', `-p ${port} -k ${dir} -c listen_addresses=${options.listen ?? '127.0.0.1'} -c fsync=on${settings}`, 'start']);
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    crash: async () => { await run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']); },
    start,
    remove: async () => {
      await run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
  };
}
