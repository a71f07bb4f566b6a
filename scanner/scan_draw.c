/*
 * scan_draw.c — prize draws and redemption on the scan server.
 *
 * A genuine, active code in a running campaign's scope offers a draw: on
 * its inner draw code (GET /D/{TOKEN}) when its batch has draw codes, else
 * on the outer code. The page's draw button is a form POST to /draw with a
 * one-time token bound to the code and the page's scan event, so link
 * previews and prefetchers never draw. The draw itself is decided in the
 * writer's transaction (draw.c) and answered after its commit.
 */
#include "scanner/scan_internal.h"
#include "codegen/base32.h"
#include "codegen/render.h"
#include "common/clock.h"
#include "common/log.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define SCAN_DRAW_TOKEN_DOMAIN "SCANLOOP-DRAWTOKEN"
#define SCAN_DRAW_TOKEN_BYTES 16

/* The one-time token of a page's draw button. */
static void
scan_draw_token(const struct scan_server *srv, const uint8_t serial[8],
    uint64_t event_id, char out[BASE32_LEN(SCAN_DRAW_TOKEN_BYTES) + 1])
{
	crypto_generichash_state st;
	uint8_t mac[SCAN_DRAW_TOKEN_BYTES], idbe[8];

	for (int i = 0; i < 8; i++)
		idbe[i] = (uint8_t)(event_id >> (56 - 8 * i));
	crypto_generichash_init(&st, srv->secrets->claim, 32, sizeof(mac));
	crypto_generichash_update(&st, (const uint8_t *)SCAN_DRAW_TOKEN_DOMAIN,
	    sizeof(SCAN_DRAW_TOKEN_DOMAIN) - 1);
	crypto_generichash_update(&st, serial, 8);
	crypto_generichash_update(&st, idbe, sizeof(idbe));
	crypto_generichash_final(&st, mac, sizeof(mac));
	base32_encode(out, mac, sizeof(mac));
}

/* The verdict of a code the store knows, from its batch and record. */
static void
scan_state_verdict(struct verify_result *vr)
{
	if (vr->batch.state == STORE_BATCH_VOID) {
		vr->verdict = VERDICT_VOID;
		vr->reason = store_void_reason_name(vr->batch.void_reason);
	} else if (vr->rec.void_reason != STORE_VOID_NONE) {
		vr->verdict = VERDICT_VOID;
		vr->reason = store_void_reason_name(vr->rec.void_reason);
	} else if (vr->batch.state == STORE_BATCH_READY) {
		vr->verdict = VERDICT_NOT_ACTIVE;
		vr->reason = "not activated yet";
	} else {
		vr->verdict = VERDICT_GENUINE;
		vr->reason = NULL;
	}
	if (vr->verdict == VERDICT_VOID && vr->reason == NULL)
		vr->reason = "void";
}

/* Finds the outer code of an inner draw code: the draw code authenticates
 * its outer code, since only the keyed hash of a printed token matches. */
int
scan_drawcode_resolve_txn(struct scan_loop *sl, struct http_slice path,
    struct verify_result *vr)
{
	uint8_t token[CODE_DRAW_TOKEN_BYTES], hash[CODE_DRAW_HASH_BYTES];
	uint8_t serial[STORE_SERIAL_BYTES];
	uint32_t batch_id;
	const char *why;
	int ret;

	memset(vr, 0, sizeof(*vr));
	vr->verdict = VERDICT_FORGED;
	if (code_draw_parse(path.p, path.len, token, &why) < 0) {
		vr->verdict = VERDICT_MALFORMED;
		vr->reason = why;
		return 0;
	}
	code_draw_hash(sl->srv->secrets->drawcode, token, hash);
	sodium_memzero(token, sizeof(token));
	ret = store_drawcode_get_txn(&sl->rtxn, hash, serial, &batch_id);
	if (ret == 0)
		ret = store_code_get_txn(&sl->rtxn, serial, &vr->rec);
	if (ret == 0)
		ret = store_batch_get_txn(&sl->rtxn, vr->rec.batch_id, &vr->batch);
	if (ret == -ENOENT || (ret == 0 &&
	    vr->batch.state == STORE_BATCH_MINTING)) {
		vr->reason = "unknown draw code";
		return 0;
	}
	if (ret < 0)
		return ret;
	vr->parsed = vr->known = true;
	vr->sig = VERIFY_SIG_VALID;
	vr->code.version = CODE_VERSION;
	vr->code.scheme = vr->batch.scheme;
	vr->code.key_id = vr->batch.key_id;
	memcpy(vr->code.gtin, vr->batch.gtin, sizeof(vr->code.gtin));
	memcpy(vr->code.serial, serial, sizeof(serial));
	scan_state_verdict(vr);
	return 0;
}

/* Decides the draw part of a genuine code's page (read transaction open). */
void
scan_draw_prepare(struct scan_loop *sl, const struct verify_result *vr,
    bool drawcode, struct scan_draw_ctx *ctx)
{
	struct scan_server *srv = sl->srv;
	struct store_key key;
	bool has_dc, inner, closed = false;
	int64_t now = clock_now_us();
	int ret;

	memset(ctx, 0, sizeof(*ctx));
	if (!vr->known || registry_sync_txn(srv->registry, &sl->rtxn) < 0)
		return;
	ctx->c = registry_find(srv->registry, vr->batch.id, vr->batch.gtin,
	    now);
	if (ctx->c == NULL) {
		/* A paused, ended or scheduled campaign offers no draw, but
		 * still shows a code its earlier result, and answers a draw
		 * "closed" (the writer decides) rather than "no campaign". */
		ctx->c = registry_find_any(srv->registry, vr->batch.id,
		    vr->batch.gtin, now);
		closed = true;
	}
	if (ctx->c == NULL)
		return;
	has_dc = (vr->batch.flags & STORE_BATCH_F_DRAW_CODES) != 0;
	inner = ctx->c->draw_on == CAMPAIGN_DRAW_INNER ||
	    (ctx->c->draw_on == CAMPAIGN_DRAW_AUTO && has_dc);
	if (store_key_get_txn(&sl->rtxn, vr->batch.key_id, &key) == 0)
		snprintf(ctx->base_url, sizeof(ctx->base_url), "%s",
		    key.base_url);
	if (inner && !drawcode) {
		ctx->mode = has_dc && !closed ? PAGE_DRAW_OPEN_PACKAGE :
		    PAGE_DRAW_NONE;
		ctx->closed = closed;
		return;
	}
	if (!inner && drawcode) {
		ctx->mode = PAGE_DRAW_NONE;	/* the outer code draws */
		return;
	}
	ret = draw_lookup_txn(&sl->rtxn, ctx->c, vr->code.serial,
	    srv->secrets->claim, srv->drawcache, false, &ctx->res);
	if (ret == 0) {
		ctx->mode = PAGE_DRAW_RESULT;
		return;
	}
	if (ret != -ENOENT) {
		ctx->mode = PAGE_DRAW_NONE;
		return;
	}
	ctx->mode = closed ? PAGE_DRAW_NONE : PAGE_DRAW_OFFER;
	ctx->closed = closed;
}

/* Drops a draw context's reference. */
void
scan_draw_release(struct scan_draw_ctx *ctx)
{
	campaign_unref(ctx->c, __func__);
	ctx->c = NULL;
	sodium_memzero(&ctx->res, sizeof(ctx->res));
}

/* Fills the result part of a page from a draw result. */
static int
scan_draw_result_fill(const struct campaign *c, const struct draw_result *r,
    enum page_lang lang, const char *base_url, struct page_draw *pd,
    char *claim_text, struct buf *svg)
{
	int outcome = r->draw.outcome;

	pd->mode = PAGE_DRAW_RESULT;
	pd->repeat = r->status == DRAW_REPEAT;
	switch (r->status) {
	case DRAW_CLOSED:
		pd->outcome = PAGE_OUTCOME_CLOSED;
		return 0;
	case DRAW_REFUSED:
		pd->outcome = PAGE_OUTCOME_REFUSED;
		pd->refusal = draw_refusal_text(r->refusal, lang == PAGE_LANG_ZH);
		return 0;
	default:
		break;
	}
	pd->points_balance = r->points_balance;
	if (outcome == STORE_OUTCOME_MISS) {
		pd->outcome = PAGE_OUTCOME_MISS;
	} else if (outcome == STORE_OUTCOME_TICKET) {
		pd->outcome = PAGE_OUTCOME_TICKET;
	} else if (outcome >= 1 && (size_t)outcome <= c->ntiers) {
		const struct campaign_tier *t = &c->tiers[outcome - 1];

		pd->prize_name = t->name;
		pd->prize_kind = t->kind;
		if (t->kind == CAMPAIGN_POINTS) {
			pd->outcome = PAGE_OUTCOME_POINTS;
			pd->points = t->points;
		} else {
			pd->outcome = PAGE_OUTCOME_WIN;
			if (t->kind == CAMPAIGN_COUPON) {
				pd->coupon_face = t->face_value;
				pd->coupon_currency = t->currency;
				pd->coupon_condition = t->condition;
				pd->coupon_valid_from = t->valid_from;
			}
		}
	} else
		pd->outcome = PAGE_OUTCOME_MISS;
	if (r->has_claim) {
		char url[CODE_TEXT_MAX];
		struct render_opts o = { 1, RENDER_QUIET_ZONE };
		QRcode *q;

		draw_claim_text(r->claim_token, claim_text);
		pd->claim_text = claim_text;
		pd->claim_expires = r->claim.expires;
		if (r->claim.state == STORE_CLAIM_REDEEMED) {
			pd->claim_redeemed = true;
			pd->claim_redeemed_at = r->claim.redeemed;
			pd->claim_shop = r->claim.shop;
		}
		snprintf(url, sizeof(url), "%s/C/%s", base_url[0] ? base_url :
		    "", r->claim_token);
		if (render_qr(url, QR_ECLEVEL_M, &q) == 0) {
			if (render_svg_inline(q, &o, svg) == 0)
				pd->claim_qr_svg = (const char *)svg->data;
			QRcode_free(q);
		}
	}
	return 0;
}

/* Fills a code page's draw part after its commit. */
int
scan_draw_fill(struct scan_loop *sl, const struct scan_op *o,
    struct page_draw *pd, struct buf *svg)
{
	static _Thread_local char token[BASE32_LEN(SCAN_DRAW_TOKEN_BYTES) + 1];
	static _Thread_local char claim[DRAW_CLAIM_TEXT_LEN + 1];
	const struct scan_draw_ctx *ctx = &o->draw;

	memset(pd, 0, sizeof(*pd));
	if (ctx->c == NULL)
		return -ENOENT;
	pd->campaign_name = ctx->c->name;
	pd->campaign_end = ctx->c->end;
	switch (ctx->mode) {
	case PAGE_DRAW_OPEN_PACKAGE:
		pd->mode = PAGE_DRAW_OPEN_PACKAGE;
		return 0;
	case PAGE_DRAW_OFFER:
		if (o->ev.id == 0)
			return -ENOENT;
		pd->mode = PAGE_DRAW_OFFER;
		pd->form_code = ctx->form_code;
		pd->form_event = o->ev.id;
		scan_draw_token(sl->srv, o->vr.code.serial, o->ev.id, token);
		pd->form_token = token;
		return 0;
	case PAGE_DRAW_RESULT:
		return scan_draw_result_fill(ctx->c, o->kind == SCAN_OP_DRAW_FORM ?
		    &o->dres : &ctx->res, o->lang, ctx->base_url, pd, claim, svg);
	default:
		return -ENOENT;
	}
}

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
	struct http_slice s = { code, strlen(code) };
	int ret;

	o->drawcode = false;
	if ((ret = scan_rtxn_begin(sl)) == 0) {
		const char *d = strstr(code, "/D/");

		if (d == NULL)
			d = strstr(code, "/d/");
		if (d != NULL || (strchr(code, '/') == NULL &&
		    strlen(code) <= CODE_DRAW_TEXT_LEN + 4)) {
			o->drawcode = true;
			ret = scan_drawcode_resolve_txn(sl, s, &o->vr);
		} else
			ret = verify_text_txn(&sl->rtxn, code, strlen(code), 0,
			    &o->vr);
		if (ret == 0 && o->vr.verdict == VERDICT_GENUINE)
			scan_draw_prepare(sl, &o->vr, o->drawcode, &o->draw);
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
		if ((ret = summaries_add_event_txn(o->summaries, t, &o->ev,
		    &o->scans)) < 0)
			return ret;
		o->drq.event_id = o->ev.id;
	}
	return draw_online_txn(t, &o->drq, &o->dres);
}

/* Fills the request of a draw and submits it. */
static void
scan_draw_submit(struct scan_loop *sl, struct http_req *req, struct scan_op *o,
    bool api)
{
	struct scan_server *srv = sl->srv;

	o->drq.c = campaign_ref(o->draw.c, __func__);
	memcpy(o->drq.serial, o->vr.code.serial, STORE_SERIAL_BYTES);
	memcpy(o->drq.visitor, o->ev.visitor, STORE_VISITOR_BYTES);
	draw_net_of(req->family, req->ip, o->drq.net);
	o->drq.now = clock_now_us();
	o->drq.claim_key = srv->secrets->claim;
	o->drq.cache = srv->drawcache;
	scan_op_submit(sl, req, o, scan_apply_draw, api);
}

/* POST /draw: the page's draw button. */
void
scan_draw_form(struct scan_loop *sl, struct http_req *req)
{
	char code[CODE_TEXT_MAX], etext[24], token[64];
	char want[BASE32_LEN(SCAN_DRAW_TOKEN_BYTES) + 1];
	struct scan_op *o;
	uint64_t event = 0;
	char *end;

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
	if ((o = scan_op_new(sl, SCAN_OP_DRAW_FORM, req)) == NULL) {
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
	scan_draw_submit(sl, req, o, false);
}

/* POST /api/v1/draws {"code": …}: the draw for apps. */
void
scan_api_draw(struct scan_loop *sl, struct http_req *req)
{
	struct scan_op *o;
	json_t *root, *code;

	if ((root = scan_json_code_post(req,
	    "\"code\" must be the code's URL or the draw code", &code)) == NULL)
		return;
	if ((o = scan_op_new(sl, SCAN_OP_DRAW_API, req)) == NULL) {
		json_decref(root);
		scan_json_error(req, 503, "unavailable", "out of memory");
		return;
	}
	if (!scan_draw_resolve(sl, req, o, json_string_value(code), true)) {
		json_decref(root);
		scan_op_free(o);
		return;
	}
	scan_event_init(sl, req, &o->ev, &o->new_visitor);
	o->ev.flags |= STORE_EVENT_F_API;
	if (o->drawcode)
		o->ev.flags |= STORE_EVENT_F_DRAW;
	scan_event_verdict(&o->ev, &o->vr, (struct http_slice){ NULL, 0 });
	o->record_event = true;
	json_decref(root);
	metrics_scan(sl->srv->metrics, sl->index, o->vr.verdict,
	    (o->ev.flags & STORE_EVENT_F_HUMAN) != 0);
	scan_draw_submit(sl, req, o, true);
}

/* The prize object of a tier, for JSON. */
static json_t *
scan_json_prize(const struct campaign *c, int tier)
{
	const struct campaign_tier *t;
	json_t *p;

	if (c == NULL || tier < 1 || (size_t)tier > c->ntiers)
		return json_null();
	t = &c->tiers[tier - 1];
	p = json_pack("{s:s, s:s, s:s}", "tier", t->id, "name", t->name, "kind",
	    campaign_kind_name(t->kind));
	if (p == NULL)
		return json_null();
	if (t->kind == CAMPAIGN_POINTS)
		json_object_set_new(p, "points", json_integer(t->points));
	if (t->kind == CAMPAIGN_COUPON) {
		json_object_set_new(p, "face_value", json_string(t->face_value));
		json_object_set_new(p, "currency", json_string(t->currency));
		json_object_set_new(p, "condition", json_string(t->condition));
	}
	return p;
}

/* ISO time or null. */
static json_t *
scan_json_time(int64_t us)
{
	char when[CLOCK_ISO8601_LEN];

	if (us == 0)
		return json_null();
	clock_format_iso8601(us, when);
	return json_string(when);
}

/* The claim object, for JSON. */
static json_t *
scan_json_claim(const struct store_claim *cl, const char *token)
{
	char text[DRAW_CLAIM_TEXT_LEN + 1];

	draw_claim_text(token, text);
	return json_pack("{s:s, s:s, s:b, s:o, s:o, s:o, s:o}", "token", token,
	    "text", text, "ticket", cl->ticket, "created",
	    scan_json_time(cl->created), "expires", scan_json_time(cl->expires),
	    "redeemed", scan_json_time(cl->redeemed), "shop",
	    cl->shop[0] ? json_string(cl->shop) : json_null());
}

/* Sends the JSON answer of POST /api/v1/draws. */
static void
scan_api_draw_done(struct scan_op *o)
{
	static const char *status[] = { "new", "repeat", "refused", "closed" };
	const struct draw_result *r = &o->dres;
	const struct campaign *c = o->drq.c;
	const char *outcome;
	char cookie[160];
	json_t *obj;
	int tier = 0;

	if (r->status == DRAW_REFUSED)
		outcome = "refused";
	else if (r->status == DRAW_CLOSED)
		outcome = "closed";
	else if (r->draw.outcome == STORE_OUTCOME_MISS)
		outcome = "miss";
	else if (r->draw.outcome == STORE_OUTCOME_TICKET)
		outcome = "ticket";
	else {
		tier = r->draw.outcome;
		outcome = c->tiers[tier - 1].kind == CAMPAIGN_POINTS ? "points" :
		    "win";
	}
	o->req->log_event = o->ev.id;
	o->req->log_verdict = "draw";
	obj = json_pack("{s:I, s:s, s:s, s:s, s:o, s:I}", "event_id",
	    (json_int_t)o->ev.id, "campaign", c->id, "status",
	    status[r->status], "outcome", outcome, "prize",
	    scan_json_prize(c, tier), "points_balance",
	    (json_int_t)r->points_balance);
	if (obj != NULL) {
		json_object_set_new(obj, "claim", r->has_claim ?
		    scan_json_claim(&r->claim, r->claim_token) : json_null());
		if (r->status == DRAW_REFUSED)
			json_object_set_new(obj, "refusal", json_string(
			    draw_refusal_text(r->refusal, false)));
		if (r->draw.seq != 0)
			json_object_set_new(obj, "draw", json_integer(
			    (json_int_t)r->draw.seq));
	}
	scan_json(o->req, 200, obj, scan_cookie_header(o, cookie,
	    sizeof(cookie)));
}

/* Writer: a redemption. */
static int
scan_apply_redeem(struct store_txn *t, struct writer_op *op)
{
	struct scan_op *o = (struct scan_op *)op;

	return draw_redeem_txn(t, &o->rrq, &o->rres);
}

/* Finds a campaign for the writer (draw_redeem_txn's lookup). */
static struct campaign *
scan_lookup_campaign(const char *id, void *arg)
{
	struct scan_server *srv = arg;

	return registry_get(srv->registry, id);
}

/* POST /api/v1/claims/{token}/redeem with the shop's Bearer token. */
void
scan_api_redeem(struct scan_loop *sl, struct http_req *req,
    struct http_slice token)
{
	struct http_slice auth = req->head.authorization;
	struct scan_op *o;
	int ret;

	if (req->head.method != HTTP_METHOD_POST) {
		scan_json_error(req, 405, "method_not_allowed", "use POST");
		return;
	}
	if (auth.len < 8 || strncasecmp(auth.p, "Bearer ", 7) != 0 ||
	    auth.len - 7 >= sizeof(o->shop_token)) {
		scan_json(req, 401, json_pack("{s:s, s:s}", "error",
		    "unauthorized", "message", "a store's API token is required "
		    "(Authorization: Bearer ...)"), "WWW-Authenticate: Bearer\r\n");
		return;
	}
	if ((o = scan_op_new(sl, SCAN_OP_REDEEM, req)) == NULL) {
		scan_json_error(req, 503, "unavailable", "out of memory");
		return;
	}
	memcpy(o->shop_token, auth.p + 7, auth.len - 7);
	o->shop_token[auth.len - 7] = '\0';
	if (token.len >= sizeof(o->claim_token))
		token.len = 0;
	memcpy(o->claim_token, token.p, token.len);
	o->claim_token[token.len] = '\0';
	/* The campaigns must be loaded for the writer's look-up. */
	if ((ret = scan_rtxn_begin(sl)) == 0) {
		ret = registry_sync_txn(sl->srv->registry, &sl->rtxn);
		scan_rtxn_end(sl);
	}
	if (ret < 0) {
		scan_op_free(o);
		scan_json_error(req, 503, "unavailable", "store unavailable");
		return;
	}
	o->rrq.claim_token = o->claim_token;
	o->rrq.shop_token = o->shop_token;
	o->rrq.now = clock_now_us();
	o->rrq.claim_key = sl->srv->secrets->claim;
	o->rrq.lookup = scan_lookup_campaign;
	o->rrq.lookup_arg = sl->srv;
	o->rrq.cache = sl->srv->drawcache;
	scan_op_submit(sl, req, o, scan_apply_redeem, true);
}

/* Sends the JSON answer of a redemption. */
static void
scan_api_redeem_done(struct scan_loop *sl, struct scan_op *o)
{
	const struct redeem_result *r = &o->rres;
	char msg[256], when[CLOCK_ISO8601_LEN], token[DRAW_CLAIM_TOKEN_CHARS + 1];
	json_t *obj;

	switch (r->status) {
	case REDEEM_BAD_SHOP:
		scan_json(o->req, 401, json_pack("{s:s, s:s}", "error",
		    "unauthorized", "message", "this store's API token is not "
		    "valid"), "WWW-Authenticate: Bearer\r\n");
		return;
	case REDEEM_NOT_FOUND:
		scan_json_error(o->req, 404, "not_found", "unknown claim code");
		return;
	case REDEEM_FORBIDDEN:
		scan_json_error(o->req, 403, "forbidden",
		    "this campaign's prizes are not redeemed at this store");
		return;
	case REDEEM_EXPIRED:
		clock_format_iso8601(r->claim.expires, when);
		snprintf(msg, sizeof(msg), "this claim expired on %s", when);
		scan_json_error(o->req, 410, "expired", msg);
		return;
	case REDEEM_NOT_YET:
		scan_json_error(o->req, 409, "not_yet_valid",
		    "this coupon is not valid yet");
		return;
	case REDEEM_ALREADY:
		clock_format_iso8601(r->claim.redeemed, when);
		snprintf(msg, sizeof(msg), "already redeemed on %s at store %s",
		    when, r->claim.shop);
		scan_json(o->req, 409, json_pack("{s:s, s:s, s:s, s:s}", "error",
		    "already_redeemed", "message", msg, "redeemed", when, "shop",
		    r->claim.shop), NULL);
		return;
	default:
		break;
	}
	draw_claim_token(sl->srv->secrets->claim, r->claim.id, token);
	if (r->opened && r->claim.tier == 0)
		snprintf(msg, sizeof(msg), "ticket opened: no prize this time");
	else if (r->claim.tier > 0 && r->c != NULL)
		snprintf(msg, sizeof(msg), "%s: %s", r->opened ?
		    "ticket opened, won" : "redeemed",
		    r->c->tiers[r->claim.tier - 1].name);
	else
		snprintf(msg, sizeof(msg), "redeemed");
	obj = json_pack("{s:s, s:s, s:o, s:b, s:o, s:s, s:I}", "status",
	    "redeemed", "campaign", r->claim.campaign, "claim",
	    scan_json_claim(&r->claim, token), "ticket_opened", r->opened,
	    "prize", scan_json_prize(r->c, r->claim.tier), "message", msg,
	    "points_balance", (json_int_t)r->points_balance);
	o->req->log_verdict = "redeemed";
	scan_json(o->req, 200, obj, NULL);
}

/* A draw or a redemption came back from the writer. */
void
scan_draw_done(struct scan_loop *sl, struct scan_op *o)
{
	if (o->op.ret < 0) {
		if (o->kind == SCAN_OP_DRAW_FORM)
			scan_error_page(sl, o->req, 503, "Retry-After: 5\r\n");
		else
			scan_json_error(o->req, 503, "unavailable",
			    "could not be recorded; try again");
		return;
	}
	switch (o->kind) {
	case SCAN_OP_DRAW_FORM:
		o->draw.mode = PAGE_DRAW_RESULT;
		o->draw.res = o->dres;
		scan_send_page(sl, o, 200);
		break;
	case SCAN_OP_DRAW_API:
		scan_api_draw_done(o);
		break;
	case SCAN_OP_REDEEM:
		scan_api_redeem_done(sl, o);
		break;
	default:
		break;
	}
}

struct scan_points_walk {
	json_t *arr;
};

/* Adds one ledger entry to the history. */
static int
scan_points_cb(const struct store_points_entry *e, void *arg)
{
	struct scan_points_walk *w = arg;

	json_array_append_new(w->arr, json_pack("{s:o, s:s, s:I, s:I, s:I}",
	    "time", scan_json_time(e->time), "campaign", e->campaign, "amount",
	    (json_int_t)e->amount, "balance", (json_int_t)e->balance, "draw",
	    (json_int_t)e->draw_seq));
	return 0;
}

/* GET /api/v1/visitors/me/points: the cookie's balance and history. */
void
scan_api_points(struct scan_loop *sl, struct http_req *req)
{
	uint8_t visitor[SCAN_VISITOR_BYTES];
	struct scan_points_walk w;
	struct http_slice v;
	int64_t balance = 0;
	int ret;

	if (req->head.method != HTTP_METHOD_GET &&
	    req->head.method != HTTP_METHOD_HEAD) {
		scan_json_error(req, 405, "method_not_allowed", "use GET");
		return;
	}
	if ((w.arr = json_array()) == NULL) {
		scan_json_error(req, 503, "unavailable", "out of memory");
		return;
	}
	if (!http_cookie_get(req->head.cookie, SCAN_VISITOR_COOKIE, &v) ||
	    base32_decode(visitor, sizeof(visitor), v.p, v.len) < 0) {
		scan_json(req, 200, json_pack("{s:I, s:o}", "balance",
		    (json_int_t)0, "history", w.arr), NULL);
		return;
	}
	if ((ret = scan_rtxn_begin(sl)) == 0) {
		ret = store_points_balance_txn(&sl->rtxn, visitor, &balance, NULL);
		if (ret == 0)
			ret = store_points_foreach_txn(&sl->rtxn, visitor, 100,
			    scan_points_cb, &w);
		scan_rtxn_end(sl);
	}
	if (ret < 0) {
		json_decref(w.arr);
		scan_json_error(req, 503, "unavailable", "store unavailable");
		return;
	}
	scan_json(req, 200, json_pack("{s:I, s:o}", "balance",
	    (json_int_t)balance, "history", w.arr), NULL);
}

/* GET /store (and /C/{TOKEN}, the claim QR): the staff page. */
void
scan_staff_page(struct scan_loop *sl, struct http_req *req,
    struct http_slice claim)
{
	enum page_lang lang = page_lang_pick(req->head.accept_language,
	    req->head.query);
	char prefill[DRAW_CLAIM_TEXT_LEN + 8], headers[1024];
	struct http_slice q;

	if (req->head.method != HTTP_METHOD_GET &&
	    req->head.method != HTTP_METHOD_HEAD) {
		scan_error_page(sl, req, 405, "Allow: GET, HEAD\r\n");
		return;
	}
	prefill[0] = '\0';
	if (claim.len == 0 && http_query_get(req->head.query, "claim", &q))
		claim = q;
	/* No claim is { NULL, 0 }: memcpy from NULL is undefined even for 0. */
	if (claim.len > 0 && claim.len < sizeof(prefill)) {
		memcpy(prefill, claim.p, claim.len);
		prefill[claim.len] = '\0';
	}
	buf_reset(&sl->page);
	if (page_render_staff(lang, prefill, &sl->page) < 0) {
		scan_error_page(sl, req, 503, NULL);
		return;
	}
	snprintf(headers, sizeof(headers), "Cache-Control: no-store\r\n"
	    "Content-Security-Policy: %s\r\nX-Content-Type-Options: nosniff\r\n"
	    "Referrer-Policy: no-referrer\r\n", page_csp());
	http_respond(req, 200, "text/html; charset=utf-8", headers,
	    sl->page.data, sl->page.len, false);
}
