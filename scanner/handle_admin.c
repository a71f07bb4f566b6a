/*
 * handle_admin.c — the admin API's gate (an admin token), and the
 * exports (reports: handle_report.c). GET /admin/export/scans streams the
 * scans export (analytics/) to a client holding an admin token
 * ('scanloop admin token new'), as CSV or JSON Lines, chunked.
 *
 * The export runs in a read transaction of its own, on the connection's
 * loop thread, and writes only as fast as the client reads: each time
 * the connection's output drains below HTTP_STREAM_LOW, the next
 * SCAN_EXPORT_BUDGET bytes are made (http_stream.c). It takes no lock and
 * never waits for the writer; the writer never waits for it. At most
 * SCAN_EXPORTS_MAX run at once per server: a long read transaction keeps
 * the pages it sees from being reused, so exports are few and end when
 * their client stalls (the write timeout) or the server stops.
 *
 * GET /admin/signals.json lists the signals (analytics/signals.h) as one
 * JSON object, at most SCAN_SIGNALS_LIMIT a request by default.
 */
#include "scanner/scan_internal.h"
#include "analytics/analytics.h"
#include "common/log.h"
#include "rewards/token.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SCAN_EXPORT_BUDGET (128 * 1024)
#define SCAN_SIGNALS_LIMIT 1000
#define SCAN_EXPORT_HEADERS "Cache-Control: no-store\r\n" \
	"X-Content-Type-Options: nosniff\r\n"

struct scan_export {
	struct scan_server *srv;
	struct http_req *req;
	struct analytics_export *x;
	bool wrote;
};

/* Sink of the export: each block becomes a chunk. */
static int
scan_export_sink(void *arg, const void *data, size_t len)
{
	struct scan_export *e = arg;

	http_stream_write(e->req, data, len);
	e->wrote = true;
	return 0;
}

/* Ends an export's read transaction and gives back its slot. */
static void
scan_export_free(struct scan_export *e)
{
	analytics_export_close(e->x);
	atomic_fetch_sub(&e->srv->exports, 1);
	free(e);
}

/* The stream's producer: the next part of the export. */
static void
scan_export_fill(struct http_req *req, void *arg)
{
	struct scan_export *e = arg;
	char trailer[64];
	int ret;

	if (http_req_gone(req)) {
		scan_export_free(e);
		http_stream_end(req, NULL);
		return;
	}
	e->wrote = false;
	ret = analytics_export_step(e->x, SCAN_EXPORT_BUDGET);
	if (ret < 0) {
		log_warnx("admin export cut: %s", store_strerror(ret));
		scan_export_free(e);
		http_stream_abort(req);
	} else if (ret == 0) {
		snprintf(trailer, sizeof(trailer), "X-Next-Since: %" PRIu64
		    "\r\n", analytics_export_next_since(e->x));
		scan_export_free(e);
		http_stream_end(req, trailer);
	} else if (!e->wrote)
		http_stream_yield(req);
}

/* True when the request carries a valid, unrevoked admin token. */
static int
scan_admin_auth(struct scan_loop *sl, struct http_req *req, bool *ok)
{
	struct http_slice auth = req->head.authorization;
	struct store_admin_token a;
	char token[TOKEN_ADMIN_CHARS + 8];
	int ret;

	*ok = false;
	token[0] = '\0';
	if (auth.len > 7 && strncasecmp(auth.p, "Bearer ", 7) == 0 &&
	    auth.len - 7 < sizeof(token)) {
		memcpy(token, auth.p + 7, auth.len - 7);
		token[auth.len - 7] = '\0';
	}
	if ((ret = scan_rtxn_begin(sl)) < 0)
		return ret;
	ret = token_admin_auth_txn(&sl->rtxn, token, &a, ok);
	scan_rtxn_end(sl);
	sodium_memzero(token, sizeof(token));
	return ret;
}

/* Lets an admin token's holder through; answers anyone else (401, or
 * 503 when the store cannot be read). */
bool
scan_admin_gate(struct scan_loop *sl, struct http_req *req)
{
	bool ok;

	if (scan_admin_auth(sl, req, &ok) < 0) {
		scan_json_error(req, 503, "unavailable", "store unavailable");
		return false;
	}
	if (!ok)
		scan_json(req, 401, json_pack("{s:s, s:s}", "error",
		    "unauthorized", "message", "an admin token is required "
		    "(Authorization: Bearer ...; scanloop admin token new)"),
		    req->head.authorization.len > 0 ?
		    "WWW-Authenticate: Bearer realm=\"scanloop-admin\", "
		    "error=\"invalid_token\"\r\n" :
		    "WWW-Authenticate: Bearer realm=\"scanloop-admin\"\r\n");
	return ok;
}

/* Answers an export or a report that cannot start. */
void
scan_admin_refuse(struct http_req *req, int ret, const char *why)
{
	if (ret == -ENOMEM)
		scan_json_error(req, 503, "unavailable", "out of memory");
	else if (ret == -ENOTSUP)
		scan_json_error(req, 501, "not_implemented", why);
	else if (ret == -ENOENT)
		scan_json_error(req, 404, "not_found", why != NULL ? why :
		    "not found");
	else if (ret == -EINVAL || ret == -ERANGE)
		scan_json_error(req, 400, "bad_request", why);
	else
		scan_json_error(req, 503, "unavailable", "store unavailable");
}

/* GET /admin/export/{kind}?since=ID&format=csv|jsonl&... */
void
scan_admin_export(struct scan_loop *sl, struct http_req *req,
    struct http_slice kind)
{
	struct scan_server *srv = sl->srv;
	struct analytics_query q;
	struct scan_export *e;
	const char *why = NULL;
	int ret;

	if (!scan_admin_gate(sl, req))
		return;
	if (!http_slice_eq(kind, "scans")) {
		scan_json_error(req, 404, "not_found", "the server exports "
		    "scans (/admin/export/scans); the other kinds are "
		    "'scanloop export' on the store's host");
		return;
	}
	analytics_query_init(&q, ANALYTICS_SCANS);
	if (analytics_query_parse_url(&q, req->head.query.p,
	    req->head.query.len, &why) < 0 ||
	    analytics_query_check(&q, &why) < 0) {
		scan_json_error(req, 400, "bad_request", why);
		return;
	}
	/* An EPCIS zone needs TZ, which is the whole process's: the server
	 * writes EPCIS in UTC only. */
	if (q.format == ANALYTICS_EPCIS && (q.tz[0] != '\0' ||
	    q.campaign[0] != '\0')) {
		scan_json_error(req, 501, "not_implemented", "the server "
		    "writes EPCIS in UTC: without tz and campaign (use "
		    "'scanloop export scans --format epcis --tz ZONE' on the "
		    "store's host)");
		return;
	}
	if (atomic_fetch_add(&srv->exports, 1) >= SCAN_EXPORTS_MAX) {
		atomic_fetch_sub(&srv->exports, 1);
		scan_json_error(req, 503, "busy", "too many exports run now; "
		    "try again later");
		return;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		atomic_fetch_sub(&srv->exports, 1);
		scan_json_error(req, 503, "unavailable", "out of memory");
		return;
	}
	e->srv = srv;
	e->req = req;
	if ((ret = analytics_export_open(srv->core->st, &q, scan_export_sink,
	    e, &e->x, &why)) < 0) {
		scan_export_free(e);
		scan_admin_refuse(req, ret, why);
		return;
	}
	http_stream_begin(req, 200, q.format == ANALYTICS_JSONL ?
	    "application/jsonl" : q.format == ANALYTICS_EPCIS ?
	    "application/ld+json" : "text/csv; charset=utf-8; header=present",
	    SCAN_EXPORT_HEADERS, "X-Next-Since", scan_export_fill, e);
	if (req->head.method == HTTP_METHOD_HEAD)
		scan_export_free(e);
}

/* Sink of the signals listing: JSON Lines into a buffer. */
static int
scan_signals_sink(void *arg, const void *data, size_t len)
{
	return buf_append(arg, data, len);
}

/* GET /admin/signals.json?kind=K&since=ID&from=T&to=T&limit=N: the
 * signals as {"signals": [...], "next_since": N}, the objects of
 * 'scanloop signals --format jsonl'. */
void
scan_admin_signals(struct scan_loop *sl, struct http_req *req,
    struct http_slice param)
{
	struct signals_query q;
	struct buf b = { 0 };
	const char *why = NULL;
	char tail[64];
	uint64_t next;
	int ret;

	(void)param;
	if (!scan_admin_gate(sl, req))
		return;
	memset(&q, 0, sizeof(q));
	if (signals_query_parse_url(&q, req->head.query.p, req->head.query.len,
	    &why) < 0) {
		scan_json_error(req, 400, "bad_request", why);
		return;
	}
	q.format = SIGNALS_JSONL;
	if (q.limit == 0)
		q.limit = SCAN_SIGNALS_LIMIT;
	ret = buf_puts(&b, "{\"signals\":[");
	if (ret == 0)
		ret = signals_list(sl->srv->core->st, &q, scan_signals_sink, &b,
		    &next, &why);
	if (ret == -EINVAL || ret == -ERANGE) {
		scan_json_error(req, 400, "bad_request", why);
		goto out;
	}
	if (ret < 0) {
		scan_json_error(req, 503, "unavailable", "store unavailable");
		goto out;
	}
	/* Objects are one a line (JSON escapes a newline inside a string):
	 * the line ends become the array's commas. */
	for (size_t i = 12; i + 1 < b.len; i++)
		if (b.data[i] == '\n')
			b.data[i] = ',';
	if (b.len > 12 && b.data[b.len - 1] == '\n')
		b.len--;
	snprintf(tail, sizeof(tail), "],\"next_since\":%" PRIu64 "}\n", next);
	if (buf_puts(&b, tail) < 0) {
		scan_json_error(req, 503, "unavailable", "out of memory");
		goto out;
	}
	http_respond(req, 200, "application/json", SCAN_EXPORT_HEADERS,
	    b.data, b.len, false);
out:
	buf_free(&b);
}
