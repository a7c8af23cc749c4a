// The Kafka settings as rows: the client's connection, the topics, the values' encoding. `run` takes them all;
// a command that only reads the input topics (`export`) takes the client's, the inputs' and the encoding's.
import { DEFAULT_TOPICS, topicSetting, writerSchemaSetting } from '../contract/streams.js';
import { STREAM_NAMES, type StreamName } from '../core/records.js';
import { setting } from '../settings/setting.js';
import { boolean, brokerList, duration, matching, oneOf, text } from '../settings/setting-parsers.js';
import type { SettingsReader } from '../settings/settings-reader.js';

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface KafkaSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly groupId: string;
  readonly ssl: boolean;
  readonly sslCaFile: string | null;
  /** Client certificate and its key (PEM files), for brokers that require mutual TLS; both or neither. */
  readonly sslCertFile: string | null;
  readonly sslKeyFile: string | null;
  readonly sasl: { readonly mechanism: SaslMechanism; readonly username: string; readonly passwordFile: string } | null;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly fetchMaxWaitMs: number;
}

export type ValueEncoding =
  | { readonly kind: 'single-object'; readonly writerSchemasDir: string | null }
  | { readonly kind: 'plain'; readonly writerSchemaFiles: { readonly [S in StreamName]: string } }
  /** Confluent Schema Registry wire format: writer schemas fetched from the registry by id. */
  | { readonly kind: 'confluent' };

export type AlertEncoding = 'single-object' | 'confluent';

const KAFKA_SSL = setting({ env: 'KAFKA_SSL', default: 'false', to: 'ssl', parse: boolean, doc: 'TLS to the brokers' });
const KAFKA_SSL_CA_FILE = setting({ env: 'KAFKA_SSL_CA_FILE', defaultDoc: 'system CAs', to: 'sslCaFile', parse: text, doc: 'PEM file of the CA to trust' });
const KAFKA_SSL_CERT_FILE = setting({
  env: 'KAFKA_SSL_CERT_FILE', to: 'sslCertFile', parse: text,
  doc: 'PEM client certificate, for brokers that require mutual TLS; with `KAFKA_SSL_KEY_FILE` and `KAFKA_SSL=true`',
});
const KAFKA_SSL_KEY_FILE = setting({ env: 'KAFKA_SSL_KEY_FILE', to: 'sslKeyFile', parse: text, doc: 'PEM key of the client certificate' });
const KAFKA_SASL_MECHANISM = setting({
  env: 'KAFKA_SASL_MECHANISM', to: 'sasl.mechanism', parse: oneOf(['plain', 'scram-sha-256', 'scram-sha-512'], { caseless: true }),
  doc: '`plain`, `scram-sha-256` or `scram-sha-512`',
});
const KAFKA_SASL_USERNAME = setting({ env: 'KAFKA_SASL_USERNAME', to: 'sasl.username', parse: text, doc: 'SASL user (with `KAFKA_SASL_MECHANISM`)' });
const KAFKA_SASL_PASSWORD_FILE = setting({ env: 'KAFKA_SASL_PASSWORD_FILE', to: 'sasl.passwordFile', parse: text, doc: 'file holding the SASL password (with `KAFKA_SASL_MECHANISM`)' });
const KAFKA_SESSION_TIMEOUT = setting({ env: 'KAFKA_SESSION_TIMEOUT', default: '30s', to: 'sessionTimeoutMs', parse: duration, doc: 'a member silent this long leaves the group' });
const KAFKA_HEARTBEAT_INTERVAL = setting({
  env: 'KAFKA_HEARTBEAT_INTERVAL', default: '3s', to: 'heartbeatIntervalMs', parse: duration, doc: 'how often a member tells the group it is alive; shorter than `KAFKA_SESSION_TIMEOUT`',
});

export const KAFKA_GROUP_ID = setting({
  env: 'KAFKA_GROUP_ID', flag: '--group <id>', default: 'optout-verifier', to: 'groupId', parse: text,
  doc: 'consumer group; a new group reads every topic from the beginning',
});

/** The Kafka client's settings, each at its field of KafkaSettings. */
export const KAFKA_CLIENT_SETTINGS = [
  setting({ env: 'KAFKA_BROKERS', flag: '--brokers <list>', required: true, to: 'brokers', parse: brokerList, doc: 'bootstrap brokers, `host:port,...`' }),
  setting({ env: 'KAFKA_CLIENT_ID', flag: '--client-id <id>', default: 'optout-verifier', to: 'clientId', parse: text, doc: 'Kafka client id' }),
  KAFKA_GROUP_ID,
  KAFKA_SSL, KAFKA_SSL_CA_FILE, KAFKA_SSL_CERT_FILE, KAFKA_SSL_KEY_FILE, KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD_FILE,
  KAFKA_SESSION_TIMEOUT, KAFKA_HEARTBEAT_INTERVAL,
  setting({ env: 'KAFKA_FETCH_MAX_WAIT', default: '500ms', to: 'fetchMaxWaitMs', parse: duration, doc: 'longest wait of a fetch when no record is there' }),
];

const topicName = matching(/^[a-zA-Z0-9._-]{1,249}$/, 'is not a legal Kafka topic name');

function topicRow<const S extends StreamName>(stream: S, doc: string) {
  return setting({ env: topicSetting(stream), default: DEFAULT_TOPICS[stream], to: stream, parse: topicName, doc });
}

/** The input topics, each at its stream's field. */
export const INPUT_TOPIC_SETTINGS = [
  topicRow('gpEvents', 'input: GP opt-out events'),
  topicRow('ndsReceived', 'input: objections received'),
  topicRow('ndsManifests', 'input: extract manifests'),
  topicRow('ndsDisseminations', 'input: disseminations'),
];

/** The verifier's output topics. */
export const OUTPUT_TOPIC_SETTINGS = [
  setting({ env: 'TOPIC_ALERTS', default: DEFAULT_TOPICS.alerts, to: 'alerts', parse: topicName, doc: 'output: alert state changes' }),
  setting({ env: 'TOPIC_DEADLETTER', default: DEFAULT_TOPICS.deadLetter, to: 'deadLetter', parse: topicName, doc: 'output: dead letters' }),
];

const VALUE_ENCODING = setting({
  env: 'VALUE_ENCODING', flag: '--value-encoding <kind>', default: 'single-object', to: 'kind', parse: oneOf(['single-object', 'plain', 'confluent']),
  doc: '`single-object` (C3 01, CRC-64-AVRO fingerprint, body), `plain` (Avro binary, one writer schema per topic) or `confluent` (byte 0, 4-byte schema id, body: see Confluent Schema Registry)',
});

function writerSchemaRow<const S extends StreamName>(stream: S) {
  return setting({ env: writerSchemaSetting(stream), defaultDoc: '(required with `plain`)', to: `writerSchemaFiles.${stream}`, parse: text, doc: `\`.avsc\` file of the writer schema of \`${topicSetting(stream)}\`` });
}

const WRITER_SCHEMA_SETTINGS = [writerSchemaRow('gpEvents'), writerSchemaRow('ndsReceived'), writerSchemaRow('ndsManifests'), writerSchemaRow('ndsDisseminations')];

const WRITER_SCHEMAS_DIR = setting({
  env: 'WRITER_SCHEMAS_DIR', to: 'writerSchemasDir', parse: text,
  doc: 'directory of further `.avsc` writer schemas (older versions, producers\' own copies) known by fingerprint, for `single-object`; the contract\'s own schemas are always known',
});

/** How the input values are encoded, each at its field of ValueEncoding. */
export const ENCODING_SETTINGS = [VALUE_ENCODING, ...WRITER_SCHEMA_SETTINGS, WRITER_SCHEMAS_DIR];

export const ALERT_VALUE_ENCODING = setting({
  env: 'ALERT_VALUE_ENCODING', defaultDoc: '`confluent` with `VALUE_ENCODING=confluent`, else `single-object`', to: 'alertEncoding',
  parse: oneOf(['single-object', 'confluent']), doc: 'how alert messages are written: `single-object` or `confluent`',
});

/** The parts of KafkaSettings that are not one setting each: TLS and SASL, checked together. */
export function kafkaTransport(s: SettingsReader): Pick<KafkaSettings, 'sasl'> {
  const ssl = s.get(KAFKA_SSL) === true;
  if (s.get(KAFKA_SSL_CA_FILE) !== null && !ssl) s.problem(KAFKA_SSL_CA_FILE, 'KAFKA_SSL_CA_FILE is set but KAFKA_SSL is not true');
  const certificate = s.get(KAFKA_SSL_CERT_FILE);
  const key = s.get(KAFKA_SSL_KEY_FILE);
  if ((certificate === null) !== (key === null)) s.problem(KAFKA_SSL_CERT_FILE, 'KAFKA_SSL_CERT_FILE and KAFKA_SSL_KEY_FILE go together: give both or neither');
  if ((certificate !== null || key !== null) && !ssl) s.problem(KAFKA_SSL_CERT_FILE, 'KAFKA_SSL_CERT_FILE or KAFKA_SSL_KEY_FILE is set but KAFKA_SSL is not true');
  const session = s.get(KAFKA_SESSION_TIMEOUT);
  const heartbeat = s.get(KAFKA_HEARTBEAT_INTERVAL);
  if (session !== null && heartbeat !== null && heartbeat >= session) s.problem(KAFKA_HEARTBEAT_INTERVAL, 'KAFKA_HEARTBEAT_INTERVAL must be shorter than KAFKA_SESSION_TIMEOUT');
  if (!s.given(KAFKA_SASL_MECHANISM)) {
    if (s.given(KAFKA_SASL_USERNAME) || s.given(KAFKA_SASL_PASSWORD_FILE)) s.problem(KAFKA_SASL_MECHANISM, 'KAFKA_SASL_USERNAME or KAFKA_SASL_PASSWORD_FILE is set but KAFKA_SASL_MECHANISM is not');
    return { sasl: null };
  }
  const mechanism = s.get(KAFKA_SASL_MECHANISM) ?? 'plain';
  const username = s.get({ ...KAFKA_SASL_USERNAME, required: true }) ?? '';
  const passwordFile = s.get({ ...KAFKA_SASL_PASSWORD_FILE, required: true }) ?? '';
  return { sasl: { mechanism, username, passwordFile } };
}

/** The value encoding: the writer schemas' files are needed with plain, the directory applies to single-object. */
export function valueEncoding(s: SettingsReader): ValueEncoding {
  const kind = s.get(VALUE_ENCODING) ?? 'single-object';
  if (kind === 'plain') {
    const files = {} as Record<StreamName, string>;
    for (const [i, stream] of STREAM_NAMES.entries()) files[stream] = s.get({ ...WRITER_SCHEMA_SETTINGS[i]!, required: true }) ?? '';
    return { kind, writerSchemaFiles: files };
  }
  if (kind === 'confluent') {
    if (s.given(WRITER_SCHEMAS_DIR)) s.problem(WRITER_SCHEMAS_DIR, 'WRITER_SCHEMAS_DIR applies to single-object; with confluent the registry holds the writer schemas');
    return { kind };
  }
  return { kind, writerSchemasDir: s.get(WRITER_SCHEMAS_DIR) };
}

/** Topics must differ: a record on one topic is one stream's. */
export function distinctTopics(s: SettingsReader, topics: Readonly<Record<string, unknown>>, what: string): void {
  const names = Object.values(topics);
  if (new Set(names).size !== names.length) s.problem(INPUT_TOPIC_SETTINGS[0]!, `the ${what} must all be different`);
}
