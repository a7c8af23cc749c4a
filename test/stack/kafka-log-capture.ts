// kafkajs logs every connection error and retry at ERROR level, which would
// bury a test run's output. Tests keep those entries here instead, and can
// assert on them (a failed attempt is how a test sees that a retry happened).
import { logLevel, type LogEntry, type logCreator } from 'kafkajs';

export interface KafkaLogCapture {
  /** Pass as `logCreator` together with `logLevel`. */
  readonly logCreator: logCreator;
  readonly logLevel: logLevel;
  readonly entries: readonly LogEntry[];
}

export function captureKafkaLogs(level: logLevel = logLevel.ERROR): KafkaLogCapture {
  const entries: LogEntry[] = [];
  return { logCreator: () => (entry) => { entries.push(entry); }, logLevel: level, entries };
}
