import cliProgress from 'cli-progress';

/** Progress of a long replay, shown on stderr only when it is a terminal; silent otherwise. */
export interface Progress {
  /** Starts the bar over all inputs, measured in bytes. */
  start(totalBytes: number): void;
  /** Reading one input begins. */
  input(label: string): void;
  /** More records of the current input were read. */
  records(count: number): void;
  /** The current input, of this many bytes, is done. */
  inputDone(bytes: number): void;
  stop(): void;
}

export const silentProgress: Progress = { start() {}, input() {}, records() {}, inputDone() {}, stop() {} };

export function terminalProgress(stream: NodeJS.WriteStream): Progress {
  const bar = new cliProgress.SingleBar({
    stream,
    format: ' {label} |{bar}| {percentage}% of input bytes | {records} records',
    hideCursor: true,
    clearOnComplete: true,
    fps: 5,
  }, cliProgress.Presets.shades_classic);
  let records = 0;
  let started = false;
  const shown = () => records.toLocaleString('en-GB');
  return {
    start(totalBytes) {
      bar.start(Math.max(totalBytes, 1), 0, { label: 'reading'.padEnd(26), records: '0' });
      started = true;
    },
    input(label) {
      records = 0;
      bar.update({ label: label.padEnd(26), records: shown() });
    },
    records(count) {
      records += count;
      bar.update({ records: shown() });
    },
    inputDone(bytes) {
      bar.increment(bytes, { records: shown() });
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
