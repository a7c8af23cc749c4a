// Decides, quickly and without output, whether a Docker engine answers.
// Importing testcontainers alone costs about a second, and its detection is
// only worth running when there is a sign of an engine; so the common places
// (the ones testcontainers looks at) are pinged here first, each with a short
// timeout.
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';

export type DockerProbe = { found: true; where: string } | { found: false; why: string };

export interface DockerProbeEnv {
  DOCKER_HOST?: string | undefined;
  DOCKER_TLS_VERIFY?: string | undefined;
  XDG_RUNTIME_DIR?: string | undefined;
}

const pingTimeoutMs = 1_500;

export async function probeDocker(env: DockerProbeEnv): Promise<DockerProbe> {
  const dockerHost = env.DOCKER_HOST?.trim();
  if (dockerHost) {
    if (dockerHost.startsWith('unix://')) return pingAt(dockerHost, { socketPath: dockerHost.slice('unix://'.length) });
    const tcp = /^tcp:\/\/([^:/]+):(\d+)\/?$/.exec(dockerHost);
    // A TLS endpoint needs the client certificates; testcontainers knows how to use them.
    if (tcp?.[1] && tcp[2] && !env.DOCKER_TLS_VERIFY) return pingAt(dockerHost, { host: tcp[1], port: Number(tcp[2]) });
    return askTestcontainers(dockerHost);
  }

  const propertiesFile = join(homedir(), '.testcontainers.properties');
  if (existsSync(propertiesFile)) return askTestcontainers(propertiesFile);

  const sockets = [
    '/var/run/docker.sock',
    env.XDG_RUNTIME_DIR ? join(env.XDG_RUNTIME_DIR, 'docker.sock') : null,
    join(homedir(), '.docker', 'run', 'docker.sock'),
    join(homedir(), '.docker', 'desktop', 'docker.sock'),
    join('/run', 'user', String(userInfo().uid), 'docker.sock'),
  ].filter((path): path is string => path !== null && existsSync(path));
  const tried: string[] = [];
  for (const socketPath of sockets) {
    const probe = await pingAt(socketPath, { socketPath });
    if (probe.found) return probe;
    tried.push(probe.why);
  }
  return { found: false, why: tried.length > 0 ? tried.join('; ') : 'no DOCKER_HOST and no Docker socket' };
}

function pingAt(where: string, target: { socketPath: string } | { host: string; port: number }): Promise<DockerProbe> {
  return new Promise((resolve) => {
    const ping = request({ ...target, path: '/_ping', method: 'GET', timeout: pingTimeoutMs }, (response) => {
      response.resume();
      resolve(response.statusCode === 200
        ? { found: true, where }
        : { found: false, why: `Docker at ${where} answered HTTP ${response.statusCode}` });
    });
    ping.on('timeout', () => ping.destroy(new Error(`no answer within ${pingTimeoutMs} ms`)));
    ping.on('error', (error) => resolve({ found: false, why: `Docker at ${where} did not answer (${error.message})` }));
    ping.end();
  });
}

async function askTestcontainers(where: string): Promise<DockerProbe> {
  const { getContainerRuntimeClient } = await import('testcontainers');
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${pingTimeoutMs * 4} ms`)), pingTimeoutMs * 4);
  });
  try {
    await Promise.race([getContainerRuntimeClient(), timeout]);
    return { found: true, where };
  } catch (error) {
    return { found: false, why: `Docker configured by ${where} did not answer (${(error as Error).message})` };
  } finally {
    clearTimeout(timer);
  }
}
