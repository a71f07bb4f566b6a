/*
 * ledger_race.c — lease clients racing on one PostgreSQL ledger, each a
 * process with its own connection, as nodes are (pg/pg.h): the proof that
 * no award goes past the stock while the leases sum to at most the stock,
 * with pg_lease and pg_settle as the nodes call them.
 *
 *   ledger_race CONNINFO CLIENTS ROUNDS STOCK
 *
 * Each client keeps what a node's store keeps (taken, returned, awarded)
 * and in each round leases 1 to 5 units, awards some of what it holds (a
 * draw), sometimes gives half of the rest back (the store first, then the
 * ledger settled to it), and sometimes "crashes" between a lease and its
 * store: the lease is in the ledger but not in the store, and the next
 * settle (a restart's) gives it back. Meanwhile a checker reads the ledger
 * again and again: left + leased = stock in every snapshot. At the end
 * every client settles to what it awarded; then the sum of awards is at
 * most the stock, each client's lease is its awards, and left + awards is
 * the stock. Prints the figures; exit 0, or 1 with what failed.
 */
#include "pg/pg.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define RACE_CAMPAIGN "race"
#define RACE_CLIENTS_MAX 32

/* What a node's store holds of its lease. */
struct race_store {
	uint64_t taken, back, used;
	uint64_t leases, crashes, returns;
};

/* Fails the process with a message. */
static void
race_die(struct pg *pg, const char *what)
{
	fprintf(stderr, "ledger_race: %s: %s\n", what,
	    pg != NULL ? pg_error(pg) : strerror(errno));
	exit(1);
}

/* A lease client: node id node; writes its awards to fd. */
static void
race_client(const char *conninfo, int64_t node, int rounds, uint64_t stock,
    int fd)
{
	struct pg_key k = { RACE_CAMPAIGN, 0, 0 };
	struct race_store s = { 0 };
	struct pg *pg;
	uint64_t got, left, back;
	char line[160];
	int n;

	srand((unsigned)(getpid() ^ (node << 16)));
	if (pg_open(conninfo, &pg) < 0)
		race_die(pg, "connect");
	for (int i = 0; i < rounds; i++) {
		uint64_t held;

		if (pg_lease(pg, &k, stock, node, 1 + (uint64_t)(rand() % 5),
		    &got, &left) < 0)
			race_die(pg, "lease");
		if (got > 0 && rand() % 10 == 0) {
			/* A crash before the store took the lease. */
			s.crashes++;
			if (pg_settle(pg, &k, node, s.taken - s.back, s.used,
			    &back) < 0)
				race_die(pg, "settle after a crash");
			continue;
		}
		s.taken += got;
		s.leases += got > 0;
		held = s.taken - s.back - s.used;
		/* Draws: award up to three from what is held. */
		for (int d = rand() % 4; d > 0 && held > 0; d--, held--)
			s.used++;
		if (held > 1 && rand() % 4 == 0) {
			s.back += held / 2;
			s.returns++;
			if (pg_settle(pg, &k, node, s.taken - s.back, s.used,
			    &back) < 0)
				race_die(pg, "settle");
			if (back != held / 2) {
				fprintf(stderr, "ledger_race: node %" PRId64
				    " gave back %" PRIu64 ", the ledger took "
				    "%" PRIu64 "\n", node, held / 2, back);
				exit(1);
			}
		}
	}
	/* Shutdown: everything held goes back. */
	s.back = s.taken - s.used;
	if (pg_settle(pg, &k, node, s.taken - s.back, s.used, &back) < 0)
		race_die(pg, "settle at the end");
	n = snprintf(line, sizeof(line), "%" PRId64 " %" PRIu64 " %" PRIu64
	    " %" PRIu64 " %" PRIu64 "\n", node, s.used, s.leases, s.crashes,
	    s.returns);
	if (write(fd, line, (size_t)n) != n)
		exit(1);
	pg_close(pg);
	exit(0);
}

/* Sums the ledger's rows of the race: left, leased per node. */
struct race_sum {
	uint64_t total, left, leased, rows;
	uint64_t node_leased[RACE_CLIENTS_MAX + 1];
};

/* pg_ledger_foreach callback. */
static int
race_sum_cb(const struct pg_ledger_row *r, void *arg)
{
	struct race_sum *s = arg;

	s->total = r->total;
	s->left = r->remaining;
	s->rows++;
	if (r->node > 0 && r->node <= RACE_CLIENTS_MAX) {
		s->leased += r->leased;
		s->node_leased[r->node] = r->leased;
	}
	return 0;
}

/* The checker: left + leased = stock in every snapshot, until killed. */
static void
race_checker(const char *conninfo, uint64_t stock, int fd)
{
	struct pg *pg;
	uint64_t snaps = 0;
	char line[64];
	int n;

	if (pg_open(conninfo, &pg) < 0)
		race_die(pg, "connect");
	for (;;) {
		struct race_sum s;

		memset(&s, 0, sizeof(s));
		if (pg_ledger_foreach(pg, RACE_CAMPAIGN, race_sum_cb, &s) < 0)
			race_die(pg, "read the ledger");
		if (s.rows > 0 && s.left + s.leased != stock) {
			fprintf(stderr, "ledger_race: a snapshot with left %"
			    PRIu64 " + leased %" PRIu64 " != stock %" PRIu64
			    "\n", s.left, s.leased, stock);
			exit(1);
		}
		snaps++;
		n = snprintf(line, sizeof(line), "%" PRIu64 "\n", snaps);
		if (pwrite(fd, line, (size_t)n, 0) != n)
			exit(1);
	}
}

int
main(int argc, char **argv)
{
	uint64_t stock, awards = 0, used[RACE_CLIENTS_MAX + 1] = { 0 };
	uint64_t leases = 0, crashes = 0, returns = 0;
	int clients, rounds, p[2], status, bad = 0;
	pid_t pids[RACE_CLIENTS_MAX], checker;
	struct race_sum s;
	struct pg *pg;
	char buf[4096], snaps[64] = "0", tmpl[] = "/tmp/ledger-race.XXXXXX";
	FILE *in;
	int cfd;

	if (argc != 5 || (clients = atoi(argv[2])) < 1 ||
	    clients > RACE_CLIENTS_MAX || (rounds = atoi(argv[3])) < 1 ||
	    (stock = strtoull(argv[4], NULL, 10)) == 0) {
		fprintf(stderr, "usage: ledger_race CONNINFO CLIENTS(1-%d) "
		    "ROUNDS STOCK\n", RACE_CLIENTS_MAX);
		return 2;
	}
	if (pg_open(argv[1], &pg) < 0 || pg_schema_init(pg) < 0)
		race_die(pg, "schema");
	if (pipe(p) < 0 || (cfd = mkstemp(tmpl)) < 0)
		race_die(NULL, "pipe");
	unlink(tmpl);
	if ((checker = fork()) == 0)
		race_checker(argv[1], stock, cfd);
	for (int i = 0; i < clients; i++)
		if ((pids[i] = fork()) == 0)
			race_client(argv[1], i + 1, rounds, stock, p[1]);
	close(p[1]);
	for (int i = 0; i < clients; i++) {
		waitpid(pids[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			bad = 1;
	}
	kill(checker, SIGKILL);
	waitpid(checker, &status, 0);
	if (!WIFSIGNALED(status))
		bad = 1;		/* the checker failed by itself */
	if ((in = fdopen(p[0], "r")) == NULL)
		race_die(NULL, "read the clients");
	while (fgets(buf, sizeof(buf), in) != NULL) {
		int64_t node;
		uint64_t u, l, c, r;

		if (sscanf(buf, "%" SCNd64 " %" SCNu64 " %" SCNu64 " %"
		    SCNu64 " %" SCNu64, &node, &u, &l, &c, &r) != 5 ||
		    node < 1 || node > RACE_CLIENTS_MAX)
			continue;
		used[node] = u;
		awards += u;
		leases += l;
		crashes += c;
		returns += r;
	}
	fclose(in);
	if (pread(cfd, snaps, sizeof(snaps) - 1, 0) < 0)
		snaps[0] = '\0';
	snaps[strcspn(snaps, "\n")] = '\0';
	memset(&s, 0, sizeof(s));
	if (pg_ledger_foreach(pg, RACE_CAMPAIGN, race_sum_cb, &s) < 0)
		race_die(pg, "read the ledger");
	printf("ledger race: %d clients x %d rounds on a stock of %" PRIu64
	    ": %" PRIu64 " leases, %" PRIu64 " crashes between a lease and "
	    "its store, %" PRIu64 " returns; awards %" PRIu64 ", left %"
	    PRIu64 ", leased at the end %" PRIu64 "; %s snapshots of the "
	    "ledger, each adding up\n", clients, rounds, stock, leases,
	    crashes, returns, awards, s.left, s.leased, snaps);
	if (awards > stock) {
		fprintf(stderr, "ledger_race: %" PRIu64 " awards, stock %"
		    PRIu64 "\n", awards, stock);
		bad = 1;
	}
	if (s.left + s.leased != stock || s.leased != awards) {
		fprintf(stderr, "ledger_race: left %" PRIu64 " + leased %"
		    PRIu64 " (awards %" PRIu64 ") != stock %" PRIu64 "\n",
		    s.left, s.leased, awards, stock);
		bad = 1;
	}
	for (int i = 1; i <= clients; i++)
		if (s.node_leased[i] != used[i]) {
			fprintf(stderr, "ledger_race: node %d leases %" PRIu64
			    " after giving back, awarded %" PRIu64 "\n", i,
			    s.node_leased[i], used[i]);
			bad = 1;
		}
	pg_close(pg);
	return bad;
}
