// Starting `optout-verifier run`: settings checked once with every problem listed (exit 2), a schema without its
// migrations refused (exit 1), a missing topic waited for and never created, /healthz and /readyz answering.
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { STREAM_NAMES } from '../../services/core/records.js';
import { createRuntimeRole } from './support/runtime-role.js';
import { liveEnv, startInProcess, waitUntil, type InProcessService, type LiveSetup } from './support/live-harness.js';
import { testStack, type FreshSchema } from '../stack/test-context.js';
import { migrate } from '../../services/live/store/migration-runner.js';
import { Kafka } from 'kafkajs';
import pg from 'pg';
import { runCli } from '../stack/cli-entry.js';

describe('starting the live service', () => {
  const stack = testStack();
  let schema: FreshSchema | undefined;
  let running: InProcessService | undefined;

  afterEach(async () => {
    await running?.service.stop();
    running = undefined;
    await schema?.drop();
    schema = undefined;
  });

  it('lists every problem with its settings at once and exits 2', async () => {
    const result = await runCli(['run', '--sla', 'soon'], { KAFKA_BROKERS: 'no-port', IDLE_TIMEOUT: '0s', VALUE_ENCODING: 'json' });
    expect(result.code).toBe(2);
    for (const name of ['KAFKA_BROKERS', 'DATABASE_URL', 'PSEUDONYM_KEY_FILE', 'SLA', 'IDLE_TIMEOUT', 'VALUE_ENCODING']) expect(result.stderr).toContain(name);
  });

  // Regression: a DATABASE_URL without sslmode connected in plaintext silently, and so did Kafka without KAFKA_SSL.
  it('refuses a DATABASE_URL without sslmode and a Kafka without TLS at start (exit 2), for run and migrate alike', async () => {
    const env = { KAFKA_BROKERS: stack.brokers.join(','), DATABASE_URL: stack.databaseUrl, PSEUDONYM_KEY_FILE: '/nonexistent/key' };
    const run = await runCli(['run'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/DATABASE_URL connects to PostgreSQL without TLS \(sslmode not set\)/);
    expect(run.stderr).toMatch(/KAFKA_SSL is not true: the connection to Kafka would be plaintext/);
    const disabled = new URL(stack.databaseUrl);
    disabled.searchParams.set('sslmode', 'disable');
    const migrating = await runCli(['migrate'], { DATABASE_URL: disabled.toString() });
    expect(migrating.code).toBe(2);
    expect(migrating.stderr).toMatch(/DATABASE_URL connects to PostgreSQL without TLS \(sslmode disable\)/);
  });

  it('refuses a schema that lacks its migrations (exit 1), and `migrate` applies them', async () => {
    schema = await stack.freshSchema();
    const dir = await mkdtemp(join(tmpdir(), 'optout-start-'));
    const keyFile = join(dir, 'key');
    await writeFile(keyFile, randomBytes(32).toString('hex'), { mode: 0o600 });
    const env = { KAFKA_BROKERS: stack.brokers.join(','), DATABASE_URL: stack.databaseUrl, DB_SCHEMA: schema.schema, PSEUDONYM_KEY_FILE: keyFile, METRICS_PORT: '0', ALLOW_PLAINTEXT: 'true' };
    const refused = await runCli(['run'], env);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/"level":"fatal".*lacks migrations 001_state\.sql, 002_source_index\.sql.*optout-verifier migrate/);
    const role = await createRuntimeRole(stack);
    try {
      const withoutRole = await runCli(['migrate'], env);
      expect(withoutRole.code).toBe(2);
      expect(withoutRole.stderr).toContain('DB_RUNTIME_ROLE (--runtime-role) is required');
      const unknownRole = await runCli(['migrate'], { ...env, DB_RUNTIME_ROLE: `${role.name}_missing` });
      expect(unknownRole.code).toBe(2);
      expect(unknownRole.stderr).toContain(`DB_RUNTIME_ROLE ${role.name}_missing does not exist: create it first`);
      const migrated = await runCli(['migrate'], { ...env, DB_RUNTIME_ROLE: role.name });
      expect(migrated.code).toBe(0);
      expect(migrated.stdout).toContain('001_state.sql');
      expect(migrated.stdout).toContain(`${role.name} holds exactly the privileges run needs`);
      expect((await runCli(['migrate'], { ...env, DB_RUNTIME_ROLE: role.name })).stdout).toContain('is up to date');
    } finally {
      await schema.drop();
      schema = undefined;
      await role.drop();
    }
  });

  it('waits for a missing topic without creating it, and is ready once it exists', async () => {
    schema = await stack.freshSchema();
    await migrate(stack.databaseUrl, schema.schema);
    const dir = await mkdtemp(join(tmpdir(), 'optout-start-'));
    const keyFile = join(dir, 'key');
    await writeFile(keyFile, randomBytes(32).toString('hex'), { mode: 0o600 });
    const topics = {
      gpEvents: stack.uniqueName('gp'), ndsReceived: stack.uniqueName('rc'), ndsManifests: stack.uniqueName('mf'), ndsDisseminations: stack.uniqueName('ds'),
      alerts: stack.uniqueName('alerts'), deadLetter: stack.uniqueName('dead'),
    };
    await stack.createTopics([...STREAM_NAMES.map((s) => topics[s]), topics.alerts], 2);
    const db = new pg.Client({ connectionString: schema.databaseUrl });
    await db.connect();
    const setup = { dir, brokers: stack.brokers, topics, groupId: stack.uniqueName('verifier'), schema, databaseUrl: stack.databaseUrl, keyFile, partitions: 2, db } as unknown as LiveSetup;
    const starting = startInProcess(setup, liveEnv(setup));
    const logFile = join(dir, 'in-process.log');
    await waitUntil('the service to report the missing topic', async () => (await readFile(logFile, 'utf8').catch(() => '')).includes(`topics missing: ${topics.deadLetter}`), 30_000);
    const admin = new Kafka({ clientId: 'startup-test', brokers: stack.brokers }).admin();
    await admin.connect();
    expect(await admin.listTopics()).not.toContain(topics.deadLetter);
    await stack.createTopics([topics.deadLetter], 1);
    running = await starting;
    const port = running.service.httpPort;
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    await waitUntil('/readyz to answer 200', async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, 30_000);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/optout_verifier_decider_leader 1/);
    await admin.disconnect();
    await db.end();
  });
});
