// The container images used when a Docker engine is available. Pinned here
// and nowhere else, so the whole suite moves to a new version in one change.

/** Confluent Platform 7.9 is Apache Kafka 3.9; @testcontainers/kafka runs it in KRaft mode (no ZooKeeper). */
export const kafkaImage = 'confluentinc/cp-kafka:7.9.1';

/** The major version of the local PostgreSQL the suite otherwise runs against. */
export const postgresImage = 'postgres:15.10-alpine';

/** The Schema Registry of the same Confluent Platform release as the Kafka image. */
export const schemaRegistryImage = 'confluentinc/cp-schema-registry:7.9.1';
