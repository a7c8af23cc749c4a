// Composition root of `optout-verifier migrate`: applies the live service's pending migrations, grants the runtime
// role exactly what `run` needs, and exits.
import { readPseudonymKey } from '../identity/pseudonym-key.js';
import { parseMigrateConfig } from './config.js';
import { databaseConnection } from './store/database-connection.js';
import { readDatabasePassword } from './deployment-files.js';
import { describeFailure, VerifierError } from './errors.js';
import { describeMigration, migrate } from './store/migration-runner.js';

export async function main(argv: string[]): Promise<number> {
  const parsed = parseMigrateConfig(argv, process.env);
  if (!parsed.ok) {
    if (parsed.help !== undefined) {
      process.stdout.write(parsed.help);
      return 0;
    }
    process.stderr.write(`optout-verifier migrate:\n${parsed.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return 2;
  }
  for (const warning of parsed.warnings) process.stderr.write(`optout-verifier migrate: warning: ${warning}\n`);
  const { database: { url, schema, passwordFile, statementTimeoutMs, lockTimeoutMs }, pseudonymKeyFile, runtimeRole, allowOpenKeyFile } = parsed.config;
  let password: string | null;
  try {
    password = await readDatabasePassword(passwordFile);
  } catch (error) {
    process.stderr.write(`optout-verifier migrate: DATABASE_PASSWORD_FILE: ${(error as Error).message}\n`);
    return 2;
  }
  let pseudonymKey: Buffer | null = null;
  if (pseudonymKeyFile !== null) {
    try {
      pseudonymKey = await readPseudonymKey(pseudonymKeyFile, { allowOpenFile: allowOpenKeyFile });
    } catch (error) {
      process.stderr.write(`optout-verifier migrate: PSEUDONYM_KEY_FILE: ${(error as Error).message}\n`);
      return 2;
    }
  }
  try {
    const applied = await migrate(databaseConnection(url, { password, statementTimeoutMs, lockTimeoutMs }), schema, { pseudonymKey, runtimeRole });
    process.stdout.write(applied.length === 0
      ? `optout-verifier migrate: schema ${schema} is up to date\n`
      : `optout-verifier migrate: applied to schema ${schema}:\n${applied.map((m) => `  ${describeMigration(m)}`).join('\n')}\n`);
    process.stdout.write(`optout-verifier migrate: ${runtimeRole} holds exactly the privileges run needs on schema ${schema}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`optout-verifier migrate: ${describeFailure(error).message}\n`);
    // A setting the migration needs (the pseudonym key, the runtime role) is a settings problem, as in `run`.
    return error instanceof VerifierError && error.code === 'CONFIGURATION' ? 2 : 1;
  }
}
