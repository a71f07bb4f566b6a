/*
 * request.c — what every handler of the scan server shares: the request's
 * read transaction, its operation for the writer, the scan event and the
 * visitor it records, and the headers of an answer.
 */
#include "scanner/scan_internal.h"
#include "scanner/bots.h"
#include "codegen/base32.h"
#include "common/clock.h"

#include <assert.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Renews the loop's read transaction for one request. */
int
scan_rtxn_begin(struct scan_loop *sl)
{
	int ret;

	if (sl->rtxn_ok)
		return store_txn_renew(&sl->rtxn);
	if ((ret = store_txn_begin(sl->srv->core->st, true, &sl->rtxn)) < 0)
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
void
scan_copy(char *dst, size_t cap, struct http_slice s)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1;

	if (n > 0)
		memcpy(dst, s.p, n);
	dst[n] = '\0';
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
 * when it was made; the scans export gives visitor ids only to the
 * brand's analysts (docs/export.md).
 */

/* True if Sec-Fetch-Site says the request comes from another site. */
bool
scan_from_other_site(const struct http_req *req)
{
	struct http_slice s = req->head.sec_fetch_site;

	return s.len > 0 && !http_slice_eq(s, "same-origin") &&
	    !http_slice_eq(s, "none");
}

/* Reads the visitor cookie, or makes a new visitor id (true: give it as
 * a cookie). */
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
	/* A request from another site comes without the SameSite=Lax cookie
	 * even when the visitor has one: a cookie set now would replace
	 * theirs and cut them off from their points. The id is then used
	 * for this request only. */
	return !scan_from_other_site(req);
}

/* Zeroes the host part: the last octet of IPv4, the last 80 bits of IPv6. */
void
scan_ip_anon(int family, uint8_t ip[16])
{
	if (family == AF_INET)
		ip[3] = 0;
	else
		memset(ip + 6, 0, 10);
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
	else if (!bots_match(srv->cfg.bots, req->head.user_agent.p,
	    req->head.user_agent.len))
		ev->flags |= STORE_EVENT_F_HUMAN;
}

/* Records the verdict part of an event: for a forged or malformed scan,
 * the presented text with its secrets redacted (rawtext.c). */
void
scan_event_verdict(struct scan_loop *sl, struct store_event *ev,
    const struct verify_result *vr, struct http_slice raw)
{
	ev->verdict = (uint8_t)vr->verdict;
	ev->reason = (uint8_t)verdict_reason_code(vr->reason);
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
		scan_raw_redact(sl->srv->core->secrets->drawcode, raw.p,
		    raw.len, vr->drawcode, ev->raw, sizeof(ev->raw));
}

/* Appends n bytes at *p if they fit before end; false if not. */
static bool
scan_put(char **p, const char *end, const char *s, size_t n)
{
	if ((size_t)(end - *p) < n)
		return false;
	memcpy(*p, s, n);
	*p += n;
	return true;
}

/* The Set-Cookie line of a visitor id, at out (cap bytes with its NUL;
 * an empty string if it does not fit). Returns its length. Without the
 * printf family: it goes with every new visitor's page. */
static size_t
scan_set_cookie(const uint8_t visitor[SCAN_VISITOR_BYTES], char *out,
    size_t cap)
{
	static const char head[] = "Set-Cookie: " SCAN_VISITOR_COOKIE "=";
	static const char attrs[] = "; Path=/; Max-Age=";
	static const char tail[] = "; HttpOnly; SameSite=Lax\r\n";
	char vid[BASE32_LEN(SCAN_VISITOR_BYTES) + 1], age[21];
	char *p = out, *end = out + cap - 1;

	if (cap == 0)
		return 0;
	base32_encode(vid, visitor, SCAN_VISITOR_BYTES);
	if (!scan_put(&p, end, head, sizeof(head) - 1) ||
	    !scan_put(&p, end, vid, BASE32_LEN(SCAN_VISITOR_BYTES)) ||
	    !scan_put(&p, end, attrs, sizeof(attrs) - 1) ||
	    !scan_put(&p, end, age, buf_dec(age, SCAN_COOKIE_MAX_AGE)) ||
	    !scan_put(&p, end, tail, sizeof(tail) - 1))
		p = out;
	*p = '\0';
	return (size_t)(p - out);
}

static pthread_once_t scan_page_headers_once = PTHREAD_ONCE_INIT;
static char scan_page_headers_text[1024];
static size_t scan_page_headers_len;

/* Makes the headers every HTML page has, once (the CSP is fixed for the
 * process). */
static void
scan_page_headers_init(void)
{
	int n = snprintf(scan_page_headers_text,
	    sizeof(scan_page_headers_text), "Cache-Control: no-store\r\n"
	    "Content-Security-Policy: %s\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Referrer-Policy: same-origin\r\n"
	    "Vary: Accept-Language, Cookie\r\n", page_csp());

	scan_page_headers_len = n < 0 ? 0 :
	    (size_t)n < sizeof(scan_page_headers_text) ? (size_t)n :
	    sizeof(scan_page_headers_text) - 1;
}

/* Builds the extra headers of an HTML page. */
void
scan_page_headers(char *out, size_t cap, const uint8_t *visitor, bool cookie)
{
	size_t n;

	if (cap == 0)
		return;
	pthread_once(&scan_page_headers_once, scan_page_headers_init);
	n = scan_page_headers_len < cap ? scan_page_headers_len : cap - 1;
	memcpy(out, scan_page_headers_text, n);
	out[n] = '\0';
	if (cookie)
		scan_set_cookie(visitor, out + n, cap - n);
}

/* The Set-Cookie line giving a new visitor its id (apps keep it like
 * browsers do, for points and per-visitor limits), or NULL. */
static const char *
scan_cookie_header(const struct scan_op *o, char *out, size_t cap)
{
	if (!o->new_visitor)
		return NULL;
	scan_set_cookie(o->ev.visitor, out, cap);
	return out;
}

/* Answers an operation's request 200 with obj (consumed), giving a new
 * visitor its cookie. */
void
scan_json_visitor(struct scan_op *o, json_t *obj)
{
	char cookie[160];

	scan_json(o->req, 200, obj, scan_cookie_header(o, cookie,
	    sizeof(cookie)));
}

/* Answers 200 with JSON text, giving a new visitor its cookie. */
void
scan_json_text_visitor(struct scan_op *o, const void *text, size_t len)
{
	char cookie[160];

	scan_json_text(o->req, 200, text, len, scan_cookie_header(o, cookie,
	    sizeof(cookie)));
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

/* Sends the page rendered in sl->page with 200. */
void
scan_send_html(struct scan_loop *sl, struct http_req *req, const char *cache,
    const char *extra)
{
	char headers[1024];

	snprintf(headers, sizeof(headers), "Cache-Control: %s\r\n"
	    "Content-Security-Policy: %s\r\nX-Content-Type-Options: nosniff\r\n"
	    "%s", cache, page_csp(), extra);
	http_respond(req, 200, "text/html; charset=utf-8", headers,
	    sl->page.data, sl->page.len, false);
}

/* Allocates an op. */
struct scan_op *
scan_op_new(struct scan_loop *sl, struct http_req *req)
{
	struct scan_op *o = calloc(1, sizeof(*o));

	if (o == NULL)
		return NULL;
	o->req = req;
	o->core = sl->srv->core;
	o->summaries = sl->srv->core->summaries;
	o->forged_budget = sl->srv->cfg.forged_budget;
	return o;
}

/* Drops a draw context's reference. */
static void
scan_draw_release(struct scan_draw_ctx *ctx)
{
	campaign_unref(ctx->c, __func__);
	ctx->c = NULL;
	sodium_memzero(&ctx->res, sizeof(ctx->res));
}

/* Frees an op and the references it holds. */
void
scan_op_free(struct scan_op *o)
{
	if (o == NULL)
		return;
	scan_draw_release(&o->draw);
	campaign_unref(o->drq.c, __func__);
	redeem_result_free(&o->rres);
	cluster_call_free(o->call);
	sodium_memzero(o->claim_token, sizeof(o->claim_token));
	sodium_memzero(o->shop_token, sizeof(o->shop_token));
	sodium_memzero(&o->dres, sizeof(o->dres));
	sodium_memzero(o->checkin_key, sizeof(o->checkin_key));
	sodium_memzero(&o->ckr, sizeof(o->ckr));
	free(o);
}

/* Hands an op to the writer; when the queue is full, frees it and
 * answers 503 (JSON for the API, else a page). */
void
scan_op_submit(struct scan_loop *sl, struct http_req *req, struct scan_op *o,
    writer_apply_fn apply, scan_done_fn done, bool api)
{
	struct stream *stream = scan_core_stream(sl->srv->core);
	bool behind = stream != NULL && stream_refuse(stream);

	o->op.apply = apply;
	o->done = done;
	req->user = o;
	/* Past --kafka-max-lag, no new event until the outbox catches up. */
	if (!behind && writer_submit(sl->port, &o->op) == 0)
		return;
	req->user = NULL;
	scan_op_free(o);
	if (api)
		scan_json_error(req, 503, "unavailable", behind ? "the event "
		    "outbox is too far behind its broker" :
		    "too many writes queued");
	else
		scan_error_page(sl, req, 503, "Retry-After: 5\r\n");
}

/* Frees a detached op (writer thread). */
static void
scan_op_release(struct writer_op *op)
{
	scan_op_free((struct scan_op *)op);
}

static_assert(VERDICT_FORGED == STORE_VERDICT_FORGED &&
    VERDICT_MALFORMED == STORE_VERDICT_MALFORMED, "stored verdicts");

/* Writer: counts what the op raised into the group's signals. */
void
scan_signals_stage(struct scan_op *o)
{
	for (int k = 0; k < SIGNALS_KINDS; k++)
		o->core->signals_staged[k] += o->raised.n[k];
}

/* Writer: appends the event (a forged or malformed one past its network's
 * budget for the hour is counted only: ev.id stays 0) and raises its
 * signals; a forged or malformed one's count is written once, after the
 * burst rule read it. */
int
scan_event_append_txn(struct store_txn *t, struct scan_op *o)
{
	struct store_forged_count fc;
	bool keep;
	int counted, ret;

	if ((counted = store_forged_count_txn(t, &o->ev, o->forged_budget,
	    &fc, &keep)) < 0)
		return counted;
	if (keep && ((ret = summaries_add_event_txn(o->summaries, t, &o->ev,
	    &o->scans)) < 0 || (ret = tags_scan_txn(t, &o->ev)) < 0))
		return ret;
	if ((ret = signals_event_txn(t, &o->ev, counted ? &fc : NULL,
	    &o->raised)) < 0)
		return ret;
	if (counted && (ret = store_forged_count_put_txn(t, &o->ev, &fc)) < 0)
		return ret;
	scan_signals_stage(o);
	return 0;
}

/* Writer: records the event. */
int
scan_apply_event(struct store_txn *t, struct writer_op *op)
{
	return scan_event_append_txn(t, (struct scan_op *)op);
}

/* Records an event nobody waits for (forged, malformed, void). */
void
scan_record_detached(struct scan_loop *sl, const struct store_event *ev)
{
	struct scan_op *o = scan_op_new(sl, NULL);

	if (o == NULL)
		return;
	o->ev = *ev;
	o->op.apply = scan_apply_event;
	o->op.release = scan_op_release;
	writer_submit_detached(sl->srv->core->writer, &o->op);
}

/* A finished write comes back to its loop: the handler's done function
 * answers (a client that left gets nothing). */
void
scan_op_done(struct writer_op *op, void *arg)
{
	struct scan_op *o = (struct scan_op *)op;
	struct scan_loop *sl = arg;
	struct http_req *req = o->req;

	assert(o->done != NULL);	/* detached ops have no port */
	req->user = NULL;
	if (http_req_gone(req))
		http_respond(req, 499, NULL, NULL, NULL, 0, true);
	else {
		o->done(sl, o);
		/* Submitted again for a next step (a redemption after its
		 * PostgreSQL insert): it comes back here later. */
		if (req->user == o)
			return;
	}
	scan_op_free(o);
}
