/*
 * handle_report.c — GET /admin/report (HTML) and GET /admin/report.json
 * for an admin token's holder: the report of analytics/report.h, with the
 * query string's campaign, batch, from, to, tz and lang (else the
 * Accept-Language header picks zh or en).
 *
 * A report reads a read transaction of its own on the connection's loop
 * thread, REPORT_STEP events at a time: between steps the loop serves
 * its other connections, and LMDB's writer never waits for a reader. The
 * answer's head goes out once the query is checked (a bad query is a 400
 * or 404 before that); its body once the figures are complete. At most
 * SCAN_REPORTS_MAX are computed at once; a finished report is served
 * again to the same query for SCAN_REPORT_TTL_US, from a small cache
 * that the loops share.
 */
#include "scanner/scan_internal.h"
#include "analytics/report.h"
#include "common/clock.h"
#include "common/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPORT_STEP 20000		/* events per step of the loop */
#define REPORT_CHUNK (64 * 1024)	/* bytes of the body per fill */
#define REPORT_HEADERS "Cache-Control: no-store\r\n" \
	"X-Content-Type-Options: nosniff\r\n" \
	"Content-Security-Policy: default-src 'none'; " \
	"style-src 'unsafe-inline'\r\n"
#define REPORT_HTML "text/html; charset=utf-8"
#define REPORT_JSON "application/json"

struct scan_report {
	struct scan_server *srv;
	struct report *r;
	bool json;
	enum report_lang lang;
	char key[600];
	struct buf body;
	size_t sent;
	bool made;
};

/* Starts a server's cache. */
void
scan_report_cache_init(struct scan_report_cache *c)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
}

/* Frees a server's cache. */
void
scan_report_cache_deinit(struct scan_report_cache *c)
{
	for (size_t i = 0; i < SCAN_REPORT_CACHE; i++)
		buf_free(&c->e[i].body);
	pthread_mutex_destroy(&c->lock);
}

/* Copies a fresh cached answer for key into out; true when there was
 * one. */
static bool
scan_report_cached(struct scan_report_cache *c, const char *key,
    struct buf *out)
{
	int64_t now = clock_mono_us();
	bool hit = false;

	pthread_mutex_lock(&c->lock);
	for (size_t i = 0; i < SCAN_REPORT_CACHE && !hit; i++)
		if (c->e[i].made != 0 && now - c->e[i].made <
		    SCAN_REPORT_TTL_US && strcmp(c->e[i].key, key) == 0)
			hit = buf_append(out, c->e[i].body.data,
			    c->e[i].body.len) == 0;
	pthread_mutex_unlock(&c->lock);
	return hit;
}

/* Keeps an answer in the cache, in place of the oldest. */
static void
scan_report_keep(struct scan_report_cache *c, const char *key,
    const struct buf *body)
{
	size_t old = 0;

	pthread_mutex_lock(&c->lock);
	for (size_t i = 1; i < SCAN_REPORT_CACHE; i++)
		if (c->e[i].made < c->e[old].made)
			old = i;
	buf_reset(&c->e[old].body);
	if (buf_append(&c->e[old].body, body->data, body->len) == 0) {
		snprintf(c->e[old].key, sizeof(c->e[old].key), "%s", key);
		c->e[old].made = clock_mono_us();
	} else
		c->e[old].made = 0;
	pthread_mutex_unlock(&c->lock);
}

/* Ends a report and gives back its slot. */
static void
scan_report_free(struct scan_report *s)
{
	report_close(s->r);
	buf_free(&s->body);
	atomic_fetch_sub(&s->srv->reports.running, 1);
	free(s);
}

/* The stream's producer: a step of the report, then its body. */
static void
scan_report_fill(struct http_req *req, void *arg)
{
	struct scan_report *s = arg;
	size_t n;
	int ret;

	if (http_req_gone(req)) {
		scan_report_free(s);
		http_stream_end(req, NULL);
		return;
	}
	if (!s->made) {
		ret = report_step(s->r, REPORT_STEP);
		if (ret == 1) {
			http_stream_yield(req);
			return;
		}
		if (ret == 0)
			ret = s->json ? report_json(s->r, &s->body) :
			    report_html(s->r, s->lang, &s->body);
		if (ret < 0) {
			log_warnx("admin report cut: %s", store_strerror(ret));
			scan_report_free(s);
			http_stream_abort(req);
			return;
		}
		report_close(s->r);	/* the snapshot is no longer needed */
		s->r = NULL;
		s->made = true;
		scan_report_keep(&s->srv->reports, s->key, &s->body);
	}
	n = s->body.len - s->sent < REPORT_CHUNK ? s->body.len - s->sent :
	    REPORT_CHUNK;
	if (n > 0) {
		http_stream_write(req, s->body.data + s->sent, n);
		s->sent += n;
	}
	if (s->sent == s->body.len) {
		scan_report_free(s);
		http_stream_end(req, NULL);
	}
}

/* GET /admin/report and /admin/report.json. */
void
scan_admin_report(struct scan_loop *sl, struct http_req *req,
    struct http_slice param)
{
	struct scan_server *srv = sl->srv;
	struct http_slice path = req->head.path, none = { NULL, 0 };
	struct report_query q;
	struct scan_report *s;
	struct buf cached = { 0 };
	const char *why = NULL;
	bool json = path.len > 5 && memcmp(path.p + path.len - 5, ".json",
	    5) == 0;
	enum report_lang lang;
	char key[600];
	int ret;

	(void)param;
	if (!scan_admin_gate(sl, req))
		return;
	report_query_init(&q);
	if (report_query_parse_url(&q, req->head.query.p, req->head.query.len,
	    &why) < 0) {
		scan_json_error(req, 400, "bad_request", why);
		return;
	}
	lang = q.has_lang ? q.lang : page_lang_pick(req->head.accept_language,
	    none) == PAGE_LANG_EN ? REPORT_LANG_EN : REPORT_LANG_ZH;
	if (req->head.query.len > 500) {
		scan_json_error(req, 414, "uri_too_long", "query too long");
		return;
	}
	snprintf(key, sizeof(key), "%s %s %.*s", json ? "json" : "html",
	    lang == REPORT_LANG_EN ? "en" : "zh", (int)req->head.query.len,
	    req->head.query.len > 0 ? req->head.query.p : "");
	if (scan_report_cached(&srv->reports, key, &cached)) {
		http_respond(req, 200, json ? REPORT_JSON : REPORT_HTML,
		    REPORT_HEADERS, cached.data, cached.len, false);
		buf_free(&cached);
		return;
	}
	buf_free(&cached);
	if (atomic_fetch_add(&srv->reports.running, 1) >= SCAN_REPORTS_MAX) {
		atomic_fetch_sub(&srv->reports.running, 1);
		scan_json_error(req, 503, "busy", "too many reports are being "
		    "made now; try again later");
		return;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		atomic_fetch_sub(&srv->reports.running, 1);
		scan_json_error(req, 503, "unavailable", "out of memory");
		return;
	}
	s->srv = srv;
	s->json = json;
	s->lang = lang;
	memcpy(s->key, key, sizeof(key));
	if ((ret = report_open(srv->core->st, &q, clock_now_us(), &s->r,
	    &why)) < 0) {
		scan_report_free(s);
		scan_admin_refuse(req, ret, why);
		return;
	}
	http_stream_begin(req, 200, json ? REPORT_JSON : REPORT_HTML,
	    REPORT_HEADERS, NULL, scan_report_fill, s);
	if (req->head.method == HTTP_METHOD_HEAD)
		scan_report_free(s);
}
