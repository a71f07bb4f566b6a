/*
 * scan.c — routing and the handlers of the scan server.
 *
 * A code URL (GET /01/{GTIN}/21/{SERIAL}?S=...) goes to scan_code(): the
 * verdict comes from verify.c; the scan event goes to the writer. A
 * genuine (or not yet active) code is answered with 200 only once its
 * event is committed (scan_op_done); forged, malformed and void codes are
 * answered at once (404/410) and their events recorded behind the answer.
 */
#include "scanner/scan_internal.h"
#include "codegen/base32.h"
#include "codegen/code.h"
#include "common/clock.h"
#include "common/log.h"
#include "scanner/pages.h"
#include "scanner/verify.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <arpa/inet.h>

#define SCAN_COOKIE_MAX_AGE (2 * 365 * 24 * 3600)

/* ---- small helpers ------------------------------------------------- */

/* Renews the loop's read transaction for one request. */
int
scan_rtxn_begin(struct scan_loop *sl)
{
	int ret;

	if (sl->rtxn_ok)
		return store_txn_renew(&sl->rtxn);
	if ((ret = store_txn_begin(sl->srv->st, true, &sl->rtxn)) < 0)
		return ret;
	sl->rtxn_ok = true;
	return 0;
}

/* Ends the request's view of the store. */
void
scan_rtxn_end(struct scan_loop *sl)
{
	store_txn_reset(&sl->rtxn);
}

/* Copies a slice into a fixed NUL-terminated field, truncating. An absent
 * header is { NULL, 0 }, and memcpy from NULL is undefined even for 0. */
static void
scan_copy(char *dst, size_t cap, struct http_slice s)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1;

	if (n > 0)
		memcpy(dst, s.p, n);
	dst[n] = '\0';
}

/* True if a User-Agent looks like a bot, a link preview or a tool. */
static bool
scan_is_bot(struct http_slice ua)
{
	static const char *needles[] = {
		"bot", "spider", "crawl", "slurp", "preview", "facebookexternal",
		"whatsapp", "telegram", "embedly", "vkshare", "pinterest",
		"bitlybot", "curl/", "wget/", "python-", "go-http-client",
		"libwww", "httpclient", "java/", "okhttp/", "headless", "lighthouse",
	};
	char lower[STORE_EVENT_UA_MAX + 1];
	size_t n = ua.len < STORE_EVENT_UA_MAX ? ua.len : STORE_EVENT_UA_MAX;

	if (ua.len == 0)
		return true;
	for (size_t i = 0; i < n; i++)
		lower[i] = (char)((ua.p[i] >= 'A' && ua.p[i] <= 'Z') ?
		    ua.p[i] + 32 : ua.p[i]);
	lower[n] = '\0';
	for (size_t i = 0; i < sizeof(needles) / sizeof(needles[0]); i++)
		if (strstr(lower, needles[i]) != NULL)
			return true;
	return false;
}

/* Random bytes from a per-thread pool refilled from the CSPRNG, so a new
 * visitor costs no system call. */
static void
scan_random(uint8_t *out, size_t n)
{
	static _Thread_local uint8_t pool[4096];
	static _Thread_local size_t left;

	if (n > sizeof(pool)) {
		randombytes_buf(out, n);
		return;
	}
	if (left < n) {
		randombytes_buf(pool, sizeof(pool));
		left = sizeof(pool);
	}
	memcpy(out, pool + sizeof(pool) - left, n);
	sodium_memzero(pool + sizeof(pool) - left, n);
	left -= n;
}

/*
 * A new visitor id is its creation time in milliseconds (6 bytes, big
 * endian) and 10 random bytes, like a UUIDv7 (RFC 9562). The points
 * ledger and the risk counters are keyed by visitor id: time-ordered ids
 * put a new visitor's entries at the B-tree's right edge, a page a group
 * commit shares, where purely random ids cost a random leaf page each
 * (measured: a third of the draw's cost in tests/bench/draw). 80 random
 * bits still make an id unguessable; the time tells the id's holder only
 * when it was made, and exports never contain visitor ids.
 */

/* Reads the visitor cookie, or makes a new visitor id. */
bool
scan_visitor(const struct http_req *req, uint8_t id[SCAN_VISITOR_BYTES])
{
	struct http_slice v;
	uint64_t ms;

	if (http_cookie_get(req->head.cookie, SCAN_VISITOR_COOKIE, &v) &&
	    base32_decode(id, SCAN_VISITOR_BYTES, v.p, v.len) == 0)
		return false;
	ms = (uint64_t)clock_now_us() / 1000;
	for (int i = 0; i < SCAN_VISITOR_TIME_BYTES; i++)
		id[i] = (uint8_t)(ms >> (8 * (SCAN_VISITOR_TIME_BYTES - 1 - i)));
	scan_random(id + SCAN_VISITOR_TIME_BYTES,
	    SCAN_VISITOR_BYTES - SCAN_VISITOR_TIME_BYTES);
	return true;
}

/* Zeroes the host part: the last octet of IPv4, the last 80 bits of IPv6. */
static void
scan_ip_anon(int family, uint8_t ip[16])
{
	if (family == AF_INET)
		ip[3] = 0;
	else
		memset(ip + 6, 0, 10);
}

/* The one-time token that lets a page attach a location to its event. */
static void
scan_location_token(const struct scan_server *srv, uint64_t id,
    char out[SCAN_TOKEN_CHARS + 1])
{
	uint8_t msg[9 + 8], mac[16];

	memcpy(msg, "location:", 9);
	for (int i = 0; i < 8; i++)
		msg[9 + i] = (uint8_t)(id >> (56 - 8 * i));
	crypto_generichash(mac, sizeof(mac), msg, sizeof(msg), srv->token_key,
	    sizeof(srv->token_key));
	base32_encode(out, mac, sizeof(mac));
}

/* Fills the parts of an event every scan has. */
void
scan_event_init(struct scan_loop *sl, const struct http_req *req,
    struct store_event *ev, bool *new_visitor)
{
	struct scan_server *srv = sl->srv;

	memset(ev, 0, sizeof(*ev));
	ev->time = clock_now_us();
	ev->ip_family = req->family == AF_INET ? 4 : 6;
	memcpy(ev->ip, req->ip, 16);
	if (srv->cfg.ip_anon) {
		scan_ip_anon(req->family, ev->ip);
		ev->flags |= STORE_EVENT_F_IP_ANON;
	}
	*new_visitor = scan_visitor(req, ev->visitor);
	scan_copy(ev->ua, sizeof(ev->ua), req->head.user_agent);
	scan_copy(ev->lang, sizeof(ev->lang), req->head.accept_language);
	if (req->head.method == HTTP_METHOD_HEAD)
		ev->flags |= STORE_EVENT_F_HEAD;
	else if (!scan_is_bot(req->head.user_agent))
		ev->flags |= STORE_EVENT_F_HUMAN;
}

/* Records the verdict part of an event. */
void
scan_event_verdict(struct store_event *ev, const struct verify_result *vr,
    struct http_slice raw)
{
	ev->verdict = (uint8_t)vr->verdict;
	if (vr->parsed) {
		memcpy(ev->serial, vr->code.serial, sizeof(ev->serial));
		ev->key_id = vr->code.key_id;
	}
	if (vr->known) {
		ev->batch_id = vr->batch.id;
		ev->flags |= STORE_EVENT_F_KNOWN;
		if (vr->sig == VERIFY_SIG_VALID && vr->verdict != VERDICT_FORGED)
			ev->flags |= STORE_EVENT_F_AUTH;
	}
	if (vr->verdict == VERDICT_FORGED || vr->verdict == VERDICT_MALFORMED)
		scan_copy(ev->raw, sizeof(ev->raw), raw);
}

/* HTTP status of a verdict page. */
static int
scan_verdict_status(int verdict)
{
	switch (verdict) {
	case VERDICT_GENUINE:
	case VERDICT_NOT_ACTIVE:
		return 200;
	case VERDICT_VOID:
		return 410;
	default:
		return 404;
	}
}

/* Builds the extra headers of an HTML page. */
void
scan_page_headers(char *out, size_t cap, const uint8_t *visitor, bool cookie)
{
	char vid[BASE32_LEN(SCAN_VISITOR_BYTES) + 1];
	int n;

	n = snprintf(out, cap, "Cache-Control: no-store\r\n"
	    "Content-Security-Policy: %s\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Referrer-Policy: no-referrer\r\n"
	    "Vary: Accept-Language, Cookie\r\n", page_csp());
	if (cookie && n > 0 && (size_t)n < cap) {
		base32_encode(vid, visitor, SCAN_VISITOR_BYTES);
		snprintf(out + n, cap - (size_t)n, "Set-Cookie: %s=%s; Path=/; "
		    "Max-Age=%d; HttpOnly; SameSite=Lax\r\n",
		    SCAN_VISITOR_COOKIE, vid, SCAN_COOKIE_MAX_AGE);
	}
}

/* Answers with an HTML error page. */
void
scan_error_page(struct scan_loop *sl, struct http_req *req, int status,
    const char *extra)
{
	enum page_lang lang = page_lang_pick(req->head.accept_language,
	    req->head.query);
	char headers[1024];

	buf_reset(&sl->page);
	snprintf(headers, sizeof(headers), "Cache-Control: no-store\r\n"
	    "Content-Security-Policy: %s\r\nX-Content-Type-Options: nosniff\r\n"
	    "%s", page_csp(), extra ? extra : "");
	if (page_render_error(lang, status, &sl->page) < 0) {
		http_respond(req, status, "text/plain; charset=utf-8", headers,
		    http_status_text(status), strlen(http_status_text(status)),
		    true);
		return;
	}
	http_respond(req, status, "text/html; charset=utf-8", headers,
	    sl->page.data, sl->page.len, false);
}

/* Answers with a JSON object (consumed). */
void
scan_json(struct http_req *req, int status, json_t *obj, const char *extra)
{
	char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	char headers[256];

	snprintf(headers, sizeof(headers), "Cache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\n%s", extra ? extra : "");
	json_decref(obj);
	if (text == NULL) {
		static const char oom[] = "{\"error\":\"unavailable\"}";

		http_respond(req, 503, "application/json", headers, oom,
		    sizeof(oom) - 1, true);
		return;
	}
	http_respond(req, status, "application/json", headers, text,
	    strlen(text), false);
	free(text);
}

/* Answers a JSON error. */
void
scan_json_error(struct http_req *req, int status, const char *code,
    const char *message)
{
	scan_json(req, status, json_pack("{s:s, s:s}", "error", code,
	    "message", message), status == 429 ? "Retry-After: 1\r\n" :
	    status == 503 ? "Retry-After: 5\r\n" : NULL);
}

/* Allocates an op. */
struct scan_op *
scan_op_new(struct scan_loop *sl, enum scan_op_kind kind, struct http_req *req)
{
	struct scan_op *o = calloc(1, sizeof(*o));

	if (o == NULL)
		return NULL;
	o->kind = kind;
	o->req = req;
	o->summaries = sl->srv->summaries;
	return o;
}

/* Frees an op and the references it holds. */
void
scan_op_free(struct scan_op *o)
{
	if (o == NULL)
		return;
	scan_draw_release(&o->draw);
	campaign_unref(o->drq.c, __func__);
	draw_redeem_result_free(&o->rres);
	sodium_memzero(o->claim_token, sizeof(o->claim_token));
	sodium_memzero(o->shop_token, sizeof(o->shop_token));
	sodium_memzero(&o->dres, sizeof(o->dres));
	free(o);
}

/* Hands an op to the writer; when the queue is full, frees it and
 * answers 503 (JSON for the API, else a page). */
void
scan_op_submit(struct scan_loop *sl, struct http_req *req, struct scan_op *o,
    writer_apply_fn apply, bool api)
{
	o->op.apply = apply;
	req->user = o;
	if (writer_submit(sl->port, &o->op) == 0)
		return;
	req->user = NULL;
	scan_op_free(o);
	if (api)
		scan_json_error(req, 503, "unavailable", "too many writes queued");
	else
		scan_error_page(sl, req, 503, "Retry-After: 5\r\n");
}

/* Frees a detached op (writer thread). */
static void
scan_op_release(struct writer_op *op)
{
	scan_op_free((struct scan_op *)op);
}

/* Writer: records the event. */
int
scan_apply_event(struct store_txn *t, struct writer_op *op)
{
	struct scan_op *o = (struct scan_op *)op;

	return summaries_add_event_txn(o->summaries, t, &o->ev, &o->scans);
}

/* Writer: attaches a location. */
static int
scan_apply_location(struct store_txn *t, struct writer_op *op)
{
	struct scan_op *o = (struct scan_op *)op;

	return summaries_set_location_txn(o->summaries, t, o->ev.id, o->lat,
	    o->lon, o->accuracy, clock_now_us());
}

/* Records an event nobody waits for (forged, malformed, void). */
static void
scan_record_detached(struct scan_loop *sl, const struct store_event *ev)
{
	struct scan_op *o = scan_op_new(sl, SCAN_OP_DETACHED, NULL);

	if (o == NULL)
		return;
	o->ev = *ev;
	o->op.apply = scan_apply_event;
	o->op.release = scan_op_release;
	writer_submit_detached(sl->srv->writer, &o->op);
}

/* ---- the code page --------------------------------------------------- */

/* Renders and sends a verdict page. */
void
scan_send_page(struct scan_loop *sl, struct scan_op *o, int status)
{
	struct http_req *req = o->req;
	const struct verify_result *vr = &o->vr;
	char serial[CODE_SERIAL_CHARS + 1], token[SCAN_TOKEN_CHARS + 1];
	char headers[1024], self[HTTP_TARGET_MAX + 1];
	struct page_draw pd;
	struct buf svg = { 0 };
	struct page_scan p;

	memset(&p, 0, sizeof(p));
	p.lang = o->lang;
	p.verdict = vr->verdict;
	p.reason = vr->reason;
	p.void_reason = vr->known ? (vr->batch.state == STORE_BATCH_VOID ?
	    vr->batch.void_reason : vr->rec.void_reason) : 0;
	if (vr->parsed) {
		code_serial_text(vr->code.serial, serial);
		p.gtin = vr->code.gtin;
		p.serial = serial;
	}
	p.batch_id = vr->known ? vr->batch.id : 0;
	if (o->ev.id != 0) {
		p.scans = o->scans.human;
		p.first_time = o->scans.first_time;
		p.first_has_location = o->scans.first_has_location != 0;
		p.first_lat = o->scans.first_lat;
		p.first_lon = o->scans.first_lon;
		p.this_is_first = o->scans.first_event == o->ev.id;
		if (o->ev.flags & STORE_EVENT_F_HUMAN) {
			scan_location_token(sl->srv, o->ev.id, token);
			p.event_id = o->ev.id;
			p.location_token = token;
		}
	}
	scan_copy(self, sizeof(self), req->head.target);
	p.self_path = self;
	req->log_event = o->ev.id;
	req->log_verdict = verify_verdict_name(vr->verdict);
	if (o->draw.mode != PAGE_DRAW_NONE && scan_draw_fill(sl, o, &pd,
	    &svg) == 0)
		p.draw = &pd;
	buf_reset(&sl->page);
	if (page_render_scan(&p, &sl->page) < 0) {
		buf_free(&svg);
		scan_error_page(sl, req, 503, NULL);
		return;
	}
	buf_free(&svg);
	scan_page_headers(headers, sizeof(headers), o->ev.visitor,
	    o->new_visitor);
	http_respond(req, status, "text/html; charset=utf-8", headers,
	    sl->page.data, sl->page.len, false);
}

/* The canonical path a draw form posts back: /01/…/21/…?S=… (upper
 * case) or /D/{TOKEN}. */
static void
scan_form_code(const struct http_req *req, struct scan_op *o, bool drawcode)
{
	char *f = o->draw.form_code;
	size_t cap = sizeof(o->draw.form_code);

	if (!drawcode) {
		if (code_format(&o->vr.code, "", f, cap) < 0)
			f[0] = '\0';
		return;
	}
	if (req->head.path.len >= cap) {
		f[0] = '\0';
		return;
	}
	for (size_t i = 0; i < req->head.path.len; i++) {
		char c = req->head.path.p[i];

		f[i] = (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
	}
	f[req->head.path.len] = '\0';
}

/* GET or HEAD of a code URL, or (drawcode) of an inner draw code. */
static void
scan_code(struct scan_loop *sl, struct http_req *req, bool drawcode)
{
	struct scan_server *srv = sl->srv;
	struct scan_op *o;
	int ret, status;

	if (req->head.method != HTTP_METHOD_GET &&
	    req->head.method != HTTP_METHOD_HEAD) {
		scan_error_page(sl, req, 405, "Allow: GET, HEAD\r\n");
		return;
	}
	if ((o = scan_op_new(sl, SCAN_OP_PAGE, req)) == NULL) {
		scan_error_page(sl, req, 503, NULL);
		return;
	}
	o->drawcode = drawcode;
	if ((ret = scan_rtxn_begin(sl)) == 0) {
		if (drawcode)
			ret = scan_drawcode_resolve_txn(sl, req->head.path, &o->vr);
		else
			ret = verify_text_txn(&sl->rtxn, req->head.target.p,
			    req->head.target.len, 0, &o->vr);
		if (ret == 0 && o->vr.verdict == VERDICT_GENUINE)
			scan_draw_prepare(sl, &o->vr, drawcode, &o->draw);
		scan_rtxn_end(sl);
	}
	if (ret < 0) {
		scan_op_free(o);
		scan_error_page(sl, req, 503, NULL);
		return;
	}
	o->lang = page_lang_pick(req->head.accept_language, req->head.query);
	scan_event_init(sl, req, &o->ev, &o->new_visitor);
	scan_event_verdict(&o->ev, &o->vr, req->head.target);
	if (drawcode)
		o->ev.flags |= STORE_EVENT_F_DRAW;
	if (o->draw.mode == PAGE_DRAW_OFFER)
		scan_form_code(req, o, drawcode);
	metrics_scan(srv->metrics, sl->index, o->vr.verdict,
	    (o->ev.flags & STORE_EVENT_F_HUMAN) != 0);
	status = scan_verdict_status(o->vr.verdict);
	if (status != 200) {
		/* Not a 2xx: answer now, record behind the answer. */
		scan_record_detached(sl, &o->ev);
		o->ev.id = 0;
		scan_send_page(sl, o, status);
		scan_op_free(o);
		return;
	}
	scan_op_submit(sl, req, o, scan_apply_event, false);
}

/* GET /01/{GTIN}: a product without a serial. */
static void
scan_product(struct scan_loop *sl, struct http_req *req, struct http_slice gtin)
{
	enum page_lang lang = page_lang_pick(req->head.accept_language,
	    req->head.query);
	char g[GTIN_LEN + 1], headers[1024];

	if (req->head.method != HTTP_METHOD_GET &&
	    req->head.method != HTTP_METHOD_HEAD) {
		scan_error_page(sl, req, 405, "Allow: GET, HEAD\r\n");
		return;
	}
	if (gtin_normalize(gtin.p, gtin.len, g) < 0) {
		scan_error_page(sl, req, 404, NULL);
		return;
	}
	buf_reset(&sl->page);
	if (page_render_product(lang, g, &sl->page) < 0) {
		scan_error_page(sl, req, 503, NULL);
		return;
	}
	snprintf(headers, sizeof(headers), "Cache-Control: public, max-age=300\r\n"
	    "Content-Security-Policy: %s\r\nX-Content-Type-Options: nosniff\r\n"
	    "Vary: Accept-Language\r\n", page_csp());
	http_respond(req, 200, "text/html; charset=utf-8", headers,
	    sl->page.data, sl->page.len, false);
}

/* ---- the JSON API -------------------------------------------------- */

/* Parses a JSON object body. */
json_t *
scan_json_body(struct http_req *req, const char **why)
{
	struct http_slice ct = req->head.content_type;
	json_error_t err;
	json_t *root;

	if (ct.len > 0 && !(ct.len >= 16 &&
	    strncasecmp(ct.p, "application/json", 16) == 0)) {
		*why = "Content-Type must be application/json";
		return NULL;
	}
	if (req->body_len == 0) {
		*why = "a JSON object body is required";
		return NULL;
	}
	root = json_loadb((const char *)req->body, req->body_len,
	    JSON_REJECT_DUPLICATES, &err);
	if (root == NULL || !json_is_object(root)) {
		json_decref(root);
		*why = "the body is not a JSON object";
		return NULL;
	}
	return root;
}

/* Reads an optional finite number in [lo, hi]; false if present but bad. */
static bool
scan_json_number(json_t *obj, const char *key, double lo, double hi,
    bool *present, double *out)
{
	json_t *v = json_object_get(obj, key);

	*present = false;
	if (v == NULL || json_is_null(v))
		return true;
	if (!json_is_number(v))
		return false;
	*out = json_number_value(v);
	if (!isfinite(*out) || *out < lo || *out > hi)
		return false;
	*present = true;
	return true;
}

/* Reads lat, lon and accuracy; both coordinates or neither. */
static bool
scan_json_location(json_t *obj, bool *has, double *lat, double *lon,
    float *accuracy, const char **why)
{
	bool hlat, hlon, hacc;
	double acc = 0;

	if (!scan_json_number(obj, "lat", -90, 90, &hlat, lat) ||
	    !scan_json_number(obj, "lon", -180, 180, &hlon, lon) ||
	    !scan_json_number(obj, "accuracy", 0, 1e7, &hacc, &acc)) {
		*why = "lat must be in [-90, 90], lon in [-180, 180], accuracy "
		    "in metres >= 0";
		return false;
	}
	if (hlat != hlon) {
		*why = "give both lat and lon, or neither";
		return false;
	}
	*has = hlat;
	*accuracy = (float)acc;
	return true;
}

/* Reads a POST whose JSON body names a code: 1 to CODE_TEXT_MAX bytes,
 * no NUL. */
json_t *
scan_json_code_post(struct http_req *req, const char *must, json_t **code)
{
	const char *why = NULL;
	json_t *root;

	if (req->head.method != HTTP_METHOD_POST) {
		scan_json_error(req, 405, "method_not_allowed", "use POST");
		return NULL;
	}
	if ((root = scan_json_body(req, &why)) == NULL) {
		scan_json_error(req, why[0] == 'C' ? 415 : 400, "bad_request",
		    why);
		return NULL;
	}
	*code = json_object_get(root, "code");
	if (!json_is_string(*code) || json_string_length(*code) == 0 ||
	    json_string_length(*code) > CODE_TEXT_MAX ||
	    strlen(json_string_value(*code)) != json_string_length(*code)) {
		json_decref(root);
		scan_json_error(req, 400, "bad_request", must);
		return NULL;
	}
	return root;
}

/* POST /api/v1/scans. */
static void
scan_api_scan(struct scan_loop *sl, struct http_req *req)
{
	struct scan_op *o;
	const char *why = NULL;
	json_t *root, *code;
	bool has_loc;
	int ret;

	if ((root = scan_json_code_post(req, "\"code\" must be the code's URL",
	    &code)) == NULL)
		return;
	if ((o = scan_op_new(sl, SCAN_OP_API, req)) == NULL) {
		json_decref(root);
		scan_json_error(req, 503, "unavailable", "out of memory");
		return;
	}
	if (!scan_json_location(root, &has_loc, &o->lat, &o->lon, &o->accuracy,
	    &why)) {
		scan_op_free(o);
		json_decref(root);
		scan_json_error(req, 400, "bad_request", why);
		return;
	}
	if ((ret = scan_rtxn_begin(sl)) == 0) {
		ret = verify_text_txn(&sl->rtxn, json_string_value(code),
		    json_string_length(code), 0, &o->vr);
		scan_rtxn_end(sl);
	}
	if (ret < 0) {
		scan_op_free(o);
		json_decref(root);
		scan_json_error(req, 503, "unavailable", "store unavailable");
		return;
	}
	scan_event_init(sl, req, &o->ev, &o->new_visitor);
	o->ev.flags |= STORE_EVENT_F_API;
	scan_event_verdict(&o->ev, &o->vr, (struct http_slice){
	    json_string_value(code), json_string_length(code) });
	if (has_loc) {
		o->ev.flags |= STORE_EVENT_F_LOCATION;
		o->ev.lat = o->lat;
		o->ev.lon = o->lon;
		o->ev.accuracy = o->accuracy;
		o->ev.location_time = o->ev.time;
	}
	json_decref(root);
	metrics_scan(sl->srv->metrics, sl->index, o->vr.verdict,
	    (o->ev.flags & STORE_EVENT_F_HUMAN) != 0);
	scan_op_submit(sl, req, o, scan_apply_event, true);
}

/* The first-scan object of the JSON answers. */
static json_t *
scan_json_first(const struct store_code_scans *s)
{
	char when[CLOCK_ISO8601_LEN];

	if (s->first_event == 0)
		return json_null();
	clock_format_iso8601(s->first_time, when);
	if (!s->first_has_location)
		return json_pack("{s:s, s:n, s:n, s:n}", "time", when, "lat",
		    "lon", "accuracy");
	return json_pack("{s:s, s:f, s:f, s:f}", "time", when, "lat",
	    s->first_lat, "lon", s->first_lon, "accuracy",
	    (double)s->first_accuracy);
}

/* The Set-Cookie line giving a new visitor its id (apps keep it like
 * browsers do, for points and per-visitor limits), or NULL. */
const char *
scan_cookie_header(const struct scan_op *o, char *out, size_t cap)
{
	char vid[BASE32_LEN(SCAN_VISITOR_BYTES) + 1];

	if (!o->new_visitor)
		return NULL;
	base32_encode(vid, o->ev.visitor, SCAN_VISITOR_BYTES);
	snprintf(out, cap, "Set-Cookie: %s=%s; Path=/; Max-Age=%d; HttpOnly; "
	    "SameSite=Lax\r\n", SCAN_VISITOR_COOKIE, vid, SCAN_COOKIE_MAX_AGE);
	return out;
}

/* Sends the answer of POST /api/v1/scans. */
static void
scan_api_scan_done(struct scan_op *o)
{
	char serial[CODE_SERIAL_CHARS + 1], cookie[160];
	json_t *obj;

	o->req->log_event = o->ev.id;
	o->req->log_verdict = verify_verdict_name(o->vr.verdict);
	obj = json_pack("{s:I, s:s, s:i}", "event_id", (json_int_t)o->ev.id,
	    "verdict", verify_verdict_name(o->vr.verdict), "scans",
	    (int)o->scans.human);
	if (obj != NULL && o->vr.parsed) {
		code_serial_text(o->vr.code.serial, serial);
		json_object_set_new(obj, "serial", json_string(serial));
		json_object_set_new(obj, "gtin", json_string(o->vr.code.gtin));
	}
	if (obj != NULL && o->vr.known)
		json_object_set_new(obj, "batch_id", json_integer(o->vr.batch.id));
	if (obj != NULL && o->vr.reason != NULL &&
	    o->vr.verdict != VERDICT_GENUINE)
		json_object_set_new(obj, "reason", json_string(o->vr.reason));
	if (obj != NULL)
		json_object_set_new(obj, "first_scan", scan_json_first(&o->scans));
	scan_json(o->req, 200, obj, scan_cookie_header(o, cookie,
	    sizeof(cookie)));
}

/* POST /api/v1/scans/{id}/location. */
static void
scan_api_location(struct scan_loop *sl, struct http_req *req,
    struct http_slice idtext)
{
	char token[SCAN_TOKEN_CHARS + 1];
	const char *why = NULL;
	struct scan_op *o;
	uint64_t id = 0;
	json_t *root, *tok;
	bool has_loc;

	if (req->head.method != HTTP_METHOD_POST) {
		scan_json_error(req, 405, "method_not_allowed", "use POST");
		return;
	}
	if (idtext.len == 0 || idtext.len > 19) {
		scan_json_error(req, 404, "not_found", "no such scan");
		return;
	}
	for (size_t i = 0; i < idtext.len; i++) {
		if (idtext.p[i] < '0' || idtext.p[i] > '9') {
			scan_json_error(req, 404, "not_found", "no such scan");
			return;
		}
		id = id * 10 + (uint64_t)(idtext.p[i] - '0');
	}
	if ((root = scan_json_body(req, &why)) == NULL) {
		scan_json_error(req, why[0] == 'C' ? 415 : 400, "bad_request",
		    why);
		return;
	}
	if ((o = scan_op_new(sl, SCAN_OP_LOCATION, req)) == NULL) {
		json_decref(root);
		scan_json_error(req, 503, "unavailable", "out of memory");
		return;
	}
	tok = json_object_get(root, "token");
	scan_location_token(sl->srv, id, token);
	if (!json_is_string(tok) || json_string_length(tok) !=
	    SCAN_TOKEN_CHARS || sodium_memcmp(json_string_value(tok), token,
	    SCAN_TOKEN_CHARS) != 0) {
		scan_op_free(o);
		json_decref(root);
		scan_json_error(req, 403, "forbidden", "bad location token");
		return;
	}
	if (!scan_json_location(root, &has_loc, &o->lat, &o->lon, &o->accuracy,
	    &why) || !has_loc) {
		scan_op_free(o);
		json_decref(root);
		scan_json_error(req, 400, "bad_request", why ? why :
		    "lat and lon are required");
		return;
	}
	json_decref(root);
	o->ev.id = id;
	scan_op_submit(sl, req, o, scan_apply_location, true);
}

/* GET /api/v1/codes/{SERIAL}: a look-up that records nothing. */
static void
scan_api_code(struct scan_loop *sl, struct http_req *req,
    struct http_slice text)
{
	uint8_t serial[CODE_SERIAL_BYTES];
	char serialtext[CODE_SERIAL_CHARS + 1];
	struct store_code code;
	struct store_batch batch;
	struct store_code_scans scans;
	const char *state;
	json_t *obj;
	int ret;

	if (req->head.method != HTTP_METHOD_GET &&
	    req->head.method != HTTP_METHOD_HEAD) {
		scan_json_error(req, 405, "method_not_allowed", "use GET");
		return;
	}
	if (code_serial_parse(text.p, text.len, serial) < 0) {
		scan_json_error(req, 404, "not_found", "no such code");
		return;
	}
	if ((ret = scan_rtxn_begin(sl)) < 0) {
		scan_json_error(req, 503, "unavailable", "store unavailable");
		return;
	}
	ret = store_code_get_txn(&sl->rtxn, serial, &code);
	if (ret == 0)
		ret = store_batch_get_txn(&sl->rtxn, code.batch_id, &batch);
	if (ret == 0 && batch.state == STORE_BATCH_MINTING)
		ret = -ENOENT;
	if (ret == 0 && !summaries_lookup(sl->srv->summaries, serial, &scans)) {
		/* Not cached means folded: the store has it whole. */
		ret = store_code_scans_get_txn(&sl->rtxn, serial, &scans);
		if (ret == -ENOENT) {
			memset(&scans, 0, sizeof(scans));
			ret = 0;
		}
	}
	scan_rtxn_end(sl);
	if (ret == -ENOENT) {
		scan_json_error(req, 404, "not_found", "no such code");
		return;
	}
	if (ret < 0) {
		scan_json_error(req, 503, "unavailable", "store unavailable");
		return;
	}
	if (batch.state == STORE_BATCH_VOID || code.void_reason != 0)
		state = "void";
	else if (batch.state == STORE_BATCH_ACTIVE)
		state = "active";
	else
		state = "not_active";
	code_serial_text(serial, serialtext);
	obj = json_pack("{s:s, s:s, s:I, s:s, s:i, s:i, s:o}",
	    "serial", serialtext, "gtin", batch.gtin,
	    "batch_id", (json_int_t)batch.id, "state", state,
	    "scans", (int)scans.human, "scans_total", (int)scans.total,
	    "first_scan", scan_json_first(&scans));
	scan_json(req, 200, obj, NULL);
}

/* ---- operations ---------------------------------------------------- */

/* GET /healthz. */
static void
scan_healthz(struct scan_loop *sl, struct http_req *req)
{
	static const char ok[] = "ok\n";
	static const char bad[] = "degraded: commits are failing (disk full?)\n";

	if (writer_degraded(sl->srv->writer))
		http_respond(req, 503, "text/plain; charset=utf-8",
		    "Cache-Control: no-store\r\n", bad, sizeof(bad) - 1, true);
	else
		http_respond(req, 200, "text/plain; charset=utf-8",
		    "Cache-Control: no-store\r\n", ok, sizeof(ok) - 1, true);
}

/* GET /metrics. */
static void
scan_metrics(struct scan_loop *sl, struct http_req *req)
{
	struct scan_server *srv = sl->srv;
	struct writer_stats ws;

	writer_stats_get(srv->writer, &ws);
	buf_reset(&sl->page);
	if (metrics_render(srv->metrics, &ws, http_server_conns(srv->http),
	    srv->started, &sl->page) < 0) {
		scan_error_page(sl, req, 503, NULL);
		return;
	}
	http_respond(req, 200, "text/plain; version=0.0.4; charset=utf-8",
	    "Cache-Control: no-store\r\n", sl->page.data, sl->page.len, false);
}

/* ---- routing -------------------------------------------------------- */

/* True if path starts with prefix; sets rest to what follows. */
static bool
scan_path_prefix(struct http_slice path, const char *prefix,
    struct http_slice *rest)
{
	size_t n = strlen(prefix);

	if (path.len < n || memcmp(path.p, prefix, n) != 0)
		return false;
	*rest = (struct http_slice){ path.p + n, path.len - n };
	return true;
}

/* Finds "/01/" in a path (a GS1 Digital Link may have a path prefix). */
static const char *
scan_find_gs1(struct http_slice path)
{
	for (size_t i = 0; i + 4 <= path.len; i++)
		if (memcmp(path.p + i, "/01/", 4) == 0)
			return path.p + i;
	return NULL;
}

/* Routes one request. */
void
scan_handle(struct http_req *req, void *arg)
{
	struct scan_server *srv = arg;
	struct scan_loop *sl = http_loop_user(req->loop);
	struct http_slice path = req->head.path, rest;
	enum http_method m = req->head.method;
	const char *gs1;

	/* Only the JSON API takes POST; nothing here takes other methods. */
	if (m == HTTP_METHOD_OTHER || (m == HTTP_METHOD_POST &&
	    !scan_path_prefix(path, "/api/", &rest) &&
	    !http_slice_eq(path, "/draw"))) {
		if (scan_path_prefix(path, "/api/", &rest))
			scan_json_error(req, 405, "method_not_allowed",
			    "method not allowed");
		else
			scan_error_page(sl, req, 405, "Allow: GET, HEAD\r\n");
		return;
	}
	if (http_slice_eq(path, "/healthz")) {
		scan_healthz(sl, req);
		return;
	}
	if (http_slice_eq(path, "/metrics")) {
		scan_metrics(sl, req);
		return;
	}
	if (!ratelimit_allow(srv->rl, req->family, req->ip, clock_mono_us())) {
		metrics_rate_limited(srv->metrics, sl->index);
		if (scan_path_prefix(path, "/api/", &rest))
			scan_json_error(req, 429, "rate_limited",
			    "too many requests; slow down");
		else
			scan_error_page(sl, req, 429, "Retry-After: 1\r\n");
		return;
	}
	if (scan_path_prefix(path, "/api/v1/", &rest)) {
		struct http_slice tail;
		const char *slash;

		if (http_slice_eq(rest, "scans")) {
			scan_api_scan(sl, req);
			return;
		}
		if (scan_path_prefix(rest, "scans/", &tail) &&
		    (slash = memchr(tail.p, '/', tail.len)) != NULL &&
		    http_slice_eq((struct http_slice){ slash, tail.len -
		    (size_t)(slash - tail.p) }, "/location")) {
			scan_api_location(sl, req, (struct http_slice){ tail.p,
			    (size_t)(slash - tail.p) });
			return;
		}
		if (scan_path_prefix(rest, "codes/", &tail)) {
			scan_api_code(sl, req, tail);
			return;
		}
		if (http_slice_eq(rest, "draws")) {
			scan_api_draw(sl, req);
			return;
		}
		if (scan_path_prefix(rest, "claims/", &tail) &&
		    (slash = memchr(tail.p, '/', tail.len)) != NULL &&
		    http_slice_eq((struct http_slice){ slash, tail.len -
		    (size_t)(slash - tail.p) }, "/redeem")) {
			scan_api_redeem(sl, req, (struct http_slice){ tail.p,
			    (size_t)(slash - tail.p) });
			return;
		}
		if (http_slice_eq(rest, "visitors/me/points")) {
			scan_api_points(sl, req);
			return;
		}
		scan_json_error(req, 404, "not_found", "no such API");
		return;
	}
	if ((gs1 = scan_find_gs1(path)) != NULL) {
		struct http_slice after = { gs1 + 4, path.len -
		    (size_t)(gs1 + 4 - path.p) };
		const char *slash = memchr(after.p, '/', after.len);

		if (slash != NULL && after.len - (size_t)(slash - after.p) >= 4 &&
		    memcmp(slash, "/21/", 4) == 0)
			scan_code(sl, req, false);
		else
			scan_product(sl, req, (struct http_slice){ after.p,
			    slash ? (size_t)(slash - after.p) : after.len });
		return;
	}
	if (path.len > 3 && path.p[0] == '/' && (path.p[1] == 'D' ||
	    path.p[1] == 'd') && path.p[2] == '/') {
		scan_code(sl, req, true);
		return;
	}
	if (http_slice_eq(path, "/draw")) {
		scan_draw_form(sl, req);
		return;
	}
	if (http_slice_eq(path, "/store")) {
		scan_staff_page(sl, req, (struct http_slice){ NULL, 0 });
		return;
	}
	if (path.len > 3 && path.p[0] == '/' && (path.p[1] == 'C' ||
	    path.p[1] == 'c') && path.p[2] == '/') {
		scan_staff_page(sl, req, (struct http_slice){ path.p + 3,
		    path.len - 3 });
		return;
	}
	if (http_slice_eq(path, "/robots.txt")) {
		static const char robots[] = "User-agent: *\nDisallow: /\n";

		http_respond(req, 200, "text/plain; charset=utf-8",
		    "Cache-Control: public, max-age=86400\r\n", robots,
		    sizeof(robots) - 1, true);
		return;
	}
	if (http_slice_eq(path, "/favicon.ico")) {
		http_respond(req, 204, NULL, "Cache-Control: public, "
		    "max-age=86400\r\n", NULL, 0, true);
		return;
	}
	scan_error_page(sl, req, 404, NULL);
}

/* A finished write comes back to its loop. */
static void
scan_op_done(struct writer_op *op, void *arg)
{
	struct scan_op *o = (struct scan_op *)op;
	struct scan_loop *sl = arg;
	struct http_req *req = o->req;

	req->user = NULL;
	if (http_req_gone(req)) {
		http_respond(req, 499, NULL, NULL, NULL, 0, true);
		scan_op_free(o);
		return;
	}
	switch (o->kind) {
	case SCAN_OP_PAGE:
		if (op->ret < 0)
			scan_error_page(sl, req, 503, "Retry-After: 5\r\n");
		else
			scan_send_page(sl, o, 200);
		break;
	case SCAN_OP_API:
		if (op->ret < 0)
			scan_json_error(req, 503, "unavailable",
			    "the scan could not be recorded; try again");
		else
			scan_api_scan_done(o);
		break;
	case SCAN_OP_LOCATION:
		if (op->ret == -ENOENT)
			scan_json_error(req, 404, "not_found", "no such scan");
		else if (op->ret == -EEXIST)
			scan_json_error(req, 409, "conflict",
			    "this scan already has a location");
		else if (op->ret < 0)
			scan_json_error(req, 503, "unavailable",
			    "the location could not be recorded; try again");
		else
			scan_json(req, 200, json_pack("{s:b}", "ok", 1), NULL);
		break;
	case SCAN_OP_DRAW_FORM:
	case SCAN_OP_DRAW_API:
	case SCAN_OP_REDEEM:
		scan_draw_done(sl, o);
		break;
	case SCAN_OP_DETACHED:
		break;
	}
	scan_op_free(o);
}

/* ---- hooks ------------------------------------------------------------ */

/* Per-loop state. */
int
scan_loop_init(struct http_loop *loop, void *arg)
{
	struct scan_server *srv = arg;
	struct scan_loop *sl;
	int ret;

	if ((sl = calloc(1, sizeof(*sl))) == NULL)
		return -ENOMEM;
	sl->srv = srv;
	sl->loop = loop;
	sl->index = http_loop_index(loop);
	if ((ret = writer_port_new(srv->writer, http_loop_base(loop),
	    scan_op_done, sl, &sl->port)) < 0) {
		free(sl);
		return ret;
	}
	http_loop_set_user(loop, sl);
	return 0;
}

/* Frees per-loop state. */
void
scan_loop_fini(struct http_loop *loop, void *arg)
{
	struct scan_loop *sl = http_loop_user(loop);

	(void)arg;
	if (sl == NULL)
		return;
	if (sl->rtxn_ok)
		store_txn_abort(&sl->rtxn);
	writer_port_free(sl->port);
	buf_free(&sl->page);
	free(sl);
	http_loop_set_user(loop, NULL);
}

/* Copies the secret t[i, end) into the log path as its first keep
 * characters and "..."; returns end. The caller leaves room for "..." and
 * the NUL (n + 4 <= cap). */
static size_t
scan_redact_span(struct http_slice t, size_t i, size_t end, size_t keep,
    char *out, size_t *n, size_t cap)
{
	for (size_t k = 0; i + k < end && k < keep && *n + 4 < cap; k++)
		out[(*n)++] = t.p[i + k];
	memcpy(out + *n, "...", 3);
	*n += 3;
	return end;
}

/* Writes the path for the log with secrets cut to their first characters:
 * a code's signature (S=), an inner draw code (/D/{TOKEN}) and a claim
 * token (/C/{TOKEN}, /api/v1/claims/{TOKEN}/redeem, ?claim=). Each of
 * them draws or redeems a prize, so none may reach the log whole. */
static size_t
scan_redact(const struct http_req *req, char *out, size_t cap)
{
	struct http_slice t = req->head.target;
	const char *qp, *sp;
	size_t n = 0, i = 0, q, sa = 0, sb = 0;

	if (t.len == 0) {
		out[0] = '\0';
		return 0;
	}
	qp = memchr(t.p, '?', t.len);
	q = qp != NULL ? (size_t)(qp - t.p) : t.len;
	/* The secret segment of the path, if any: [sa, sb). */
	if (q > 3 && t.p[0] == '/' && t.p[2] == '/' && (t.p[1] == 'D' ||
	    t.p[1] == 'd' || t.p[1] == 'C' || t.p[1] == 'c')) {
		sa = 3;
		sb = q;
	} else if (q > 15 && strncasecmp(t.p, "/api/v1/claims/", 15) == 0) {
		sa = 15;
		sp = memchr(t.p + sa, '/', q - sa);
		sb = sp != NULL ? (size_t)(sp - t.p) : q;
	}
	/* Room for the worst step but one: "S=", "..." and the NUL ("claim="
	 * checks its own room below). */
	while (i < t.len && n + 6 < cap) {
		size_t name = 0, keep = 0, end;

		if (i == sa && sb > sa) {
			i = scan_redact_span(t, i, sb, 4, out, &n, cap);
			continue;
		}
		if (i > q && (t.p[i - 1] == '?' || t.p[i - 1] == '&')) {
			if ((t.p[i] == 'S' || t.p[i] == 's') && i + 1 < t.len &&
			    t.p[i + 1] == '=') {
				name = 2;
				keep = 6;
			} else if (t.len - i >= 6 &&
			    memcmp(t.p + i, "claim=", 6) == 0) {
				name = 6;
				keep = 4;
			}
		}
		if (name == 0) {
			out[n++] = t.p[i++];
			continue;
		}
		if (n + name + 4 > cap)
			break;
		memcpy(out + n, t.p + i, name);
		n += name;
		i += name;
		for (end = i; end < t.len && t.p[end] != '&'; end++)
			;
		i = scan_redact_span(t, i, end, keep, out, &n, cap);
	}
	out[n] = '\0';
	return n;
}

/* After each answer: metrics and the access log. */
void
scan_done(struct http_req *req, void *arg)
{
	struct scan_server *srv = arg;
	struct scan_loop *sl = http_loop_user(req->loop);
	int64_t dur = clock_mono_us() - req->start_us;

	if (sl != NULL)
		metrics_request(srv->metrics, sl->index, req->status, dur);
	if (srv->log != NULL) {
		struct accesslog_entry e;
		char path[600], ip[48];
		uint8_t addr[16];

		memset(&e, 0, sizeof(e));
		e.time = clock_now_us();
		e.ip = req->ip_text;
		if (srv->cfg.ip_anon) {
			/* The log keeps what the events keep, no more. */
			memcpy(addr, req->ip, sizeof(addr));
			scan_ip_anon(req->family, addr);
			if (inet_ntop(req->family, addr, ip, sizeof(ip)) != NULL)
				e.ip = ip;
		}
		e.method = req->head.method_text.p;
		e.method_len = req->head.method_text.len;
		e.path = path;
		e.path_len = scan_redact(req, path, sizeof(path));
		e.status = req->status;
		e.bytes = req->bytes_out;
		e.duration_us = dur;
		e.ua = req->head.user_agent.p;
		e.ua_len = req->head.user_agent.len;
		e.event_id = req->log_event;
		e.verdict = req->log_verdict;
		if (e.method == NULL) {
			e.method = "-";
			e.method_len = 1;
		}
		accesslog_write(srv->log, &e);
	}
}

/* Admits a connection if its client has room. */
bool
scan_admit_conn(int family, const uint8_t ip[16], void *arg)
{
	struct scan_server *srv = arg;

	return ratelimit_conn_open(srv->rl, family, ip);
}

/* Releases an admitted connection. */
void
scan_release_conn(int family, const uint8_t ip[16], void *arg)
{
	struct scan_server *srv = arg;

	ratelimit_conn_close(srv->rl, family, ip);
}
