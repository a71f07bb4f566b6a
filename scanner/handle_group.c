/*
 * handle_group.c — group unlocks (拼团) on the scan server: the pages
 * (GET /G/?campaign=ID to start a group, GET /G/{ID} a group's) and the
 * group API (POST /api/v1/groups, GET /api/v1/groups/{ID}, POST
 * /api/v1/groups/{ID}/join and /draw). The decisions are
 * rewards/group.c's, in the writer's transaction; the answer follows its
 * commit. Members are visitor ids (the first-party cookie).
 */
#include "scanner/scan_internal.h"
#include "common/clock.h"
#include "rewards/token.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* The HTTP status of a group's status. */
static int
scan_group_http(int status)
{
	switch (status) {
	case GROUP_OPEN:
	case GROUP_UNLOCKED:
		return 200;
	case GROUP_NOT_FOUND:
		return 404;
	case GROUP_EXPIRED:
		return 410;
	case GROUP_FULL:
	case GROUP_LOCKED:
		return 409;
	case GROUP_TOO_MANY:
		return 429;
	default:	/* CLOSED, NOT_MEMBER */
		return 403;
	}
}

/* The language of an API answer: the body's "lang", else the request's. */
static enum page_lang
scan_group_lang(const struct http_req *req, json_t *root)
{
	json_t *lang = root != NULL ? json_object_get(root, "lang") : NULL;

	if (json_is_string(lang))
		return strncmp(json_string_value(lang), "en", 2) == 0 ?
		    PAGE_LANG_EN : PAGE_LANG_ZH;
	return page_lang_pick(req->head.accept_language, req->head.query);
}

/* A group's answer: status, message, the group and the member's draw. */
static json_t *
scan_group_json(const struct campaign *c, const struct group_result *r,
    enum page_lang lang)
{
	char id[GROUP_ID_CHARS + 1], url[4 + GROUP_ID_CHARS];
	json_t *obj;

	obj = json_pack("{s:s, s:s}", "status", group_status_name(r->status),
	    "message", group_status_text(r->status, lang == PAGE_LANG_ZH));
	if (obj == NULL || r->status == GROUP_NOT_FOUND ||
	    r->g.campaign[0] == '\0')
		return obj;
	group_id_text(r->g.id, id);
	snprintf(url, sizeof(url), "/G/%s", id);
	json_object_set_new(obj, "group", json_string(id));
	json_object_set_new(obj, "url", json_string(url));
	json_object_set_new(obj, "campaign", json_string(c->id));
	json_object_set_new(obj, "joined", json_integer(r->g.joined));
	json_object_set_new(obj, "size", json_integer(r->g.size));
	json_object_set_new(obj, "deadline", scan_json_time(r->g.deadline));
	json_object_set_new(obj, "unlocked", scan_json_time(r->g.unlocked));
	json_object_set_new(obj, "member", json_boolean(r->member));
	json_object_set_new(obj, "draw", r->has_draw ?
	    scan_json_draw(c, &r->draw) : json_null());
	return obj;
}

/* Answers a group operation once committed. */
static void
scan_api_group_done(struct scan_loop *sl, struct scan_op *o)
{
	const struct group_result *r = &o->grr;
	int code = scan_group_http(r->status);
	json_t *obj;

	(void)sl;
	if (o->op.ret < 0) {
		scan_json_error(o->req, 503, "unavailable",
		    "could not be recorded; try again");
		return;
	}
	if (r->has_draw && r->draw.status == DRAW_RETRY) {
		scan_json_error(o->req, 503, "retry", "try again shortly");
		return;
	}
	o->req->log_verdict = "group";
	if ((obj = scan_group_json(o->drq.c, r, o->lang)) == NULL) {
		scan_json_error(o->req, 503, "unavailable", "out of memory");
		return;
	}
	if (code == 200)
		scan_json_visitor(o, obj);
	else
		scan_json(o->req, code, obj, NULL);
}

/* Writer: starts a group. */
static int
scan_apply_group_start(struct store_txn *t, struct writer_op *op)
{
	struct scan_op *o = (struct scan_op *)op;

	return group_start_txn(t, &o->grq, &o->grr);
}

/* Writer: a join. */
static int
scan_apply_group_join(struct store_txn *t, struct writer_op *op)
{
	struct scan_op *o = (struct scan_op *)op;

	return group_join_txn(t, &o->grq, &o->grr);
}

/* Writer: a member's draw. */
static int
scan_apply_group_draw(struct store_txn *t, struct writer_op *op)
{
	struct scan_op *o = (struct scan_op *)op;

	return group_draw_txn(t, &o->grq, &o->grr);
}

/* Finds a campaign by id (a new reference) in a synced registry; NULL
 * with *ret: -ENOENT or a store error. */
static struct campaign *
scan_group_campaign(struct scan_loop *sl, const char *cid, int *ret)
{
	struct registry *reg = sl->srv->core->registry;
	struct campaign *c;

	if ((*ret = scan_rtxn_begin(sl)) == 0) {
		*ret = registry_sync_txn(reg, &sl->rtxn);
		scan_rtxn_end(sl);
	}
	if (*ret < 0)
		return NULL;
	if ((c = registry_get(reg, cid)) == NULL)
		*ret = -ENOENT;
	return c;
}

/* The campaign of group id (a new reference); NULL with *ret. */
static struct campaign *
scan_group_of(struct scan_loop *sl, const uint8_t id[STORE_GROUP_ID_BYTES],
    int *ret)
{
	char cid[STORE_ID_MAX + 1];

	if ((*ret = scan_rtxn_begin(sl)) == 0) {
		*ret = group_campaign_txn(&sl->rtxn, id, cid);
		scan_rtxn_end(sl);
	}
	return *ret < 0 ? NULL : scan_group_campaign(sl, cid, ret);
}

/* Fills an operation's group request for req: campaign c (the op takes
 * the reference), id, the visitor, the time. */
static void
scan_group_request(struct scan_loop *sl, struct http_req *req,
    struct scan_op *o, struct campaign *c,
    const uint8_t id[STORE_GROUP_ID_BYTES])
{
	struct group_request *q = &o->grq;

	o->drq.c = c;
	q->c = c;
	memcpy(q->id, id, STORE_GROUP_ID_BYTES);
	o->new_visitor = scan_visitor(req, o->ev.visitor);
	memcpy(q->visitor, o->ev.visitor, STORE_VISITOR_BYTES);
	draw_net_of(req->family, req->ip, q->net);
	q->now = clock_now_us();
	q->claim_key = sl->srv->core->secrets->claim;
	q->tallies = &sl->srv->core->draw_tallies;
}

/* POST /api/v1/groups {"campaign": ID}: starts a group. */
void
scan_api_group_start(struct scan_loop *sl, struct http_req *req,
    struct http_slice param)
{
	uint8_t id[STORE_GROUP_ID_BYTES];
	struct campaign *c;
	struct scan_op *o;
	json_t *root, *cid;
	int ret;

	(void)param;
	if ((root = scan_json_post(req)) == NULL)
		return;
	cid = json_object_get(root, "campaign");
	if (!json_is_string(cid) || !campaign_id_ok(json_string_value(cid))) {
		json_decref(root);
		scan_json_error(req, 400, "bad_request", "campaign must be a "
		    "campaign id");
		return;
	}
	if ((c = scan_group_campaign(sl, json_string_value(cid), &ret)) ==
	    NULL) {
		json_decref(root);
		if (ret == -ENOENT)
			scan_json_error(req, 404, "not_found", "no such "
			    "campaign");
		else
			scan_json_error(req, 503, "unavailable",
			    "store unavailable");
		return;
	}
	if ((o = scan_op_new(sl, req)) == NULL) {
		campaign_unref(c, __func__);
		json_decref(root);
		scan_json_error(req, 503, "unavailable", "out of memory");
		return;
	}
	o->lang = scan_group_lang(req, root);
	json_decref(root);
	/* Unguessable: only those the link is shared with can join. */
	randombytes_buf(id, sizeof(id));
	scan_group_request(sl, req, o, c, id);
	scan_op_submit(sl, req, o, scan_apply_group_start, scan_api_group_done,
	    true);
}

/* Reads the group of a path parameter and its campaign into a new op;
 * NULL when it answered. */
static struct scan_op *
scan_group_op(struct scan_loop *sl, struct http_req *req,
    struct http_slice param, json_t *root)
{
	uint8_t id[STORE_GROUP_ID_BYTES];
	struct campaign *c = NULL;
	struct scan_op *o;
	int ret = -ENOENT;

	if (group_id_parse(param.p, param.len, id))
		c = scan_group_of(sl, id, &ret);
	if (c == NULL) {
		if (ret == -ENOENT)
			scan_json(req, 404, json_pack("{s:s, s:s}", "status",
			    "not_found", "message", group_status_text(
			    GROUP_NOT_FOUND, scan_group_lang(req, root) ==
			    PAGE_LANG_ZH)), NULL);
		else
			scan_json_error(req, 503, "unavailable",
			    "store unavailable");
		return NULL;
	}
	if ((o = scan_op_new(sl, req)) == NULL) {
		campaign_unref(c, __func__);
		scan_json_error(req, 503, "unavailable", "out of memory");
		return NULL;
	}
	o->lang = scan_group_lang(req, root);
	scan_group_request(sl, req, o, c, id);
	return o;
}

/* POST /api/v1/groups/{ID}/join and /draw. */
static void
scan_api_group_post(struct scan_loop *sl, struct http_req *req,
    struct http_slice id, writer_apply_fn apply)
{
	struct scan_op *o;
	json_t *root;

	if ((root = scan_json_post(req)) == NULL)
		return;
	o = scan_group_op(sl, req, id, root);
	json_decref(root);
	if (o != NULL)
		scan_op_submit(sl, req, o, apply, scan_api_group_done, true);
}

/* POST /api/v1/groups/{ID}/join: the visitor joins. */
void
scan_api_group_join(struct scan_loop *sl, struct http_req *req,
    struct http_slice id)
{
	scan_api_group_post(sl, req, id, scan_apply_group_join);
}

/* POST /api/v1/groups/{ID}/draw: a member of a full group draws. */
void
scan_api_group_draw(struct scan_loop *sl, struct http_req *req,
    struct http_slice id)
{
	scan_api_group_post(sl, req, id, scan_apply_group_draw);
}

/* Reads group o->grq.id as its visitor sees it, in the loop's read
 * transaction (committed draws). Returns 0 or a store error. */
static int
scan_group_read(struct scan_loop *sl, struct scan_op *o)
{
	struct group_request q = o->grq;
	int ret;

	q.tallies = &sl->srv->core->draw_reader;
	if ((ret = scan_rtxn_begin(sl)) == 0) {
		ret = group_read_txn(&sl->rtxn, &q, &o->grr);
		scan_rtxn_end(sl);
	}
	return ret;
}

/* GET /api/v1/groups/{ID}: the group as the visitor sees it. */
void
scan_api_group_get(struct scan_loop *sl, struct http_req *req,
    struct http_slice id)
{
	struct scan_op *o;
	json_t *obj;

	if ((o = scan_group_op(sl, req, id, NULL)) == NULL)
		return;
	if (scan_group_read(sl, o) < 0 ||
	    (obj = scan_group_json(o->drq.c, &o->grr, o->lang)) == NULL)
		scan_json_error(req, 503, "unavailable", "store unavailable");
	else
		scan_json(req, o->grr.status == GROUP_NOT_FOUND ? 404 : 200,
		    obj, NULL);
	scan_op_free(o);
}

/* The words of a member's draw on the page. */
static const char *
scan_group_draw_text(const struct campaign *c, const struct draw_result *r,
    enum page_lang lang, char *out, size_t cap)
{
	int tier;
	const char *what = scan_draw_outcome(c, r, &tier);

	if (tier > 0) {
		snprintf(out, cap, "%s%s", lang == PAGE_LANG_EN ?
		    "Your draw: " : "抽奖结果：", c->tiers[tier - 1].name);
		return out;
	}
	if (strcmp(what, "ticket") == 0)
		return lang == PAGE_LANG_EN ? "Your draw: a sealed ticket, to "
		    "open at a store." : "抽奖结果：到店开奖券，请到门店开奖。";
	if (strcmp(what, "refused") == 0)
		return draw_refusal_words(c, r->refusal,
		    lang == PAGE_LANG_ZH);
	if (strcmp(what, "closed") == 0)
		return lang == PAGE_LANG_EN ? "The campaign is not running: no "
		    "draw." : "活动未在进行中，无法抽奖。";
	return lang == PAGE_LANG_EN ? "Your draw: no prize this time." :
	    "抽奖结果：很遗憾，未中奖。";
}

/* The page of a group (its op read). */
static int
scan_group_render(struct scan_loop *sl, struct scan_op *o, struct page_group *p)
{
	static _Thread_local char claim[TOKEN_CLAIM_TEXT_LEN + 1];
	static _Thread_local char words[CAMPAIGN_TEXT_MAX + 64];
	static _Thread_local char id[GROUP_ID_CHARS + 1];
	const struct group_result *r = &o->grr;

	group_id_text(r->g.id, id);
	p->group_id = id;
	p->status = r->status;
	/* A full group, to one who is not in it: no draw of theirs. */
	p->status_text = group_status_text(r->status == GROUP_UNLOCKED &&
	    !r->member ? GROUP_FULL : r->status, p->lang == PAGE_LANG_ZH);
	p->joined = r->g.joined;
	p->size = r->g.size;
	p->deadline = r->g.deadline;
	p->member = r->member;
	p->can_draw = r->member && r->status == GROUP_UNLOCKED &&
	    (!r->has_draw || r->draw.draw.kind == STORE_DRAW_REFUSED);
	if (r->has_draw && r->draw.draw.kind != STORE_DRAW_REFUSED) {
		p->draw_text = scan_group_draw_text(o->drq.c, &r->draw, p->lang,
		    words, sizeof(words));
		if (r->draw.has_claim) {
			token_claim_text(r->draw.claim_token, claim);
			p->claim_text = claim;
		}
	}
	buf_reset(&sl->page);
	return page_render_group(p, &sl->page);
}

/* GET /G/{ID}: a group's page; GET /G/?campaign=ID: the page that starts
 * one. */
void
scan_group_page(struct scan_loop *sl, struct http_req *req,
    struct http_slice param)
{
	struct page_group p = { 0 };
	char cid[STORE_ID_MAX + 1] = "", headers[640];
	struct http_slice q;
	struct campaign *c;
	struct scan_op *o;
	int ret = -ENOENT;

	p.lang = page_lang_pick(req->head.accept_language, req->head.query);
	if (param.len > 0) {
		uint8_t id[STORE_GROUP_ID_BYTES];

		if (!group_id_parse(param.p, param.len, id)) {
			if (!scan_gs1_in_path(sl, req))
				scan_error_page(sl, req, 404, NULL);
			return;
		}
		if ((c = scan_group_of(sl, id, &ret)) == NULL) {
			scan_error_page(sl, req, ret == -ENOENT ? 404 : 503,
			    NULL);
			return;
		}
		if ((o = scan_op_new(sl, req)) == NULL) {
			campaign_unref(c, __func__);
			scan_error_page(sl, req, 503, NULL);
			return;
		}
		scan_group_request(sl, req, o, c, id);
		p.campaign_id = c->id;
		p.campaign_name = c->name;
		if (scan_group_read(sl, o) < 0 ||
		    scan_group_render(sl, o, &p) < 0) {
			scan_op_free(o);
			scan_error_page(sl, req, 503, NULL);
			return;
		}
		/* A new visitor gets its id now, so that its join counts as
		 * the one who saw the page. */
		scan_page_headers(headers, sizeof(headers), o->ev.visitor,
		    o->new_visitor);
		http_respond(req, 200, "text/html; charset=utf-8", headers,
		    sl->page.data, sl->page.len, false);
		scan_op_free(o);
		return;
	}
	if (http_query_get(req->head.query, "campaign", &q))
		scan_copy(cid, sizeof(cid), q);
	c = campaign_id_ok(cid) ? scan_group_campaign(sl, cid, &ret) : NULL;
	if (c == NULL || !c->group.on) {
		campaign_unref(c, __func__);
		scan_error_page(sl, req, ret == -ENOENT || c != NULL ? 404 :
		    503, NULL);
		return;
	}
	p.campaign_id = c->id;
	p.campaign_name = c->name;
	p.size = c->group.size;
	p.window_hours = (uint32_t)(c->group.window_us / 3600 / 1000000);
	buf_reset(&sl->page);
	ret = page_render_group(&p, &sl->page);
	campaign_unref(c, __func__);
	if (ret < 0) {
		scan_error_page(sl, req, 503, NULL);
		return;
	}
	scan_send_html(sl, req, "no-store", "Referrer-Policy: no-referrer\r\n");
}
