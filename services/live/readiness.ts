// What /readyz answers: the service is ready when it can reach PostgreSQL (schema migrated) and Kafka, and its
// consumer has joined the group. Each part is set by the component that knows it.
export type ReadinessPart = 'migrated' | 'postgresql' | 'kafka' | 'consumerJoined';

export class Readiness {
  readonly #parts = new Map<ReadinessPart, boolean>([['migrated', false], ['postgresql', false], ['kafka', false], ['consumerJoined', false]]);

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
