// Runs before the integration tests (`npm run test:integration`) and makes sure the servers the test stack will
// choose (see global-setup.ts) can start. Only librdkafka's mock cluster, used when KAFKA_BROKERS is unset and no
// Docker engine answers, needs anything installed: a C compiler and librdkafka-dev to build its launcher. Run as
// root on Debian, this step installs them through apt; anywhere else it stops with one line naming what to install.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { probeDocker } from './docker-probe.js';
import { buildMockClusterLauncher, MockToolchainMissing } from './mock-kafka.js';

const env = process.env;
const say = (line: string) => process.stdout.write(`[test stack] ${line}\n`);

async function provision(): Promise<number> {
  if (env.KAFKA_BROKERS?.trim()) return 0;
  if ((await probeDocker(env)).found) return 0;
  try {
    await buildMockClusterLauncher();
    return 0;
  } catch (error) {
    if (!(error instanceof MockToolchainMissing)) throw error;
    if (!mayInstall()) return cannot(error);
    say(`${error.missing}: installing ${error.packages.join(' ')} through apt`);
    if (!apt(['update', '-qq']) || !apt(['install', '-y', '-qq', '--no-install-recommends', ...error.packages])) return cannot(error);
  }
  try {
    await buildMockClusterLauncher();
    return 0;
  } catch (error) {
    if (error instanceof MockToolchainMissing) return cannot(error);
    throw error;
  }
}

/** Root on Debian (or a derivative) with apt-get: the one case where installing packages is this step's business. */
function mayInstall(): boolean {
  return process.getuid?.() === 0 && existsSync('/etc/debian_version') && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
}

function apt(args: string[]): boolean {
  const run = spawnSync('apt-get', args, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...env, DEBIAN_FRONTEND: 'noninteractive' } });
  return run.status === 0;
}

function cannot(error: MockToolchainMissing): number {
  process.stderr.write(`integration tests: cannot start librdkafka's mock Kafka cluster (${error.missing}): install ${error.packages.join(' ')} `
    + `(Debian/Ubuntu: apt-get install -y ${error.packages.join(' ')}), or set KAFKA_BROKERS, or start a Docker engine\n`);
  return 1;
}

process.exitCode = await provision();
