/*
 * code_page.c — the page a code's URL answers: its verdict, how often and
 * where it was scanned, and its prize-draw part. What the page offers is
 * decided with the verdict (scan_draw_prepare); what a draw gave comes
 * back from the writer. A genuine, active code in a running campaign's
 * scope offers a draw: on its inner draw code (GET /D/{TOKEN}) when its
 * batch has draw codes, else on the outer code. The page's draw button is
 * a form POST to /draw with a one-time token bound to the code and the
 * page's scan event, so link previews and prefetchers never draw.
 */
#include "scanner/scan_internal.h"
#include "codegen/base32.h"
#include "codegen/render.h"
#include "common/clock.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCAN_DRAW_TOKEN_DOMAIN "SCANLOOP-DRAWTOKEN"
#define SCAN_DRAW_TOKEN_BYTES 16

/* The one-time token that lets a page attach a location to its event. */
void
scan_location_token(const struct scan_server *srv, uint64_t id,
    char out[SCAN_TOKEN_CHARS + 1])
{
	uint8_t msg[9 + 8 + 4], mac[16];
	size_t len = 9 + 8;

	memcpy(msg, "location:", 9);
	for (int i = 0; i < 8; i++)
		msg[9 + i] = (uint8_t)(id >> (56 - 8 * i));
	/* With --cluster, event ids are per node: the token names the node
	 * whose event it is, so that no other node takes it for its own
	 * event of the same id (it asks the others: handle_api.c). */
	if (srv->cfg.cluster != NULL) {
		for (int i = 0; i < 4; i++)
			msg[17 + i] = (uint8_t)(srv->cfg.node >> (24 - 8 * i));
		len += 4;
	}
	crypto_generichash(mac, sizeof(mac), msg, len,
	    srv->core->token_key, sizeof(srv->core->token_key));
	base32_encode(out, mac, sizeof(mac));
}

/* The one-time token of a page's draw button. */
void
scan_draw_token(const struct scan_server *srv, const uint8_t serial[8],
    uint64_t event_id, char out[SCAN_TOKEN_CHARS + 1])
{
	crypto_generichash_state st;
	uint8_t mac[SCAN_DRAW_TOKEN_BYTES], idbe[8];

	for (int i = 0; i < 8; i++)
		idbe[i] = (uint8_t)(event_id >> (56 - 8 * i));
	crypto_generichash_init(&st, srv->core->secrets->claim, 32,
	    sizeof(mac));
	crypto_generichash_update(&st, (const uint8_t *)SCAN_DRAW_TOKEN_DOMAIN,
	    sizeof(SCAN_DRAW_TOKEN_DOMAIN) - 1);
	crypto_generichash_update(&st, serial, 8);
	crypto_generichash_update(&st, idbe, sizeof(idbe));
	crypto_generichash_final(&st, mac, sizeof(mac));
	base32_encode(out, mac, sizeof(mac));
}

/* Decides the draw part of a genuine code's page (read transaction open). */
void
scan_draw_prepare(struct scan_loop *sl, const struct verify_result *vr,
    struct scan_draw_ctx *ctx)
{
	struct scan_server *srv = sl->srv;
	struct store_key key;
	bool has_dc, inner, closed = false;
	int64_t now = clock_now_us();
	int ret;

	memset(ctx, 0, sizeof(*ctx));
	if (!vr->known || registry_sync_txn(srv->core->registry, &sl->rtxn) < 0)
		return;
	ctx->c = registry_find(srv->core->registry, vr->batch.id,
	    vr->batch.gtin, now);
	if (ctx->c == NULL) {
		/* A paused, ended or scheduled campaign offers no draw, but
		 * still shows a code its earlier result, and answers a draw
		 * "closed" (the writer decides) rather than "no campaign". */
		ctx->c = registry_find_any(srv->core->registry, vr->batch.id,
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
	if (inner && !vr->drawcode) {
		ctx->mode = has_dc && !closed ? PAGE_DRAW_OPEN_PACKAGE :
		    PAGE_DRAW_NONE;
		ctx->closed = closed;
		return;
	}
	if (!inner && vr->drawcode) {
		ctx->mode = PAGE_DRAW_NONE;	/* the outer code draws */
		return;
	}
	ret = draw_lookup_txn(&sl->rtxn, &srv->core->draw_reader, ctx->c,
	    vr->code.serial, srv->core->secrets->claim, &ctx->res);
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

/* The name of the store (shop) id, for people; the id when the store
 * has no such shop or cannot be read. */
const char *
scan_shop_name(struct scan_loop *sl, const char *id)
{
	static _Thread_local struct store_shop sh;

	if (scan_rtxn_begin(sl) != 0)
		return id;
	if (store_shop_get_txn(&sl->rtxn, id, &sh) != 0 || sh.name[0] == '\0')
		snprintf(sh.name, sizeof(sh.name), "%s", id);
	scan_rtxn_end(sl);
	return sh.name;
}

/* Fills the result part of a page from a draw result. */
static int
scan_draw_result_fill(struct scan_loop *sl, const struct campaign *c,
    const struct draw_result *r, enum page_lang lang, const char *base_url,
    struct page_draw *pd, char *claim_text, struct buf *svg)
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
		pd->refusal = draw_refusal_words(c, r->refusal,
		    lang == PAGE_LANG_ZH);
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

		token_claim_text(r->claim_token, claim_text);
		pd->claim_text = claim_text;
		pd->claim_expires = r->claim.expires;
		if (r->claim.state == STORE_CLAIM_REDEEMED) {
			pd->claim_redeemed = true;
			pd->claim_redeemed_at = r->claim.redeemed;
			pd->claim_shop = scan_shop_name(sl, r->claim.shop);
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

/* Whether the page's visitor may draw in campaign c: its scope's member
 * tags, read after the page's own scan committed (which may be what
 * gives them). A failed read offers the draw: the writer decides. */
static bool
scan_draw_in_scope(struct scan_loop *sl, const struct campaign *c,
    const uint8_t visitor[STORE_VISITOR_BYTES])
{
	bool ok = true;

	if (c->scope_tags.n == 0 || scan_rtxn_begin(sl) != 0)
		return true;
	if (campaign_scope_check_txn(&sl->rtxn, c, visitor, &ok) < 0)
		ok = true;
	scan_rtxn_end(sl);
	return ok;
}

/* Fills a code page's draw part after its commit. */
static int
scan_draw_fill(struct scan_loop *sl, const struct scan_op *o,
    struct page_draw *pd, struct buf *svg)
{
	static _Thread_local char token[SCAN_TOKEN_CHARS + 1];
	static _Thread_local char claim[TOKEN_CLAIM_TEXT_LEN + 1];
	const struct scan_draw_ctx *ctx = &o->draw;

	memset(pd, 0, sizeof(*pd));
	if (ctx->c == NULL)
		return -ENOENT;
	pd->campaign_name = ctx->c->name;
	pd->campaign_end = ctx->c->end;
	pd->checkin = ctx->c->checkin.on;
	pd->group_campaign = ctx->c->group.on ? ctx->c->id : NULL;
	switch (ctx->mode) {
	case PAGE_DRAW_OPEN_PACKAGE:
		pd->mode = PAGE_DRAW_OPEN_PACKAGE;
		return 0;
	case PAGE_DRAW_OFFER:
		if (o->ev.id == 0)
			return -ENOENT;
		if (!scan_draw_in_scope(sl, ctx->c, o->ev.visitor)) {
			/* Said at once, not after a tap on a button. */
			pd->mode = PAGE_DRAW_RESULT;
			pd->outcome = PAGE_OUTCOME_REFUSED;
			pd->refusal = campaign_scope_text(ctx->c,
			    o->lang == PAGE_LANG_ZH);
			return 0;
		}
		pd->mode = PAGE_DRAW_OFFER;
		pd->form_code = ctx->form_code;
		pd->form_event = o->ev.id;
		scan_draw_token(sl->srv, o->vr.code.serial, o->ev.id, token);
		pd->form_token = token;
		return 0;
	case PAGE_DRAW_RESULT:
		return scan_draw_result_fill(sl, ctx->c, &ctx->res, o->lang,
		    ctx->base_url, pd, claim, svg);
	default:
		return -ENOENT;
	}
}

/*
 * Whether the page's scan repeats an earlier one. A person's scan is
 * weighed by repeat.c; a bot's or HEAD page, or one whose store read
 * failed, says "scanned before" as soon as a person has scanned the code.
 */
static void
scan_page_repeat(struct scan_loop *sl, const struct scan_op *o,
    struct page_scan *p)
{
	uint8_t both = STORE_EVENT_F_HUMAN | STORE_EVENT_F_AUTH;
	struct scan_repeat r;

	if ((o->ev.flags & both) != both || scan_repeat_op(sl, o, &r) < 0) {
		p->repeat = !p->this_is_first && p->scans > 1 ?
		    PAGE_REPEAT_OTHER : PAGE_REPEAT_NONE;
		return;
	}
	p->repeat = r.kind == SCAN_REPEAT_SELF ? PAGE_REPEAT_SELF :
	    r.kind == SCAN_REPEAT_OTHER ? PAGE_REPEAT_OTHER : PAGE_REPEAT_NONE;
	p->repeat_since = r.since;
	if (r.kind == SCAN_REPEAT_NONE && !p->this_is_first) {
		/* An inner draw code after its outer code (or the reverse):
		 * the first scan of this code. */
		p->this_is_first = true;
		p->first_time = o->ev.time;
		p->first_has_location = false;
	}
}

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
	struct iovec iov[PAGE_IOV_MAX];
	size_t len;
	int n;

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
		scan_page_repeat(sl, o, &p);
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
	/* A genuine page from its pieces, in one writev; any other page
	 * whole. */
	if ((n = page_render_scan_iov(&p, &sl->page, iov, &len)) == -ENOTSUP) {
		n = page_render_scan(&p, &sl->page);
		iov[0] = (struct iovec){ sl->page.data, sl->page.len };
		n = n < 0 ? n : 1;
	}
	buf_free(&svg);
	if (n < 0) {
		scan_error_page(sl, req, 503, NULL);
		return;
	}
	scan_page_headers(headers, sizeof(headers), o->ev.visitor,
	    o->new_visitor);
	http_respondv(req, status, "text/html; charset=utf-8", headers, iov, n);
}
