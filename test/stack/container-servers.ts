// Kafka and PostgreSQL in containers, for machines with a Docker engine.
// testcontainers is imported on demand: loading it costs about a second,
// which runs without Docker should not pay.
import { kafkaImage, postgresImage, schemaRegistryImage } from './images.js';

export interface StartedServer<T> {
  readonly value: T;
  stop(): Promise<void>;
}

/** Port of the listener @testcontainers/kafka maps to the host. */
const kafkaHostListenerPort = 9093;

/** The Kafka container's name on the network it shares with the Schema Registry container. */
const kafkaNetworkAlias = 'kafka';

export interface StartedKafka {
  readonly brokers: string[];
  /** Starts a Schema Registry container that keeps its schemas in this Kafka; its URL from this machine. */
  startSchemaRegistry(): Promise<StartedServer<string>>;
}

export async function startKafkaContainer(): Promise<StartedServer<StartedKafka>> {
  const { KafkaContainer } = await import('@testcontainers/kafka');
  const { GenericContainer, Network, Wait } = await import('testcontainers');
  const network = await new Network().start();
  const container = await new KafkaContainer(kafkaImage)
    .withNetwork(network)
    .withNetworkAliases(kafkaNetworkAlias)
    .withKraft()
    // Like production: a topic a test forgot to create is an error, not a surprise topic.
    .withEnvironment({ KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false' })
    .start();
  const startSchemaRegistry = async (): Promise<StartedServer<string>> => {
    const registry = await new GenericContainer(schemaRegistryImage)
      .withNetwork(network)
      .withEnvironment({
        SCHEMA_REGISTRY_HOST_NAME: 'schema-registry',
        SCHEMA_REGISTRY_LISTENERS: `http://0.0.0.0:${schemaRegistryPort}`,
        SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS: `PLAINTEXT://${kafkaNetworkAlias}:9092`,
      })
      .withExposedPorts(schemaRegistryPort)
      .withWaitStrategy(Wait.forHttp('/subjects', schemaRegistryPort))
      .start();
    return {
      value: `http://${registry.getHost()}:${registry.getMappedPort(schemaRegistryPort)}`,
      stop: async () => { await registry.stop(); },
    };
  };
  return {
    value: { brokers: [`${container.getHost()}:${container.getMappedPort(kafkaHostListenerPort)}`], startSchemaRegistry },
    stop: async () => {
      await container.stop();
      await network.stop();
    },
  };
}

const schemaRegistryPort = 8081;

export async function startPostgresContainer(): Promise<StartedServer<string>> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const container = await new PostgreSqlContainer(postgresImage).start();
  return {
    value: container.getConnectionUri(),
    stop: async () => { await container.stop(); },
  };
}
