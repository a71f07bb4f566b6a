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
#include "stream/stream.h"

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
};

/* Runs the server until SIGTERM or SIGINT has drained it. Returns the
 * process exit status (0 after a clean drain), or a negative errno with
 * *why when it could not start. */
int scan_serve(struct store *st, const struct scan_config *cfg,
    const char **why);

#endif
