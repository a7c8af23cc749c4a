// The exit codes every command shares (README.md, "Exit codes"). A command may give 1 a meaning of its own (alerts
// at --fail-on, a broken alert history, lines that are not NHS numbers, a failure `run` cannot retry).
export const EXIT = {
  OK: 0,
  /** The command's own finding: see each command. */
  FINDING: 1,
  /** A flag or setting is missing or has a bad value. */
  USAGE: 2,
  /** A file the command was told to read or write cannot be used: it is named, with its flag. */
  INPUT: 3,
  /** Anything else: a fault in the program. Its stack trace is printed with --debug. */
  INTERNAL: 4,
} as const;
