// Kafka and PostgreSQL in containers, for machines with a Docker engine.
// testcontainers is imported on demand: loading it costs about a second,
// which runs without Docker should not pay.
import { kafkaImage, postgresImage } from './images.js';

export interface StartedServer<T> {
  readonly value: T;
  stop(): Promise<void>;
}

/** Port of the listener @testcontainers/kafka maps to the host. */
const kafkaHostListenerPort = 9093;

export async function startKafkaContainer(): Promise<StartedServer<string[]>> {
  const { KafkaContainer } = await import('@testcontainers/kafka');
  const container = await new KafkaContainer(kafkaImage)
    .withKraft()
    // Like production: a topic a test forgot to create is an error, not a surprise topic.
    .withEnvironment({ KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false' })
    .start();
  return {
    value: [`${container.getHost()}:${container.getMappedPort(kafkaHostListenerPort)}`],
    stop: async () => { await container.stop(); },
  };
}

export async function startPostgresContainer(): Promise<StartedServer<string>> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer(postgresImage).start();
  return {
    value: container.getConnectionUri(),
    stop: async () => { await container.stop(); },
  };
}
