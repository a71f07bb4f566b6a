/* test_daily.c — a tier's daily_guarantee (每天必送出一份): the file's
 * rules, the odds of the moment against hand-worked figures, and a week of
 * store openings in which exactly per_day prizes go out each day (all the
 * openings' when a day has fewer), which the audit, in C and in Python,
 * replays and passes, and fails once an outcome is changed. */
#include "draw_fixture.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "common/tz.h"
#include "rewards/audit.h"
#include "rewards/drawlog.h"

#define SEED_BYTE 0x42
#define HOUR (3600LL * 1000000)
#define MIN (60LL * 1000000)
#define DAYS 7
#define TICKETS 160

/* Parses the fixture with tier 0's field key set to value (NULL: removed;
 * "g." names a field of its daily_guarantee) and expects the problem
 * want (NULL: none). */
static void
expect_rule(const char *key, json_t *value, const char *want)
{
	char path[TU_PATH_MAX], *text;
	json_t *root, *tier;
	size_t len;

	text = tu_read(tu_fixture_path(path, "campaigns/daily-guarantee.json"),
	    &len);
	assert_non_null(root = json_loadb(text, len, 0, NULL));
	free(text);
	tier = json_array_get(json_object_get(root, "tiers"), 0);
	if (strncmp(key, "g.", 2) == 0)
		tier = json_object_get(tier, "daily_guarantee"), key += 2;
	if (value == NULL)
		json_object_del(tier, key);
	else
		json_object_set_new(tier, key, value);
	tu_campaign_expect(root, want);
	json_decref(root);
}

/* The rules of the file: where a guarantee may be, and its fields. */
static void
test_rules(void **state)
{
	struct campaign *c;

	(void)state;
	if (!tz_known("Asia/Shanghai"))
		skip();
	c = tu_campaign_file("daily-guarantee");
	assert_int_equal(c->tiers[0].guarantee, 2);
	assert_int_equal(c->tiers[0].daily_cap, 2);
	assert_int_equal(c->tiers[0].expected, 12);
	assert_int_equal(c->tiers[0].opens_s, 9 * 3600);
	assert_int_equal(c->tiers[0].last_call_s, 20 * 3600);
	assert_int_equal(c->tiers[1].guarantee, 0);
	campaign_unref(c, __func__);

	expect_rule("daily_cap", json_integer(2), NULL);
	expect_rule("daily_cap", json_integer(3),
	    "tiers[0].daily_cap: must equal daily_guarantee.per_day");
	expect_rule("odds", json_integer(10),
	    "tiers[0].odds: must be 0 with a daily_guarantee");
	expect_rule("reveal", json_string("online"),
	    "tiers[0].daily_guarantee: belongs to at_store tiers only");
	expect_rule("total", json_integer(1),
	    "tiers[0].daily_guarantee.per_day: is larger than the tier's");
	expect_rule("g.per_day", json_integer(0),
	    "tiers[0].daily_guarantee.per_day");
	expect_rule("g.expected_openings", NULL,
	    "tiers[0].daily_guarantee.expected_openings: is required");
	expect_rule("g.opens", NULL, NULL);
	expect_rule("g.last_call", json_string("24:00"),
	    "tiers[0].daily_guarantee.last_call: must be a local time");
	expect_rule("g.last_call", json_string("9:30"),
	    "tiers[0].daily_guarantee.last_call: must be a local time");
	expect_rule("g.last_call", json_string("08:59"),
	    "tiers[0].daily_guarantee.last_call: must be after opens");
	expect_rule("g.when", json_true(),
	    "tiers[0].daily_guarantee.when");
	expect_rule("daily_guarantee", json_integer(1),
	    "tiers[0].daily_guarantee: must be an object");
}

/* The odds of the moment, worked by hand: per_day 2, 12 openings
 * expected from 09:00 to the last call at 20:00 (39,600 s). */
static void
test_odds(void **state)
{
	uint32_t odds[CAMPAIGN_TIERS_MAX] = { 0 };
	struct campaign *c;
	int64_t d3;

	(void)state;
	if (!tz_known("Asia/Shanghai"))
		skip();
	c = tu_campaign_file("daily-guarantee");
	d3 = c->day_starts[3];
	/* Before opening: 2 of 12 expected. */
	assert_int_equal(draw_guarantee_odds(c, 0, d3 + 8 * HOUR, 3, 0, true),
	    166666);
	assert_int_equal(draw_guarantee_odds(c, 0, d3 + 9 * HOUR, 3, 0, true),
	    166666);
	/* 14:30, half the span left: 2 of 6, or 1 of 6 once one went. */
	assert_int_equal(draw_guarantee_odds(c, 0, d3 + 14 * HOUR + 30 * MIN,
	    3, 0, true), 333333);
	assert_int_equal(draw_guarantee_odds(c, 0, d3 + 14 * HOUR + 30 * MIN,
	    3, 1, true), 166666);
	/* 19:00: 12 × 3600 / 39600 = 1.09 openings left: 1 / 1.09. */
	assert_int_equal(draw_guarantee_odds(c, 0, d3 + 19 * HOUR, 3, 1, true),
	    916666);
	/* Fewer openings expected than prizes left: certain. */
	assert_int_equal(draw_guarantee_odds(c, 0, d3 + 19 * HOUR + 59 * MIN,
	    3, 0, true), 1000000);
	/* The last call and after: certain, until per_day went out. */
	assert_int_equal(draw_guarantee_odds(c, 0, d3 + 20 * HOUR, 3, 1, true),
	    1000000);
	assert_int_equal(draw_guarantee_odds(c, 0, d3 + 24 * HOUR - 1, 3, 0,
	    true), 1000000);
	assert_int_equal(draw_guarantee_odds(c, 0, d3 + 20 * HOUR, 3, 2, true),
	    0);
	assert_int_equal(draw_guarantee_odds(c, 0, d3 + 20 * HOUR, 3, 0,
	    false), 0);
	assert_int_equal(draw_guarantee_odds(c, 0, d3, -1, 0, true), 0);
	assert_int_equal(draw_guarantee_odds(c, 1, d3 + 20 * HOUR, 3, 0, true),
	    0);
	/* The pick: the guarantee first, then the points tier's 30% of
	 * what is left of u. */
	odds[0] = 250000;
	assert_int_equal(draw_pick_opening(c, 0, odds), 0);
	assert_int_equal(draw_pick_opening(c, 249999, odds), 0);
	assert_int_equal(draw_pick_opening(c, 250000, odds), 1);
	assert_int_equal(draw_pick_opening(c, 474999, odds), 1);
	assert_int_equal(draw_pick_opening(c, 475000, odds), -1);
	odds[0] = 1000000;
	assert_int_equal(draw_pick_opening(c, 999999, odds), 0);
	odds[0] = 0;
	assert_int_equal(draw_pick_opening(c, 299999, odds), 1);
	assert_int_equal(draw_pick_opening(c, 300000, odds), -1);
	campaign_unref(c, __func__);
}

/* Each day's openings, in local minutes after midnight. */
struct day_plan {
	int n;
	int minutes[64];
	int want;			/* prizes that day */
};

/* Fills a plan of n openings from first, every step minutes. */
static void
plan_every(struct day_plan *p, int first, int step, int n)
{
	for (int i = 0; i < n; i++)
		p->minutes[p->n++] = first + i * step;
}

/* Writes one log entry as a JSONL line. */
static int
export_cb(const struct store_draw *d, void *arg)
{
	void **x = arg;
	const struct campaign *c = x[0];
	char date[DRAWLOG_DATE_LEN], *s;
	json_t *o;

	drawlog_date_text(*(int64_t *)x[2], d->day, date);
	o = drawlog_draw_json(c, d, date);
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_non_null(s);
	fprintf(x[1], "%s\n", s);
	free(s);
	json_decref(o);
	return 0;
}

/* Exports campaign c's log to path as `export draws --format jsonl`. */
static void
export_log(struct fixture *f, const char *path)
{
	struct store_campaign hdr;
	struct store_txn t;
	int64_t day0;
	void *x[3];
	FILE *fp;
	char *s;
	json_t *h;

	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(drawlog_day0(f->c, &day0), 0);
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(store_campaign_get_txn(&t, f->c->id, &hdr), 0);
	assert_non_null(h = drawlog_header_json(&hdr, f->c->config,
	    f->c->config_len));
	s = json_dumps(h, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fprintf(fp, "%s\n", s);
	free(s);
	json_decref(h);
	x[0] = f->c;
	x[1] = fp;
	x[2] = &day0;
	assert_int_equal(store_draw_foreach_txn(&t, f->c->id, 1, export_cb, x),
	    0);
	store_txn_abort(&t);
	assert_int_equal(fclose(fp), 0);
}

/* Audits the JSONL log at path in C (returns whether it passed, printing
 * why not) and, when Python is here, with docs/audit_draws.py, which must
 * agree. */
static bool
audit_file(const char *path)
{
	static const char seed_hex[] = "42424242424242424242424242424242"
	    "42424242424242424242424242424242";
	const char *src = getenv("SCANLOOP_SRC");
	uint8_t seed[32];
	struct audit_report rep;
	char cmd[3 * TU_PATH_MAX];
	bool passed;
	FILE *fp;
	int st;

	memset(seed, SEED_BYTE, sizeof(seed));
	assert_non_null(fp = fopen(path, "r"));
	assert_int_equal(audit_run_jsonl(fp, "daily", seed, &rep), 0);
	fclose(fp);
	passed = rep.passed;
	if (!passed)
		print_message("# audit: %s\n", rep.error);
	audit_report_free(&rep);
	if (system("python3 -c 'import hashlib' 2>/dev/null") != 0)
		return passed;
	snprintf(cmd, sizeof(cmd), "python3 '%s/docs/audit_draws.py' --seed %s "
	    "'%s'", src != NULL ? src : ".", seed_hex, path);
	fflush(stdout);
	st = system(cmd);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), passed ? 0 : 1);
	return passed;
}

/* Changes the outcome of the first opening of local day day that missed
 * into the guaranteed tier in the log at path. */
static void
tamper(const char *path, const char *date)
{
	char line[4096];
	json_t *o;
	FILE *in, *out;
	char tmp[TU_PATH_MAX + 8];
	bool done = false;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	assert_non_null(in = fopen(path, "r"));
	assert_non_null(out = fopen(tmp, "w"));
	while (fgets(line, sizeof(line), in) != NULL) {
		o = json_loads(line, 0, NULL);
		assert_non_null(o);
		if (!done && strcmp(json_string_value(json_object_get(o,
		    "type")), "draw") == 0 && strcmp(json_string_value(
		    json_object_get(o, "kind")), "open") == 0 &&
		    strcmp(json_string_value(json_object_get(o, "date")),
		    date) == 0 && strcmp(json_string_value(json_object_get(o,
		    "outcome")), "miss") == 0) {
			json_object_set_new(o, "outcome", json_string("pack"));
			json_object_set_new(o, "tier", json_integer(0));
			done = true;
		}
		char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);

		fprintf(out, "%s\n", s);
		free(s);
		json_decref(o);
	}
	fclose(in);
	assert_int_equal(fclose(out), 0);
	assert_true(done);
	assert_int_equal(rename(tmp, path), 0);
}

/* A week of openings: busy, quiet, all after the last call, fewer than
 * per_day, a rush in the morning, the expected number, only after the last
 * call. Every day gives exactly per_day (or all its openings, when fewer
 * and after the last call), never more, and the audit agrees. */
static void
test_week(void **state)
{
	struct fixture *f = *state;
	static struct day_plan plan[DAYS];
	static char tokens[TICKETS][TOKEN_CLAIM_CHARS + 1];
	char shop[TOKEN_SHOP_CHARS + 1], path[TU_PATH_MAX];
	struct campaign *c;
	int used = 0, won[DAYS] = { 0 }, pts = 0;

	if (!tz_known("Asia/Shanghai"))
		skip();
	c = f->c = tu_campaign_load(f->st, "daily-guarantee", SEED_BYTE);
	fixture_shop(f, "s1", shop);
	memset(plan, 0, sizeof(plan));
	plan_every(&plan[0], 8 * 60, 20, 40);		/* 08:00 to 21:00 */
	plan[0].want = 2;
	plan_every(&plan[1], 10 * 60, 0, 1);		/* 10:00 */
	plan_every(&plan[1], 20 * 60 + 30, 30, 2);	/* 20:30, 21:00 */
	plan[1].want = 2;
	plan_every(&plan[2], 20 * 60 + 10, 220, 2);	/* 20:10, 23:50 */
	plan[2].want = 2;
	plan_every(&plan[3], 21 * 60 + 30, 0, 1);	/* one, 21:30 */
	plan[3].want = 1;
	plan_every(&plan[4], 9 * 60, 2, 60);		/* a morning rush */
	plan_every(&plan[4], 20 * 60 + 30, 30, 2);
	plan[4].want = 2;
	plan_every(&plan[5], 9 * 60, 55, 12);		/* as expected */
	plan_every(&plan[5], 22 * 60, 60, 2);
	plan[5].want = 2;
	plan_every(&plan[6], 20 * 60, 15, 10);		/* evening only */
	plan[6].want = 2;

	/* The tickets: every online draw of an at_store campaign is one. */
	for (int i = 0; i < TICKETS; i++) {
		struct draw_result r = draw(f, c, (uint64_t)i + 1,
		    (uint8_t)(i % 200), (uint8_t)i, c->day_starts[0] + i);

		assert_int_equal(r.draw.outcome, STORE_OUTCOME_TICKET);
		snprintf(tokens[i], sizeof(tokens[i]), "%s", r.claim_token);
	}
	for (int d = 0; d < DAYS; d++) {
		for (int k = 0; k < plan[d].n; k++) {
			int64_t at = c->day_starts[d] +
			    (int64_t)plan[d].minutes[k] * MIN;
			struct redeem_result rr;

			assert_true(used < TICKETS);
			rr = tu_redeem(f->st, c, tokens[used++], shop, at,
			    claim_key);
			assert_int_equal(rr.status, REDEEM_OK);
			assert_true(rr.opened);
			won[d] += rr.opening.outcome == 1;
			pts += rr.opening.outcome == 2;
			/* Never more than per_day, at any moment. */
			assert_true(counter(f, "daily", STORE_COUNT_STOCK, 0,
			    (uint32_t)d + 1) <= 2);
			/* From the last call on, a prize still due goes. */
			if (plan[d].minutes[k] >= 20 * 60 &&
			    rr.opening.outcome != 1)
				assert_int_equal(won[d], 2);
		}
		print_message("# day %d: %d openings, %d prizes\n", d,
		    plan[d].n, won[d]);
		assert_int_equal(won[d], plan[d].want);
		assert_int_equal(counter(f, "daily", STORE_COUNT_STOCK, 0,
		    (uint32_t)d + 1), (uint64_t)plan[d].want);
	}
	/* The other at_store tier still draws at its odds. */
	assert_true(pts > 0);
	print_message("# %d openings won points\n", pts);

	tu_path(path, f->dir, "log.jsonl");
	export_log(f, path);
	assert_true(audit_file(path));
	/* A prize added to day 6 (whose two went out) fails the audit. */
	tamper(path, "2027-03-07");
	assert_false(audit_file(path));
	export_log(f, path);
	/* So does a prize added to a day's morning (the odds said miss). */
	tamper(path, "2027-03-05");
	assert_false(audit_file(path));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_odds),
		cmocka_unit_test_setup_teardown(test_week, fixture_setup,
		    fixture_teardown),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
