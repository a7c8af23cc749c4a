// Composition root of `optout-verifier audit verify`: reads the database settings as `run` does, recomputes the
// alert history's hash chain and checks every alert against its last logged change.
import { ChainVerifier, checkAlertAgainstLog } from '../audit/alert-history-check.js';
import { parseAuditConfig } from './config.js';
import { databaseConnection } from './store/database-connection.js';
import { readDatabasePassword } from './deployment-files.js';
import { describeFailure } from './errors.js';
import { PgAlertHistory } from './store/pg-alert-history.js';

export const AUDIT_EXIT = { INTACT: 0, BROKEN: 1, USAGE: 2, UNREADABLE: 3 } as const;

const USAGE = 'usage: optout-verifier audit verify [--database-url URL] [--db-schema NAME] (optout-verifier audit verify --help)\n';

export async function main(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === '--help' || sub === '-h') {
    process.stdout.write(USAGE);
    return AUDIT_EXIT.INTACT;
  }
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
    process.stdout.write(`${name}: intact: schema ${schema}, ${verdict.rows} changes, ${alerts} alerts as last logged; head ${head}\n`);
    return AUDIT_EXIT.INTACT;
  } catch (error) {
    process.stderr.write(`${name}: cannot read the alert history: ${describeFailure(error).message}\n`);
    return AUDIT_EXIT.UNREADABLE;
  } finally {
    await history?.close();
  }
}
