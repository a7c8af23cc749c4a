// The Schema Registry settings, shared by `run` (VALUE_ENCODING=confluent, ALERT_VALUE_ENCODING=confluent) and
// `simulate --publish kafka --value-encoding confluent`. Parsed from the environment the composition root passes in;
// secrets are named as files, read with the other deployment files.
import { parseDuration } from '../core/duration.js';

export interface SchemaRegistrySettings {
  readonly url: string;
  readonly username: string | null;
  readonly passwordFile: string | null;
  readonly caFile: string | null;
  readonly timeoutMs: number;
}

type Env = Readonly<Record<string, string | undefined>>;

export const SCHEMA_REGISTRY_HELP = `  SCHEMA_REGISTRY_URL                              http(s)://host:port[/path] (required with confluent)
  SCHEMA_REGISTRY_USERNAME                         basic-auth user (https only)
  SCHEMA_REGISTRY_PASSWORD_FILE                    file holding the basic-auth password
  SCHEMA_REGISTRY_CA_FILE                          PEM file of the CA to trust for https (default: the system's)
  SCHEMA_REGISTRY_TIMEOUT                          10s (one request; a registry slower than this is retried)`;

const text = (env: Env, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
};

/** The settings when `wanted` (a registry is needed), every problem added to `problems`; null when not wanted. */
export function parseSchemaRegistrySettings(env: Env, wanted: string | null, problems: string[], urlFlag?: string): SchemaRegistrySettings | null {
  const names = ['SCHEMA_REGISTRY_URL', 'SCHEMA_REGISTRY_USERNAME', 'SCHEMA_REGISTRY_PASSWORD_FILE', 'SCHEMA_REGISTRY_CA_FILE', 'SCHEMA_REGISTRY_TIMEOUT'];
  if (wanted === null) {
    const stray = names.filter((name) => text(env, name) !== undefined);
    if (stray.length > 0 && urlFlag === undefined) problems.push(`${stray.join(', ')} set, but nothing is in the confluent encoding`);
    return null;
  }
  const url = urlFlag?.trim() || text(env, 'SCHEMA_REGISTRY_URL');
  let https = false;
  if (url === undefined) {
    problems.push(`SCHEMA_REGISTRY_URL is required with ${wanted}`);
  } else {
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      // reported below
    }
    if (parsed === null || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) problems.push(`SCHEMA_REGISTRY_URL '${url}' must be an http:// or https:// URL`);
    else if (parsed.username !== '' || parsed.password !== '') problems.push('SCHEMA_REGISTRY_URL must not hold credentials: use SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD_FILE');
    https = parsed?.protocol === 'https:';
  }
  const username = text(env, 'SCHEMA_REGISTRY_USERNAME') ?? null;
  const passwordFile = text(env, 'SCHEMA_REGISTRY_PASSWORD_FILE') ?? null;
  if ((username === null) !== (passwordFile === null)) problems.push('SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD_FILE go together');
  // Basic auth over plain http would send the password in clear to anyone on the path.
  if (username !== null && url !== undefined && !https) problems.push('SCHEMA_REGISTRY_USERNAME needs an https:// SCHEMA_REGISTRY_URL (basic auth over http sends the password in clear)');
  const caFile = text(env, 'SCHEMA_REGISTRY_CA_FILE') ?? null;
  if (caFile !== null && url !== undefined && !https) problems.push('SCHEMA_REGISTRY_CA_FILE is set but SCHEMA_REGISTRY_URL is not https://');
  const timeoutText = text(env, 'SCHEMA_REGISTRY_TIMEOUT') ?? '10s';
  const timeoutMs = parseDuration(timeoutText);
  if (timeoutMs === undefined || timeoutMs <= 0) problems.push(`SCHEMA_REGISTRY_TIMEOUT '${timeoutText}' is not a duration above 0 (e.g. 10s, 1500ms)`);
  return { url: url ?? '', username, passwordFile, caFile, timeoutMs: timeoutMs ?? 0 };
}

/** The subject of a topic's values under the registry's default strategy (TopicNameStrategy). */
export function topicValueSubject(topic: string): string {
  return `${topic}-value`;
}
