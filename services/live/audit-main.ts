// Composition root of `optout-verifier audit`: `verify` reads the database settings as `run` does, recomputes the
// alert history's hash chain and checks every alert against its last logged change; `prune`, run as the schema's
// owner, keeps only the position and hash of changes of alerts resolved longer ago than the retention.
import { ChainVerifier, checkAlertAgainstLog } from '../audit/alert-history-check.js';
import { parseAuditConfig } from './config.js';
import { databaseConnection } from './store/database-connection.js';
import { readDatabasePassword } from './deployment-files.js';
import { describeFailure } from './errors.js';
import { parseDuration } from '../core/duration.js';
import { PgAlertHistory, pruneResolvedAlerts } from './store/pg-alert-history.js';

export const AUDIT_EXIT = { INTACT: 0, BROKEN: 1, USAGE: 2, UNREADABLE: 3 } as const;

const USAGE = `usage: optout-verifier audit verify [--database-url URL] [--db-schema NAME] (optout-verifier audit verify --help)
       optout-verifier audit prune [--resolved-for DURATION] [--database-url URL] [--db-schema NAME]
`;

/** How long the history of a resolved alert is kept, behind the decider's stream time, unless told otherwise. */
const DEFAULT_RESOLVED_RETENTION = '2192d';
/** Shorter than this, a rebuild's replay could regenerate a change of an alert already pruned. */
const MIN_RESOLVED_RETENTION_MS = 30 * 86_400_000;

const PRUNE_HELP = `usage: optout-verifier audit prune [--resolved-for DURATION] [--database-url URL] [--db-schema NAME]

Run as the schema's owner (the role that ran migrate), for example daily. Alerts resolved more than DURATION
(RESOLVED_HISTORY_RETENTION, default ${DEFAULT_RESOLVED_RETENTION}, at least 30d) before the decider's stream time are
removed from alerts and alert_outbox, and each of their changes in alert_log keeps only its position and hash, so
the chain still verifies. Each prune is noted in alert_log_prunes. Firing alerts are never pruned.

Exit codes: 0 pruned (one line: how many alerts and changes); 2 bad settings; 3 the database refused.
`;

export async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h') {
    process.stdout.write(USAGE);
    return AUDIT_EXIT.INTACT;
  }
  if (sub === 'prune') return prune(rest);
  if (sub !== 'verify') {
    process.stderr.write(`optout-verifier audit: ${sub === undefined ? 'a subcommand is needed' : `unknown subcommand '${sub}'`}\n${USAGE}`);
    return AUDIT_EXIT.USAGE;
  }
  const name = 'optout-verifier audit verify';
  const parsed = parseAuditConfig(rest, process.env);
  if (!parsed.ok) {
    if (parsed.help !== undefined) {
      process.stdout.write(parsed.help);
      return AUDIT_EXIT.INTACT;
    }
    process.stderr.write(`${name}:\n${parsed.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return AUDIT_EXIT.USAGE;
  }
  for (const warning of parsed.warnings) process.stderr.write(`${name}: warning: ${warning}\n`);
  const { url, schema, passwordFile, statementTimeoutMs, lockTimeoutMs } = parsed.config.database;
  let password: string | null;
  try {
    password = await readDatabasePassword(passwordFile);
  } catch (error) {
    process.stderr.write(`${name}: DATABASE_PASSWORD_FILE: ${(error as Error).message}\n`);
    return AUDIT_EXIT.USAGE;
  }

  let history: PgAlertHistory | undefined;
  try {
    history = await PgAlertHistory.open(databaseConnection(url, { password, statementTimeoutMs, lockTimeoutMs }), schema);
    const chain = new ChainVerifier();
    for await (const change of history.changes()) if (!chain.accept(change)) break;
    const verdict = chain.verdict();
    if (!verdict.intact) {
      process.stdout.write(`${name}: BROKEN at position ${verdict.broken.position} of schema ${schema}: ${verdict.broken.reason} (${verdict.rows} positions before it intact)\n`);
      return AUDIT_EXIT.BROKEN;
    }
    let alerts = 0;
    for await (const alert of history.alerts()) {
      const finding = checkAlertAgainstLog(alert);
      if (!finding.ok) {
        process.stdout.write(`${name}: BROKEN${finding.position === null ? '' : ` at position ${finding.position}`} of schema ${schema}: ${finding.reason}\n`);
        return AUDIT_EXIT.BROKEN;
      }
      alerts++;
    }
    const head = verdict.head === null ? 'none (the history is empty)' : `position ${verdict.rows} hash ${verdict.head.toString('hex')}`;
    const pruned = verdict.pruned === 0 ? '' : ` (${verdict.pruned} pruned: position and hash only)`;
    process.stdout.write(`${name}: intact: schema ${schema}, ${verdict.rows} changes${pruned}, ${alerts} alerts as last logged; head ${head}\n`);
    return AUDIT_EXIT.INTACT;
  } catch (error) {
    process.stderr.write(`${name}: cannot read the alert history: ${describeFailure(error).message}\n`);
    return AUDIT_EXIT.UNREADABLE;
  } finally {
    await history?.close();
  }
}

async function prune(argv: readonly string[]): Promise<number> {
  const name = 'optout-verifier audit prune';
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(PRUNE_HELP);
    return AUDIT_EXIT.INTACT;
  }
  const at = argv.indexOf('--resolved-for');
  const retentionText = at >= 0 ? argv[at + 1] : (process.env.RESOLVED_HISTORY_RETENTION?.trim() || DEFAULT_RESOLVED_RETENTION);
  const rest = at >= 0 ? [...argv.slice(0, at), ...argv.slice(at + 2)] : [...argv];
  const retentionMs = retentionText === undefined ? undefined : parseDuration(retentionText);
  const parsed = parseAuditConfig(rest, process.env);
  const problems = parsed.ok ? [] : [...parsed.problems];
  if (retentionMs === undefined) problems.push(`--resolved-for (RESOLVED_HISTORY_RETENTION) must be a duration such as 2192d, got '${retentionText ?? ''}'`);
  else if (retentionMs < MIN_RESOLVED_RETENTION_MS) problems.push(`--resolved-for (RESOLVED_HISTORY_RETENTION) must be at least 30d, got '${retentionText ?? ''}'`);
  if (!parsed.ok || retentionMs === undefined || problems.length > 0) {
    process.stderr.write(`${name}:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return AUDIT_EXIT.USAGE;
  }
  const { url, schema, passwordFile, statementTimeoutMs, lockTimeoutMs } = parsed.config.database;
  try {
    const password = await readDatabasePassword(passwordFile);
    const outcome = await pruneResolvedAlerts(databaseConnection(url, { password, statementTimeoutMs, lockTimeoutMs }), schema, retentionMs);
    const before = outcome.resolvedBefore === null ? 'nothing (the decider has no stream time yet)' : `alerts resolved before ${new Date(outcome.resolvedBefore).toISOString()}`;
    process.stdout.write(`${name}: schema ${schema}: pruned ${before}: ${outcome.alerts} alerts, ${outcome.changes} changes of the history kept as position and hash only\n`);
    return AUDIT_EXIT.INTACT;
  } catch (error) {
    process.stderr.write(`${name}: cannot prune the alert history: ${describeFailure(error).message}\n`);
    return AUDIT_EXIT.UNREADABLE;
  }
}
