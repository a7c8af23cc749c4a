// The Schema Registry settings, shared by `run` (VALUE_ENCODING=confluent, ALERT_VALUE_ENCODING=confluent) and
// `simulate --publish kafka --value-encoding confluent`. Parsed from the environment the composition root passes in;
// secrets are named as files, read with the other deployment files.
import { setting, type Parsed } from '../settings/setting.js';
import { positiveShortDuration, text } from '../settings/setting-parsers.js';
import { SettingsReader, type Env } from '../settings/settings-reader.js';

export interface SchemaRegistrySettings {
  readonly url: string;
  readonly username: string | null;
  readonly passwordFile: string | null;
  readonly caFile: string | null;
  readonly timeoutMs: number;
}

/** The registry's settings, each at its field of SchemaRegistrySettings. */
export const SCHEMA_REGISTRY_URL = setting({
  env: 'SCHEMA_REGISTRY_URL', defaultDoc: '(required with `confluent`)', to: 'url', parse: registryUrl,
  doc: '`http(s)://host:port[/path]` of the Confluent Schema Registry',
});
const SCHEMA_REGISTRY_USERNAME = setting({ env: 'SCHEMA_REGISTRY_USERNAME', to: 'username', parse: text, doc: 'basic-auth user; needs an `https://` URL' });
const SCHEMA_REGISTRY_PASSWORD_FILE = setting({ env: 'SCHEMA_REGISTRY_PASSWORD_FILE', to: 'passwordFile', parse: text, doc: 'file holding the basic-auth password' });
const SCHEMA_REGISTRY_CA_FILE = setting({ env: 'SCHEMA_REGISTRY_CA_FILE', defaultDoc: 'system CAs', to: 'caFile', parse: text, doc: 'PEM file of the CA to trust for the registry' });
const SCHEMA_REGISTRY_TIMEOUT = setting({
  env: 'SCHEMA_REGISTRY_TIMEOUT', default: '10s', to: 'timeoutMs', parse: positiveShortDuration, doc: 'one registry request; a slower answer is a failure, retried',
});

export const SCHEMA_REGISTRY_SETTINGS = [SCHEMA_REGISTRY_URL, SCHEMA_REGISTRY_USERNAME, SCHEMA_REGISTRY_PASSWORD_FILE, SCHEMA_REGISTRY_CA_FILE, SCHEMA_REGISTRY_TIMEOUT];

function registryUrl(url: string, label: string): Parsed<string> {
  let parsed: URL | null = null;
  try {
    parsed = new URL(url);
  } catch {
    // reported below
  }
  if (parsed === null || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) return { problems: [`${label} '${url}' must be an http:// or https:// URL`] };
  if (parsed.username !== '' || parsed.password !== '') return { problems: [`${label} must not hold credentials: use SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD_FILE`] };
  return { value: url };
}

const isHttps = (url: string): boolean => URL.canParse(url) && new URL(url).protocol === 'https:';

/**
 * The settings when `wanted` (a registry is needed: `wanted` says why), every problem given to the reader; null when
 * not wanted, and then any registry setting given is a problem (unless `flagGiven`: a command's own URL flag).
 */
export function readSchemaRegistrySettings(s: SettingsReader, wanted: string | null, flagGiven = false): SchemaRegistrySettings | null {
  if (wanted === null) {
    const stray = SCHEMA_REGISTRY_SETTINGS.filter((row) => s.given(row));
    if (stray.length > 0 && !flagGiven) s.problem(stray[0]!, `${stray.map((row) => row.env).join(', ')} set, but nothing is in the confluent encoding`);
    return null;
  }
  const urlText = s.text(SCHEMA_REGISTRY_URL);
  const url = s.get(SCHEMA_REGISTRY_URL);
  if (urlText === undefined) s.problem(SCHEMA_REGISTRY_URL, `SCHEMA_REGISTRY_URL is required with ${wanted}`);
  const https = urlText !== undefined && isHttps(urlText);
  const username = s.get(SCHEMA_REGISTRY_USERNAME);
  const passwordFile = s.get(SCHEMA_REGISTRY_PASSWORD_FILE);
  if ((username === null) !== (passwordFile === null)) s.problem(SCHEMA_REGISTRY_USERNAME, 'SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD_FILE go together');
  // Basic auth over plain http would send the password in clear to anyone on the path.
  if (username !== null && urlText !== undefined && !https) {
    s.problem(SCHEMA_REGISTRY_USERNAME, 'SCHEMA_REGISTRY_USERNAME needs an https:// SCHEMA_REGISTRY_URL (basic auth over http sends the password in clear)');
  }
  const caFile = s.get(SCHEMA_REGISTRY_CA_FILE);
  if (caFile !== null && urlText !== undefined && !https) s.problem(SCHEMA_REGISTRY_CA_FILE, 'SCHEMA_REGISTRY_CA_FILE is set but SCHEMA_REGISTRY_URL is not https://');
  const timeoutMs = s.get(SCHEMA_REGISTRY_TIMEOUT);
  return { url: url ?? urlText ?? '', username, passwordFile, caFile, timeoutMs: timeoutMs ?? 0 };
}

/** The settings read from the environment alone, `urlFlag` (a command's --schema-registry-url) winning over its variable. */
export function parseSchemaRegistrySettings(env: Env, wanted: string | null, problems: string[], urlFlag?: string): SchemaRegistrySettings | null {
  const flagged = urlFlag !== undefined && urlFlag.trim() !== '' ? { ...env, SCHEMA_REGISTRY_URL: urlFlag } : env;
  const s = new SettingsReader(SCHEMA_REGISTRY_SETTINGS, flagged, {});
  const settings = readSchemaRegistrySettings(s, wanted, urlFlag !== undefined);
  problems.push(...s.problems());
  return settings;
}

/** The subject of a topic's values under the registry's default strategy (TopicNameStrategy). */
export function topicValueSubject(topic: string): string {
  return `${topic}-value`;
}
