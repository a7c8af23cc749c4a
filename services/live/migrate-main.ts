// Composition root of `optout-verifier migrate`: applies the live service's pending migrations and exits.
import { parseMigrateConfig } from './config.js';
import { describeFailure } from './errors.js';
import { describeMigration, migrate } from './migration-runner.js';

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
  const { url, schema } = parsed.config.database;
  try {
    const applied = await migrate(url, schema);
    process.stdout.write(applied.length === 0
      ? `optout-verifier migrate: schema ${schema} is up to date\n`
      : `optout-verifier migrate: applied to schema ${schema}:\n${applied.map((m) => `  ${describeMigration(m)}`).join('\n')}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`optout-verifier migrate: ${describeFailure(error).message}\n`);
    return 1;
  }
}
