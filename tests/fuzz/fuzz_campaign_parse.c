/*
 * fuzz_campaign_parse.c — campaign_parse, the campaign file parser
 * (rewards/campaign.c), in both of its forms: a stored configuration
 * (resolve_days false: day_starts comes in the text) and a file as the
 * CLI loads it (true: the time zone is resolved into day_starts, which
 * sets TZ for a moment; fine in a single-threaded fuzzer).
 *
 * Invariants, for each form: the answer is 0 exactly when no message was
 * collected (and the same without a message list); every message is one
 * line "field: problem" with both parts present; a loaded campaign holds
 * its fields within the documented bounds (ids, names, times in the
 * documented form, start before end and at most 1096 days apart, 1 to 32
 * tiers with kind-specific fields only, the odds of each reveal adding up
 * to at most one million, scope and claim lists, limits); its day_starts
 * increase, in whole seconds, cover the campaign (resolved: through the
 * claim window, from the local day of start, and the time zone gives them
 * again) and campaign_day maps every instant between two of them to its
 * index; its stored configuration parses again, as stored, to the same
 * campaign and the same text, and is refused at load (it carries
 * day_starts). No input loads in both forms; nothing leaks.
 *
 * FUZZ_CAMPAIGN_VERBOSE=1 prints each input's answers and first message.
 */
#include "fuzz.h"
#include "codegen/gtin.h"
#include "rewards/audit.h"
#include "rewards/drawlog.h"
#include "rewards/campaign.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>

#define CP_INPUT_MAX (256 * 1024)
#define CP_DAY_US (86400LL * 1000000)
#define CP_HOUR_US (3600LL * 1000000)
#define CP_MAX_SPAN_US (1096 * CP_DAY_US)
#define CP_BILLION 1000000000ULL

/* Ids: 1 to STORE_ID_MAX of [A-Za-z0-9_-]. */
static bool
cp_id_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n <= STORE_ID_MAX && strspn(s, "abcdefghijklmnopqrstu"
	    "vwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == n;
}

/* Text of 1 to max bytes. */
static bool
cp_text_ok(const char *s, size_t max)
{
	return s[0] != '\0' && strlen(s) <= max;
}

/* A positive decimal amount: digits with at most one '.', at most 12 before
 * it, not zero. */
static bool
cp_amount_ok(const char *s)
{
	size_t digits = strspn(s, "0123456789"), frac = 0;

	if (s[digits] == '.')
		frac = strspn(s + digits + 1, "0123456789");
	if (strlen(s) != digits + (s[digits] == '.' ? 1 + frac : 0) ||
	    digits + frac == 0 || digits > 12)
		return false;
	return strspn(s, "0.") != strlen(s);
}

/* The documented time form: 2027-03-01T00:00:00[.fff](Z|+08:00). */
static bool
cp_time_ok(const char *s)
{
	static const char form[] = "dddd-dd-ddTdd:dd:dd";
	size_t i;

	for (i = 0; form[i] != '\0'; i++)
		if (form[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != form[i])
			return false;
	if (s[i] == '.') {
		size_t n = strspn(s + i + 1, "0123456789");

		if (n == 0)
			return false;
		i += 1 + n;
	}
	if (strcmp(s + i, "Z") == 0)
		return true;
	return (s[i] == '+' || s[i] == '-') && strlen(s + i) == 6 &&
	    strspn(s + i + 1, "0123456789") == 2 && s[i + 3] == ':' &&
	    strspn(s + i + 4, "0123456789") == 2;
}

/* The time string at key of obj, if any, is in the documented form. */
static void
cp_check_time_text(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	FUZZ_CHECK(v == NULL || (json_is_string(v) &&
	    cp_time_ok(json_string_value(v))));
}

/* Every message is one line "field: problem". */
static void
cp_check_messages(const struct campaign_errors *e)
{
	FUZZ_CHECK(e->n > 0 && e->msgs != NULL);
	for (size_t i = 0; i < e->n; i++) {
		const char *m = e->msgs[i], *sep = strstr(m, ": ");

		if (sep == NULL || sep == m || sep[2] == '\0' ||
		    strpbrk(m, "\r\n") != NULL)
			fprintf(stderr, "bad message: [%s]\n", m);
		FUZZ_CHECK(sep != NULL && sep > m && sep[2] != '\0');
		FUZZ_CHECK(strpbrk(m, "\r\n") == NULL);
	}
}

/* One tier's fields. */
static void
cp_check_tier(const struct campaign *c, size_t i)
{
	const struct campaign_tier *t = &c->tiers[i];

	FUZZ_CHECK(cp_id_ok(t->id));
	for (size_t k = 0; k < i; k++)
		FUZZ_CHECK(strcmp(c->tiers[k].id, t->id) != 0);
	FUZZ_CHECK(cp_text_ok(t->name, CAMPAIGN_TEXT_MAX));
	FUZZ_CHECK(t->kind >= CAMPAIGN_PHYSICAL && t->kind <= CAMPAIGN_POINTS);
	FUZZ_CHECK(t->reveal == CAMPAIGN_ONLINE ||
	    t->reveal == CAMPAIGN_AT_STORE);
	FUZZ_CHECK(t->total >= 1 && t->total <= CP_BILLION);
	FUZZ_CHECK(t->daily_cap <= t->total);
	FUZZ_CHECK(t->odds <= CAMPAIGN_ODDS_SCALE);
	FUZZ_CHECK(t->kind == CAMPAIGN_POINTS ? t->points >= 1 &&
	    (uint64_t)t->points <= CP_BILLION : t->points == 0);
	/* A physical prize's face value, for settlement, and its currency
	 * come together or not at all. */
	if (t->kind == CAMPAIGN_PHYSICAL && t->face_value[0] != '\0')
		FUZZ_CHECK(cp_amount_ok(t->face_value) &&
		    cp_text_ok(t->currency, 7));
	else if (t->kind != CAMPAIGN_COUPON)
		FUZZ_CHECK(t->face_value[0] == '\0' &&
		    t->currency[0] == '\0');
	if (t->kind != CAMPAIGN_COUPON) {
		FUZZ_CHECK(t->condition[0] == '\0');
		FUZZ_CHECK(t->valid_from == 0 && t->valid_to == 0 &&
		    t->valid_days == 0);
		return;
	}
	FUZZ_CHECK(cp_amount_ok(t->face_value));
	FUZZ_CHECK(cp_text_ok(t->currency, 7));
	FUZZ_CHECK(cp_text_ok(t->condition, CAMPAIGN_CONDITION_MAX));
	FUZZ_CHECK((t->valid_to != 0) != (t->valid_days != 0));
	FUZZ_CHECK(t->valid_days <= 3650);
	FUZZ_CHECK(t->valid_from >= 0 && t->valid_to >= 0);
	FUZZ_CHECK(t->valid_to == 0 || t->valid_from == 0 ||
	    t->valid_to > t->valid_from);
}

/* day_starts and campaign_day. */
static void
cp_check_days(const struct campaign *c, bool resolved)
{
	const int64_t *ds = c->day_starts;
	int64_t claim_end = c->end + (int64_t)c->claim_days * CP_DAY_US;

	FUZZ_CHECK(ds != NULL && c->ndays >= 1 &&
	    c->ndays <= CAMPAIGN_DAYS_MAX + 1);
	for (size_t i = 0; i <= c->ndays; i++) {
		FUZZ_CHECK(ds[i] % 1000000 == 0);
		FUZZ_CHECK(i == 0 || ds[i] > ds[i - 1]);
	}
	FUZZ_CHECK(ds[0] <= c->start && ds[c->ndays] >= c->end);
	if (resolved) {
		/* From the local day of start through the first midnight at
		 * or after the claim window; local days last a day, give or
		 * take daylight saving and the odd change of zone. */
		FUZZ_CHECK(c->start < ds[1]);
		FUZZ_CHECK(ds[c->ndays] >= claim_end &&
		    ds[c->ndays - 1] < claim_end);
		for (size_t i = 0; i < c->ndays; i++)
			FUZZ_CHECK(ds[i + 1] - ds[i] >= CP_HOUR_US &&
			    ds[i + 1] - ds[i] <= 50 * CP_HOUR_US);
	}
	FUZZ_CHECK(campaign_day(c, ds[0] - 1) == -1);
	FUZZ_CHECK(campaign_day(c, ds[c->ndays]) == -1);
	for (size_t i = 0; i < c->ndays; i++) {
		FUZZ_CHECK(campaign_day(c, ds[i]) == (int)i);
		FUZZ_CHECK(campaign_day(c, ds[i] + (ds[i + 1] - ds[i]) / 2) ==
		    (int)i);
		FUZZ_CHECK(campaign_day(c, ds[i + 1] - 1) == (int)i);
	}
	FUZZ_CHECK(campaign_day(c, c->start) >= 0);
	FUZZ_CHECK(campaign_day(c, c->end - 1) >= campaign_day(c, c->start));
}

/* The scope's member tags: 0 to 8, distinct, each a name that parses
 * back to itself; the sentences say something exactly when there are
 * tags, and end as a sentence does. */
static void
cp_check_scope_tags(const struct campaign_tags *s)
{
	char name[TAGS_NAME_MAX + 1];
	struct tags_tag back;

	FUZZ_CHECK(s->n <= CAMPAIGN_SCOPE_TAGS_MAX);
	for (size_t i = 0; i < s->n; i++) {
		tags_name(&s->tags[i], name);
		FUZZ_CHECK(tags_parse(name, &back) == 0);
		FUZZ_CHECK(back.kind == s->tags[i].kind &&
		    back.tier == s->tags[i].tier &&
		    strcmp(back.shop, s->tags[i].shop) == 0);
		for (size_t j = 0; j < i; j++)
			FUZZ_CHECK(memcmp(&s->tags[j], &s->tags[i],
			    sizeof(s->tags[i])) != 0);
	}
	FUZZ_CHECK((s->n == 0) == (s->text_en[0] == '\0'));
	FUZZ_CHECK((s->n == 0) == (s->text_zh[0] == '\0'));
	if (s->n > 0) {
		size_t en = strlen(s->text_en), zh = strlen(s->text_zh);

		FUZZ_CHECK(s->text_en[en - 1] == '.');
		FUZZ_CHECK(zh >= 3 && strcmp(s->text_zh + zh - 3, "。") == 0);
	}
}

/* The fields of a loaded campaign are within their bounds. */
static void
cp_check(const struct campaign *c, bool resolved)
{
	uint64_t odds[2] = { 0, 0 };
	bool has[2] = { false, false };
	json_t *root, *tiers, *t;
	size_t i;

	FUZZ_CHECK(cp_id_ok(c->id));
	FUZZ_CHECK(cp_text_ok(c->name, CAMPAIGN_TEXT_MAX));
	FUZZ_CHECK(cp_text_ok(c->tz, sizeof(c->tz) - 1));
	FUZZ_CHECK(c->start >= 0 && c->start < c->end);
	FUZZ_CHECK(c->end - c->start <= CP_MAX_SPAN_US);
	FUZZ_CHECK(c->draw_on >= CAMPAIGN_DRAW_AUTO &&
	    c->draw_on <= CAMPAIGN_DRAW_OUTER);
	FUZZ_CHECK(c->nbatches + c->nproducts >= 1);
	FUZZ_CHECK(c->nbatches <= CAMPAIGN_SCOPE_MAX &&
	    c->nproducts <= CAMPAIGN_SCOPE_MAX);
	for (i = 0; i < c->nbatches; i++)
		FUZZ_CHECK(c->batches[i] >= 1 &&
		    campaign_covers(c, c->batches[i], ""));
	for (i = 0; i < c->nproducts; i++) {
		const char *g = c->products[i];

		FUZZ_CHECK(strlen(g) == GTIN_LEN && strspn(g, "0123456789") ==
		    GTIN_LEN && gtin_check_digit(g, GTIN_LEN - 1) == g[13]);
		FUZZ_CHECK(campaign_covers(c, 0, g));
	}
	cp_check_scope_tags(&c->scope_tags);
	FUZZ_CHECK(c->ntiers >= 1 && c->ntiers <= CAMPAIGN_TIERS_MAX);
	for (i = 0; i < c->ntiers; i++) {
		cp_check_tier(c, i);
		odds[c->tiers[i].reveal] += c->tiers[i].odds;
		has[c->tiers[i].reveal] = true;
		FUZZ_CHECK(campaign_tier_at(c, i) == &c->tiers[i]);
	}
	FUZZ_CHECK(campaign_tier_at(c, c->ntiers) == NULL);
	FUZZ_CHECK(odds[CAMPAIGN_ONLINE] <= CAMPAIGN_ODDS_SCALE &&
	    odds[CAMPAIGN_AT_STORE] <= CAMPAIGN_ODDS_SCALE);
	FUZZ_CHECK(has[CAMPAIGN_ONLINE] == c->has_online &&
	    has[CAMPAIGN_AT_STORE] == c->has_at_store);
	FUZZ_CHECK(c->claim_days >= 1 && c->claim_days <= 3650);
	FUZZ_CHECK(c->all_shops == (c->nshops == 0));
	FUZZ_CHECK(c->nshops <= CAMPAIGN_SHOPS_MAX);
	for (i = 0; i < c->nshops; i++)
		FUZZ_CHECK(cp_id_ok(c->shops[i]) &&
		    campaign_shop_allowed(c, c->shops[i]));
	FUZZ_CHECK(!c->all_shops || campaign_shop_allowed(c, "any-shop"));
	FUZZ_CHECK(c->lim_visitor_day <= 1000000 &&
	    c->lim_ip_hour <= 100000000 && c->lim_visitor_wins <= 1000000);
	cp_check_days(c, resolved);
	/* The times were written in the documented form. */
	FUZZ_CHECK(c->config != NULL && strlen(c->config) == c->config_len);
	FUZZ_CHECK((root = json_loadb(c->config, c->config_len, 0, NULL)) !=
	    NULL);
	cp_check_time_text(root, "start");
	cp_check_time_text(root, "end");
	tiers = json_object_get(root, "tiers");
	json_array_foreach(tiers, i, t) {
		json_t *cv = json_object_get(t, "coupon");

		cp_check_time_text(cv, "valid_from");
		cp_check_time_text(cv, "valid_to");
	}
	json_decref(root);
}

/* Two campaigns are the same, field by field. */
static void
cp_same(const struct campaign *a, const struct campaign *b)
{
	FUZZ_CHECK(strcmp(a->id, b->id) == 0 && strcmp(a->name, b->name) == 0 &&
	    strcmp(a->tz, b->tz) == 0);
	FUZZ_CHECK(a->start == b->start && a->end == b->end &&
	    a->draw_on == b->draw_on);
	FUZZ_CHECK(a->nbatches == b->nbatches && a->nproducts == b->nproducts);
	FUZZ_CHECK(a->nbatches == 0 || memcmp(a->batches, b->batches,
	    a->nbatches * sizeof(*a->batches)) == 0);
	FUZZ_CHECK(a->nproducts == 0 || memcmp(a->products, b->products,
	    a->nproducts * sizeof(*a->products)) == 0);
	FUZZ_CHECK(a->scope_tags.n == b->scope_tags.n &&
	    memcmp(a->scope_tags.tags, b->scope_tags.tags,
	    sizeof(a->scope_tags.tags)) == 0 &&
	    strcmp(a->scope_tags.text_en, b->scope_tags.text_en) == 0 &&
	    strcmp(a->scope_tags.text_zh, b->scope_tags.text_zh) == 0);
	FUZZ_CHECK(a->ntiers == b->ntiers && a->has_online == b->has_online &&
	    a->has_at_store == b->has_at_store);
	for (size_t i = 0; i < a->ntiers; i++) {
		const struct campaign_tier *x = &a->tiers[i], *y = &b->tiers[i];

		FUZZ_CHECK(strcmp(x->id, y->id) == 0 &&
		    strcmp(x->name, y->name) == 0 && x->kind == y->kind &&
		    x->reveal == y->reveal && x->total == y->total &&
		    x->daily_cap == y->daily_cap && x->odds == y->odds &&
		    x->points == y->points);
		FUZZ_CHECK(strcmp(x->face_value, y->face_value) == 0 &&
		    strcmp(x->currency, y->currency) == 0 &&
		    strcmp(x->condition, y->condition) == 0 &&
		    x->valid_from == y->valid_from &&
		    x->valid_to == y->valid_to &&
		    x->valid_days == y->valid_days);
	}
	FUZZ_CHECK(a->claim_days == b->claim_days &&
	    a->all_shops == b->all_shops && a->nshops == b->nshops);
	for (size_t i = 0; i < a->nshops; i++)
		FUZZ_CHECK(strcmp(a->shops[i], b->shops[i]) == 0);
	FUZZ_CHECK(a->lim_visitor_day == b->lim_visitor_day &&
	    a->lim_ip_hour == b->lim_ip_hour &&
	    a->lim_visitor_wins == b->lim_visitor_wins);
	FUZZ_CHECK(a->ndays == b->ndays && memcmp(a->day_starts, b->day_starts,
	    (a->ndays + 1) * sizeof(*a->day_starts)) == 0);
	FUZZ_CHECK(a->config_len == b->config_len &&
	    memcmp(a->config, b->config, a->config_len) == 0);
}

/* The stored configuration parses again as stored, to the same campaign;
 * at load it is refused for its day_starts alone. */
static void
cp_reparse(const struct campaign *c, bool resolved)
{
	struct campaign_errors errs = { NULL, 0 };
	struct campaign *again = NULL;
	char why[256];
	int ret;

	FUZZ_CHECK(campaign_parse(c->config, c->config_len, false, &again,
	    &errs) == 0);
	FUZZ_CHECK(errs.n == 0);
	cp_same(c, again);
	campaign_unref(again, __func__);
	FUZZ_CHECK(campaign_parse(c->config, c->config_len, true, &again,
	    &errs) == -EINVAL && again == NULL);
	FUZZ_CHECK(errs.n == 1 && strncmp(errs.msgs[0], "day_starts: ", 12) ==
	    0);
	campaign_errors_free(&errs);
	/* The time zone gives the same local midnights again. */
	ret = audit_check_days(c, why, sizeof(why));
	FUZZ_CHECK(ret == 1 || ret == 0 || ret == -ENOENT);
	FUZZ_CHECK(ret != 0 || why[0] != '\0');
	if (resolved)
		FUZZ_CHECK(ret == 1);
}

/* Parses the input in one form; returns campaign_parse's answer. */
static int
cp_one(const uint8_t *data, size_t size, bool resolved)
{
	struct campaign_errors errs = { NULL, 0 };
	struct campaign *c = NULL, *quiet = NULL;
	int ret, ret2;

	ret = campaign_parse((const char *)data, size, resolved, &c, &errs);
	if (getenv("FUZZ_CAMPAIGN_VERBOSE") != NULL)
		fprintf(stderr, "fuzz_campaign_parse: %s: %d %s\n", resolved ?
		    "loaded" : "stored", ret, errs.n > 0 ? errs.msgs[0] : "");
	FUZZ_CHECK(ret == 0 || ret == -EINVAL || ret == -ENOMEM);
	FUZZ_CHECK((ret == 0) == (c != NULL));
	if (ret == 0) {
		FUZZ_CHECK(errs.n == 0 && errs.msgs == NULL);
		FUZZ_CHECK(atomic_load(&c->refs) == 1);
		cp_check(c, resolved);
		cp_reparse(c, resolved);
		FUZZ_CHECK(campaign_ref(c, __func__) == c);
		campaign_unref(c, __func__);
	} else if (ret == -EINVAL)
		cp_check_messages(&errs);
	campaign_errors_free(&errs);
	/* Without a message list: the same answer, the same campaign. */
	ret2 = campaign_parse((const char *)data, size, resolved, &quiet, NULL);
	if (ret != -ENOMEM && ret2 != -ENOMEM)
		FUZZ_CHECK(ret2 == ret);
	if (ret == 0 && ret2 == 0)
		cp_same(c, quiet);
	campaign_unref(quiet, __func__);
	campaign_unref(c, __func__);
	return ret;
}

/* One input, in both forms. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int stored, loaded;

	if (size > CP_INPUT_MAX)
		return 0;
	stored = cp_one(data, size, false);
	loaded = cp_one(data, size, true);
	/* A stored configuration carries day_starts; a file must not. */
	FUZZ_CHECK(stored != 0 || loaded != 0);
	return 0;
}
