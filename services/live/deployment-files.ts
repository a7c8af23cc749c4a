// The files a deployment names in its settings: pseudonym key, code catalogue, Kafka CA and SASL password,
// writer schemas, Schema Registry password and CA. Read once at start; every problem is listed, together with the settings' own problems.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { STREAM_SCHEMA_NAMES } from '../codec/schema-catalog.js';
import { describeFileError } from '../command-line/command-problems.js';
import type { ValueFraming } from '../codec/stream-value-codec.js';
import { parseCodeCatalogue, type CodeCatalogue } from '../core/code-catalogue.js';
import { STREAM_NAMES, type StreamName } from '../core/records.js';
import { readPseudonymKey } from '../identity/pseudonym-key.js';
import { SHIPPED_CATALOGUE_FILE } from '../package-root.js';
import type { LiveConfig } from './config.js';


export interface DeploymentFiles extends KafkaFiles {
  readonly pseudonymKey: Buffer;
  readonly catalogue: CodeCatalogue;
  /** From DATABASE_PASSWORD_FILE. */
  readonly databasePassword: string | null;
}

/** The part of the settings that names the Kafka files. */
type KafkaFileSettings = Pick<LiveConfig, 'kafka' | 'encoding' | 'schemaRegistry'>;

export type FilesResult = { readonly ok: true; readonly files: DeploymentFiles } | { readonly ok: false; readonly problems: readonly string[] };

const errno = (error: unknown): string => describeFileError(error);

/** Runs a read; a failure becomes one problem, named for what was read, and null. */
function attempter(problems: string[]) {
  return async <T>(what: string, read: () => Promise<T>): Promise<T | null> => {
    try {
      return await read();
    } catch (error) {
      problems.push(`${what}: ${(error as Error).message}`);
      return null;
    }
  };
}

/** The full name of a record schema (name qualified by its namespace). */
function fullNameOf(schema: { name?: unknown; namespace?: unknown }): string | null {
  if (typeof schema.name !== 'string') return null;
  if (schema.name.includes('.')) return schema.name;
  return typeof schema.namespace === 'string' && schema.namespace !== '' ? `${schema.namespace}.${schema.name}` : schema.name;
}

export async function readDeploymentFiles(config: LiveConfig): Promise<FilesResult> {
  const problems: string[] = [];
  const attempt = attempter(problems);

  const pseudonymKey = await attempt('PSEUDONYM_KEY_FILE', async () => {
    return readPseudonymKey(config.pseudonymKeyFile, { allowOpenFile: config.allowOpenKeyFile });
  });
  const catalogue = await attempt(config.catalogueFile === null ? 'the shipped code catalogue' : 'CODE_CATALOGUE_FILE', async () => {
    const path = config.catalogueFile ?? SHIPPED_CATALOGUE_FILE;
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new Error(`cannot read ${String(path)}: ${errno(error)}`);
    }
    return parseCodeCatalogue(JSON.parse(text));
  });
  const databasePassword = await readDatabasePassword(config.database.passwordFile, attempt);
  const kafkaFiles = await readKafkaFiles(config, problems);

  if (problems.length > 0 || pseudonymKey === null || catalogue === null || kafkaFiles === null) return { ok: false, problems };
  return { ok: true, files: { pseudonymKey, catalogue, databasePassword, ...kafkaFiles } };
}

/** What reaching and decoding the input topics needs: the files named by the settings `run` and `export` share. */
export interface KafkaFiles {
  readonly sslCa: string | null;
  /** Client certificate and key for mutual TLS with the brokers. */
  readonly sslCert: string | null;
  readonly sslKey: string | null;
  readonly saslPassword: string | null;
  /** null with VALUE_ENCODING=confluent: the registry holds the writer schemas. */
  readonly framing: { readonly [S in StreamName]: ValueFraming } | null;
  readonly schemaRegistry: { readonly password: string | null; readonly ca: string | null } | null;
}

/** Reads them, adding each problem to `problems`; null when there was any. */
export async function readKafkaFiles(config: KafkaFileSettings, problems: string[]): Promise<KafkaFiles | null> {
  const before = problems.length;
  const attempt = attempter(problems);
  const sslCa = config.kafka.sslCaFile === null ? null : await attempt('KAFKA_SSL_CA_FILE', async () => {
    try {
      return await readFile(config.kafka.sslCaFile!, 'utf8');
    } catch (error) {
      throw new Error(`cannot read ${config.kafka.sslCaFile}: ${errno(error)}`);
    }
  });
  const pem = (setting: string, path: string | null) => (path === null ? null : attempt(setting, async () => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new Error(`cannot read ${path}: ${errno(error)}`);
    }
    if (!text.includes('-----BEGIN ')) throw new Error(`${path} is not a PEM file`);
    return text;
  }));
  const sslCert = await pem('KAFKA_SSL_CERT_FILE', config.kafka.sslCertFile);
  const sslKey = await pem('KAFKA_SSL_KEY_FILE', config.kafka.sslKeyFile);
  const saslPassword = config.kafka.sasl === null ? null : await attempt('KAFKA_SASL_PASSWORD_FILE', async () => {
    try {
      return (await readFile(config.kafka.sasl!.passwordFile, 'utf8')).replace(/\r?\n$/, '');
    } catch (error) {
      throw new Error(`cannot read ${config.kafka.sasl!.passwordFile}: ${errno(error)}`);
    }
  });
  const framing = config.encoding.kind === 'confluent' ? null : await attempt('writer schemas', () => readFraming(config, problems));
  const schemaRegistry = await readRegistrySecrets(config, problems);

  if (problems.length > before || (framing === null && config.encoding.kind !== 'confluent')) return null;
  return { sslCa, sslCert, sslKey, saslPassword, framing, schemaRegistry };
}

/** The password in DATABASE_PASSWORD_FILE: the file's text without its final line break. */
export async function readDatabasePassword(
  path: string | null,
  attempt: <T>(what: string, read: () => Promise<T>) => Promise<T | null> = async (what, read) => read(),
): Promise<string | null> {
  if (path === null) return null;
  return attempt('DATABASE_PASSWORD_FILE', async () => {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      throw new Error(`cannot read ${path}: ${errno(error)}`);
    }
    const password = text.replace(/\r?\n$/, '');
    if (password === '') throw new Error(`${path} is empty`);
    return password;
  });
}

async function readRegistrySecrets(config: KafkaFileSettings, problems: string[]): Promise<DeploymentFiles['schemaRegistry']> {
  const settings = config.schemaRegistry;
  if (settings === null) return null;
  const read = async (name: string, path: string | null, trim: boolean): Promise<string | null> => {
    if (path === null) return null;
    try {
      const text = await readFile(path, 'utf8');
      return trim ? text.replace(/\r?\n$/, '') : text;
    } catch (error) {
      problems.push(`${name}: cannot read ${path}: ${errno(error)}`);
      return null;
    }
  };
  return {
    password: await read('SCHEMA_REGISTRY_PASSWORD_FILE', settings.passwordFile, true),
    ca: await read('SCHEMA_REGISTRY_CA_FILE', settings.caFile, false),
  };
}

async function parseSchemaFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${path}: ${errno(error)}`);
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`${path} is not JSON`);
  }
}

async function readFraming(config: KafkaFileSettings, problems: string[]): Promise<{ [S in StreamName]: ValueFraming }> {
  const framing = {} as { [S in StreamName]: ValueFraming };
  const encoding = config.encoding;
  if (encoding.kind === 'plain') {
    for (const stream of STREAM_NAMES) {
      const path = encoding.writerSchemaFiles[stream];
      try {
        const schema = await parseSchemaFile(path);
        if (fullNameOf(schema) !== STREAM_SCHEMA_NAMES[stream]) problems.push(`writer schema ${path} is ${fullNameOf(schema) ?? 'not a named record'}, expected ${STREAM_SCHEMA_NAMES[stream]}`);
        framing[stream] = { kind: 'plain-binary', writerSchema: schema };
      } catch (error) {
        problems.push(`writer schema for ${stream}: ${(error as Error).message}`);
      }
    }
    return framing;
  }
  const extra: Record<string, object[]> = {};
  if (encoding.kind === 'single-object' && encoding.writerSchemasDir !== null) {
    let files: string[] = [];
    try {
      files = (await readdir(encoding.writerSchemasDir)).filter((f) => f.endsWith('.avsc')).sort();
    } catch (error) {
      problems.push(`WRITER_SCHEMAS_DIR: cannot read ${encoding.writerSchemasDir}: ${errno(error)}`);
    }
    for (const file of files) {
      try {
        const schema = await parseSchemaFile(join(encoding.writerSchemasDir, file));
        const name = fullNameOf(schema);
        const stream = STREAM_NAMES.find((s) => STREAM_SCHEMA_NAMES[s] === name);
        if (stream === undefined) continue;
        (extra[stream] ??= []).push(schema);
      } catch (error) {
        problems.push(`WRITER_SCHEMAS_DIR: ${(error as Error).message}`);
      }
    }
  }
  for (const stream of STREAM_NAMES) framing[stream] = { kind: 'single-object', extraWriterSchemas: extra[stream] ?? [] };
  return framing;
}
