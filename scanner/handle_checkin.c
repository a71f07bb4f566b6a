/*
 * handle_checkin.c — store check-ins on the scan server: a store code's
 * page (GET /K/{STORE}/{SIG}), the check-in itself (POST
 * /api/v1/checkins), and the staff's exemption codes (GET
 * /store/checkin-code, POST /api/v1/stores/me/checkin-code). The
 * decision is rewards/checkin.c's, in the writer's transaction; the
 * answer follows its commit.
 */
#include "scanner/scan_internal.h"
#include "common/clock.h"
#include "common/earth.h"
#include "rewards/token.h"

#include <errno.h>
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* The server's check-in key (from its claim secret). */
static void
scan_checkin_key(struct scan_loop *sl, uint8_t key[32])
{
	checkin_key(sl->srv->core->secrets->claim, key);
}

/* Splits "STORE/SIG" into its parts; false if it is not that. */
static bool
scan_checkin_param(struct http_slice param, char shop[STORE_ID_MAX + 1],
    char sig[CHECKIN_SIG_CHARS + 1])
{
	const char *slash = memchr(param.p, '/', param.len);
	size_t n, m;

	if (slash == NULL)
		return false;
	n = (size_t)(slash - param.p);
	m = param.len - n - 1;
	if (n == 0 || n > STORE_ID_MAX || m != CHECKIN_SIG_CHARS)
		return false;
	memcpy(shop, param.p, n);
	shop[n] = '\0';
	memcpy(sig, slash + 1, m);
	sig[m] = '\0';
	return campaign_id_ok(shop);
}

/* Answers a GS1 Digital Link under a base URL whose path starts with a
 * route's letter ("/K/01/{GTIN}/21/..."); false when the path has none. */
bool
scan_gs1_in_path(struct scan_loop *sl, struct http_req *req)
{
	for (size_t i = 0; i + 4 <= req->head.path.len; i++)
		if (memcmp(req->head.path.p + i, "/01/", 4) == 0) {
			scan_gs1_get(sl, req, (struct http_slice){
			    req->head.path.p + i + 4,
			    req->head.path.len - i - 4 });
			return true;
		}
	return false;
}

/* GET /K/{STORE}/{SIG}: the store's check-in page; GET /K/: the page that
 * finds the store by the location. */
void
scan_checkin_page(struct scan_loop *sl, struct http_req *req,
    struct http_slice param)
{
	struct page_checkin p = { 0 };
	char shop[STORE_ID_MAX + 1], sig[CHECKIN_SIG_CHARS + 1];
	uint8_t key[32];
	struct store_shop s;
	int ret = 0;

	p.lang = page_lang_pick(req->head.accept_language, req->head.query);
	if (param.len > 0 && !scan_checkin_param(param, shop, sig)) {
		/* Not a store code: a GS1 Digital Link under a base URL whose
		 * path starts with /K ("/K/01/{GTIN}/21/..."), or nothing. */
		if (!scan_gs1_in_path(sl, req))
			scan_error_page(sl, req, 404, NULL);
		return;
	}
	if (param.len > 0) {
		scan_checkin_key(sl, key);
		if (!checkin_store_sig_ok(key, shop, sig, strlen(sig))) {
			sodium_memzero(key, sizeof(key));
			scan_error_page(sl, req, 404, NULL);
			return;
		}
		sodium_memzero(key, sizeof(key));
		if ((ret = scan_rtxn_begin(sl)) == 0) {
			ret = store_shop_get_txn(&sl->rtxn, shop, &s);
			scan_rtxn_end(sl);
		}
		if (ret == -ENOENT || (ret == 0 && s.revoked)) {
			scan_error_page(sl, req, 404, NULL);
			return;
		}
		if (ret < 0) {
			scan_error_page(sl, req, 503, NULL);
			return;
		}
		p.shop = shop;
		p.shop_name = s.name[0] ? s.name : shop;
		p.sig = sig;
	}
	buf_reset(&sl->page);
	if (page_render_checkin(&p, &sl->page) < 0) {
		scan_error_page(sl, req, 503, NULL);
		return;
	}
	scan_send_html(sl, req, "no-store", "Referrer-Policy: no-referrer\r\n");
}

/* GET /store/checkin-code: the staff's page of exemption codes. */
void
scan_checkin_staff_page(struct scan_loop *sl, struct http_req *req,
    struct http_slice param)
{
	enum page_lang lang = page_lang_pick(req->head.accept_language,
	    req->head.query);

	(void)param;
	buf_reset(&sl->page);
	if (page_render_checkin_staff(lang, &sl->page) < 0) {
		scan_error_page(sl, req, 503, NULL);
		return;
	}
	scan_send_html(sl, req, "no-store", "Referrer-Policy: no-referrer\r\n");
}

struct scan_nearest {
	double lat, lon, best;
	char shop[STORE_ID_MAX + 1];
};

/* Keeps the nearest active store with a fence. */
static int
scan_nearest_cb(const struct store_shop *s, void *arg)
{
	struct scan_nearest *w = arg;
	double d;

	if (s->revoked || !s->has_location || s->radius_m == 0)
		return 0;
	d = earth_distance_m(s->lat, s->lon, w->lat, w->lon);
	if (w->shop[0] == '\0' || d < w->best) {
		w->best = d;
		snprintf(w->shop, sizeof(w->shop), "%s", s->id);
	}
	return 0;
}

struct scan_checkin_pick {
	const char *shop;
	int64_t now;
	struct campaign *c;
};

/* Takes the first running campaign whose check-in rules count the shop. */
static int
scan_checkin_pick_cb(struct campaign *c, void *arg)
{
	struct scan_checkin_pick *w = arg;

	if (!c->checkin.on || !campaign_running(&c->hdr, w->now) ||
	    !campaign_checkin_store(&c->checkin, w->shop))
		return 0;
	w->c = campaign_ref(c, __func__);
	return 1;
}

/* Writer: the check-in. */
static int
scan_apply_checkin(struct store_txn *t, struct writer_op *op)
{
	struct scan_op *o = (struct scan_op *)op;

	return checkin_txn(t, &o->ckq, &o->ckr);
}

/* The streak's prize answer: granted with its claim, or why not. */
static json_t *
scan_json_grant(const struct campaign *c, const struct checkin_result *r,
    bool zh)
{
	const struct draw_result *g = &r->streak_grant;
	const char *why = checkin_grant_text(r, zh);
	char url[4 + TOKEN_CLAIM_CHARS + 1];
	json_t *obj, *claim = json_null();

	if (g->has_claim && (claim = scan_json_claim(&g->claim,
	    g->claim_token)) != NULL) {
		snprintf(url, sizeof(url), "/C/%s", g->claim_token);
		json_object_set_new(claim, "url", json_string(url));
	}
	obj = json_pack("{s:s, s:o, s:o, s:o}", "status", g->status ==
	    DRAW_RETRY ? "unavailable" : why == NULL ? "granted" :
	    g->draw.reason == DRAW_MISS_LEDGER ? "ledger_empty" :
	    "out_of_stock", "draw", g->status == DRAW_RETRY ? json_null() :
	    json_integer((json_int_t)g->draw.seq), "prize", scan_json_prize(c,
	    c->checkin.streak_reward.prize), "claim", claim ? claim :
	    json_null());
	if (obj != NULL)
		json_object_set_new(obj, "message", why != NULL ?
		    json_string(why) : json_null());
	return obj;
}

/* Answers a check-in once committed. */
static void
scan_api_checkin_done(struct scan_loop *sl, struct scan_op *o)
{
	const struct checkin_result *r = &o->ckr;
	const struct campaign *c = o->ckq.c;
	const struct campaign_checkin *ck = &c->checkin;
	json_t *obj;

	if (o->op.ret < 0) {
		scan_json_error(o->req, 503, "unavailable",
		    "could not be recorded; try again");
		return;
	}
	o->req->log_verdict = "checkin";
	obj = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "status",
	    checkin_status_name(r->status), "message",
	    checkin_status_text(r, o->lang == PAGE_LANG_ZH), "store",
	    o->ckq.shop, "store_name", scan_shop_name(sl, o->ckq.shop),
	    "campaign", c->id, "method", o->ckq.exemption[0] ? "code" : "gps");
	if (obj == NULL) {
		scan_json_error(o->req, 503, "unavailable", "out of memory");
		return;
	}
	json_object_set_new(obj, "checkin", r->status == CHECKIN_NEW ?
	    json_integer((json_int_t)r->ck.id) : json_null());
	if (o->ckq.has_location && o->ckq.exemption[0] == '\0' &&
	    r->radius_m != 0) {
		json_object_set_new(obj, "distance_m",
		    json_integer((json_int_t)lround(r->distance_m)));
		json_object_set_new(obj, "radius_m",
		    json_integer(r->radius_m));
		json_object_set_new(obj, "accuracy_m",
		    json_integer((json_int_t)lroundf(o->ckq.accuracy)));
	}
	if (r->status == CHECKIN_NEW) {
		json_object_set_new(obj, "points", json_integer(r->ck.points));
		json_object_set_new(obj, "points_balance",
		    json_integer(r->points_balance));
	}
	json_object_set_new(obj, "streak", ck->streak_days == 0 ? json_null() :
	    json_pack("{s:i, s:i, s:o, s:b, s:o}", "days", (int)r->streak,
	    "goal", (int)ck->streak_days, "store", ck->streak_store[0] ?
	    json_string(ck->streak_store) : json_null(), "rewarded",
	    r->ck.streak_rewarded != 0, "prize", scan_json_prize(c,
	    ck->streak_reward.prize)));
	json_object_set_new(obj, "draw", r->has_draw ?
	    scan_json_draw(c, &r->draw) : json_null());
	json_object_set_new(obj, "streak_draw", r->has_streak_draw ?
	    scan_json_draw(c, &r->streak_draw) : json_null());
	json_object_set_new(obj, "streak_prize", r->has_streak_grant ?
	    scan_json_grant(c, r, o->lang == PAGE_LANG_ZH) : json_null());
	if (r->status == CHECKIN_REFUSED)
		json_object_set_new(obj, "refusal", json_string(
		    draw_refusal_text(r->refusal, false)));
	scan_json_visitor(o, obj);
}

/* Reads the body of POST /api/v1/checkins into o->ckq; answers 400 and
 * returns false when it is wrong. */
static bool
scan_checkin_body(struct scan_loop *sl, struct http_req *req, json_t *root,
    struct scan_op *o)
{
	json_t *shop = json_object_get(root, "store");
	json_t *sig = json_object_get(root, "sig");
	json_t *code = json_object_get(root, "exemption");
	json_t *lang = json_object_get(root, "lang");
	struct checkin_request *q = &o->ckq;
	const char *why = NULL;

	if (!scan_json_location(root, &q->has_location, &q->lat, &q->lon,
	    &q->accuracy, &why)) {
		scan_json_error(req, 400, "bad_request", why);
		return false;
	}
	if (q->has_location && json_object_get(root, "accuracy") == NULL) {
		scan_json_error(req, 400, "bad_request", "accuracy (metres) is "
		    "required with a location");
		return false;
	}
	if (code != NULL && (!json_is_string(code) ||
	    json_string_length(code) != CHECKIN_EXEMPT_DIGITS ||
	    strspn(json_string_value(code), "0123456789") !=
	    CHECKIN_EXEMPT_DIGITS)) {
		scan_json_error(req, 400, "bad_request", "exemption must be the "
		    "8 digits the staff show");
		return false;
	}
	if (shop != NULL && (!json_is_string(shop) ||
	    !campaign_id_ok(json_string_value(shop)) || !json_is_string(sig))) {
		scan_json_error(req, 400, "bad_request", "store must be a store "
		    "id, with the sig of its code");
		return false;
	}
	if (shop == NULL && code != NULL) {
		scan_json_error(req, 400, "bad_request", "an exemption code "
		    "needs the store (and the sig of its code)");
		return false;
	}
	if (!q->has_location && code == NULL) {
		scan_json_error(req, 400, "bad_request", "give a location (lat, "
		    "lon, accuracy) or the staff's exemption code");
		return false;
	}
	if (code != NULL)
		snprintf(q->exemption, sizeof(q->exemption), "%s",
		    json_string_value(code));
	if (shop != NULL)
		snprintf(q->shop, sizeof(q->shop), "%s",
		    json_string_value(shop));
	o->lang = json_is_string(lang) && strncmp(json_string_value(lang),
	    "en", 2) == 0 ? PAGE_LANG_EN : json_is_string(lang) ? PAGE_LANG_ZH :
	    page_lang_pick(req->head.accept_language, req->head.query);
	scan_checkin_key(sl, o->checkin_key);
	if (shop != NULL && !checkin_store_sig_ok(o->checkin_key, q->shop,
	    json_string_value(sig), json_string_length(sig))) {
		scan_json_error(req, 403, "bad_signature", "sig is not this "
		    "store's");
		return false;
	}
	return true;
}

/* Finds the store (when not named) and the campaign; 0, or answers. */
static int
scan_checkin_resolve(struct scan_loop *sl, struct http_req *req,
    struct scan_op *o)
{
	struct scan_nearest near = { o->ckq.lat, o->ckq.lon, 0, "" };
	struct scan_checkin_pick pick = { o->ckq.shop, o->ckq.now, NULL };
	int ret;

	if ((ret = scan_rtxn_begin(sl)) == 0) {
		ret = registry_sync_txn(sl->srv->core->registry, &sl->rtxn);
		if (ret == 0 && o->ckq.shop[0] == '\0')
			ret = store_shop_foreach_txn(&sl->rtxn, scan_nearest_cb,
			    &near);
		scan_rtxn_end(sl);
	}
	if (ret < 0) {
		scan_json_error(req, 503, "unavailable", "store unavailable");
		return ret;
	}
	if (o->ckq.shop[0] == '\0') {
		if (near.shop[0] == '\0') {
			scan_json_error(req, 404, "no_store", "no store has a "
			    "check-in location");
			return -ENOENT;
		}
		snprintf(o->ckq.shop, sizeof(o->ckq.shop), "%s", near.shop);
	}
	pick.shop = o->ckq.shop;
	registry_foreach(sl->srv->core->registry, scan_checkin_pick_cb, &pick);
	if (pick.c == NULL) {
		o->ckr.status = CHECKIN_CLOSED;
		scan_json(req, 200, json_pack("{s:s, s:s, s:s, s:n}", "status",
		    "closed", "message", checkin_status_text(&o->ckr,
		    o->lang == PAGE_LANG_ZH), "store", o->ckq.shop, "checkin"),
		    NULL);
		return -ENOENT;
	}
	o->drq.c = pick.c;
	o->ckq.c = pick.c;
	return 0;
}

/* POST /api/v1/checkins: a check-in with a location or an exemption
 * code, at a named store (its code's sig) or the one the location is in. */
void
scan_api_checkin(struct scan_loop *sl, struct http_req *req,
    struct http_slice param)
{
	struct scan_op *o;
	json_t *root;

	(void)param;
	if ((root = scan_json_post(req)) == NULL)
		return;
	if ((o = scan_op_new(sl, req)) == NULL) {
		json_decref(root);
		scan_json_error(req, 503, "unavailable", "out of memory");
		return;
	}
	o->ckq.now = clock_now_us();
	if (!scan_checkin_body(sl, req, root, o) ||
	    scan_checkin_resolve(sl, req, o) < 0) {
		json_decref(root);
		scan_op_free(o);
		return;
	}
	json_decref(root);
	o->new_visitor = scan_visitor(req, o->ev.visitor);
	memcpy(o->ckq.visitor, o->ev.visitor, STORE_VISITOR_BYTES);
	draw_net_of(req->family, req->ip, o->ckq.net);
	o->ckq.key = o->checkin_key;
	o->ckq.claim_key = sl->srv->core->secrets->claim;
	o->ckq.tallies = &sl->srv->core->draw_tallies;
	scan_op_submit(sl, req, o, scan_apply_checkin, scan_api_checkin_done,
	    true);
}

/* Writer: issues the store's next exemption code (into ckq.exemption;
 * when it lapses into ckr.ck.time). */
static int
scan_apply_checkin_code(struct store_txn *t, struct writer_op *op)
{
	struct scan_op *o = (struct scan_op *)op;

	return checkin_exempt_issue_txn(t, o->checkin_key, o->ckq.shop,
	    o->ckq.now, o->ckq.exemption, &o->ckr.ck.time);
}

/* Answers an issued exemption code. */
static void
scan_api_checkin_code_done(struct scan_loop *sl, struct scan_op *o)
{
	(void)sl;
	if (o->op.ret < 0) {
		scan_json_error(o->req, 503, "unavailable",
		    "could not be recorded; try again");
		return;
	}
	o->req->log_verdict = "checkin_code";
	scan_json(o->req, 200, json_pack("{s:s, s:s, s:o}", "store",
	    o->ckq.shop, "code", o->ckq.exemption, "expires",
	    scan_json_time(o->ckr.ck.time)), NULL);
	sodium_memzero(o->ckq.exemption, sizeof(o->ckq.exemption));
}

/* POST /api/v1/stores/me/checkin-code with the store's Bearer token. */
void
scan_api_checkin_code(struct scan_loop *sl, struct http_req *req,
    struct http_slice param)
{
	struct http_slice auth = req->head.authorization;
	struct store_shop s;
	struct scan_op *o;
	bool ok = false;
	int ret;

	(void)param;
	if (req->head.method != HTTP_METHOD_POST) {
		scan_json_error(req, 405, "method_not_allowed", "use POST");
		return;
	}
	if ((o = scan_op_new(sl, req)) == NULL) {
		scan_json_error(req, 503, "unavailable", "out of memory");
		return;
	}
	if (auth.len >= 8 && strncasecmp(auth.p, "Bearer ", 7) == 0 &&
	    auth.len - 7 < sizeof(o->shop_token)) {
		memcpy(o->shop_token, auth.p + 7, auth.len - 7);
		o->shop_token[auth.len - 7] = '\0';
		if ((ret = scan_rtxn_begin(sl)) == 0) {
			ret = token_shop_auth_txn(&sl->rtxn, o->shop_token, &s,
			    &ok);
			scan_rtxn_end(sl);
		}
		if (ret < 0) {
			scan_op_free(o);
			scan_json_error(req, 503, "unavailable",
			    "store unavailable");
			return;
		}
	}
	if (!ok) {
		scan_op_free(o);
		scan_json(req, 401, json_pack("{s:s, s:s}", "error",
		    "unauthorized", "message", "a store's API token is required "
		    "(Authorization: Bearer ...)"), "WWW-Authenticate: Bearer\r\n");
		return;
	}
	snprintf(o->ckq.shop, sizeof(o->ckq.shop), "%s", s.id);
	o->ckq.now = clock_now_us();
	scan_checkin_key(sl, o->checkin_key);
	scan_op_submit(sl, req, o, scan_apply_checkin_code,
	    scan_api_checkin_code_done, true);
}
