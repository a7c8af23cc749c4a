// A reader that goes away (`optout-verifier replay --help | head -1`) closes the pipe under stdout, and the next
// write fails with EPIPE. That is the reader's choice, not a fault: the process stops at once, quietly, with exit
// code 0 (the reader asked for nothing more), where Node would otherwise die on an unhandled 'error' event with a
// stack trace. The same holds for stderr. Any other failure to write is still thrown.

export function stopQuietlyWhenReaderLeaves(streams: readonly NodeJS.WriteStream[], exit: (code: number) => void): void {
  for (const stream of streams) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      exit(0);
    });
  }
}
