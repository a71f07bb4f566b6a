/*
 * api_draw_json.c — a draw's JSON (status, outcome, prize, claim) written
 * as text straight into a buffer: the answer of POST /api/v1/draws, a hot
 * path, without building and dumping a jansson tree. The check-in and
 * group answers, which nest it in trees of their own, load this text.
 */
#include "scanner/scan_internal.h"
#include "analytics/output.h"
#include "common/clock.h"

#include <errno.h>
#include <string.h>

/* Appends a JSON string of s (escaped: output.c's JSON Lines text). */
static int
djson_str(struct buf *b, const char *s)
{
	size_t n = strlen(s);

	if (buf_reserve(b, 6 * n + 2) < 0)
		return -ENOMEM;
	b->len = (size_t)(output_text_put(OUTPUT_JSONL, b->data + b->len, s,
	    n) - b->data);
	return 0;
}

/* Appends "key": (key needs no escape). */
static int
djson_key(struct buf *b, const char *key)
{
	if (b->len > 0 && b->data[b->len - 1] != '{' &&
	    b->data[b->len - 1] != '[' && buf_puts(b, ",") < 0)
		return -ENOMEM;
	if (buf_puts(b, "\"") < 0 || buf_puts(b, key) < 0 ||
	    buf_puts(b, "\":") < 0)
		return -ENOMEM;
	return 0;
}

/* Appends "key":"s" (or null for NULL). */
static int
djson_kstr(struct buf *b, const char *key, const char *s)
{
	if (djson_key(b, key) < 0)
		return -ENOMEM;
	return s == NULL ? buf_puts(b, "null") : djson_str(b, s);
}

/* Appends "key":v. */
static int
djson_kint(struct buf *b, const char *key, int64_t v)
{
	char d[20];
	size_t n;

	if (djson_key(b, key) < 0 || (v < 0 && buf_puts(b, "-") < 0))
		return -ENOMEM;
	n = buf_dec(d, v < 0 ? 0 - (uint64_t)v : (uint64_t)v);
	return buf_append(b, d, n);
}

/* Appends "key":"ISO time", or null for 0. */
static int
djson_ktime(struct buf *b, const char *key, int64_t us)
{
	char when[CLOCK_ISO8601_LEN];

	if (us == 0)
		return djson_kstr(b, key, NULL);
	clock_format_iso8601(us, when);
	return djson_kstr(b, key, when);
}

/* Appends the prize object of tier (1-based) of c, or null. */
int
scan_json_prize_text(struct buf *b, const struct campaign *c, int tier)
{
	const struct campaign_tier *t;

	if (c == NULL || tier < 1 || (size_t)tier > c->ntiers)
		return buf_puts(b, "null");
	t = &c->tiers[tier - 1];
	if (buf_puts(b, "{") < 0 || djson_kstr(b, "tier", t->id) < 0 ||
	    djson_kstr(b, "name", t->name) < 0 ||
	    djson_kstr(b, "kind", campaign_kind_name(t->kind)) < 0)
		return -ENOMEM;
	if (t->kind == CAMPAIGN_POINTS && djson_kint(b, "points",
	    (int64_t)t->points) < 0)
		return -ENOMEM;
	if (t->kind == CAMPAIGN_COUPON && (djson_kstr(b, "face_value",
	    t->face_value) < 0 || djson_kstr(b, "currency", t->currency) < 0 ||
	    djson_kstr(b, "condition", t->condition) < 0))
		return -ENOMEM;
	return buf_puts(b, "}");
}

/* Appends the claim object of a claim and its token. */
int
scan_json_claim_text(struct buf *b, const struct store_claim *cl,
    const char *token)
{
	char text[TOKEN_CLAIM_TEXT_LEN + 1];

	token_claim_text(token, text);
	if (buf_puts(b, "{") < 0 ||
	    djson_kstr(b, "token", token) < 0 ||
	    djson_kstr(b, "text", text) < 0 || djson_key(b, "ticket") < 0 ||
	    buf_puts(b, cl->ticket ? "true" : "false") < 0 ||
	    djson_ktime(b, "created", cl->created) < 0 ||
	    djson_ktime(b, "expires", cl->expires) < 0 ||
	    djson_ktime(b, "redeemed", cl->redeemed) < 0 ||
	    djson_kstr(b, "shop", cl->shop[0] ? cl->shop : NULL) < 0)
		return -ENOMEM;
	return buf_puts(b, "}");
}

/* The member tags a campaign's draw is for, as a JSON array. */
static int
djson_scope(struct buf *b, const struct campaign *c)
{
	char name[TAGS_NAME_MAX + 1];

	if (djson_key(b, "scope") < 0 || buf_puts(b, "[") < 0)
		return -ENOMEM;
	for (size_t i = 0; i < c->scope_tags.n; i++) {
		tags_name(&c->scope_tags.tags[i], name);
		if ((i > 0 && buf_puts(b, ",") < 0) || djson_str(b, name) < 0)
			return -ENOMEM;
	}
	return buf_puts(b, "]");
}

/* Appends a draw's members: status, outcome, draw (its sequence number;
 * left out when with_seq is false and there is none), prize, claim, and
 * for a refusal its words and the campaign's scope. */
int
scan_json_draw_text(struct buf *b, const struct campaign *c,
    const struct draw_result *r, bool with_seq)
{
	static const char *status[] = { "new", "repeat", "refused", "closed" };
	int tier;
	const char *outcome = scan_draw_outcome(c, r, &tier);

	if (djson_kstr(b, "status", status[r->status]) < 0 ||
	    djson_kstr(b, "outcome", outcome) < 0 ||
	    ((with_seq || r->draw.seq != 0) && djson_kint(b, "draw",
	    (int64_t)r->draw.seq) < 0) ||
	    djson_key(b, "prize") < 0 || scan_json_prize_text(b, c, tier) < 0 ||
	    djson_key(b, "claim") < 0 || (r->has_claim ?
	    scan_json_claim_text(b, &r->claim, r->claim_token) :
	    buf_puts(b, "null")) < 0)
		return -ENOMEM;
	if (r->status == DRAW_REFUSED && djson_kstr(b, "refusal",
	    draw_refusal_words(c, r->refusal, false)) < 0)
		return -ENOMEM;
	if (r->refusal == DRAW_REFUSE_SCOPE && djson_scope(b, c) < 0)
		return -ENOMEM;
	return 0;
}

/* The API's answer to a draw: the draw's members, then event_id,
 * campaign, points_balance and, in a cluster (node > 0), node. */
int
scan_json_draw_answer(struct buf *b, const struct campaign *c,
    const struct draw_result *r, uint64_t event_id, int node)
{
	if (buf_puts(b, "{") < 0 || scan_json_draw_text(b, c, r, false) < 0 ||
	    djson_kint(b, "event_id", (int64_t)event_id) < 0 ||
	    djson_kstr(b, "campaign", c->id) < 0 ||
	    djson_kint(b, "points_balance", r->points_balance) < 0 ||
	    (node > 0 && djson_kint(b, "node", node) < 0))
		return -ENOMEM;
	return buf_puts(b, "}");
}
