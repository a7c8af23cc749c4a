// Faults a test brings on the service's database from outside: a table lock held, connections cut, a rival's claim
// on the decider's lease. Each answers what a test needs to know about it (how many sessions it reached).
import pg from 'pg';
import type { StoreReader } from './store-inspection.js';

const ADVISORY_LOCK_HOLDERS = `FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
  WHERE l.locktype = 'advisory' AND a.application_name = $1`;

export interface HeldLock {
  release(): Promise<void>;
}

/** Holds an exclusive lock on input_partitions, which every ingest transaction needs, from a session of its own until released. */
export async function holdPartitionTableLock(databaseUrl: string): Promise<HeldLock> {
  const locker = new pg.Client({ connectionString: databaseUrl });
  await locker.connect();
  const release = async () => {
    await locker.query('COMMIT').catch(() => {});
    await locker.end();
  };
  try {
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE input_partitions IN EXCLUSIVE MODE');
  } catch (error) {
    await release();
    throw error;
  }
  return { release };
}

/** How many sessions of `applicationName` hold an advisory lock (the decider's, while one leads). */
export async function advisoryLockHolders(db: StoreReader, applicationName: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n ${ADVISORY_LOCK_HOLDERS}`, [applicationName]);
  return rows[0]!.n;
}

/** Terminates the sessions of `applicationName` that hold an advisory lock (the decider's connection); returns how many. */
export async function terminateAdvisoryLockHolders(db: StoreReader, applicationName: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(pg_terminate_backend(l.pid))::int AS n ${ADVISORY_LOCK_HOLDERS}`, [applicationName]);
  return rows[0]!.n;
}

/** Terminates every session of `applicationName`; returns how many. */
export async function terminateConnections(db: StoreReader, applicationName: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>('SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1', [applicationName]);
  return rows[0]!.n;
}

/** A rival's claim on the decider's lease: the stored leader epoch moves past the current leader's. */
export async function advanceLeaderEpoch(db: StoreReader): Promise<void> {
  await db.query('UPDATE decider_state SET leader_epoch = leader_epoch + 1');
}
