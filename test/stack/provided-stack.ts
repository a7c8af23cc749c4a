// What globalSetup hands to the test workers through vitest's provide/inject.
// Values cross a process boundary, so they are plain data.

/** Where a server came from: the environment, a container, or this machine. */
export type StackKind = 'env' | 'containers' | 'local';

export interface ProvidedStack {
  kafka: {
    kind: StackKind;
    brokers: string[];
    /** URL of the mock cluster's control API, or null when Kafka is not the local mock. */
    mockControlUrl: string | null;
  };
  postgres: {
    kind: StackKind;
    url: string;
  };
  /** A Confluent Schema Registry: SCHEMA_REGISTRY_URL, a container beside the Kafka container, or the stand-in. */
  schemaRegistry: {
    kind: StackKind;
    url: string;
  };
  /** Whether a test can start a mock cluster of its own (librdkafka's, with fault injection), and why not. */
  mockClusters: MockClusters;
}

export type MockClusters = { available: true } | { available: false; why: string };

declare module 'vitest' {
  export interface ProvidedContext {
    testStack: ProvidedStack;
  }
}
