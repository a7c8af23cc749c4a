// What /readyz answers: the service is ready when it can reach PostgreSQL (schema migrated) and Kafka, its
// consumer has joined the group, and no input it holds is stalled (records waiting, nothing stored for
// STALL_TIMEOUT: see input-progress.ts). Each part is set by the component that knows it.
export type ReadinessPart = 'migrated' | 'postgresql' | 'kafka' | 'consumerJoined' | 'progressing';

export class Readiness {
  readonly #parts = new Map<ReadinessPart, boolean>([['migrated', false], ['postgresql', false], ['kafka', false], ['consumerJoined', false], ['progressing', true]]);

  set(part: ReadinessPart, ok: boolean): void {
    this.#parts.set(part, ok);
  }

  get ready(): boolean {
    return [...this.#parts.values()].every(Boolean);
  }

  snapshot(): Record<ReadinessPart, boolean> {
    return Object.fromEntries(this.#parts) as Record<ReadinessPart, boolean>;
  }
}
