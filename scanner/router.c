/*
 * router.c — the scan server's routes: which handler answers a path.
 *
 * The table is tried in order and the first route that matches wins. Only
 * the JSON API (/api/...) and the draw button (/draw) take POST; health
 * and metrics are exempt from the per-client rate limit, everything else
 * is counted before it is handled, unknown paths included. A route that
 * takes GET and HEAD only answers anything else with 405 (after the rate
 * limit), in JSON for the API. A POST from another site is refused
 * (origin.c) before its handler runs.
 */
#include "scanner/scan_internal.h"
#include "codegen/sscc.h"
#include "common/clock.h"

#include <string.h>

enum route_kind {
	ROUTE_EXACT,		/* the path is pattern */
	ROUTE_PREFIX,		/* pattern, then the parameter (maybe empty) */
	ROUTE_PARAM,		/* pattern, the parameter up to the next '/',
				 * then exactly suffix */
	ROUTE_GS1,		/* .../01/...: the parameter follows "/01/" */
	ROUTE_SSCC,		/* .../00/...: a case or pallet code */
};

#define ROUTE_POST 0x1		/* takes POST besides GET and HEAD */
#define ROUTE_GET 0x2		/* takes GET and HEAD only */
#define ROUTE_JSON 0x4		/* answers in JSON (the API) */
#define ROUTE_UNLIMITED 0x8	/* not rate limited */
#define ROUTE_ANY_CASE 0x10	/* the letter of "/X/" in either case */
#define ROUTE_NONEMPTY 0x20	/* the parameter is not empty */

struct route {
	enum route_kind kind;
	const char *pattern;
	const char *suffix;
	int flags;
	scan_handler_fn handle;
};

static void scan_healthz(struct scan_loop *, struct http_req *,
    struct http_slice);
static void scan_metrics(struct scan_loop *, struct http_req *,
    struct http_slice);
static void scan_api_unknown(struct scan_loop *, struct http_req *,
    struct http_slice);
static void scan_robots(struct scan_loop *, struct http_req *,
    struct http_slice);
static void scan_favicon(struct scan_loop *, struct http_req *,
    struct http_slice);

static const struct route scan_routes[] = {
	{ ROUTE_EXACT, "/healthz", NULL, ROUTE_UNLIMITED, scan_healthz },
	{ ROUTE_EXACT, "/metrics", NULL, ROUTE_UNLIMITED, scan_metrics },
	/* The JSON API. */
	{ ROUTE_EXACT, "/api/v1/scans", NULL, ROUTE_JSON, scan_api_scan },
	{ ROUTE_PARAM, "/api/v1/scans/", "/location", ROUTE_JSON,
	    scan_api_location },
	{ ROUTE_PREFIX, "/api/v1/codes/", NULL, ROUTE_JSON | ROUTE_GET,
	    scan_api_code },
	{ ROUTE_EXACT, "/api/v1/draws", NULL, ROUTE_JSON, scan_api_draw },
	{ ROUTE_PARAM, "/api/v1/claims/", "/redeem", ROUTE_JSON,
	    scan_api_redeem },
	{ ROUTE_EXACT, "/api/v1/checkins", NULL, ROUTE_JSON, scan_api_checkin },
	{ ROUTE_EXACT, "/api/v1/stores/me/checkin-code", NULL, ROUTE_JSON,
	    scan_api_checkin_code },
	{ ROUTE_EXACT, "/api/v1/visitors/me/points", NULL,
	    ROUTE_JSON | ROUTE_GET, scan_api_points },
	{ ROUTE_EXACT, "/api/v1/dealer/receive", NULL, ROUTE_JSON,
	    scan_api_receive },
	{ ROUTE_EXACT, "/api/v1/groups", NULL, ROUTE_JSON,
	    scan_api_group_start },
	{ ROUTE_PARAM, "/api/v1/groups/", "/join", ROUTE_JSON,
	    scan_api_group_join },
	{ ROUTE_PARAM, "/api/v1/groups/", "/draw", ROUTE_JSON,
	    scan_api_group_draw },
	{ ROUTE_PREFIX, "/api/v1/groups/", NULL, ROUTE_JSON | ROUTE_GET |
	    ROUTE_NONEMPTY, scan_api_group_get },
	{ ROUTE_PREFIX, "/api/v1/", NULL, ROUTE_JSON, scan_api_unknown },
	/* A store's check-in code (/K/ alone: the store is found by the
	 * location), before the codes: a store id may be "01". */
	{ ROUTE_PREFIX, "/K/", NULL, ROUTE_GET | ROUTE_ANY_CASE,
	    scan_checkin_page },
	/* A group (拼团), or the page that starts one (/G/?campaign=ID). */
	{ ROUTE_PREFIX, "/G/", NULL, ROUTE_GET | ROUTE_ANY_CASE,
	    scan_group_page },
	/* What phones open: codes, draw codes, the draw button. */
	{ ROUTE_GS1, NULL, NULL, ROUTE_GET, scan_gs1_get },
	{ ROUTE_SSCC, NULL, NULL, ROUTE_GET, scan_case_get },
	{ ROUTE_PREFIX, "/D/", NULL, ROUTE_GET | ROUTE_ANY_CASE |
	    ROUTE_NONEMPTY, scan_drawcode_get },
	{ ROUTE_EXACT, "/draw", NULL, ROUTE_POST, scan_draw_form },
	/* The staff's exemption codes. */
	{ ROUTE_EXACT, "/store/checkin-code", NULL, ROUTE_GET,
	    scan_checkin_staff_page },
	/* Store staff: the page, and a claim's QR code. */
	{ ROUTE_EXACT, "/store", NULL, ROUTE_GET, scan_staff_page },
	{ ROUTE_PREFIX, "/C/", NULL, ROUTE_GET | ROUTE_ANY_CASE |
	    ROUTE_NONEMPTY, scan_staff_page },
	/* The admin API: exports and reports, with an admin token. */
	{ ROUTE_PREFIX, "/admin/export/", NULL, ROUTE_GET | ROUTE_JSON,
	    scan_admin_export },
	{ ROUTE_EXACT, "/admin/signals.json", NULL, ROUTE_GET | ROUTE_JSON,
	    scan_admin_signals },
	{ ROUTE_EXACT, "/admin/report", NULL, ROUTE_GET | ROUTE_JSON,
	    scan_admin_report },
	{ ROUTE_EXACT, "/admin/report.json", NULL, ROUTE_GET | ROUTE_JSON,
	    scan_admin_report },
	{ ROUTE_EXACT, "/robots.txt", NULL, 0, scan_robots },
	{ ROUTE_EXACT, "/favicon.ico", NULL, 0, scan_favicon },
};

/* True if path starts with prefix (its second letter in either case with
 * any_case); sets rest to what follows. */
static bool
scan_path_prefix(struct http_slice path, const char *prefix, bool any_case,
    struct http_slice *rest)
{
	size_t n = strlen(prefix);

	if (path.len < n)
		return false;
	if (any_case) {
		if (path.p[0] != prefix[0] || (path.p[1] | 0x20) !=
		    (prefix[1] | 0x20) || memcmp(path.p + 2, prefix + 2,
		    n - 2) != 0)
			return false;
	} else if (memcmp(path.p, prefix, n) != 0)
		return false;
	*rest = (struct http_slice){ path.p + n, path.len - n };
	return true;
}

/* Finds "/01/" in a path (a GS1 Digital Link may have a path prefix) and
 * sets after to what follows it. */
static bool
scan_path_gs1(struct http_slice path, struct http_slice *after)
{
	for (size_t i = 0; i + 4 <= path.len; i++)
		if (memcmp(path.p + i, "/01/", 4) == 0) {
			after->p = path.p + i + 4;
			after->len = path.len - i - 4;
			return true;
		}
	return false;
}

/* The handler of route r for path, or NULL if r does not take it; param
 * is what the route leaves of the path. */
static scan_handler_fn
scan_route_match(const struct route *r, struct http_slice path,
    struct http_slice *param)
{
	struct http_slice rest;
	const char *slash;

	*param = (struct http_slice){ NULL, 0 };
	switch (r->kind) {
	case ROUTE_EXACT:
		return http_slice_eq(path, r->pattern) ? r->handle : NULL;
	case ROUTE_PREFIX:
		if (!scan_path_prefix(path, r->pattern,
		    (r->flags & ROUTE_ANY_CASE) != 0, &rest) ||
		    ((r->flags & ROUTE_NONEMPTY) && rest.len == 0))
			return NULL;
		*param = rest;
		return r->handle;
	case ROUTE_PARAM:
		if (!scan_path_prefix(path, r->pattern, false, &rest) ||
		    (slash = memchr(rest.p, '/', rest.len)) == NULL ||
		    !http_slice_eq((struct http_slice){ slash, rest.len -
		    (size_t)(slash - rest.p) }, r->suffix))
			return NULL;
		param->p = rest.p;
		param->len = (size_t)(slash - rest.p);
		return r->handle;
	case ROUTE_GS1:
		return scan_path_gs1(path, param) ? r->handle : NULL;
	case ROUTE_SSCC:
		return sscc_path_is(path.p, path.len) ? r->handle : NULL;
	}
	return NULL;
}

/* Routes one request. */
void
scan_handle(struct http_req *req, void *arg)
{
	struct scan_server *srv = arg;
	struct scan_loop *sl = http_loop_user(req->loop);
	struct http_slice path = req->head.path, param = { NULL, 0 }, rest;
	enum http_method m = req->head.method;
	const struct route *r = NULL;
	scan_handler_fn handle = NULL;
	int post;
	bool api = scan_path_prefix(path, "/api/", false, &rest);

	for (size_t i = 0; i < sizeof(scan_routes) / sizeof(scan_routes[0]);
	    i++)
		if ((handle = scan_route_match(&scan_routes[i], path,
		    &param)) != NULL) {
			r = &scan_routes[i];
			break;
		}
	if (m == HTTP_METHOD_OTHER || (m == HTTP_METHOD_POST && !api &&
	    (r == NULL || !(r->flags & ROUTE_POST)))) {
		if (api)
			scan_json_error(req, 405, "method_not_allowed",
			    "method not allowed");
		else
			scan_error_page(sl, req, 405, "Allow: GET, HEAD\r\n");
		return;
	}
	if ((r == NULL || !(r->flags & ROUTE_UNLIMITED)) &&
	    !ratelimit_allow(srv->rl, req->family, req->ip, clock_mono_us())) {
		metrics_rate_limited(srv->metrics, sl->index);
		if (api)
			scan_json_error(req, 429, "rate_limited",
			    "too many requests; slow down");
		else
			scan_error_page(sl, req, 429, "Retry-After: 1\r\n");
		return;
	}
	if (r == NULL) {
		scan_error_page(sl, req, 404, NULL);
		return;
	}
	if (m == HTTP_METHOD_POST && (post = scan_post_check(sl, req,
	    api)) != 0) {
		if (post == 415)
			scan_json_error(req, 415, "unsupported_media_type",
			    "Content-Type must be application/json");
		else if (api)
			scan_json_error(req, 403, "cross_site",
			    "requests from other sites are refused");
		else
			scan_error_page(sl, req, 403, NULL);
		return;
	}
	if ((r->flags & ROUTE_GET) && m != HTTP_METHOD_GET &&
	    m != HTTP_METHOD_HEAD) {
		if (r->flags & ROUTE_JSON)
			scan_json_error(req, 405, "method_not_allowed",
			    "use GET");
		else
			scan_error_page(sl, req, 405, "Allow: GET, HEAD\r\n");
	} else
		handle(sl, req, param);
}

/* GET /healthz. */
static void
scan_healthz(struct scan_loop *sl, struct http_req *req,
    struct http_slice param)
{
	static const char ok[] = "ok\n";
	static const char bad[] = "degraded: commits are failing (disk full?)\n";

	(void)param;
	if (writer_degraded(sl->srv->core->writer))
		http_respond(req, 503, "text/plain; charset=utf-8",
		    "Cache-Control: no-store\r\n", bad, sizeof(bad) - 1, true);
	else
		http_respond(req, 200, "text/plain; charset=utf-8",
		    "Cache-Control: no-store\r\n", ok, sizeof(ok) - 1, true);
}

/* The leases of prize stock (--pg), from the store's counters. */
static int
scan_lease_metrics(struct scan_loop *sl)
{
	struct scan_core *core = sl->srv->core;
	int ret;

	if ((ret = scan_rtxn_begin(sl)) < 0)
		return ret;
	ret = leaser_metrics_render(core->leaser, core->registry,
	    &core->draw_reader, &sl->rtxn, &sl->page);
	scan_rtxn_end(sl);
	return ret;
}

/* GET /metrics. */
static void
scan_metrics(struct scan_loop *sl, struct http_req *req,
    struct http_slice param)
{
	struct scan_server *srv = sl->srv;
	uint64_t raised[SIGNALS_KINDS];
	struct writer_stats ws;

	(void)param;
	writer_stats_get(srv->core->writer, &ws);
	for (int k = 0; k < SIGNALS_KINDS; k++)
		raised[k] = atomic_load(&srv->core->signals_raised[k]);
	buf_reset(&sl->page);
	if (metrics_render(srv->metrics, &ws, http_server_conns(srv->http),
	    srv->started, &sl->page) < 0 ||
	    metrics_render_signals(raised, &sl->page) < 0 ||
	    (scan_core_stream(srv->core) != NULL &&
	    stream_metrics_render(scan_core_stream(srv->core), &sl->page) < 0) ||
	    (srv->calls != NULL && scan_cluster_metrics(srv, &sl->page) < 0) ||
	    (srv->core->leaser != NULL && scan_lease_metrics(sl) < 0)) {
		scan_error_page(sl, req, 503, NULL);
		return;
	}
	http_respond(req, 200, "text/plain; version=0.0.4; charset=utf-8",
	    "Cache-Control: no-store\r\n", sl->page.data, sl->page.len, false);
}

/* Any other /api/v1/ path. */
static void
scan_api_unknown(struct scan_loop *sl, struct http_req *req,
    struct http_slice param)
{
	(void)sl;
	(void)param;
	scan_json_error(req, 404, "not_found", "no such API");
}

/* GET /robots.txt: nothing here is for crawlers. */
static void
scan_robots(struct scan_loop *sl, struct http_req *req,
    struct http_slice param)
{
	static const char robots[] = "User-agent: *\nDisallow: /\n";

	(void)sl;
	(void)param;
	http_respond(req, 200, "text/plain; charset=utf-8",
	    "Cache-Control: public, max-age=86400\r\n", robots,
	    sizeof(robots) - 1, true);
}

/* GET /favicon.ico: none. */
static void
scan_favicon(struct scan_loop *sl, struct http_req *req,
    struct http_slice param)
{
	(void)sl;
	(void)param;
	http_respond(req, 204, NULL, "Cache-Control: public, "
	    "max-age=86400\r\n", NULL, 0, true);
}
