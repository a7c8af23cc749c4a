#!/bin/sh
# Creates the data contract's topics for the docker-compose stack (service kafka-init).
# Safe to run again: --if-not-exists.
set -eu

BOOTSTRAP="${KAFKA_BOOTSTRAP:-kafka:9092}"
TOPICS=/opt/kafka/bin/kafka-topics.sh

create() {
  # retention.ms=-1: the simulated scenario's records carry event times in 2015-2018, and a
  # time-based retention would delete them as soon as their segment rolls.
  "$TOPICS" --bootstrap-server "$BOOTSTRAP" --create --if-not-exists \
    --topic "$1" --partitions "$2" --replication-factor 1 --config retention.ms=-1
}

# Inputs (docs/data-contract.md), keyed by NHS number or practice: 6 partitions each.
create gp.optout.events 6
create nds.objections.received 6
create nds.extracts.received 6
create nds.disseminations 6
# Outputs.
create optout.alerts 6
create optout.deadletter 6

"$TOPICS" --bootstrap-server "$BOOTSTRAP" --describe --topic 'gp.optout.events|nds.objections.received|nds.extracts.received|nds.disseminations|optout.alerts|optout.deadletter'
