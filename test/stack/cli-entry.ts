// How tests start the one executable as a child process (with the repository root as its working directory):
// the TypeScript sources through tsx, so a test runs the code as it is now, with no build step in between.
export const CLI_ENTRY: readonly string[] = ['--import', 'tsx', 'services/cli/start.ts'];
