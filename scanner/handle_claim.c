/*
 * handle_claim.c — what stores and consumers do with a win: redeem a claim
 * (POST /api/v1/claims/{token}/redeem with the store's token, decided in
 * the writer's transaction by rewards/redeem.c), the staff page that does
 * it from a phone (GET /store, GET /C/{token}), and a visitor's points
 * (GET /api/v1/visitors/me/points).
 */
#include "scanner/scan_internal.h"
#include "codegen/base32.h"
#include "codegen/gs1.h"
#include "common/clock.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Writer: a redemption. */
static int
scan_apply_redeem(struct store_txn *t, struct writer_op *op)
{
	struct scan_op *o = (struct scan_op *)op;

	return redeem_txn(t, &o->rrq, &o->rres);
}

/* Finds a campaign for the writer (redeem_txn's lookup). */
static struct campaign *
scan_lookup_campaign(const char *id, void *arg)
{
	struct scan_server *srv = arg;

	return registry_get(srv->core->registry, id);
}

/* Sends the JSON answer of a redemption. */
static void
scan_api_redeem_done(struct scan_loop *sl, struct scan_op *o)
{
	const struct redeem_result *r = &o->rres;
	char msg[256], when[CLOCK_ISO8601_LEN], token[TOKEN_CLAIM_CHARS + 1];
	const char *code;
	json_t *obj;

	if (o->op.ret < 0) {
		scan_json_error(o->req, 503, "unavailable",
		    "could not be recorded; try again");
		return;
	}
	code = redeem_status_code(r->status);
	switch (r->status) {
	case REDEEM_BAD_SHOP:
		scan_json(o->req, 401, json_pack("{s:s, s:s}", "error", code,
		    "message", "this store's API token is not valid"),
		    "WWW-Authenticate: Bearer\r\n");
		return;
	case REDEEM_NOT_FOUND:
		/* A claim is held by the node that drew it. */
		if (!scan_cluster_probe(sl, o->req, o, 404))
			scan_json_error(o->req, 404, code, "unknown claim code");
		return;
	case REDEEM_FORBIDDEN:
		scan_json_error(o->req, 403, code,
		    "this campaign's prizes are not redeemed at this store");
		return;
	case REDEEM_EXPIRED:
		clock_format_iso8601(r->claim.expires, when);
		snprintf(msg, sizeof(msg), "this claim expired on %s", when);
		scan_json_error(o->req, 410, code, msg);
		return;
	case REDEEM_NOT_YET:
		scan_json_error(o->req, 409, code, "this coupon is not valid yet");
		return;
	case REDEEM_ALREADY:
		/* Where, by name too: the staff page names the store. */
		clock_format_iso8601(r->claim.redeemed, when);
		snprintf(msg, sizeof(msg), "already redeemed on %s at store %s",
		    when, r->claim.shop);
		scan_json(o->req, 409, json_pack("{s:s, s:s, s:s, s:s, s:s}",
		    "error", code, "message", msg, "redeemed", when, "shop",
		    r->claim.shop, "shop_name", scan_shop_name(sl,
		    r->claim.shop)), NULL);
		return;
	default:
		break;
	}
	token_claim_format(sl->srv->core->secrets->claim, r->claim.id, token);
	if (r->opened && r->claim.tier == 0)
		snprintf(msg, sizeof(msg), "ticket opened: no prize this time");
	else if (r->claim.tier > 0 && r->c != NULL)
		snprintf(msg, sizeof(msg), "%s: %s", r->opened ?
		    "ticket opened, won" : "redeemed",
		    r->c->tiers[r->claim.tier - 1].name);
	else
		snprintf(msg, sizeof(msg), "redeemed");
	obj = json_pack("{s:s, s:s, s:o, s:b, s:o, s:s, s:I}", "status",
	    code, "campaign", r->claim.campaign, "claim",
	    scan_json_claim(&r->claim, token), "ticket_opened", r->opened,
	    "prize", scan_json_prize(r->c, r->claim.tier), "message", msg,
	    "points_balance", (json_int_t)r->points_balance);
	o->req->log_verdict = "redeemed";
	scan_json(o->req, 200, obj, NULL);
}

/* With --pg, after the insert in PostgreSQL: the first redemption of
 * the claim on any node is recorded here, any later one answered with
 * the first one's result. */
static void
scan_api_redeem_pg_done(struct scan_loop *sl, struct scan_op *o)
{
	char msg[256], when[CLOCK_ISO8601_LEN];

	if (o->op.ret < 0) {
		scan_json(o->req, 503, json_pack("{s:s, s:s}", "error",
		    "unavailable", "message", "the redemption could not be "
		    "recorded; try again"), "Retry-After: 5\r\n");
		return;
	}
	/* This node and store won before (a try whose answer was lost):
	 * the store records it now, or says when it did. */
	if (o->pg_won || (o->pg_first.node == (int64_t)sl->srv->cfg.node &&
	    strcmp(o->pg_first.shop, o->rres.shop.id) == 0)) {
		/* Back to the writer; scan_op_done keeps o while req->user
		 * names it, and frees it when the submission failed. */
		redeem_result_free(&o->rres);
		o->op.apply = scan_apply_redeem;
		o->done = scan_api_redeem_done;
		o->req->user = o;
		if (writer_submit(sl->port, &o->op) == 0)
			return;
		o->req->user = NULL;
		scan_json_error(o->req, 503, "unavailable",
		    "too many writes queued");
		return;
	}
	clock_format_iso8601(o->pg_first.time, when);
	snprintf(msg, sizeof(msg), "already redeemed on %s at store %s",
	    when, o->pg_first.shop);
	scan_json(o->req, 409, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}",
	    "error", redeem_status_code(REDEEM_ALREADY), "message", msg,
	    "redeemed", when, "shop", o->pg_first.shop, "shop_name",
	    scan_shop_name(sl, o->pg_first.shop), "node",
	    (json_int_t)o->pg_first.node), NULL);
}

/*
 * With --pg: the redemption is checked here (the loop's read transaction),
 * then its claim id goes to PostgreSQL as a conditional insert on the
 * leaser's thread, and only the first one, across nodes, is recorded in
 * this node's store. A refusal answers at once.
 */
static void
scan_api_redeem_pg(struct scan_loop *sl, struct http_req *req,
    struct scan_op *o)
{
	int ret;

	if ((ret = scan_rtxn_begin(sl)) == 0) {
		ret = redeem_check_txn(&sl->rtxn, &o->rrq, &o->rres);
		scan_rtxn_end(sl);
	}
	o->op.ret = ret;
	o->req = req;
	if (ret < 0 || o->rres.status != REDEEM_OK) {
		req->user = NULL;
		scan_api_redeem_done(sl, o);
		if (req->user != o)	/* unless asking the other nodes */
			scan_op_free(o);
		return;
	}
	o->done = scan_api_redeem_pg_done;
	req->user = o;
	if (leaser_redeem(sl->srv->core->leaser, sl->port, o) == 0)
		return;
	req->user = NULL;
	scan_op_free(o);
	scan_json_error(req, 503, "unavailable", "too many redemptions "
	    "queued");
}

/* POST /api/v1/claims/{token}/redeem with the shop's Bearer token. */
void
scan_api_redeem(struct scan_loop *sl, struct http_req *req,
    struct http_slice token)
{
	struct http_slice auth = req->head.authorization;
	struct scan_op *o;
	ssize_t n;
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
	if ((o = scan_op_new(sl, req)) == NULL) {
		scan_json_error(req, 503, "unavailable", "out of memory");
		return;
	}
	memcpy(o->shop_token, auth.p + 7, auth.len - 7);
	o->shop_token[auth.len - 7] = '\0';
	/* The page's script percent-encodes what staff typed. */
	n = gs1_unescape(o->claim_token, sizeof(o->claim_token) - 1, token.p,
	    token.len, false);
	o->claim_token[n < 0 ? 0 : n] = '\0';
	/* The campaigns must be loaded for the writer's look-up. */
	if ((ret = scan_rtxn_begin(sl)) == 0) {
		ret = registry_sync_txn(sl->srv->core->registry, &sl->rtxn);
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
	o->rrq.claim_key = sl->srv->core->secrets->claim;
	o->rrq.lookup = scan_lookup_campaign;
	o->rrq.lookup_arg = sl->srv;
	o->rrq.tallies = &sl->srv->core->draw_tallies;
	if (sl->srv->core->leaser != NULL) {
		scan_api_redeem_pg(sl, req, o);
		return;
	}
	scan_op_submit(sl, req, o, scan_apply_redeem, scan_api_redeem_done,
	    true);
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
scan_api_points(struct scan_loop *sl, struct http_req *req,
    struct http_slice param)
{
	uint8_t visitor[SCAN_VISITOR_BYTES];
	struct scan_points_walk w;
	struct http_slice v;
	int64_t balance = 0;
	int ret;

	(void)param;
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
	char prefill[TOKEN_CLAIM_TEXT_LEN + 8];
	struct http_slice q;

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
	scan_send_html(sl, req, "no-store", "Referrer-Policy: no-referrer\r\n");
}
