/*
 * handle_draw.c — prize draws on the scan server: POST /draw (the button
 * of a code's page) and POST /api/v1/draws (apps). The code is verified
 * again, the draw itself is decided in the writer's transaction
 * (rewards/draw.c) and answered after its commit.
 */
#include "scanner/scan_internal.h"
#include "common/clock.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCAN_DRAW_RETRY_AFTER "1"	/* seconds, for a draw to retry */

/* Percent-decodes a form field into out; false if absent or malformed. */
static bool
scan_form_get(const struct http_req *req, const char *name, char *out,
    size_t cap)
{
	struct http_slice body = { (const char *)req->body, req->body_len }, v;
	size_t n = 0;

	if (!http_query_get(body, name, &v))
		return false;
	for (size_t i = 0; i < v.len; i++) {
		char c = v.p[i];

		if (n + 1 >= cap)
			return false;
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			unsigned hi, lo;
			static const char hex[] = "0123456789abcdef0123456789ABCDEF";
			const char *ph, *pl;

			if (i + 2 >= v.len)
				return false;
			ph = memchr(hex, v.p[i + 1], 32);
			pl = memchr(hex, v.p[i + 2], 32);
			if (ph == NULL || pl == NULL)
				return false;
			hi = (unsigned)(ph - hex) % 16;
			lo = (unsigned)(pl - hex) % 16;
			c = (char)(hi << 4 | lo);
			if (c == '\0')
				return false;
			i += 2;
		}
		out[n++] = c;
	}
	out[n] = '\0';
	return true;
}

/* Resolves a code given to a draw (outer URL or path, or a draw code) and
 * checks it may draw; answers and returns false when it may not. */
static bool
scan_draw_resolve(struct scan_loop *sl, struct http_req *req, struct scan_op *o,
    const char *code, bool api)
{
	int ret;

	if ((ret = scan_rtxn_begin(sl)) == 0) {
		ret = verify_any_txn(&sl->rtxn, sl->srv->core->secrets->drawcode, code,
		    strlen(code), 0, &o->vr);
		if (ret == 0 && o->vr.verdict == VERDICT_GENUINE)
			scan_draw_prepare(sl, &o->vr, &o->draw);
		scan_rtxn_end(sl);
	}
	if (ret < 0) {
		if (api)
			scan_json_error(req, 503, "unavailable", "store unavailable");
		else
			scan_error_page(sl, req, 503, NULL);
		return false;
	}
	if (o->vr.verdict != VERDICT_GENUINE) {
		if (api)
			scan_json_error(req, 404, "not_genuine",
			    "this code is not a genuine, active code");
		else
			scan_error_page(sl, req, 404, NULL);
		return false;
	}
	/* A campaign that is not running answers "closed" from the writer,
	 * which decides with the state it commits against. */
	if (o->draw.c == NULL || (o->draw.mode == PAGE_DRAW_NONE &&
	    !o->draw.closed)) {
		if (api)
			scan_json_error(req, 404, "no_campaign",
			    "no running campaign draws on this code");
		else
			scan_error_page(sl, req, 404, NULL);
		return false;
	}
	if (o->draw.mode == PAGE_DRAW_OPEN_PACKAGE) {
		if (api)
			scan_json_error(req, 403, "draw_code_required",
			    "this campaign draws on the code inside the package");
		else
			scan_error_page(sl, req, 403, NULL);
		return false;
	}
	return true;
}

/* Writer: a draw (and, for the API, its scan event). */
static int
scan_apply_draw(struct store_txn *t, struct writer_op *op)
{
	struct scan_op *o = (struct scan_op *)op;
	int ret;

	if (o->record_event) {
		if ((ret = scan_event_append_txn(t, o)) < 0)
			return ret;
		o->drq.event_id = o->ev.id;
	}
	return draw_online_txn(t, &o->drq, &o->dres);
}

/* Fills the request of a draw and submits it. */
static void
scan_draw_submit(struct scan_loop *sl, struct http_req *req, struct scan_op *o,
    scan_done_fn done, bool api)
{
	struct scan_server *srv = sl->srv;

	o->drq.c = campaign_ref(o->draw.c, __func__);
	memcpy(o->drq.serial, o->vr.code.serial, STORE_SERIAL_BYTES);
	memcpy(o->drq.visitor, o->ev.visitor, STORE_VISITOR_BYTES);
	draw_net_of(req->family, req->ip, o->drq.net);
	o->drq.now = clock_now_us();
	o->drq.claim_key = srv->core->secrets->claim;
	o->drq.tallies = &srv->core->draw_tallies;
	scan_op_submit(sl, req, o, scan_apply_draw, done, api);
}

/* The page's draw button: the code's page, now with the draw's result. */
static void
scan_draw_form_done(struct scan_loop *sl, struct scan_op *o)
{
	if (o->op.ret < 0) {
		scan_error_page(sl, o->req, 503, "Retry-After: 5\r\n");
		return;
	}
	if (o->dres.status == DRAW_RETRY) {
		/* Leased stock is on its way (docs/scale-out.md). */
		scan_error_page(sl, o->req, 503, "Retry-After: "
		    SCAN_DRAW_RETRY_AFTER "\r\n");
		return;
	}
	o->draw.mode = PAGE_DRAW_RESULT;
	o->draw.res = o->dres;
	scan_send_page(sl, o, 200);
}

/* POST /draw: the page's draw button. */
void
scan_draw_form(struct scan_loop *sl, struct http_req *req,
    struct http_slice param)
{
	char code[CODE_TEXT_MAX], etext[24], token[64];
	char want[SCAN_TOKEN_CHARS + 1];
	struct scan_op *o;
	uint64_t event = 0;
	char *end;

	(void)param;
	if (req->head.method != HTTP_METHOD_POST) {
		scan_error_page(sl, req, 405, "Allow: POST\r\n");
		return;
	}
	if (!scan_form_get(req, "c", code, sizeof(code)) ||
	    !scan_form_get(req, "e", etext, sizeof(etext)) ||
	    !scan_form_get(req, "t", token, sizeof(token)) ||
	    (event = strtoull(etext, &end, 10)) == 0 || *end != '\0') {
		scan_error_page(sl, req, 400, NULL);
		return;
	}
	if ((o = scan_op_new(sl, req)) == NULL) {
		scan_error_page(sl, req, 503, NULL);
		return;
	}
	o->lang = page_lang_pick(req->head.accept_language, req->head.query);
	if (!scan_draw_resolve(sl, req, o, code, false)) {
		scan_op_free(o);
		return;
	}
	/* The token binds this code to the page's own scan event. */
	scan_draw_token(sl->srv, o->vr.code.serial, event, want);
	if (strlen(token) != strlen(want) ||
	    sodium_memcmp(token, want, strlen(want)) != 0) {
		scan_op_free(o);
		scan_error_page(sl, req, 403, NULL);
		return;
	}
	o->new_visitor = scan_visitor(req, o->ev.visitor);
	o->ev.id = event;
	o->drq.event_id = event;
	snprintf(o->draw.form_code, sizeof(o->draw.form_code), "%s", code);
	if (scan_cluster_forward(sl, req, o, SCAN_FWD_DRAW, false, NULL, NULL))
		return;
	scan_draw_submit(sl, req, o, scan_draw_form_done, false);
}

/* Sends the JSON answer of POST /api/v1/draws. */
static void
scan_api_draw_done(struct scan_loop *sl, struct scan_op *o)
{
	const struct draw_result *r = &o->dres;
	const struct campaign *c = o->drq.c;

	if (o->op.ret < 0) {
		scan_json_error(o->req, 503, "unavailable",
		    "could not be recorded; try again");
		return;
	}
	if (r->status == DRAW_RETRY) {
		/* Not a loss: the code keeps its draw. */
		scan_json(o->req, 503, json_pack("{s:s, s:s, s:I}", "error",
		    "try_again", "message", "the prize stock is being "
		    "fetched; draw again in a moment", "event_id",
		    (json_int_t)o->ev.id), "Retry-After: " SCAN_DRAW_RETRY_AFTER
		    "\r\n");
		return;
	}
	o->req->log_event = o->ev.id;
	o->req->log_verdict = "draw";
	/* The draw's own fields, as every draw answer has them; "draw" only
	 * for a draw made (a refusal has no sequence number). Written as
	 * text: no JSON tree on a draw's path. */
	buf_reset(&sl->page);
	if (scan_json_draw_answer(&sl->page, c, r, o->ev.id,
	    sl->srv->cfg.cluster != NULL ? (int)sl->srv->cfg.node : 0) < 0) {
		scan_json_error(o->req, 503, "unavailable", "out of memory");
		return;
	}
	scan_json_text_visitor(o, sl->page.data, sl->page.len);
}

/* POST /api/v1/draws {"code": …}: the draw for apps. */
void
scan_api_draw(struct scan_loop *sl, struct http_req *req,
    struct http_slice param)
{
	char fast[CODE_TEXT_MAX + 1];
	const char *text = fast;
	struct scan_op *o;
	json_t *root = NULL, *code;

	(void)param;
	/* Apps send {"code": URL}: read without jansson (a draw's hot
	 * path); anything else, and the errors, the general way. */
	if (!scan_json_code_fast(req, fast, sizeof(fast))) {
		if ((root = scan_json_code_post(req, "\"code\" must be the "
		    "code's URL or the draw code", &code)) == NULL)
			return;
		text = json_string_value(code);
	}
	if ((o = scan_op_new(sl, req)) == NULL) {
		json_decref(root);
		scan_json_error(req, 503, "unavailable", "out of memory");
		return;
	}
	if (!scan_draw_resolve(sl, req, o, text, true)) {
		json_decref(root);
		scan_op_free(o);
		return;
	}
	scan_event_init(sl, req, &o->ev, &o->new_visitor);
	o->ev.flags |= STORE_EVENT_F_API;
	if (o->vr.drawcode)
		o->ev.flags |= STORE_EVENT_F_DRAW;
	scan_event_verdict(sl, &o->ev, &o->vr, (struct http_slice){ NULL, 0 });
	o->record_event = true;
	json_decref(root);
	metrics_scan(sl->srv->metrics, sl->index, o->vr.verdict,
	    (o->ev.flags & STORE_EVENT_F_HUMAN) != 0);
	if (scan_cluster_forward(sl, req, o, SCAN_FWD_DRAW, true, NULL, NULL))
		return;
	scan_draw_submit(sl, req, o, scan_api_draw_done, true);
}
