/*
 * mock_broker.c — a Kafka cluster for the tests: librdkafka's mock
 * cluster (test.mock.num.brokers), one topic, and a consumer that writes
 * every record it reads to a file, while commands on stdin break the
 * brokers.
 *
 *   mock_broker --topic T --out FILE [--brokers N] [--partitions N]
 *
 * Prints "bootstrap: HOST:PORT,..." on stdout once the cluster and the
 * topic exist (point `scanloop serve --kafka` there), then one line per
 * command done. FILE gets one line per record consumed:
 * PARTITION TAB OFFSET TAB KEY TAB VALUE (KEY "-" when none; the values
 * are JSON without tabs or newlines), flushed as read.
 *
 * Commands, one per line on stdin:
 *   down ID | up ID        a broker (1..N) refuses connections, or not
 *   alldown | allup        every broker
 *   errors COUNT CODE      the next COUNT Produce requests (to any
 *                          broker) fail with Kafka error CODE
 *   leader PARTITION ID    moves a partition's leader
 *   count                  prints "count N": records consumed so far
 *   quit                   (or end of input) stops
 */
#include <errno.h>
#include <inttypes.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define API_PRODUCE 0			/* Kafka's ApiKey of Produce */

/* Prints a usage error and exits 2. */
static void
usage(void)
{
	fprintf(stderr, "usage: mock_broker --topic T --out FILE "
	    "[--brokers N] [--partitions N]\n");
	exit(2);
}

/* Exits 1 with a message. */
static void
die(const char *what, const char *detail)
{
	fprintf(stderr, "mock_broker: %s: %s\n", what, detail);
	exit(1);
}

/* Sets a property or dies. */
static void
conf_set(rd_kafka_conf_t *conf, const char *name, const char *value)
{
	char err[256];

	if (rd_kafka_conf_set(conf, name, value, err, sizeof(err)) !=
	    RD_KAFKA_CONF_OK)
		die(name, err);
}

/* Writes one consumed record as a line. */
static void
write_record(FILE *out, const rd_kafka_message_t *m)
{
	fprintf(out, "%" PRId32 "\t%" PRId64 "\t", m->partition, m->offset);
	if (m->key_len > 0)
		fwrite(m->key, 1, m->key_len, out);
	else
		fputc('-', out);
	fputc('\t', out);
	fwrite(m->payload, 1, m->len, out);
	fputc('\n', out);
}

/* Runs one command; false on quit. */
static bool
command(rd_kafka_mock_cluster_t *mc, int nbrokers, char *line,
    uint64_t consumed)
{
	char word[32];
	long a = 0, b = 0;
	int n = sscanf(line, "%31s %ld %ld", word, &a, &b);
	rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;

	if (n < 1)
		return true;
	if (strcmp(word, "quit") == 0)
		return false;
	if (strcmp(word, "down") == 0 && n == 2)
		err = rd_kafka_mock_broker_set_down(mc, (int32_t)a);
	else if (strcmp(word, "up") == 0 && n == 2)
		err = rd_kafka_mock_broker_set_up(mc, (int32_t)a);
	else if (strcmp(word, "alldown") == 0 || strcmp(word, "allup") == 0) {
		for (int i = 1; i <= nbrokers && !err; i++)
			err = word[3] == 'd' ?
			    rd_kafka_mock_broker_set_down(mc, i) :
			    rd_kafka_mock_broker_set_up(mc, i);
	} else if (strcmp(word, "errors") == 0 && n == 3 && a > 0 &&
	    a <= 100000) {
		rd_kafka_resp_err_t *codes = calloc((size_t)a, sizeof(*codes));

		for (long i = 0; i < a; i++)
			codes[i] = (rd_kafka_resp_err_t)b;
		rd_kafka_mock_push_request_errors_array(mc, API_PRODUCE,
		    (size_t)a, codes);
		free(codes);
	} else if (strcmp(word, "leader") == 0 && n == 3)
		err = rd_kafka_mock_partition_set_leader(mc,
		    getenv("MOCK_TOPIC"), (int32_t)a, (int32_t)b);
	else if (strcmp(word, "count") == 0) {
		printf("count %" PRIu64 "\n", consumed);
		fflush(stdout);
		return true;
	} else {
		printf("error unknown command: %s", line);
		fflush(stdout);
		return true;
	}
	if (err)
		printf("error %s: %s\n", word, rd_kafka_err2str(err));
	else
		printf("ok %s\n", word);
	fflush(stdout);
	return true;
}

/* Starts the cluster, then consumes and obeys until quit. */
int
main(int argc, char **argv)
{
	const char *topic = NULL, *path = NULL;
	int nbrokers = 3, nparts = 6;
	char err[512], nb[16], line[256];
	rd_kafka_t *owner, *cons;
	rd_kafka_conf_t *conf;
	rd_kafka_mock_cluster_t *mc;
	rd_kafka_topic_partition_list_t *parts;
	const char *boot;
	uint64_t consumed = 0;
	size_t linelen = 0;
	bool run = true;
	FILE *out;

	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "--topic") == 0)
			topic = argv[++i];
		else if (strcmp(argv[i], "--out") == 0)
			path = argv[++i];
		else if (strcmp(argv[i], "--brokers") == 0)
			nbrokers = atoi(argv[++i]);
		else if (strcmp(argv[i], "--partitions") == 0)
			nparts = atoi(argv[++i]);
		else
			usage();
	}
	if (topic == NULL || path == NULL || nbrokers < 1 || nparts < 1)
		usage();
	setenv("MOCK_TOPIC", topic, 1);
	if ((out = fopen(path, "w")) == NULL)
		die(path, strerror(errno));

	/* The cluster lives in a handle of its own. */
	conf = rd_kafka_conf_new();
	snprintf(nb, sizeof(nb), "%d", nbrokers);
	conf_set(conf, "test.mock.num.brokers", nb);
	if ((owner = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err,
	    sizeof(err))) == NULL)
		die("mock cluster", err);
	if ((mc = rd_kafka_handle_mock_cluster(owner)) == NULL)
		die("mock cluster", "none");
	if (rd_kafka_mock_topic_create(mc, topic, nparts, nbrokers))
		die("topic", "cannot create it");
	boot = rd_kafka_mock_cluster_bootstraps(mc);

	/* The consumer: every partition from the start, no group. */
	conf = rd_kafka_conf_new();
	conf_set(conf, "bootstrap.servers", boot);
	conf_set(conf, "group.id", "mock-broker-check");
	conf_set(conf, "enable.auto.commit", "false");
	conf_set(conf, "log_level", "0");
	if ((cons = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err,
	    sizeof(err))) == NULL)
		die("consumer", err);
	parts = rd_kafka_topic_partition_list_new(nparts);
	for (int p = 0; p < nparts; p++)
		rd_kafka_topic_partition_list_add(parts, topic, p)->offset =
		    RD_KAFKA_OFFSET_BEGINNING;
	if (rd_kafka_assign(cons, parts))
		die("consumer", "cannot assign the partitions");
	rd_kafka_topic_partition_list_destroy(parts);

	printf("bootstrap: %s\n", boot);
	fflush(stdout);
	while (run) {
		struct pollfd pfd = { .fd = 0, .events = POLLIN };
		rd_kafka_message_t *m;

		while ((m = rd_kafka_consumer_poll(cons, 20)) != NULL) {
			if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
				write_record(out, m);
				consumed++;
			}
			rd_kafka_message_destroy(m);
		}
		fflush(out);
		while (run && poll(&pfd, 1, 0) > 0) {
			ssize_t n = read(0, line + linelen, 1);

			if (n <= 0) {
				run = false;
				break;
			}
			if (line[linelen] == '\n' ||
			    linelen + 1 == sizeof(line) - 1) {
				line[linelen + 1] = '\0';
				run = command(mc, nbrokers, line, consumed);
				linelen = 0;
			} else
				linelen++;
		}
	}
	fclose(out);
	rd_kafka_consumer_close(cons);
	rd_kafka_destroy(cons);
	rd_kafka_destroy(owner);
	return 0;
}
