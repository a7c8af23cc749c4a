// What /readyz answers: the service is ready when it can reach PostgreSQL (schema migrated) and Kafka, its
// consumer has joined the group, and no input it holds is stalled (records waiting, nothing stored for
// STALL_TIMEOUT: see input-progress.ts); with a Schema Registry, when the registry answered its last request.
// Each part is set by the component that knows it.
export type ReadinessPart = 'migrated' | 'postgresql' | 'kafka' | 'consumerJoined' | 'progressing' | 'schemaRegistry';

export class Readiness {
  readonly #parts = new Map<ReadinessPart, boolean>([['migrated', false], ['postgresql', false], ['kafka', false], ['consumerJoined', false], ['progressing', true]]);

  /** Parts only some deployments have (the Schema Registry) are added by the service that uses them. */
  constructor(extraParts: readonly ReadinessPart[] = []) {
    for (const part of extraParts) this.#parts.set(part, false);
  }

  set(part: ReadinessPart, ok: boolean): void {
    this.#parts.set(part, ok);
  }

  get ready(): boolean {
    return [...this.#parts.values()].every(Boolean);
  }

  snapshot(): Partial<Record<ReadinessPart, boolean>> {
    return Object.fromEntries(this.#parts) as Partial<Record<ReadinessPart, boolean>>;
  }
}
