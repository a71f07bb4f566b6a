/*
 * campaign_scope.c — a campaign's visitor scope: "scope": {"tags": [...]}
 * of a campaign file, the member tags (rewards/tags.h) a visitor must all
 * carry to draw, and the sentence that tells the others why they cannot.
 */
#include "rewards/campaign_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The words of the tags without a parameter, by kind, and of each
 * points tier (a scope's tier admits those above it): English, Chinese. */
static const char *const scope_words[][2] = {
	[TAGS_FIRST_SCAN] = { "visitors who have scanned a genuine product",
	    "扫码验证过正品的会员" },
	[TAGS_REPEAT_BUYER] = { "repeat buyers", "复购会员" },
	[TAGS_WINNER] = { "past winners", "曾中奖的会员" },
	[TAGS_REDEEMER] = { "visitors who have redeemed a prize",
	    "已兑奖的会员" },
};
static const char *const scope_tier_words[][2] = {
	[TAGS_TIER_BRONZE] = { "bronze members and above", "铜卡及以上会员" },
	[TAGS_TIER_SILVER] = { "silver members and above", "银卡及以上会员" },
	[TAGS_TIER_GOLD] = { "gold members", "金卡会员" },
};

/* The words of one tag in a sentence: English, Chinese. */
static void
scope_phrase(const struct tags_tag *tag, char *en, size_t enlen, char *zh,
    size_t zhlen)
{
	const char *const *w;

	if (tag->kind == TAGS_CHECKIN) {
		snprintf(en, enlen, "visitors who have checked in at store %s",
		    tag->shop);
		snprintf(zh, zhlen, "在门店 %s 打过卡的会员", tag->shop);
		return;
	}
	w = tag->kind == TAGS_POINTS ? scope_tier_words[tag->tier] :
	    scope_words[tag->kind];
	snprintf(en, enlen, "%s", w[0]);
	snprintf(zh, zhlen, "%s", w[1]);
}

/* Appends text to a sentence being built (cut at its size). */
static void
scope_append(char *out, size_t cap, const char *fmt, ...)
{
	size_t n = strlen(out);
	va_list ap;

	if (n + 1 >= cap)
		return;
	va_start(ap, fmt);
	vsnprintf(out + n, cap - n, fmt, ap);
	va_end(ap);
}

/* Builds the sentences that explain the scope. */
static void
scope_texts(struct campaign_tags *s)
{
	char en[128], zh[128];

	s->text_en[0] = s->text_zh[0] = '\0';
	if (s->n == 1) {
		scope_phrase(&s->tags[0], en, sizeof(en), zh, sizeof(zh));
		snprintf(s->text_en, sizeof(s->text_en), "This draw is for "
		    "%s.", en);
		snprintf(s->text_zh, sizeof(s->text_zh), "本次抽奖仅限%s参与。",
		    zh);
		return;
	}
	snprintf(s->text_en, sizeof(s->text_en), "This draw is for visitors "
	    "who are all of: ");
	snprintf(s->text_zh, sizeof(s->text_zh), "本次抽奖仅限同时满足以下"
	    "条件的会员参与：");
	for (size_t i = 0; i < s->n; i++) {
		scope_phrase(&s->tags[i], en, sizeof(en), zh, sizeof(zh));
		scope_append(s->text_en, sizeof(s->text_en), "%s%s",
		    i > 0 ? "; " : "", en);
		scope_append(s->text_zh, sizeof(s->text_zh), "%s%s",
		    i > 0 ? "；" : "", zh);
	}
	scope_append(s->text_en, sizeof(s->text_en), ".");
	scope_append(s->text_zh, sizeof(s->text_zh), "。");
}

/* Parses scope.tags. */
void
campaign_scope_tags_parse(json_t *scope, struct campaign *c,
    struct campaign_errors *e)
{
	struct campaign_tags *s = &c->scope_tags;
	json_t *arr = json_object_get(scope, "tags"), *v;
	size_t i;

	memset(s, 0, sizeof(*s));
	if (arr == NULL)
		return;
	if (!json_is_array(arr) || json_array_size(arr) == 0 ||
	    json_array_size(arr) > CAMPAIGN_SCOPE_TAGS_MAX) {
		campaign_err(e, "scope.tags", "must be a list of 1 to %d "
		    "member tags", CAMPAIGN_SCOPE_TAGS_MAX);
		return;
	}
	json_array_foreach(arr, i, v) {
		struct tags_tag *tag = &s->tags[s->n];
		char field[40];

		snprintf(field, sizeof(field), "scope.tags[%zu]", i);
		if (!json_is_string(v) || json_string_length(v) >
		    TAGS_NAME_MAX || tags_parse(json_string_value(v),
		    tag) < 0) {
			campaign_err(e, field, "must be first_scan, "
			    "repeat_buyer, winner, redeemer, checkin:STORE or "
			    "points:bronze|silver|gold");
			continue;
		}
		for (size_t j = 0; j < s->n; j++)
			if (s->tags[j].kind == tag->kind &&
			    s->tags[j].tier == tag->tier &&
			    strcmp(s->tags[j].shop, tag->shop) == 0) {
				campaign_err(e, field,
				    "repeats scope.tags[%zu]", j);
				tag = NULL;
				break;
			}
		if (tag != NULL)
			s->n++;
	}
	scope_texts(s);
}

/* Whether a visitor may draw in the campaign. */
int
campaign_scope_check_txn(struct store_txn *t, const struct campaign *c,
    const uint8_t visitor[STORE_VISITOR_BYTES], bool *ok)
{
	bool has;
	int ret;

	*ok = true;
	for (size_t i = 0; i < c->scope_tags.n; i++) {
		if ((ret = tags_has_txn(t, visitor, &c->scope_tags.tags[i],
		    &has)) < 0)
			return ret;
		if (!has) {
			*ok = false;
			break;
		}
	}
	return 0;
}

/* The sentence for a visitor out of the scope. */
const char *
campaign_scope_text(const struct campaign *c, bool zh)
{
	return zh ? c->scope_tags.text_zh : c->scope_tags.text_en;
}
