/*
 * scan.h — the scan server, as the command line starts it.
 *
 * Where a scan is decided: scan_handle() (router.c) routes a request; a
 * code URL goes to handle_code.c, which asks verify.c for the verdict,
 * builds the scan event and, for a genuine code, answers only when the
 * writer (writer.c) has committed the event. scan_internal.h maps the
 * server's files.
 */
#ifndef SCANLOOP_SCAN_H
#define SCANLOOP_SCAN_H

#include <stdbool.h>
#include <stdint.h>

#include "scanner/http.h"
#include "store/store.h"
#include "scanner/leaser.h"
#include "stream/stream.h"

/* Automatic retention: days after which forged and malformed events are
 * deleted and addresses dropped (0: kept). */
struct scan_retention {
	int forged_days;
	int ip_days;
	int groups_days;		/* abandoned groups, after their deadline */
};

#define SCAN_RETAIN_FORGED_DAYS 90	/* serve's defaults */
#define SCAN_RETAIN_IP_DAYS 100
#define SCAN_RETAIN_GROUPS_DAYS 30
#define SCAN_RETAIN_DAYS_MAX 36500
#define SCAN_DAY_US (86400LL * 1000000)
#define SCAN_PRUNE_EVERY_US (3600LL * 1000000)	/* a run at most hourly */
#define SCAN_PRUNE_SLICE_US 50000	/* per tick, between groups */
struct bots;
struct cluster;

struct scan_config {
	struct http_config http;
	bool ip_anon;			/* zero the host part of addresses */
	double rate;			/* requests/s per client, 0 = off */
	double burst;
	const char *log_path;		/* access log, or NULL */
	const char *secrets_path;	/* KEYS/server.secret */
	bool quiet;			/* no start-up line on stdout */
	uint32_t node;			/* this node's id (--node), 1.. */
	/* Committed events to a Kafka-API broker (--kafka), or NULL. */
	const struct stream_config *kafka;
	/* Prize stock leased from PostgreSQL (--pg), or NULL. */
	const struct leaser_config *pg;
	/* Nodes sharing the codes (--cluster), or NULL: one node. */
	const struct cluster *cluster;
	uint64_t forged_budget;		/* forged and malformed events
					 * stored per network and hour */
	struct scan_retention retain;	/* automatic pruning */
	struct bots *bots;		/* bots.h; NULL: the own rules alone */
};

/* Takes the store's server lock (<store>/serve.lock), which a running
 * server holds: returns its descriptor (close it to release), -EBUSY
 * while a server runs, or another negative errno. */
int scan_lock_store(struct store *st);

/* Runs the server until SIGTERM or SIGINT has drained it. Returns the
 * process exit status (0 after a clean drain), or a negative errno with
 * *why when it could not start. */
int scan_serve(struct store *st, const struct scan_config *cfg,
    const char **why);

#endif
