/* scan_internal.h — what scan.c and server.c share. Not an API. */
#ifndef SCANLOOP_SCAN_INTERNAL_H
#define SCANLOOP_SCAN_INTERNAL_H

#include "common/buf.h"
#include "scanner/accesslog.h"
#include "scanner/http.h"
#include "scanner/metrics.h"
#include "scanner/ratelimit.h"
#include "scanner/scan.h"
#include "scanner/writer.h"

#define SCAN_VISITOR_COOKIE "sl_vid"
#define SCAN_VISITOR_BYTES 16
#define SCAN_TOKEN_CHARS 26		/* base32 of 16 bytes */

struct scan_server {
	struct store *st;
	struct scan_config cfg;
	struct http_server *http;
	struct writer *writer;
	struct ratelimit *rl;
	struct metrics *metrics;
	struct accesslog *log;
	uint8_t token_key[32];		/* location tokens */
	int64_t started;
};

struct scan_loop {
	struct scan_server *srv;
	struct http_loop *loop;
	unsigned index;
	struct store_txn rtxn;		/* reset between requests */
	bool rtxn_ok;
	struct writer_port *port;
	struct buf page;		/* scratch for rendering */
};

/* http hooks (scan.c). */
int scan_loop_init(struct http_loop *loop, void *arg);
void scan_loop_fini(struct http_loop *loop, void *arg);
void scan_handle(struct http_req *req, void *arg);
void scan_done(struct http_req *req, void *arg);
bool scan_admit_conn(int family, const uint8_t ip[16], void *arg);
void scan_release_conn(int family, const uint8_t ip[16], void *arg);

#endif
