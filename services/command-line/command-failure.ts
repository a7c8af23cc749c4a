// Where every command's failure ends: one line on stderr, and the exit code of its kind (exit-codes.ts). A problem
// the user can fix (a bad flag, a file that cannot be used) is said in a line with no stack trace; so is an error
// from the file system that no command caught, named by its path. Anything else is a fault in the program: one
// line too, with the stack trace only under --debug.
import { EXIT } from './exit-codes.js';
import { describeFileError, InputProblem, isFileError, UsageProblem } from './command-problems.js';

export interface FailureReport {
  readonly code: number;
  readonly line: string;
}

/** The line to print (ending in a newline) and the exit code for `error`, thrown by `command` ('optout-verifier replay'). */
export function failureReport(command: string, error: unknown, debug: boolean): FailureReport {
  if (error instanceof UsageProblem) return { code: EXIT.USAGE, line: `${command}: ${error.message} (see ${command} --help)\n` };
  if (error instanceof InputProblem) return { code: EXIT.INPUT, line: `${command}: ${error.message}\n${debug ? trace(error) : ''}` };
  if (isFileError(error)) return { code: EXIT.INPUT, line: `${command}: ${error.path}: ${describeFileError(error)}\n${debug ? trace(error) : ''}` };
  const message = error instanceof Error ? error.message : String(error);
  return { code: EXIT.INTERNAL, line: `${command}: internal error: ${message}\n${debug ? trace(error) : `(run again with --debug for the stack trace)\n`}` };
}

function trace(error: unknown): string {
  return error instanceof Error && error.stack !== undefined ? `${error.stack}\n` : '';
}

/**
 * For a command's main, which other commands and tests also call in-process: a problem the user can fix is printed
 * here and its exit code returned; any other error is thrown on, to the executable, which reports it (with its
 * stack trace under --debug).
 */
export function exitForUserProblem(command: string, error: unknown): number {
  if (!(error instanceof UsageProblem || error instanceof InputProblem || isFileError(error))) throw error;
  const failure = failureReport(command, error, false);
  process.stderr.write(failure.line);
  return failure.code;
}
