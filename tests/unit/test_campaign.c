/* test_campaign.c — campaign files: field-by-field validation, times, and
 * local days across daylight saving changes and midnight. */
#include "testutil_rewards.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/tz.h"
#include "rewards/campaign.h"

/* A valid campaign: online physical, coupon and points tiers, an at_store
 * tier, claim stores and limits (the text of
 * tests/fixtures/campaigns/campaign-valid.json, read by group_setup). */
static char *base_json;

/* Reads the valid campaign's text. */
static int
group_setup(void **state)
{
	char path[TU_PATH_MAX];

	(void)state;
	base_json = tu_read(tu_fixture_path(path,
	    "campaigns/campaign-valid.json"), NULL);
	return 0;
}

/* Frees it. */
static int
group_teardown(void **state)
{
	(void)state;
	free(base_json);
	return 0;
}

/* Parses text, expecting success. */
static struct campaign *
parse_ok(const char *text, bool resolve)
{
	struct campaign_errors errs = { NULL, 0 };
	struct campaign *c = NULL;
	int ret = campaign_parse(text, strlen(text), resolve, &c, &errs);

	for (size_t i = 0; i < errs.n; i++)
		print_message("unexpected: %s\n", errs.msgs[i]);
	assert_int_equal(ret, 0);
	assert_int_equal(errs.n, 0);
	assert_non_null(c);
	campaign_errors_free(&errs);
	return c;
}

/* Finds the object and key a dotted path with [i] names, creating
 * nothing; returns the parent and sets *key or *index. */
static json_t *
path_parent(json_t *root, const char *path, char *key, size_t keylen,
    long *index)
{
	char buf[256], *p, *tok, *save = NULL;
	json_t *cur = root, *parent = NULL;

	snprintf(buf, sizeof(buf), "%s", path);
	*index = -1;
	key[0] = '\0';
	for (tok = strtok_r(buf, ".", &save); tok != NULL;
	    tok = strtok_r(NULL, ".", &save)) {
		char name[64];
		long idx = -1;

		snprintf(name, sizeof(name), "%s", tok);
		if ((p = strchr(name, '[')) != NULL) {
			idx = strtol(p + 1, NULL, 10);
			*p = '\0';
		}
		parent = cur;
		snprintf(key, keylen, "%s", name);
		*index = -1;
		cur = json_object_get(cur, name);
		if (idx >= 0) {
			parent = cur;
			*index = idx;
			cur = json_array_get(cur, (size_t)idx);
		}
	}
	return parent;
}

/* Applies one mutation: set path to the JSON value, or delete it. */
static char *
mutate(const char *path, const char *value)
{
	json_t *root = json_loads(base_json, 0, NULL), *parent;
	char key[64], *out;
	long index;

	assert_non_null(root);
	parent = path_parent(root, path, key, sizeof(key), &index);
	assert_non_null(parent);
	if (value == NULL) {
		if (index >= 0)
			assert_int_equal(json_array_remove(parent,
			    (size_t)index), 0);
		else
			assert_int_equal(json_object_del(parent, key), 0);
	} else {
		json_t *v = json_loads(value, JSON_DECODE_ANY, NULL);

		assert_non_null(v);
		if (index >= 0)
			assert_int_equal(json_array_set_new(parent,
			    (size_t)index, v), 0);
		else
			assert_int_equal(json_object_set_new(parent, key, v), 0);
	}
	out = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	assert_non_null(out);
	return out;
}

struct mutation {
	const char *path;	/* dotted, with [i] */
	const char *value;	/* JSON, or NULL to delete */
	const char *field;	/* the one field the error must name */
};

static const struct mutation mutations[] = {
	{ "id", NULL, "id" },
	{ "id", "\"bad id\"", "id" },
	{ "id", "\"abcdefghijklmnopqrstuvwxyz0123456\"", "id" },
	{ "name", NULL, "name" },
	{ "name", "\"\"", "name" },
	{ "name", "42", "name" },
	{ "description", "5", "description" },
	{ "start", "\"2027-02-30T00:00:00Z\"", "start" },
	{ "start", "\"2027-03-01 00:00:00+08:00\"", "start" },
	{ "end", "\"2027-04-01T00:00:00\"", "end" },
	{ "end", "\"2027-02-01T00:00:00+08:00\"", "end" },
	{ "end", "\"2030-04-01T00:00:00+08:00\"", "end" },
	{ "time_zone", "\"Mars/Olympus_Mons\"", "time_zone" },
	{ "time_zone", "8", "time_zone" },
	{ "time_zone", "\"../../etc/passwd\"", "time_zone" },
	{ "scope", NULL, "scope" },
	{ "scope", "{}", "scope" },
	{ "scope.batches[0]", "0", "scope.batches[0]" },
	{ "scope.products[0]", "\"09506000134353\"", "scope.products[0]" },
	{ "scope.shops", "[]", "scope.shops" },
	{ "draw_on", "\"sideways\"", "draw_on" },
	{ "tiers", "[]", "tiers" },
	{ "tiers", NULL, "tiers" },
	{ "tiers[0].id", NULL, "tiers[0].id" },
	{ "tiers[0].id", "\"go ld\"", "tiers[0].id" },
	{ "tiers[1].id", "\"gold\"", "tiers[1].id" },
	{ "tiers[0].name", NULL, "tiers[0].name" },
	{ "tiers[0].kind", "\"gold\"", "tiers[0].kind" },
	{ "tiers[0].total", "0", "tiers[0].total" },
	{ "tiers[0].total", "-1", "tiers[0].total" },
	{ "tiers[0].daily_cap", "11", "tiers[0].daily_cap" },
	{ "tiers[0].odds", "1000001", "tiers[0].odds" },
	{ "tiers[0].odds", "\"5\"", "tiers[0].odds" },
	{ "tiers[0].odds", "750001", "tiers" },	/* online odds add up */
	{ "tiers[3].odds", NULL, "tiers[3].odds" },
	{ "tiers[0].reveal", "\"later\"", "tiers[0].reveal" },
	{ "tiers[0].color", "\"red\"", "tiers[0].color" },
	{ "tiers[0].points", "5", "tiers[0].points" },
	{ "tiers[2].points", NULL, "tiers[2].points" },
	{ "tiers[2].points", "0", "tiers[2].points" },
	{ "tiers[0].coupon", "{}", "tiers[0].coupon" },
	{ "tiers[1].coupon", NULL, "tiers[1].coupon" },
	{ "tiers[1].coupon", "\"10 off\"", "tiers[1].coupon" },
	{ "tiers[1].coupon.face_value", "\"ten\"", "tiers[1].coupon.face_value" },
	{ "tiers[1].coupon.face_value", NULL, "tiers[1].coupon.face_value" },
	{ "tiers[1].coupon.condition", NULL, "tiers[1].coupon.condition" },
	{ "tiers[1].coupon.currency", "\"EURODOLLAR\"",
	    "tiers[1].coupon.currency" },
	{ "tiers[1].coupon.valid_days", NULL, "tiers[1].coupon" },
	{ "tiers[1].coupon.valid_days", "0", "tiers[1].coupon.valid_days" },
	{ "tiers[1].coupon.valid_to", "\"2027-05-01T00:00:00Z\"",
	    "tiers[1].coupon" },
	{ "tiers[1].coupon.valid_from", "\"May first\"",
	    "tiers[1].coupon.valid_from" },
	{ "tiers[1].coupon.bonus", "1", "tiers[1].coupon.bonus" },
	{ "claim", NULL, "claim" },
	{ "claim.window_days", "0", "claim.window_days" },
	{ "claim.window_days", NULL, "claim.window_days" },
	{ "claim.stores", "[]", "claim.stores" },
	{ "claim.stores", "\"some\"", "claim.stores" },
	{ "claim.stores[1]", "\"no spaces\"", "claim.stores[1]" },
	{ "claim.pickup", "true", "claim.pickup" },
	{ "limits.draws_per_visitor_per_day", "0",
	    "limits.draws_per_visitor_per_day" },
	{ "limits.wins_per_visitor", "\"2\"", "limits.wins_per_visitor" },
	{ "limits.per_phone", "1", "limits.per_phone" },
	{ "limits", "[]", "limits" },
	{ "prizes", "[]", "prizes" },
	{ "day_starts", "[0, 1]", "day_starts" },
};

/* Each mutation of a valid file yields exactly one error, on its field. */
static void
test_each_bad_field(void **state)
{
	(void)state;
	if (!tz_known("Asia/Shanghai"))
		skip();
	for (size_t i = 0; i < sizeof(mutations) / sizeof(mutations[0]); i++) {
		const struct mutation *m = &mutations[i];
		struct campaign_errors errs = { NULL, 0 };
		struct campaign *c = NULL;
		char *text = mutate(m->path, m->value), prefix[96];
		int ret = campaign_parse(text, strlen(text), true, &c, &errs);

		snprintf(prefix, sizeof(prefix), "%s: ", m->field);
		if (ret != -EINVAL || errs.n != 1 ||
		    strncmp(errs.msgs[0], prefix, strlen(prefix)) != 0) {
			print_message("mutation %zu (%s = %s): ret %d, %zu "
			    "errors\n", i, m->path, m->value ? m->value :
			    "(deleted)", ret, errs.n);
			for (size_t k = 0; k < errs.n; k++)
				print_message("  %s\n", errs.msgs[k]);
			fail_msg("expected exactly one error on '%s'", m->field);
		}
		assert_null(c);
		campaign_errors_free(&errs);
		free(text);
	}
}

/* Several bad fields: every one is reported, not just the first. */
static void
test_all_errors_reported(void **state)
{
	static const char text[] = "{\"id\":\"\",\"name\":\"x\",\"start\":\"no\","
	    "\"end\":\"2027-01-01T00:00:00Z\",\"time_zone\":\"UTC\","
	    "\"scope\":{\"batches\":[1]},\"tiers\":[{\"id\":\"a\",\"name\":\"A\","
	    "\"kind\":\"physical\",\"total\":1,\"odds\":-5}],\"claim\":{}}";
	struct campaign_errors errs = { NULL, 0 };
	struct campaign *c = NULL;

	(void)state;
	assert_int_equal(campaign_parse(text, strlen(text), true, &c, &errs),
	    -EINVAL);
	assert_int_equal(errs.n, 4);
	assert_string_equal(errs.msgs[0], "id: must be 1 to 32 bytes of text");
	assert_true(strncmp(errs.msgs[1], "start: ", 7) == 0);
	assert_true(strncmp(errs.msgs[2], "tiers[0].odds: ", 15) == 0);
	assert_true(strncmp(errs.msgs[3], "claim.window_days: ", 19) == 0);
	campaign_errors_free(&errs);
	/* Not JSON at all: one error with its position. */
	assert_int_equal(campaign_parse("{\"id\": }", 8, true, &c, &errs),
	    -EINVAL);
	assert_int_equal(errs.n, 1);
	assert_true(strncmp(errs.msgs[0], "line 1, column", 14) == 0);
	campaign_errors_free(&errs);
	assert_int_equal(campaign_parse("[1]", 3, true, &c, &errs), -EINVAL);
	assert_int_equal(errs.n, 1);
	campaign_errors_free(&errs);
	/* Duplicate keys are refused, not silently merged. */
	assert_int_equal(campaign_parse("{\"id\":\"a\",\"id\":\"b\"}", 19, true,
	    &c, &errs), -EINVAL);
	assert_true(errs.n >= 1);
	campaign_errors_free(&errs);
}

/* The valid file parses into what it says, and its stored form (with
 * day_starts) parses back to the same campaign without a time zone
 * database. */
static void
test_valid_fields(void **state)
{
	struct campaign *c, *again;

	(void)state;
	if (!tz_known("Asia/Shanghai"))
		skip();
	c = parse_ok(base_json, true);
	assert_string_equal(c->id, "test-1");
	assert_string_equal(c->name, "Test campaign");
	assert_string_equal(c->tz, "Asia/Shanghai");
	assert_int_equal(c->start, 1803830400LL * 1000000);
	assert_int_equal(c->end, 1806508800LL * 1000000);
	assert_int_equal(c->draw_on, CAMPAIGN_DRAW_INNER);
	assert_int_equal(c->nbatches, 2);
	assert_int_equal(c->batches[1], 2);
	assert_int_equal(c->nproducts, 1);
	assert_string_equal(c->products[0], "09506000134352");
	assert_int_equal(c->ntiers, 4);
	assert_int_equal(c->tiers[0].kind, CAMPAIGN_PHYSICAL);
	assert_int_equal(c->tiers[0].daily_cap, 3);
	assert_int_equal(c->tiers[1].kind, CAMPAIGN_COUPON);
	assert_string_equal(c->tiers[1].face_value, "10.00");
	assert_string_equal(c->tiers[1].condition, "min spend 50");
	assert_int_equal(c->tiers[1].valid_days, 30);
	assert_int_equal(c->tiers[2].points, 50);
	assert_int_equal(c->tiers[3].reveal, CAMPAIGN_AT_STORE);
	assert_true(c->has_online);
	assert_true(c->has_at_store);
	assert_int_equal(c->claim_days, 14);
	assert_false(c->all_shops);
	assert_true(campaign_shop_allowed(c, "s2"));
	assert_false(campaign_shop_allowed(c, "s3"));
	assert_true(campaign_covers(c, 2, "00000000000000"));
	assert_true(campaign_covers(c, 99, "09506000134352"));
	assert_false(campaign_covers(c, 99, "04006381333931"));
	assert_int_equal(c->lim_visitor_day, 3);
	assert_int_equal(c->lim_ip_hour, 100);
	assert_int_equal(c->lim_visitor_wins, 2);
	/* 31 days of March and the 14-day claim window. */
	assert_int_equal(c->ndays, 31 + 14);
	assert_non_null(strstr(c->config, "\"day_starts\":["));

	again = parse_ok(c->config, false);
	assert_int_equal(again->ndays, c->ndays);
	assert_memory_equal(again->day_starts, c->day_starts,
	    (c->ndays + 1) * sizeof(int64_t));
	assert_int_equal(again->tiers[1].valid_days, 30);
	assert_string_equal(again->config, c->config);
	campaign_unref(again, __func__);
	campaign_unref(c, __func__);
}

/* A stored configuration must carry day_starts, covering the campaign. */
static void
test_stored_needs_days(void **state)
{
	struct campaign_errors errs = { NULL, 0 };
	struct campaign *c = NULL;
	json_t *root;
	char *text;

	(void)state;
	assert_int_equal(campaign_parse(base_json, strlen(base_json), false, &c,
	    &errs), -EINVAL);
	assert_int_equal(errs.n, 1);
	assert_true(strncmp(errs.msgs[0], "day_starts: ", 12) == 0);
	campaign_errors_free(&errs);
	/* Days that end before the campaign does. */
	root = json_loads(base_json, 0, NULL);
	json_object_set_new(root, "day_starts", json_pack("[I,I]",
	    (json_int_t)1803830400, (json_int_t)1803916800));
	text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	assert_int_equal(campaign_parse(text, strlen(text), false, &c, &errs),
	    -EINVAL);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.msgs[0], "day_starts: does not cover the "
	    "campaign");
	campaign_errors_free(&errs);
	free(text);
}

/* Odds: each reveal's tiers may add up to a million, separately. */
static void
test_odds_sums(void **state)
{
	struct campaign *c;
	char *a, *b;

	(void)state;
	if (!tz_known("Asia/Shanghai"))
		skip();
	/* Online: 750000 + 50000 + 200000 = exactly one million. */
	a = mutate("tiers[0].odds", "750000");
	c = parse_ok(a, true);
	assert_int_equal(c->tiers[0].odds, 750000);
	campaign_unref(c, __func__);
	free(a);
	/* At the store: its own million, beside the online one. */
	a = mutate("tiers[3].odds", "1000000");
	c = parse_ok(a, true);
	campaign_unref(c, __func__);
	free(a);
	/* An odds of zero is allowed (a tier kept for later). */
	a = mutate("tiers[0].odds", "0");
	c = parse_ok(a, true);
	campaign_unref(c, __func__);
	free(a);
	/* daily_cap equal to total is fine; a number as face value too. */
	a = mutate("tiers[0].daily_cap", "10");
	c = parse_ok(a, true);
	campaign_unref(c, __func__);
	free(a);
	b = mutate("tiers[1].coupon.face_value", "12.5");
	c = parse_ok(b, true);
	assert_string_equal(c->tiers[1].face_value, "12.50");
	campaign_unref(c, __func__);
	free(b);
}

/* Coupon validity: valid_to or valid_days, after valid_from. */
static void
test_coupon_validity(void **state)
{
	struct campaign_errors errs = { NULL, 0 };
	struct campaign *c = NULL;
	json_t *root, *coupon;
	char *text;

	(void)state;
	if (!tz_known("Asia/Shanghai"))
		skip();
	root = json_loads(base_json, 0, NULL);
	coupon = json_object_get(json_array_get(json_object_get(root, "tiers"),
	    1), "coupon");
	json_object_del(coupon, "valid_days");
	json_object_set_new(coupon, "valid_from",
	    json_string("2027-03-10T00:00:00+08:00"));
	json_object_set_new(coupon, "valid_to",
	    json_string("2027-05-01T00:00:00+08:00"));
	text = json_dumps(root, JSON_COMPACT);
	c = parse_ok(text, true);
	assert_int_equal(c->tiers[1].valid_from, (1803830400LL + 9 * 86400) *
	    1000000);
	assert_true(c->tiers[1].valid_to > c->tiers[1].valid_from);
	assert_string_equal(c->tiers[1].currency, "CNY");
	campaign_unref(c, __func__);
	free(text);
	/* valid_to before valid_from. */
	json_object_set_new(coupon, "valid_to",
	    json_string("2027-03-09T00:00:00+08:00"));
	text = json_dumps(root, JSON_COMPACT);
	assert_int_equal(campaign_parse(text, strlen(text), true, &c, &errs),
	    -EINVAL);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.msgs[0], "tiers[1].coupon: valid_to must be "
	    "after valid_from");
	campaign_errors_free(&errs);
	free(text);
	/* Currency defaults to CNY. */
	json_object_del(coupon, "currency");
	json_object_del(coupon, "valid_to");
	json_object_set_new(coupon, "valid_days", json_integer(7));
	text = json_dumps(root, JSON_COMPACT);
	c = parse_ok(text, true);
	assert_string_equal(c->tiers[1].currency, "CNY");
	assert_int_equal(c->tiers[1].valid_days, 7);
	campaign_unref(c, __func__);
	free(text);
	json_decref(root);
}

/* ISO 8601 times with offsets. */
static void
test_parse_time(void **state)
{
	static const char *const bad[] = {
		"2027-02-29T00:00:00Z",		/* not a leap year */
		"2027-03-01T24:00:00Z",
		"2027-03-01T00:60:00Z",
		"2027-13-01T00:00:00Z",
		"2027-03-01T00:00:00",		/* no offset */
		"2027-03-01T00:00:00+15:00",
		"2027-03-01T00:00:00+0800",
		"2027-03-01T00:00:00+08:00x",
		"2027-03-01T00:00Z",
		"2027-03-01",
		"1969-12-31T23:59:59Z",
		"2027-03-01T00:00:00.Z",
		" 2027-03-01T00:00:00Z",
		"",
	};
	int64_t us;

	(void)state;
	assert_int_equal(campaign_parse_time("2027-03-01T00:00:00+08:00", &us), 0);
	assert_int_equal(us, 1803830400LL * 1000000);
	assert_int_equal(campaign_parse_time("2027-02-28T16:00:00Z", &us), 0);
	assert_int_equal(us, 1803830400LL * 1000000);
	assert_int_equal(campaign_parse_time("2027-02-28T10:30:00-05:30", &us),
	    0);
	assert_int_equal(us, 1803830400LL * 1000000);
	assert_int_equal(campaign_parse_time("2027-02-28T16:00:00.5Z", &us), 0);
	assert_int_equal(us, 1803830400LL * 1000000 + 500000);
	assert_int_equal(campaign_parse_time("2027-02-28T16:00:00.000123Z", &us),
	    0);
	assert_int_equal(us, 1803830400LL * 1000000 + 123);
	assert_int_equal(campaign_parse_time("2028-02-29T00:00:00Z", &us), 0);
	assert_int_equal(campaign_parse_time("1970-01-01T00:00:00Z", &us), 0);
	assert_int_equal(us, 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (campaign_parse_time(bad[i], &us) != -EINVAL)
			fail_msg("accepted '%s'", bad[i]);
}

/* A campaign in tz from start to end (local dates, midnight). */
static struct campaign *
campaign_in(const char *tz, const char *start, const char *end,
    unsigned claim_days)
{
	char text[1024];

	snprintf(text, sizeof(text), "{\"id\":\"days\",\"name\":\"D\","
	    "\"start\":\"%s\",\"end\":\"%s\",\"time_zone\":\"%s\","
	    "\"scope\":{\"batches\":[1]},\"tiers\":[{\"id\":\"a\",\"name\":\"A\","
	    "\"kind\":\"physical\",\"total\":1,\"odds\":1}],"
	    "\"claim\":{\"window_days\":%u}}", start, end, tz, claim_days);
	return parse_ok(text, true);
}

/* Daylight saving: Berlin's last Sunday of March has 23 hours, of
 * October 25; the other days 24. Days roll over at local midnight. */
static void
test_days_dst(void **state)
{
	struct campaign *c;
	const int64_t h = 3600LL * 1000000;

	(void)state;
	if (!tz_known("Europe/Berlin"))
		skip();
	c = campaign_in("Europe/Berlin", "2027-03-26T00:00:00+01:00",
	    "2027-03-30T00:00:00+02:00", 1);
	assert_int_equal(c->day_starts[0], 1806102000LL * 1000000 - 24 * h);
	assert_int_equal(c->day_starts[1], 1806102000LL * 1000000);
	assert_int_equal(c->day_starts[2], 1806188400LL * 1000000);
	assert_int_equal(c->day_starts[3], 1806271200LL * 1000000);
	assert_int_equal(c->day_starts[1] - c->day_starts[0], 24 * h);
	assert_int_equal(c->day_starts[2] - c->day_starts[1], 24 * h);
	assert_int_equal(c->day_starts[3] - c->day_starts[2], 23 * h);
	assert_int_equal(c->day_starts[4] - c->day_starts[3], 24 * h);
	/* 02:30 on 28 March does not exist; 01:59:59 and 03:00 do. */
	assert_int_equal(campaign_day(c, c->day_starts[3] - 1), 2);
	assert_int_equal(campaign_day(c, c->day_starts[3]), 3);
	/* Days through the end and the claim window. */
	assert_true(c->day_starts[c->ndays] >= c->end + 86400LL * 1000000);
	campaign_unref(c, __func__);

	c = campaign_in("Europe/Berlin", "2027-10-29T00:00:00+02:00",
	    "2027-11-02T00:00:00+01:00", 1);
	assert_int_equal(c->day_starts[0], 1824847200LL * 1000000 - 24 * h);
	assert_int_equal(c->day_starts[1], 1824847200LL * 1000000);
	assert_int_equal(c->day_starts[2], 1824933600LL * 1000000);
	assert_int_equal(c->day_starts[3], 1825023600LL * 1000000);
	assert_int_equal(c->day_starts[3] - c->day_starts[2], 25 * h);
	assert_int_equal(c->day_starts[4] - c->day_starts[3], 24 * h);
	campaign_unref(c, __func__);
}

/* The local day changes exactly at local midnight in Asia/Shanghai, not
 * at UTC midnight; a start in the middle of a day begins at its
 * midnight. */
static void
test_days_midnight(void **state)
{
	struct campaign *c;
	const int64_t s = 1000000, day = 86400 * s;
	/* 2027-03-01T00:00:00+08:00 */
	const int64_t m1 = 1803830400LL * s;

	(void)state;
	if (!tz_known("Asia/Shanghai"))
		skip();
	c = campaign_in("Asia/Shanghai", "2027-03-01T09:30:00+08:00",
	    "2027-03-04T00:00:00+08:00", 2);
	assert_int_equal(c->day_starts[0], m1);
	assert_int_equal(c->ndays, 5);	/* 3 days, 2 of claim window */
	for (size_t i = 0; i <= c->ndays; i++)
		assert_int_equal(c->day_starts[i], m1 + (int64_t)i * day);
	assert_int_equal(campaign_day(c, m1 - 1), -1);
	assert_int_equal(campaign_day(c, m1), 0);
	/* 23:59:59.999999 on 1 March local, then midnight. */
	assert_int_equal(campaign_day(c, m1 + day - 1), 0);
	assert_int_equal(campaign_day(c, m1 + day), 1);
	/* UTC midnight (08:00 local) changes nothing. */
	assert_int_equal(campaign_day(c, m1 + 8 * 3600 * s - 1), 0);
	assert_int_equal(campaign_day(c, m1 + 8 * 3600 * s), 0);
	assert_int_equal(campaign_day(c, m1 + day + 8 * 3600 * s - 1), 1);
	assert_int_equal(campaign_day(c, m1 + day + 8 * 3600 * s), 1);
	assert_int_equal(campaign_day(c, m1 + 2 * day), 2);
	assert_int_equal(campaign_day(c, m1 + 5 * day - 1), 4);
	assert_int_equal(campaign_day(c, m1 + 5 * day), -1);
	campaign_unref(c, __func__);
}

/* The process's TZ is left as it was. */
static void
test_tz_restored(void **state)
{
	struct campaign *c;

	(void)state;
	if (!tz_known("Asia/Shanghai"))
		skip();
	setenv("TZ", "America/New_York", 1);
	c = campaign_in("Asia/Shanghai", "2027-03-01T00:00:00+08:00",
	    "2027-03-02T00:00:00+08:00", 1);
	assert_string_equal(getenv("TZ"), "America/New_York");
	campaign_unref(c, __func__);
	unsetenv("TZ");
	c = campaign_in("UTC", "2027-03-01T00:00:00Z", "2027-03-02T00:00:00Z",
	    1);
	assert_null(getenv("TZ"));
	assert_int_equal(c->day_starts[0], 1803859200LL * 1000000);
	campaign_unref(c, __func__);
}

/* The sample campaigns load. */
static void
test_samples(void **state)
{
	static const char *const names[] = { "winter-treats.json",
	    "spring-festival-zh.json", "inner-code.json" };
	static const char *const products[] = { "09506000134352",
	    "09506000134369", "09506000134376" };
	const char *src = getenv("SCANLOOP_SRC");
	char path[TU_PATH_MAX];

	(void)state;
	if (!tz_known("Asia/Shanghai") || !tz_known("Europe/Berlin"))
		skip();
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct campaign *c;
		size_t len;
		char *text;

		snprintf(path, sizeof(path), "%s/samples/campaigns/%s",
		    src != NULL ? src : ".", names[i]);
		text = tu_read(path, &len);
		c = parse_ok(text, true);
		/* Each on its own product (samples/print-job.env), so that
		 * all run side by side on the quickstart's store. */
		assert_true(campaign_covers(c, 1, products[i]));
		for (size_t k = 0; k < 3; k++)
			if (k != i)
				assert_false(campaign_covers(c, 1, products[k]));
		campaign_unref(c, __func__);
		/* Moved to start now, it runs now, as long as before. */
		{
			int64_t now = 1800000000LL * 1000000, len0;
			char *moved;
			const char *why;

			c = parse_ok(text, true);
			len0 = c->end - c->start;
			campaign_unref(c, __func__);
			assert_int_equal(campaign_shift(text, len, now + 123,
			    &moved, &why), 0);
			c = parse_ok(moved, true);
			assert_int_equal(c->start, now);
			assert_int_equal(c->end - c->start, len0);
			for (size_t k = 0; k < c->ntiers; k++)
				assert_true(c->tiers[k].valid_from == 0 ||
				    c->tiers[k].valid_from >= now);
			free(moved);
		}
		if (i == 1) {
			assert_true(c->has_at_store);
			assert_false(c->all_shops);
			assert_string_equal(c->tz, "Asia/Shanghai");
		}
		if (i == 2)
			assert_int_equal(c->draw_on, CAMPAIGN_DRAW_INNER);
		campaign_unref(c, __func__);
		free(text);
	}
	/* What has no start time cannot move. */
	{
		char *moved;
		const char *why;

		assert_int_equal(campaign_shift("[1]", 3, 0, &moved, &why),
		    -EINVAL);
		assert_int_equal(campaign_shift("{\"start\": \"soon\"}", 17, 0,
		    &moved, &why), -EINVAL);
		assert_null(moved);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_bad_field),
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_valid_fields),
		cmocka_unit_test(test_stored_needs_days),
		cmocka_unit_test(test_odds_sums),
		cmocka_unit_test(test_coupon_validity),
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_days_dst),
		cmocka_unit_test(test_days_midnight),
		cmocka_unit_test(test_tz_restored),
		cmocka_unit_test(test_samples),
	};

	tu_init();
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
