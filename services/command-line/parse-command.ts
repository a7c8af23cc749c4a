// How a command built on commander reads its arguments: help and version print on stdout and end the command with
// exit 0; an unknown or malformed flag is a usage problem, said in one line (failureReport) with exit 2.
import { CommanderError, type Command } from 'commander';
import { failureReport } from './command-failure.js';
import { UsageProblem } from './command-problems.js';

/** commander's own message, without its "error: " prefix, as a UsageProblem. */
export function usageProblemOf(error: CommanderError): UsageProblem {
  return new UsageProblem(error.message.replace(/^error: /, ''));
}

/**
 * Parses `argv` (the words after the command's name) into `program`. Returns null when the command is to go on,
 * else the exit code to end it with (the help or the problem already printed).
 */
export function parseCommand(program: Command, argv: readonly string[], command: string): number | null {
  program.exitOverride().configureOutput({ writeErr: () => {}, writeOut: (s) => process.stdout.write(s) });
  try {
    program.parse([...argv], { from: 'user' });
    return null;
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (error.exitCode === 0) return 0;
    const failure = failureReport(command, usageProblemOf(error), false);
    process.stderr.write(failure.line);
    return failure.code;
  }
}
