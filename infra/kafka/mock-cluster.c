/*
 * A Kafka cluster for integration tests, served by librdkafka's mock brokers
 * (rdkafka_mock.h). No JVM, no Docker: the brokers listen on 127.0.0.1 and
 * speak enough of the protocol for produce, fetch, consumer groups and offset
 * commits.
 *
 * Usage: mock-cluster [broker_count]
 *
 * Prints "BOOTSTRAP host:port,host:port,..." once the brokers listen, then
 * reads one command per line on stdin and answers "OK" or "ERR <why>":
 *
 *   topic <name> <partitions> <replication>
 *   broker-down <id>
 *   broker-up <id>
 *   request-errors <apiKey> <errorCode> [<errorCode>...]
 *   rtt <brokerId> <ms>
 *   produce <topic> <partition> <codec> <hex value> [<hex value>...]
 *   quit
 *
 * "produce" writes the values to one partition with librdkafka's own
 * producer, compressed with the codec (none, gzip, snappy, lz4 or zstd) in
 * the record batches it builds, and answers once all are acknowledged.
 *
 * The mock does not serve CreateTopics, hence the "topic" command. On EOF on
 * stdin the cluster shuts down, so it never outlives the process that
 * started it.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MAX_LINE 65536
#define MAX_ARGS 512

static void reply_ok(void) {
        fputs("OK\n", stdout);
        fflush(stdout);
}

static void reply_err(const char *why) {
        fprintf(stdout, "ERR %s\n", why);
        fflush(stdout);
}

static void reply_kafka(rd_kafka_resp_err_t err) {
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR)
                reply_ok();
        else
                reply_err(rd_kafka_err2str(err));
}

/* Parses a whole decimal integer within [min, max]; returns 0 on success. */
static int parse_long(const char *s, long min, long max, long *out) {
        char *end;
        long v;
        errno = 0;
        v     = strtol(s, &end, 10);
        if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
                return -1;
        *out = v;
        return 0;
}

/* Splits line in place on blanks; returns the number of words. */
static int split(char *line, char **argv) {
        int argc = 0;
        char *save = NULL;
        char *tok  = strtok_r(line, " \t\r\n", &save);
        while (tok != NULL && argc < MAX_ARGS) {
                argv[argc++] = tok;
                tok          = strtok_r(NULL, " \t\r\n", &save);
        }
        return tok == NULL ? argc : -1;
}

static int delivery_failures;

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *msg,
                        void *opaque) {
        (void)rk;
        (void)opaque;
        if (msg->err)
                delivery_failures++;
}

/* Decodes hex into out (at least strlen(hex) / 2 bytes); returns the length, or -1. */
static long unhex(const char *hex, unsigned char *out) {
        size_t n = strlen(hex), i;
        if (n % 2 != 0)
                return -1;
        for (i = 0; i < n; i += 2) {
                unsigned int byte;
                if (sscanf(hex + i, "%2x", &byte) != 1)
                        return -1;
                out[i / 2] = (unsigned char)byte;
        }
        return (long)(n / 2);
}

static void produce(rd_kafka_mock_cluster_t *mcluster, int argc, char **argv) {
        char errstr[512];
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        rd_kafka_t *rk;
        rd_kafka_resp_err_t err;
        unsigned char *value;
        long partition, len;
        int i;

        if (argc < 5 || parse_long(argv[2], 0, INT32_MAX, &partition))
                return reply_err("usage: produce <topic> <partition> <codec> <hex value>...");
        if (rd_kafka_conf_set(conf, "bootstrap.servers", rd_kafka_mock_cluster_bootstraps(mcluster), errstr, sizeof(errstr)) ||
            rd_kafka_conf_set(conf, "compression.codec", argv[3], errstr, sizeof(errstr)) ||
            rd_kafka_conf_set(conf, "linger.ms", "100", errstr, sizeof(errstr)) ||
            rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr))) {
                rd_kafka_conf_destroy(conf);
                return reply_err(errstr);
        }
        rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (rk == NULL)
                return reply_err(errstr);
        delivery_failures = 0;
        for (i = 4; i < argc; i++) {
                value = malloc(strlen(argv[i]) / 2 + 1);
                len   = value == NULL ? -1 : unhex(argv[i], value);
                if (len < 0) {
                        free(value);
                        rd_kafka_destroy(rk);
                        return reply_err("values must be hex");
                }
                err = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(argv[1]), RD_KAFKA_V_PARTITION((int32_t)partition),
                                        RD_KAFKA_V_VALUE(value, (size_t)len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                        RD_KAFKA_V_END);
                free(value);
                if (err) {
                        rd_kafka_destroy(rk);
                        return reply_kafka(err);
                }
        }
        err = rd_kafka_flush(rk, 10000);
        rd_kafka_destroy(rk);
        if (err)
                return reply_kafka(err);
        if (delivery_failures > 0)
                return reply_err("some values were not acknowledged");
        reply_ok();
}

static void run_command(rd_kafka_mock_cluster_t *mcluster, int argc,
                        char **argv) {
        const char *cmd = argv[0];
        long a, b;

        if (strcmp(cmd, "topic") == 0) {
                if (argc != 4)
                        return reply_err("usage: topic <name> <partitions> <replication>");
                if (parse_long(argv[2], 1, INT_MAX, &a) ||
                    parse_long(argv[3], 1, INT_MAX, &b))
                        return reply_err("partitions and replication must be positive integers");
                return reply_kafka(rd_kafka_mock_topic_create(
                    mcluster, argv[1], (int)a, (int)b));
        }

        if (strcmp(cmd, "broker-down") == 0 || strcmp(cmd, "broker-up") == 0) {
                if (argc != 2 || parse_long(argv[1], -1, INT32_MAX, &a))
                        return reply_err("usage: broker-down|broker-up <id> (-1 for all)");
                return reply_kafka(
                    cmd[7] == 'd'
                        ? rd_kafka_mock_broker_set_down(mcluster, (int32_t)a)
                        : rd_kafka_mock_broker_set_up(mcluster, (int32_t)a));
        }

        if (strcmp(cmd, "request-errors") == 0) {
                rd_kafka_resp_err_t errors[MAX_ARGS];
                int i;
                if (argc < 3 || parse_long(argv[1], 0, INT16_MAX, &a))
                        return reply_err("usage: request-errors <apiKey> <errorCode> [<errorCode>...]");
                for (i = 2; i < argc; i++) {
                        if (parse_long(argv[i], INT_MIN, INT_MAX, &b))
                                return reply_err("error codes must be integers");
                        errors[i - 2] = (rd_kafka_resp_err_t)b;
                }
                rd_kafka_mock_push_request_errors_array(
                    mcluster, (int16_t)a, (size_t)(argc - 2), errors);
                return reply_ok();
        }

        if (strcmp(cmd, "rtt") == 0) {
                if (argc != 3 || parse_long(argv[1], -1, INT32_MAX, &a) ||
                    parse_long(argv[2], 0, INT_MAX, &b))
                        return reply_err("usage: rtt <brokerId> <ms>");
                return reply_kafka(rd_kafka_mock_broker_set_rtt(
                    mcluster, (int32_t)a, (int)b));
        }

        if (strcmp(cmd, "produce") == 0)
                return produce(mcluster, argc, argv);

        reply_err("unknown command");
}

int main(int argc, char **argv) {
        char errstr[512];
        char line[MAX_LINE];
        long broker_count = 3;
        rd_kafka_conf_t *conf;
        rd_kafka_t *rk;
        rd_kafka_mock_cluster_t *mcluster;

        if (argc > 2 ||
            (argc == 2 && parse_long(argv[1], 1, 64, &broker_count))) {
                fprintf(stderr, "usage: %s [broker_count 1..64]\n", argv[0]);
                return 2;
        }

        /* The mock cluster needs a client handle for its bookkeeping; it
         * never produces anything. */
        conf = rd_kafka_conf_new();
        if (rd_kafka_conf_set(conf, "log_level", "3", errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK) {
                fprintf(stderr, "%s\n", errstr);
                return 1;
        }
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (rk == NULL) {
                fprintf(stderr, "rd_kafka_new: %s\n", errstr);
                return 1;
        }

        mcluster = rd_kafka_mock_cluster_new(rk, (int)broker_count);
        if (mcluster == NULL) {
                fprintf(stderr, "rd_kafka_mock_cluster_new failed\n");
                rd_kafka_destroy(rk);
                return 1;
        }

        fprintf(stdout, "BOOTSTRAP %s\n",
                rd_kafka_mock_cluster_bootstraps(mcluster));
        fflush(stdout);

        while (fgets(line, sizeof(line), stdin) != NULL) {
                char *words[MAX_ARGS];
                int n;
                if (strchr(line, '\n') == NULL && !feof(stdin)) {
                        int c;
                        while ((c = getchar()) != EOF && c != '\n')
                                ;
                        reply_err("line too long");
                        continue;
                }
                n = split(line, words);
                if (n < 0) {
                        reply_err("too many arguments");
                        continue;
                }
                if (n == 0) {
                        reply_err("empty command");
                        continue;
                }
                if (strcmp(words[0], "quit") == 0) {
                        reply_ok();
                        break;
                }
                run_command(mcluster, n, words);
        }

        rd_kafka_mock_cluster_destroy(mcluster);
        rd_kafka_destroy(rk);
        return 0;
}
