// What a live test makes (its set-up, the service, child processes, private servers), cleaned up after the test
// by the describe block that asked for it: the last thing made goes first, so a service stops before its schema
// and topics go, and those before the server they live on.
import { afterEach } from 'vitest';
import type { TestStack } from '../../stack/test-context.js';
import { prepareLive, spawnService, startInProcess, type ChildService, type InProcessService, type LiveSetup } from './live-harness.js';

export interface TestResources {
  /** Keeps `made` until the test ends, then calls `cleanUp` on it. */
  keep<T>(made: T, cleanUp: (made: T) => Promise<unknown> | unknown): T;
  /** The test's topics, group, schema and key (prepareLive). */
  live(options: Parameters<typeof prepareLive>[1]): Promise<LiveSetup>;
  /** The service in this process (startInProcess), stopped after the test. */
  inProcess(setup: LiveSetup, env: Record<string, string>, instance?: string): Promise<InProcessService>;
  /** `optout-verifier run` as a child process (spawnService), killed after the test if it still runs. */
  child(setup: LiveSetup, env: Record<string, string>, instance: string): ChildService;
}

export function testResources(stack: TestStack): TestResources {
  const cleanUps: (() => Promise<unknown> | unknown)[] = [];
  afterEach(async () => {
    for (const cleanUp of cleanUps.splice(0).reverse()) await cleanUp();
  });
  const keep = <T>(made: T, cleanUp: (made: T) => Promise<unknown> | unknown): T => {
    cleanUps.push(() => cleanUp(made));
    return made;
  };
  return {
    keep,
    live: async (options) => keep(await prepareLive(stack, options), (setup) => setup.cleanUp()),
    inProcess: async (setup, env, instance) => keep(await startInProcess(setup, env, instance), (running) => running.service.stop()),
    child: (setup, env, instance) => keep(spawnService(setup, env, instance), ({ child }) => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }),
  };
}
