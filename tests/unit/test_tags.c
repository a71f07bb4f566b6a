/* test_tags.c — member tags: their names, what each event counts, the
 * tags a scripted history leaves, and a campaign scoped to tags (its
 * file, its refusals, which log nothing, and its draws once the visitor
 * carries the tags). */
#include "draw_fixture.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "rewards/tags.h"
#include "store/verdict.h"
#include "store/visitor.h"

/* 2027-03-02T12:00:00+08:00: inside the fixture campaigns' window. */
#define NOW 1803960000000000LL

/* A visitor id made from a number. */
static void
visitor_of(uint8_t n, uint8_t v[STORE_VISITOR_BYTES])
{
	memset(v, 0, STORE_VISITOR_BYTES);
	v[0] = n;
	v[15] = 1;		/* as draw_fixture's request() */
}

/* Appends a scan event of code n by visitor v (0: none) with flags and
 * verdict, and counts it, in its own transaction. */
static void
scan(struct fixture *f, uint64_t n, uint8_t v, uint8_t flags, int verdict,
    int64_t now)
{
	struct store_code_scans s;
	struct store_event ev;
	struct store_txn t;

	memset(&ev, 0, sizeof(ev));
	ev.time = now;
	serial_of(n, ev.serial);
	ev.batch_id = 1;
	ev.verdict = (uint8_t)verdict;
	ev.flags = flags;
	if (v != 0)
		visitor_of(v, ev.visitor);
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(store_event_add_txn(&t, &ev, &s), 0);
	assert_int_equal(tags_scan_txn(&t, &ev), 0);
	assert_int_equal(store_txn_commit(&t), 0);
}

#define HUMAN (STORE_EVENT_F_HUMAN | STORE_EVENT_F_AUTH | STORE_EVENT_F_KNOWN)

/* Whether visitor v carries the tag named name now. */
static bool
has(struct fixture *f, uint8_t v, const char *name)
{
	uint8_t id[STORE_VISITOR_BYTES];
	struct tags_tag tag;
	struct store_txn t;
	bool yes;

	visitor_of(v, id);
	assert_int_equal(tags_parse(name, &tag), 0);
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(tags_has_txn(&t, id, &tag, &yes), 0);
	store_txn_abort(&t);
	return yes;
}

/* Visitor v's record (zero when it has none). */
static struct store_visitor
record(struct fixture *f, uint8_t v)
{
	uint8_t id[STORE_VISITOR_BYTES];
	struct store_visitor r;
	struct store_txn t;
	int ret;

	visitor_of(v, id);
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	ret = store_visitor_get_txn(&t, id, &r);
	store_txn_abort(&t);
	if (ret == -ENOENT)
		memset(&r, 0, sizeof(r));
	else
		assert_int_equal(ret, 0);
	return r;
}

/* Credits points to visitor v. */
static void
points(struct fixture *f, uint8_t v, int64_t amount)
{
	uint8_t id[STORE_VISITOR_BYTES];
	struct store_txn t;
	int64_t balance;

	visitor_of(v, id);
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(store_points_add_txn(&t, id, "x", 0, amount, 0, NOW,
	    &balance), 0);
	assert_int_equal(store_txn_commit(&t), 0);
}

/* Names parse and print back; others are refused. */
static void
test_names(void **state)
{
	static const char *const good[] = { "first_scan", "repeat_buyer",
	    "winner", "redeemer", "checkin:sh-001", "checkin:01",
	    "points:bronze", "points:silver", "points:gold",
	    "checkin:abcdefghijklmnopqrstuvwxyz012345" };
	static const char *const bad[] = { "", "Winner", "repeat-buyer",
	    "checkin:", "checkin:a b",
	    "checkin:abcdefghijklmnopqrstuvwxyz0123456",
	    "points:", "points:platinum", "points", "checkin", "winner ",
	    "first_scan;winner" };
	char name[TAGS_NAME_MAX + 1];
	struct tags_tag tag;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(tags_parse(good[i], &tag), 0);
		tags_name(&tag, name);
		assert_string_equal(name, good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(tags_parse(bad[i], &tag), -EINVAL);
	static const struct {
		int64_t balance;
		int tier;
	} tiers[] = {
		{ 0, TAGS_TIER_NONE }, { -5, TAGS_TIER_NONE },
		{ TAGS_BRONZE_POINTS, TAGS_TIER_BRONZE },
		{ TAGS_SILVER_POINTS - 1, TAGS_TIER_BRONZE },
		{ TAGS_SILVER_POINTS, TAGS_TIER_SILVER },
		{ TAGS_GOLD_POINTS - 1, TAGS_TIER_SILVER },
		{ TAGS_GOLD_POINTS, TAGS_TIER_GOLD },
	};
	for (size_t i = 0; i < sizeof(tiers) / sizeof(tiers[0]); i++)
		assert_int_equal(tags_tier_of(&tags_tiers_default,
		    tiers[i].balance), tiers[i].tier);
	assert_null(tags_tier_name(TAGS_TIER_NONE));
	assert_string_equal(tags_tier_name(TAGS_TIER_GOLD), "gold");
}

/* Only human scans of genuine codes with a visitor id count; a code
 * scanned again is no second code. */
static void
test_scans(void **state)
{
	struct fixture *f = *state;
	struct store_visitor r;

	scan(f, 1, 1, HUMAN, VERDICT_GENUINE, NOW);
	assert_true(has(f, 1, "first_scan"));
	assert_false(has(f, 1, "repeat_buyer"));
	scan(f, 1, 1, HUMAN, VERDICT_GENUINE, NOW + 10);
	assert_false(has(f, 1, "repeat_buyer"));
	/* None of these is a second code bought. */
	scan(f, 2, 1, STORE_EVENT_F_AUTH, VERDICT_GENUINE, NOW + 20);
	scan(f, 3, 1, HUMAN | STORE_EVENT_F_HEAD, VERDICT_GENUINE, NOW + 30);
	scan(f, 4, 1, HUMAN, VERDICT_NOT_ACTIVE, NOW + 40);
	scan(f, 5, 1, HUMAN, VERDICT_VOID, NOW + 50);
	scan(f, 6, 1, STORE_EVENT_F_HUMAN, VERDICT_FORGED, NOW + 60);
	scan(f, 7, 1, STORE_EVENT_F_HUMAN | STORE_EVENT_F_KNOWN,
	    VERDICT_GENUINE, NOW + 70);
	scan(f, 8, 0, HUMAN, VERDICT_GENUINE, NOW + 80);
	r = record(f, 1);
	assert_int_equal(r.scans, 2);
	assert_int_equal(r.codes, 1);
	assert_true(r.first_seen == NOW && r.last_seen == NOW + 10);
	assert_false(has(f, 1, "repeat_buyer"));
	/* An app's scan (API) of another code is. */
	scan(f, 9, 1, HUMAN | STORE_EVENT_F_API, VERDICT_GENUINE, NOW + 90);
	assert_true(has(f, 1, "repeat_buyer"));
	r = record(f, 1);
	assert_true(r.scans == 3 && r.codes == 2 && r.last_seen == NOW + 90);
	/* Another visitor's codes are its own. */
	scan(f, 9, 2, HUMAN, VERDICT_GENUINE, NOW + 100);
	r = record(f, 2);
	assert_true(r.scans == 1 && r.codes == 1);
	assert_false(has(f, 3, "first_scan"));
	/* Past the codes a record holds itself: each counted once. */
	for (uint64_t n = 20; n < 20 + 2 * STORE_VISITOR_INLINE + 1; n++) {
		scan(f, n, 5, HUMAN, VERDICT_GENUINE, NOW + (int64_t)n);
		scan(f, 20, 5, HUMAN, VERDICT_GENUINE, NOW + (int64_t)n);
		scan(f, n, 5, HUMAN, VERDICT_GENUINE, NOW + (int64_t)n);
	}
	r = record(f, 5);
	assert_int_equal(r.codes, 2 * STORE_VISITOR_INLINE + 1);
	assert_int_equal(r.scans, 3 * (2 * STORE_VISITOR_INLINE + 1));
	/* Nothing carries a tag without a visitor id. */
	assert_false(has(f, 0, "first_scan"));
}

/* Draws, redemptions, check-ins and points: a scripted history. */
static void
test_history(void **state)
{
	struct fixture *f = *state;
	uint8_t id[STORE_VISITOR_BYTES];
	struct store_claim cl;
	struct store_visitor r;
	struct store_txn t;

	visitor_of(4, id);
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(tags_draw_txn(&t, id, NOW, false), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	assert_false(has(f, 4, "winner"));
	assert_false(has(f, 4, "first_scan"));
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(tags_draw_txn(&t, id, NOW + 5, true), 0);
	/* A ticket opened to nothing is no prize redeemed. */
	memset(&cl, 0, sizeof(cl));
	memcpy(cl.visitor, id, sizeof(cl.visitor));
	cl.ticket = 1;
	assert_int_equal(tags_redeem_txn(&t, &cl, true, NOW + 6), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	assert_true(has(f, 4, "winner"));
	assert_false(has(f, 4, "redeemer"));
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	cl.tier = 1;
	assert_int_equal(tags_redeem_txn(&t, &cl, true, NOW + 7), 0);
	assert_int_equal(tags_checkin_txn(&t, id, "s1", NOW + 8), 0);
	assert_int_equal(tags_checkin_txn(&t, id, "s1", NOW + 9), 0);
	assert_int_equal(tags_checkin_txn(&t, id, "s2", NOW - 9), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	r = record(f, 4);
	assert_int_equal(r.draws, 2);
	assert_int_equal(r.wins, 2);	/* the online win, the ticket */
	assert_int_equal(r.redemptions, 1);
	assert_int_equal(r.checkins, 3);
	assert_true(r.first_seen == NOW - 9 && r.last_seen == NOW + 9);
	assert_true(has(f, 4, "redeemer"));
	assert_true(has(f, 4, "checkin:s1"));
	assert_true(has(f, 4, "checkin:s2"));
	assert_false(has(f, 4, "checkin:s3"));
	assert_false(has(f, 5, "checkin:s1"));
	/* Points tiers: a scope's tier admits the ones above it. */
	assert_false(has(f, 4, "points:bronze"));
	points(f, 4, TAGS_SILVER_POINTS - 1);
	assert_true(has(f, 4, "points:bronze"));
	assert_false(has(f, 4, "points:silver"));
	points(f, 4, 1);
	assert_true(has(f, 4, "points:bronze"));
	assert_true(has(f, 4, "points:silver"));
	assert_false(has(f, 4, "points:gold"));
	points(f, 4, TAGS_GOLD_POINTS);
	assert_true(has(f, 4, "points:gold"));
	points(f, 4, -TAGS_GOLD_POINTS);
	assert_false(has(f, 4, "points:gold"));
}

/* Parses a campaign text with scope.tags set to tags (JSON), expecting
 * ret; returns the campaign (NULL on failure) and the first error. */
static struct campaign *
parse_scope(const char *tags, int ret, char *err, size_t errlen)
{
	struct campaign_errors errs = { NULL, 0 };
	struct campaign *c = NULL;
	char text[1024];

	snprintf(text, sizeof(text), "{\"id\": \"s\", \"name\": \"S\", "
	    "\"start\": \"2027-03-01T00:00:00Z\", \"end\": "
	    "\"2027-03-02T00:00:00Z\", \"time_zone\": \"UTC\", \"scope\": "
	    "{\"batches\": [1], \"tags\": %s}, \"tiers\": [{\"id\": \"g\", "
	    "\"name\": \"G\", \"kind\": \"physical\", \"total\": 1, "
	    "\"odds\": 1}], \"claim\": {\"window_days\": 1}}", tags);
	assert_int_equal(campaign_parse(text, strlen(text), true, &c, &errs),
	    ret);
	if (err != NULL)
		snprintf(err, errlen, "%s", errs.n > 0 ? errs.msgs[0] : "");
	campaign_errors_free(&errs);
	return c;
}

/* The campaign file's scope.tags: checked, and said in both languages. */
static void
test_scope_file(void **state)
{
	struct campaign *c;
	char err[256];

	(void)state;
	c = parse_scope("[\"repeat_buyer\"]", 0, NULL, 0);
	assert_int_equal(c->scope_tags.n, 1);
	assert_string_equal(campaign_scope_text(c, false),
	    "This draw is for repeat buyers.");
	assert_string_equal(campaign_scope_text(c, true),
	    "本次抽奖仅限复购会员参与。");
	campaign_unref(c, __func__);
	c = parse_scope("[\"winner\", \"checkin:sh-1\", \"points:gold\"]", 0,
	    NULL, 0);
	assert_int_equal(c->scope_tags.n, 3);
	assert_string_equal(campaign_scope_text(c, false), "This draw is for "
	    "visitors who are all of: past winners; visitors who have checked "
	    "in at store sh-1; gold members.");
	assert_string_equal(campaign_scope_text(c, true), "本次抽奖仅限同时满足"
	    "以下条件的会员参与：曾中奖的会员；在门店 sh-1 打过卡的会员；金卡会员。");
	campaign_unref(c, __func__);
	parse_scope("[]", -EINVAL, err, sizeof(err));
	assert_non_null(strstr(err, "scope.tags"));
	parse_scope("\"repeat_buyer\"", -EINVAL, err, sizeof(err));
	assert_non_null(strstr(err, "scope.tags"));
	parse_scope("[\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\", \"h\", "
	    "\"i\"]", -EINVAL, err, sizeof(err));
	assert_non_null(strstr(err, "1 to 8"));
	parse_scope("[\"winner\", \"vip\"]", -EINVAL, err, sizeof(err));
	assert_non_null(strstr(err, "scope.tags[1]"));
	parse_scope("[\"winner\", 7]", -EINVAL, err, sizeof(err));
	assert_non_null(strstr(err, "scope.tags[1]"));
	parse_scope("[\"checkin:a\", \"checkin:a\"]", -EINVAL, err,
	    sizeof(err));
	assert_non_null(strstr(err, "repeats scope.tags[0]"));
	/* Without tags, every visitor may draw. */
	c = tu_campaign_file("draw-once");
	assert_int_equal(c->scope_tags.n, 0);
	campaign_unref(c, __func__);
}

/* A scoped draw: refused without logging anything, the code keeping its
 * draw; allowed once the visitor carries every tag. */
static void
test_scope_draw(void **state)
{
	struct fixture *f = *state;
	struct draw_result res;
	struct store_campaign h;

	f->c = tu_campaign_load(f->st, "scope-tags", 1);
	scan(f, 1, 1, HUMAN, VERDICT_GENUINE, NOW);
	res = draw(f, f->c, 1, 1, 1, NOW);
	assert_int_equal(res.status, DRAW_REFUSED);
	assert_int_equal(res.refusal, DRAW_REFUSE_SCOPE);
	assert_int_equal(res.draw.seq, 0);
	assert_false(res.has_claim);
	assert_string_equal(draw_refusal_words(f->c, res.refusal, false),
	    "This draw is for visitors who are all of: repeat buyers; silver "
	    "members and above.");
	h = header(f, "members");
	assert_int_equal(h.draws, 0);
	assert_int_equal(counter(f, "members", STORE_COUNT_SUMMARY,
	    STORE_SUM_REFUSED, 0), 0);
	assert_int_equal(record(f, 1).draws, 0);
	/* One tag of two is not enough. */
	scan(f, 2, 1, HUMAN, VERDICT_GENUINE, NOW + 1);
	assert_int_equal(draw(f, f->c, 1, 1, 1, NOW + 2).status, DRAW_REFUSED);
	points(f, 1, TAGS_GOLD_POINTS);
	/* A visitor without the tags still may not. */
	assert_int_equal(draw(f, f->c, 2, 2, 1, NOW + 3).refusal,
	    DRAW_REFUSE_SCOPE);
	res = draw(f, f->c, 1, 1, 1, NOW + 4);
	assert_int_equal(res.status, DRAW_NEW);
	assert_int_equal(res.draw.seq, 1);
	assert_int_equal(res.draw.outcome, 1);
	assert_int_equal(header(f, "members").draws, 1);
	assert_int_equal(record(f, 1).draws, 1);
	assert_int_equal(record(f, 1).wins, 1);
	assert_true(has(f, 1, "winner"));
	/* Its repeat shows the result, also to a visitor out of scope. */
	assert_int_equal(draw(f, f->c, 1, 2, 1, NOW + 5).status, DRAW_REPEAT);
}

/* Sets (value non-NULL) or unsets a setting in a transaction of its own. */
static void
config_put(struct fixture *f, const char *name, const char *value)
{
	struct store_txn t;
	int ret;

	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	ret = store_config_put_txn(&t, name, value);
	assert_true(ret == 0 || (value == NULL && ret == -ENOENT));
	assert_int_equal(store_txn_commit(&t), 0);
}

/* The thresholds the store holds now. */
static struct tags_tiers
tiers_now(struct fixture *f)
{
	struct tags_tiers x;
	struct store_txn t;

	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(tags_tiers_get_txn(&t, &x), 0);
	store_txn_abort(&t);
	return x;
}

/* Checks a new threshold for tier against the store's others. */
static int
tier_check(struct fixture *f, int tier, int64_t points, const char **why)
{
	struct store_txn t;
	int ret;

	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	ret = tags_tiers_check_txn(&t, tier, points, why);
	store_txn_abort(&t);
	return ret;
}

/* The points tiers' thresholds as settings: read, checked in order, and
 * what a points tag means with them; settings that no longer make sense
 * read as the defaults. */
static void
test_tier_settings(void **state)
{
	struct fixture *f = *state;
	struct tags_tiers x;
	const char *why;

	x = tiers_now(f);
	assert_memory_equal(&x, &tags_tiers_default, sizeof(x));
	points(f, 4, 600);
	assert_true(has(f, 4, "points:bronze"));
	assert_false(has(f, 4, "points:silver"));
	/* Ordered changes pass; out of order ones say which way. */
	assert_int_equal(tier_check(f, TAGS_TIER_SILVER, 500, &why), 0);
	assert_int_equal(tier_check(f, TAGS_TIER_SILVER, 5000, &why), -EINVAL);
	assert_string_equal(why, "must be below tags.gold");
	assert_int_equal(tier_check(f, TAGS_TIER_GOLD, 1000, &why), -EINVAL);
	assert_string_equal(why, "must be above tags.silver");
	assert_int_equal(tier_check(f, TAGS_TIER_BRONZE, 1000, &why), -EINVAL);
	assert_string_equal(why, "must be below tags.silver");
	assert_int_equal(tier_check(f, TAGS_TIER_BRONZE, 0, &why), -EINVAL);
	assert_string_equal(why, "out of range");
	config_put(f, "tags.bronze", "100");
	config_put(f, "tags.silver", "500");
	config_put(f, "tags.gold", "2e3");
	x = tiers_now(f);
	assert_true(x.at[0] == 100 && x.at[1] == 500 && x.at[2] == 2000);
	assert_int_equal(tier_check(f, TAGS_TIER_SILVER, 100, &why), -EINVAL);
	assert_string_equal(why, "must be above tags.bronze");
	assert_int_equal(tags_tier_of(&x, 99), TAGS_TIER_NONE);
	assert_int_equal(tags_tier_of(&x, 1999), TAGS_TIER_SILVER);
	/* A scope's tag reads them: 600 points are silver now. */
	assert_true(has(f, 4, "points:silver"));
	assert_false(has(f, 4, "points:gold"));
	points(f, 4, 1400);
	assert_true(has(f, 4, "points:gold"));
	/* Out of order or garbage in the store (written by hand): the
	 * defaults, whole. */
	config_put(f, "tags.silver", "3000");
	x = tiers_now(f);
	assert_memory_equal(&x, &tags_tiers_default, sizeof(x));
	config_put(f, "tags.silver", "5x");
	x = tiers_now(f);
	assert_true(x.at[0] == 100 && x.at[1] == TAGS_SILVER_POINTS &&
	    x.at[2] == 2000);
	config_put(f, "tags.silver", "99999999999999999999");
	assert_int_equal(tiers_now(f).at[1], TAGS_SILVER_POINTS);
	config_put(f, "tags.bronze", NULL);
	config_put(f, "tags.silver", NULL);
	config_put(f, "tags.gold", NULL);
	x = tiers_now(f);
	assert_memory_equal(&x, &tags_tiers_default, sizeof(x));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test_setup_teardown(test_scans, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_history, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_tier_settings,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test(test_scope_file),
		cmocka_unit_test_setup_teardown(test_scope_draw, fixture_setup,
		    fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
