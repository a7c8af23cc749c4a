// The one executable. Each subcommand is a service with its own composition root, loaded only when asked for.
import { failureReport } from '../command-line/command-failure.js';
import { gitCommit, packageVersion } from '../replay/provenance.js';

type Main = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, { summary: string; load: () => Promise<Main> }> = {
  demo: { summary: 'simulate the 2015-2018 SystmOne incident at small scale and replay it (what `npm start` runs)', load: async () => (await import('../demo/main.js')).main },
  replay: { summary: "the auditor's replay of event files into a JSON report", load: async () => (await import('../replay/main.js')).main },
  simulate: { summary: 'write a seeded synthetic scenario (GP systems and the national data service), with faults', load: async () => (await import('../simulator/main.js')).main },
  run: { summary: 'the live verifier on Kafka and PostgreSQL', load: async () => (await import('../live/main.js')).main },
  export: { summary: 'read the live input topics, up to their end offsets at the start, into the files replay reads', load: async () => (await import('../live/export-main.js')).main },
  migrate: { summary: "apply the live verifier's PostgreSQL migrations", load: async () => (await import('../live/migrate-main.js')).main },
  audit: { summary: "verify the live verifier's tamper-evident alert history (audit verify)", load: async () => (await import('../live/audit-main.js')).main },
  pseudonym: { summary: 'for key holders: NHS numbers on stdin to "nhsNumber,patientRef" lines (re-identification)', load: async () => (await import('../pseudonym/main.js')).main },
  bench: { summary: 'measure replay (and live) throughput against raw baselines', load: async () => (await import('../bench/main.js')).main },
};

/** Every command's name, and each subcommand's as `command subcommand`: each answers --help and -h. */
export const COMMAND_LINES: readonly string[] = [...Object.keys(COMMANDS), 'audit verify'];

function usage(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((c) => c.length));
  return [
    'usage: optout-verifier <command> [options]',
    '',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    '',
    'optout-verifier <command> --help shows the options of a command; optout-verifier --version the version.',
    '--debug with any command prints the stack trace of an internal error.',
  ].join('\n');
}

/** The package's version, with the commit when the build stamped one (OPTOUT_VERIFIER_COMMIT) or git knows it. */
async function versionLine(env: NodeJS.ProcessEnv): Promise<string> {
  const version = await packageVersion();
  const { commit } = gitCommit(env.OPTOUT_VERIFIER_COMMIT);
  return `optout-verifier ${version}${commit === null ? '' : ` (commit ${commit})`}`;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // --debug, anywhere on the line, belongs to the executable: an internal error then prints its stack trace.
  const debug = argv.includes('--debug');
  const [name, ...rest] = argv.filter((arg) => arg !== '--debug');
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${await versionLine(env)}\n`);
    return 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`optout-verifier: unknown command '${name}'\n${usage()}\n`);
    return 2;
  }
  try {
    return await (await command.load())(rest);
  } catch (error) {
    const failure = failureReport(`optout-verifier ${name}`, error, debug);
    process.stderr.write(failure.line);
    return failure.code;
  }
}
