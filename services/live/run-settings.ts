// The settings of `run`, `migrate` and `audit verify` as tables, one row per setting, in the order the README and
// the help list them (and problems are reported in). The Kafka and database rows are in their own files.
import { SHIPPED_CATALOGUE_PATH } from '../contract/shipped-catalogue.js';
import { setting, under } from '../settings/setting.js';
import { boolean, duration, integer, matching, oneOf, text } from '../settings/setting-parsers.js';
import { SCHEMA_REGISTRY_SETTINGS } from '../schema-registry/registry-settings.js';
import { ADMIN_DATABASE_SETTINGS, ALLOW_PLAINTEXT, DATABASE_SETTINGS, DB_STATEMENT_TIMEOUT } from './database-settings.js';
import { ALERT_VALUE_ENCODING, ENCODING_SETTINGS, INPUT_TOPIC_SETTINGS, KAFKA_CLIENT_SETTINGS, KAFKA_GROUP_ID, OUTPUT_TOPIC_SETTINGS } from './kafka-settings.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export const IDLE_TIMEOUT = setting({
  env: 'IDLE_TIMEOUT', flag: '--idle-timeout <duration>', default: '5m', to: 'idleTimeoutMs', parse: duration,
  doc: 'a partition read to its end and silent this long stops holding stream time back',
});
export const STALL_TIMEOUT = setting({
  env: 'STALL_TIMEOUT', default: '2m', to: 'stallTimeoutMs', parse: duration,
  doc: 'an input partition with records waiting and nothing stored this long is stalled: `/readyz` 503, `optout_verifier_input_stalled` 1',
});
const PSEUDONYM_KEY_FILE = setting({
  env: 'PSEUDONYM_KEY_FILE', flag: '--pseudonym-key-file <file>', required: true, to: 'pseudonymKeyFile', parse: text,
  doc: 'key of the patient references (HMAC-SHA256); the same key as the replay\'s gives the same references',
});
const ALLOW_OPEN_KEY_FILE = setting({
  env: 'ALLOW_OPEN_KEY_FILE', default: 'false', to: 'allowOpenKeyFile', parse: boolean,
  doc: '`true` accepts a key file that group or others can read (a public demo key only); otherwise such a file, or a weak key, is refused',
});

/** The reconciliation's and the live state's settings. */
const DECISION_SETTINGS = [
  setting({ env: 'SLA', flag: '--sla <duration>', default: '72h', to: 'slaMs', parse: duration, doc: 'as in the rules' }),
  setting({ env: 'GRACE', flag: '--grace <duration>', default: '1h', to: 'graceMs', parse: duration, doc: 'as in the rules' }),
  setting({
    env: 'ALLOWED_LATENESS', flag: '--allowed-lateness <duration>', default: '1h', to: 'allowedLatenessMs', parse: duration,
    doc: 'how far behind the latest event time read a record may arrive and still be on time',
  }),
  IDLE_TIMEOUT,
  setting({
    env: 'MAX_FUTURE', default: '1h', to: 'maxFutureMs', parse: duration,
    doc: 'stream time never passes the wall clock plus this; a record dated later waits in the engine until its time (counted in `optout_verifier_future_records_total`)',
  }),
  setting({
    env: 'DEDUP_HORIZON', default: '90d', to: 'dedupHorizonMs', parse: duration,
    doc: 'how far back (in event time) the live state remembers the past: record ids for duplicates, behind the newest record of their stream decided; manifests for their checks and patients with nothing active or open, behind stream time (`ALLOWED_LATENESS` if that is longer)',
  }),
  setting({
    env: 'DEAD_LETTER_RETENTION', default: '90d', to: 'deadLetterRetentionMs', parse: duration,
    doc: 'how long a dead letter stays noted in `dead_letters` (the dead-letter topic keeps its own retention)',
  }),
  setting({
    env: 'SNAPSHOT_EVERY', default: '50000', to: 'snapshotEveryRecords', parse: integer(1, 100_000_000),
    doc: 'records between two snapshots of the decider\'s engine (and at most 5 minutes with any)',
  }),
  setting({
    env: 'STANDBY_WARM', default: 'true', to: 'standbyWarm', parse: boolean,
    doc: 'while another instance decides, keep its latest snapshot restored, so that a takeover replays only the records after it (memory: one more engine); see "Takeover"',
  }),
  PSEUDONYM_KEY_FILE,
  ALLOW_OPEN_KEY_FILE,
  setting({ env: 'CODE_CATALOGUE_FILE', flag: '--catalogue <file>', defaultDoc: `\`${SHIPPED_CATALOGUE_PATH}\``, to: 'catalogueFile', parse: text, doc: 'code catalogue' }),
];

/** How the process shows itself: liveness, the metrics endpoint, logs. */
const PROCESS_SETTINGS = [
  STALL_TIMEOUT,
  setting({ env: 'METRICS_PORT', flag: '--metrics-port <port>', default: '9464', to: 'metricsPort', parse: integer(0, 65535), doc: '`/metrics`, `/healthz`, `/readyz`' }),
  setting({
    env: 'METRICS_HOST', flag: '--metrics-host <host>', default: '127.0.0.1', defaultDoc: '`127.0.0.1` (the image: `0.0.0.0`)', to: 'metricsHost',
    parse: matching(/^[A-Za-z0-9.:[\]-]+$/, 'is not a host name or address'), doc: 'address they listen on; see "Where /metrics listens"',
  }),
  setting({
    env: 'LOG_LEVEL', flag: '--log-level <level>', default: 'info', to: 'logLevel',
    parse: oneOf<LogLevel>(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { caseless: true, oneOfList: true }), doc: '`fatal` … `trace`, `silent`',
  }),
  setting({ env: 'INSTANCE_NAME', flag: '--instance <name>', defaultDoc: '`<host>-<pid>`', to: 'instanceName', parse: text, doc: 'names the instance in logs and as the decider' }),
];

/** `run`: every setting, each at its field of LiveConfig (config.ts checks that they fit). */
export const RUN_SETTINGS = [
  ...under('kafka', KAFKA_CLIENT_SETTINGS),
  ...under('topics', INPUT_TOPIC_SETTINGS),
  ...under('topics', OUTPUT_TOPIC_SETTINGS),
  ...under('encoding', ENCODING_SETTINGS),
  ALERT_VALUE_ENCODING,
  ...under('schemaRegistry', SCHEMA_REGISTRY_SETTINGS),
  ...under('database', DATABASE_SETTINGS),
  ALLOW_PLAINTEXT,
  ...DECISION_SETTINGS,
  ...PROCESS_SETTINGS,
];

/** `export` names a group of its own under KAFKA_GROUP_ID, and has no flag for it. */
const EXPORT_GROUP_ID = { ...KAFKA_GROUP_ID, flag: undefined, doc: 'the export joins a group of its own named under it (`<KAFKA_GROUP_ID>.export.<random>`)' };

/** What a command that only reads the input topics takes (`export`), at the fields of KafkaInputConfig. */
export const KAFKA_INPUT_SETTINGS = [
  ...under('kafka', KAFKA_CLIENT_SETTINGS.map((row) => (row === KAFKA_GROUP_ID ? EXPORT_GROUP_ID : row))),
  ...under('inputTopics', INPUT_TOPIC_SETTINGS),
  ...under('encoding', ENCODING_SETTINGS),
  ...under('schemaRegistry', SCHEMA_REGISTRY_SETTINGS),
  ALLOW_PLAINTEXT,
];

/** A migration may rewrite a large table: its statements get longer (DB_STATEMENT_TIMEOUT still wins when set). */
const LONG_STATEMENTS = {
  ...DB_STATEMENT_TIMEOUT, default: '1h',
  doc: 'a statement running longer is cancelled (SQLSTATE 57014); a migration file\'s part is one query of many statements, which the client waits for without a bound of its own',
};

/** The database settings of the commands that own or check the schema: longer statements, one connection, no start. */
const SCHEMA_OWNER_DATABASE_SETTINGS = ADMIN_DATABASE_SETTINGS.map((row) => (row === DB_STATEMENT_TIMEOUT ? LONG_STATEMENTS : row));

/** `migrate`, at the fields of MigrateConfig. */
export const MIGRATE_SETTINGS = [
  ...under('database', SCHEMA_OWNER_DATABASE_SETTINGS),
  ALLOW_PLAINTEXT,
  {
    ...PSEUDONYM_KEY_FILE, required: false, flag: '--pseudonym-key-file <path>',
    doc: 'key of the patient references: needed by a migration that pseudonymises records stored by an older version',
  },
  ALLOW_OPEN_KEY_FILE,
  setting({
    env: 'DB_RUNTIME_ROLE', flag: '--runtime-role <role>', required: true, to: 'runtimeRole', parse: matching(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier (letters, digits, _)'),
    doc: 'the existing role `run` connects as; granted exactly what `run` needs, everything else revoked. Neither a superuser nor the migrating role (or a member of it)',
  }),
];

/** `audit verify`, at the fields of AuditConfig. */
export const AUDIT_SETTINGS = [...under('database', SCHEMA_OWNER_DATABASE_SETTINGS), ALLOW_PLAINTEXT];
