/*
 * handle_dealer.c — case and pallet codes on the server: a dealer's app
 * receiving one (POST /api/v1/dealer/receive with the dealer's token:
 * every item below it is bound to the dealer in the writer's transaction,
 * one commit however many items), and a phone opening one (GET of
 * /00/{SSCC}?S=...: a page of what it holds, the scan counted; never a
 * draw).
 *
 * The code's signature is checked against the digest the store keeps
 * (sodium_memcmp); a code the store does not know is not a case code of
 * this brand, whatever its signature.
 */
#include "scanner/scan_internal.h"
#include "codegen/sscc.h"
#include "common/clock.h"
#include "rewards/token.h"
#include "store/dealer.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Reads a case or pallet code and its record: 0, -ENOENT (unknown, or
 * a signature the store does not hold), -EINVAL (not such a code; *why)
 * or a store error. Read transaction open. */
static int
scan_agg_lookup(struct scan_loop *sl, const char *text, size_t len,
    struct store_agg *a, const char **why)
{
	uint8_t check[CODE_CHECK_BYTES];
	struct sscc_code c;
	int ret;

	if (sscc_parse(text, len, &c, why) < 0)
		return -EINVAL;
	if ((ret = store_agg_get_txn(&sl->rtxn, sscc_to_u64(c.sscc), a)) < 0)
		return ret;
	sscc_check_digest(&c, check);
	if (sodium_memcmp(check, a->check, sizeof(check)) != 0)
		return -ENOENT;
	return 0;
}

/* Writer: a receipt; a refusal changes nothing (store_receive_txn
 * checks before it writes). */
static int
scan_apply_receive(struct store_txn *t, struct writer_op *op)
{
	struct scan_op *o = (struct scan_op *)op;
	struct store_dealer d;
	int ret;

	/* Revoked since the loop checked its token: refused. */
	if ((ret = store_dealer_get_txn(t, o->dealer, &d)) < 0)
		return ret == -ENOENT ? -EPERM : ret;
	if (d.revoked)
		return -EPERM;
	return store_receive_txn(t, o->agg.sscc, o->dealer, o->ev.time,
	    &o->receipt);
}

/* Answers a receipt once committed. */
static void
scan_api_receive_done(struct scan_loop *sl, struct scan_op *o)
{
	const struct store_receipt *r = &o->receipt;
	char sscc[SSCC_LEN + 1], msg[160];

	(void)sl;
	sscc_from_u64(o->agg.sscc, sscc);
	switch (o->op.ret) {
	case 0:
		break;
	case -EPERM:
		scan_json(o->req, 401, json_pack("{s:s, s:s}", "error",
		    "unauthorized", "message", "this dealer's API token is not "
		    "valid"), "WWW-Authenticate: Bearer\r\n");
		return;
	case -EEXIST:
		snprintf(msg, sizeof(msg), "%s (or something in it) was "
		    "received by another dealer", sscc);
		scan_json(o->req, 409, json_pack("{s:s, s:s, s:s, s:s}",
		    "error", "received_by_other", "message", msg, "sscc", sscc,
		    "dealer", r->other), NULL);
		return;
	case -ENOENT:
		scan_json_error(o->req, 404, "not_found",
		    "no such case or pallet code");
		return;
	default:
		scan_json_error(o->req, 503, "unavailable",
		    "could not be recorded; try again");
		return;
	}
	o->req->log_verdict = "received";
	scan_json(o->req, 200, json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, "
	    "s:I}", "status", r->bound > 0 ? "received" : "already_received",
	    "dealer", o->dealer, "sscc", sscc, "level",
	    o->agg.level == STORE_AGG_PALLET ? "pallet" : "case",
	    "items", (json_int_t)r->items, "bound", (json_int_t)r->bound,
	    "already", (json_int_t)(r->items - r->bound),
	    "aggregates", (json_int_t)r->aggs), NULL);
}

/* POST /api/v1/dealer/receive {"code": URL} with the dealer's Bearer
 * token. */
void
scan_api_receive(struct scan_loop *sl, struct http_req *req,
    struct http_slice param)
{
	struct http_slice auth = req->head.authorization;
	char token[64];
	struct store_dealer d;
	struct scan_op *o;
	const char *why = NULL;
	json_t *root, *code;
	bool ok = false;
	int ret;

	(void)param;
	if (req->head.method != HTTP_METHOD_POST) {
		scan_json_error(req, 405, "method_not_allowed", "use POST");
		return;
	}
	if (auth.len < 8 || strncasecmp(auth.p, "Bearer ", 7) != 0 ||
	    auth.len - 7 >= sizeof(token)) {
		scan_json(req, 401, json_pack("{s:s, s:s}", "error",
		    "unauthorized", "message", "a dealer's API token is "
		    "required (Authorization: Bearer ...)"),
		    "WWW-Authenticate: Bearer\r\n");
		return;
	}
	memcpy(token, auth.p + 7, auth.len - 7);
	token[auth.len - 7] = '\0';
	if ((root = scan_json_code_post(req, "the body must be {\"code\": "
	    "\"a case or pallet code\"}", &code)) == NULL) {
		sodium_memzero(token, sizeof(token));
		return;
	}
	if ((o = scan_op_new(sl, req)) == NULL) {
		json_decref(root);
		sodium_memzero(token, sizeof(token));
		scan_json_error(req, 503, "unavailable", "out of memory");
		return;
	}
	if ((ret = scan_rtxn_begin(sl)) == 0) {
		if ((ret = token_dealer_auth_txn(&sl->rtxn, token, &d,
		    &ok)) == 0 && ok)
			ret = scan_agg_lookup(sl, json_string_value(code),
			    json_string_length(code), &o->agg, &why);
		scan_rtxn_end(sl);
	}
	sodium_memzero(token, sizeof(token));
	json_decref(root);
	if (ret == 0 && !ok) {
		scan_op_free(o);
		scan_json(req, 401, json_pack("{s:s, s:s}", "error",
		    "unauthorized", "message", "this dealer's API token is not "
		    "valid"), "WWW-Authenticate: Bearer\r\n");
		return;
	}
	if (ret < 0) {
		scan_op_free(o);
		if (ret == -EINVAL)
			scan_json_error(req, 400, "bad_request", why);
		else if (ret == -ENOENT)
			scan_json_error(req, 404, "not_found",
			    "no such case or pallet code");
		else
			scan_json_error(req, 503, "unavailable",
			    "store unavailable");
		return;
	}
	memcpy(o->dealer, d.id, sizeof(o->dealer));
	o->ev.time = clock_now_us();
	scan_op_submit(sl, req, o, scan_apply_receive, scan_api_receive_done,
	    true);
}

/* Writer: counts a person's scan of a case or pallet code. */
static int
scan_apply_case_scan(struct store_txn *t, struct writer_op *op)
{
	struct scan_op *o = (struct scan_op *)op;

	return store_agg_scan_txn(t, o->agg.sscc, o->ev.time);
}

/* Sends the page of a case or pallet code. */
static void
scan_case_page(struct scan_loop *sl, struct scan_op *o)
{
	struct http_req *req = o->req;
	char sscc[SSCC_LEN + 1], self[600];
	struct page_case p;

	if (o->op.ret < 0) {
		scan_error_page(sl, req, 503, "Retry-After: 5\r\n");
		return;
	}
	sscc_from_u64(o->agg.sscc, sscc);
	scan_copy(self, sizeof(self), req->head.target);
	memset(&p, 0, sizeof(p));
	p.lang = o->lang;
	p.pallet = o->agg.level == STORE_AGG_PALLET;
	p.sscc = sscc;
	p.gtin = o->agg.gtin;
	p.mixed = (o->agg.flags & STORE_AGG_F_MIXED) != 0;
	p.items = o->agg.items;
	p.children = o->agg.children;
	p.self_path = self;
	buf_reset(&sl->page);
	if (page_render_case(&p, &sl->page) < 0) {
		scan_error_page(sl, req, 503, NULL);
		return;
	}
	req->log_verdict = "case";
	scan_send_html(sl, req, "no-store", "Vary: Accept-Language\r\n");
}

/* GET or HEAD of /00/{SSCC}?S=...: what a case or pallet holds. A
 * person's GET is counted (after its commit); bots and HEAD are not. */
void
scan_case_get(struct scan_loop *sl, struct http_req *req,
    struct http_slice param)
{
	const char *why = NULL;
	struct scan_op *o;
	int ret;

	(void)param;
	if ((o = scan_op_new(sl, req)) == NULL) {
		scan_error_page(sl, req, 503, NULL);
		return;
	}
	if ((ret = scan_rtxn_begin(sl)) == 0) {
		ret = scan_agg_lookup(sl, req->head.target.p,
		    req->head.target.len, &o->agg, &why);
		scan_rtxn_end(sl);
	}
	if (ret < 0) {
		scan_op_free(o);
		scan_error_page(sl, req, ret == -EINVAL ? 400 : ret == -ENOENT ?
		    404 : 503, NULL);
		return;
	}
	o->lang = page_lang_pick(req->head.accept_language, req->head.query);
	scan_event_init(sl, req, &o->ev, &o->new_visitor);
	if (!(o->ev.flags & STORE_EVENT_F_HUMAN)) {
		o->op.ret = 0;
		scan_case_page(sl, o);
		scan_op_free(o);
		return;
	}
	scan_op_submit(sl, req, o, scan_apply_case_scan, scan_case_page,
	    false);
}
