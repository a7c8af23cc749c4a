import cliProgress from 'cli-progress';

/** Progress of a long replay, shown on stderr only when it is a terminal; silent otherwise. */
export interface Progress {
  phase(label: string, totalBytes: number): void;
  advance(bytes: number, records?: number): void;
  stop(): void;
}

export const silentProgress: Progress = { phase() {}, advance() {}, stop() {} };

export function terminalProgress(stream: NodeJS.WriteStream): Progress {
  const bar = new cliProgress.SingleBar({
    stream,
    format: ' {label} |{bar}| {percentage}% | {records} records | {eta_formatted} left',
    hideCursor: true,
    clearOnComplete: true,
    etaBuffer: 50,
    fps: 5,
  }, cliProgress.Presets.shades_classic);
  let started = false;
  let records = 0;
  return {
    phase(label, totalBytes) {
      records = 0;
      if (started) bar.stop();
      bar.start(Math.max(totalBytes, 1), 0, { label: label.padEnd(26), records: '0' });
      started = true;
    },
    advance(bytes, recordsAdded = 0) {
      records += recordsAdded;
      bar.increment(bytes, { records: records.toLocaleString('en-GB') });
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}
