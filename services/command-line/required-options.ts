// Options a command cannot run without. commander checks its own required options one at a time and stops at the
// first missing; these are checked after parsing instead, so that a user who left out three flags hears of all
// three at once, with the command's other problems.
import { Option } from 'commander';

const REQUIRED = new WeakSet<Option>();

/** An option the command needs; its help says "(required)". */
export function requiredOption(flags: string, description: string): Option {
  const option = new Option(flags, `${description} (required)`);
  REQUIRED.add(option);
  return option;
}

interface Parsed {
  readonly options: readonly Option[];
  getOptionValue(key: string): unknown;
}

/** One line naming every required option missing after parsing, in the order the help lists them; null when none is. */
export function missingRequiredOptions(command: Parsed): string | null {
  const missing = command.options.filter((o) => REQUIRED.has(o) && command.getOptionValue(o.attributeName()) === undefined).map((o) => o.flags);
  if (missing.length === 0) return null;
  return missing.length === 1 ? `${missing[0]!} is required` : `${missing.length} required flags are missing: ${missing.join(', ')}`;
}
