/* test_group.c — group unlocks (拼团) in a temporary store: a group that
 * fills (its members counted once each, then one draw each, in the
 * campaign's audited log), one that expires (nothing unlocks, joining is
 * refused), the starts a visitor may make a day, the group rules of the
 * campaign file, and group ids. */
#include "draw_fixture.h"

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "common/tz.h"
#include "rewards/audit.h"
#include "rewards/group.h"

#define SEED_BYTE 0x47
#define HOUR (3600LL * 1000000)

/* A request of visitor v about group id at now. */
static struct group_request
group_rq(struct fixture *f, const uint8_t id[STORE_GROUP_ID_BYTES], uint8_t v,
    int64_t now)
{
	struct group_request rq;

	memset(&rq, 0, sizeof(rq));
	rq.c = f->c;
	memcpy(rq.id, id, STORE_GROUP_ID_BYTES);
	rq.visitor[0] = v;
	rq.visitor[15] = 0x99;
	rq.net[0] = 4;
	rq.net[1] = v;
	rq.now = now;
	rq.claim_key = claim_key;
	rq.tallies = tallies_of(f);
	return rq;
}

/* Runs fn in a write transaction of its own. */
static struct group_result
group_do(struct fixture *f, int (*fn)(struct store_txn *,
    const struct group_request *, struct group_result *),
    const uint8_t id[STORE_GROUP_ID_BYTES], uint8_t v, int64_t now)
{
	struct group_request rq = group_rq(f, id, v, now);
	struct group_result res;
	struct store_txn t;

	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(fn(&t, &rq, &res), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	return res;
}

/* A group fills with three distinct visitors (one of them twice), then
 * each member draws once; the log passes the audit. */
static void
test_fill(void **state)
{
	struct fixture *f = *state;
	const uint8_t id[STORE_GROUP_ID_BYTES] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	uint8_t seed[32], serial[STORE_SERIAL_BYTES];
	struct group_result r;
	struct audit_report rep;
	struct store_txn t;
	uint64_t seqs[4] = { 0 };
	int64_t t0;

	if (!tz_known("Asia/Shanghai"))
		skip();
	f->c = tu_campaign_load(f->st, "group", SEED_BYTE);
	t0 = f->c->day_starts[1] + 10 * HOUR;
	r = group_do(f, group_start_txn, id, 1, t0);
	assert_int_equal(r.status, GROUP_OPEN);
	assert_int_equal(r.g.joined, 1);
	assert_int_equal(r.g.size, 3);
	assert_true(r.g.deadline == t0 + 24 * HOUR);
	/* A visitor who is not a member sees it, and is not one. */
	r = group_do(f, group_read_txn, id, 2, t0 + 1);
	assert_int_equal(r.status, GROUP_OPEN);
	assert_false(r.member);
	/* The creator joining counts no more. */
	r = group_do(f, group_join_txn, id, 1, t0 + 2);
	assert_int_equal(r.status, GROUP_OPEN);
	assert_true(r.member);
	assert_false(r.joined_now);
	assert_int_equal(r.g.joined, 1);
	r = group_do(f, group_join_txn, id, 2, t0 + 3);
	assert_int_equal(r.status, GROUP_OPEN);
	assert_true(r.joined_now);
	assert_int_equal(r.m.index, 2);
	assert_int_equal(r.g.joined, 2);
	/* Twice: counted once. */
	r = group_do(f, group_join_txn, id, 2, t0 + 4);
	assert_false(r.joined_now);
	assert_int_equal(r.g.joined, 2);
	/* No draw before it fills. */
	r = group_do(f, group_draw_txn, id, 1, t0 + 5);
	assert_int_equal(r.status, GROUP_LOCKED);
	assert_false(r.has_draw);
	assert_int_equal(header(f, "grp").draws, 0);
	/* The third visitor fills it. */
	r = group_do(f, group_join_txn, id, 3, t0 + 6);
	assert_int_equal(r.status, GROUP_UNLOCKED);
	assert_int_equal(r.g.joined, 3);
	assert_true(r.g.unlocked == t0 + 6);
	/* Full: a fourth cannot join, nor draw. */
	r = group_do(f, group_join_txn, id, 4, t0 + 7);
	assert_int_equal(r.status, GROUP_FULL);
	assert_false(r.member);
	assert_int_equal(r.g.joined, 3);
	r = group_do(f, group_draw_txn, id, 4, t0 + 8);
	assert_int_equal(r.status, GROUP_NOT_MEMBER);
	assert_false(r.has_draw);
	/* Each member draws once, on the code of the group and the visitor;
	 * a second time shows the first result. */
	for (uint8_t v = 1; v <= 3; v++) {
		r = group_do(f, group_draw_txn, id, v, t0 + 10 + v);
		assert_int_equal(r.status, GROUP_UNLOCKED);
		assert_true(r.has_draw);
		assert_int_equal(r.draw.status, DRAW_NEW);
		assert_int_equal(r.draw.draw.kind, STORE_DRAW_ONLINE);
		group_serial(id, group_rq(f, id, v, 0).visitor, serial);
		assert_memory_equal(r.draw.draw.serial, serial, sizeof(serial));
		seqs[v] = r.draw.draw.seq;
		r = group_do(f, group_draw_txn, id, v, t0 + 20 + v);
		assert_int_equal(r.draw.status, DRAW_REPEAT);
		assert_true(r.draw.draw.seq == seqs[v]);
		r = group_do(f, group_read_txn, id, v, t0 + 30);
		assert_true(r.has_draw);
		assert_true(r.draw.draw.seq == seqs[v]);
	}
	assert_true(seqs[1] != seqs[2] && seqs[2] != seqs[3]);
	assert_int_equal(header(f, "grp").draws, 3);
	assert_int_equal(counter(f, "grp", STORE_COUNT_SUMMARY,
	    STORE_SUM_DRAWS, 0), 3);
	memset(seed, SEED_BYTE, sizeof(seed));
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(audit_run_store(&t, "grp", seed, &rep), 0);
	store_txn_abort(&t);
	if (!rep.passed)
		fail_msg("audit: %s", rep.error);
	assert_int_equal(rep.sum.online, 3);
	audit_report_free(&rep);
}

/* A group that does not fill by its deadline unlocks nothing: joining is
 * refused from the deadline on, and its members never draw. */
static void
test_expire(void **state)
{
	struct fixture *f = *state;
	const uint8_t id[STORE_GROUP_ID_BYTES] = { 9, 9, 9 };
	const uint8_t late[STORE_GROUP_ID_BYTES] = { 7 };
	struct group_result r;
	int64_t t0;

	if (!tz_known("Asia/Shanghai"))
		skip();
	f->c = tu_campaign_load(f->st, "group", SEED_BYTE);
	t0 = f->c->day_starts[2] + 9 * HOUR;
	r = group_do(f, group_start_txn, id, 1, t0);
	assert_int_equal(r.status, GROUP_OPEN);
	r = group_do(f, group_join_txn, id, 2, t0 + 24 * HOUR - 1);
	assert_int_equal(r.status, GROUP_OPEN);
	assert_int_equal(r.g.joined, 2);
	/* At the deadline: expired, and the third cannot fill it. */
	r = group_do(f, group_join_txn, id, 3, t0 + 24 * HOUR);
	assert_int_equal(r.status, GROUP_EXPIRED);
	assert_false(r.member);
	assert_int_equal(r.g.joined, 2);
	assert_true(r.g.unlocked == 0);
	assert_string_equal(group_status_name(r.status), "expired");
	assert_non_null(strstr(group_status_text(r.status, false),
	    "expired"));
	/* A member joining again, or drawing, gets nothing either. */
	r = group_do(f, group_join_txn, id, 2, t0 + 25 * HOUR);
	assert_int_equal(r.status, GROUP_EXPIRED);
	r = group_do(f, group_draw_txn, id, 1, t0 + 25 * HOUR);
	assert_int_equal(r.status, GROUP_EXPIRED);
	assert_false(r.has_draw);
	assert_int_equal(header(f, "grp").draws, 0);
	/* A group started near the end has the campaign's end as its
	 * deadline. */
	r = group_do(f, group_start_txn, late, 5, f->c->end - HOUR);
	assert_int_equal(r.status, GROUP_OPEN);
	assert_true(r.g.deadline == f->c->end);
}

/* Starts per visitor and local day, a campaign without group rules, a
 * group that does not exist. */
static void
test_starts(void **state)
{
	struct fixture *f = *state;
	uint8_t id[STORE_GROUP_ID_BYTES] = { 0 };
	struct group_result r;
	struct campaign *plain;
	int64_t t0;

	if (!tz_known("Asia/Shanghai"))
		skip();
	f->c = tu_campaign_load(f->st, "group", SEED_BYTE);
	t0 = f->c->day_starts[3] + 20 * HOUR;
	for (int i = 0; i < 3; i++) {
		id[0] = (uint8_t)(i + 1);
		r = group_do(f, group_start_txn, id, 1, t0 + i);
		assert_int_equal(r.status, i < 2 ? GROUP_OPEN : GROUP_TOO_MANY);
	}
	/* Another visitor, and the next local day (Asia/Shanghai). */
	id[0] = 10;
	r = group_do(f, group_start_txn, id, 2, t0 + 4);
	assert_int_equal(r.status, GROUP_OPEN);
	id[0] = 11;
	r = group_do(f, group_start_txn, id, 1, f->c->day_starts[4]);
	assert_int_equal(r.status, GROUP_OPEN);
	/* Before the campaign: closed. */
	id[0] = 12;
	r = group_do(f, group_start_txn, id, 3, f->c->start - 1);
	assert_int_equal(r.status, GROUP_CLOSED);
	id[0] = 3;
	r = group_do(f, group_join_txn, id, 5, t0 + 5);
	assert_int_equal(r.status, GROUP_NOT_FOUND);
	/* A campaign without group rules takes none. */
	plain = f->c;
	f->c = tu_campaign_load(f->st, "draw-odds", 1);
	id[0] = 13;
	r = group_do(f, group_start_txn, id, 1, f->c->start + HOUR);
	assert_int_equal(r.status, GROUP_CLOSED);
	campaign_unref(plain, __func__);
}

/* Walk callback: counts a member. */
static int
count_member(const struct store_group_member *m, void *arg)
{
	(void)m;
	(*(size_t *)arg)++;
	return 0;
}

/* Members of group id in the store. */
static size_t
members_of(struct fixture *f, const uint8_t id[STORE_GROUP_ID_BYTES])
{
	struct store_txn t;
	size_t n = 0;

	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(store_group_member_foreach_txn(&t, id, count_member,
	    &n), 0);
	store_txn_abort(&t);
	return n;
}

/* Retention: the groups that never unlocked go with their members once
 * their deadline is past the cut-off, in steps that go on where the last
 * stopped; an unlocked group and one still open stay. */
static void
test_prune_abandoned(void **state)
{
	struct fixture *f = *state;
	const uint8_t a[STORE_GROUP_ID_BYTES] = { 0xa0 },
	    b[STORE_GROUP_ID_BYTES] = { 0xb0 }, c[STORE_GROUP_ID_BYTES] = {
	    0xc0 };
	struct store_prune_policy p = { 0, 0, 0 };
	struct store_prune_stats ps;
	struct group_result r;
	struct store_txn t;
	int64_t t0;
	int steps = 0, ret;

	if (!tz_known("Asia/Shanghai"))
		skip();
	f->c = tu_campaign_load(f->st, "group", SEED_BYTE);
	t0 = f->c->day_starts[1] + 10 * HOUR;
	/* a: two of three, then its deadline passes; b: unlocked; c: open
	 * past the cut-off. */
	assert_int_equal(group_do(f, group_start_txn, a, 1, t0).status,
	    GROUP_OPEN);
	assert_int_equal(group_do(f, group_join_txn, a, 2, t0 + 1).status,
	    GROUP_OPEN);
	assert_int_equal(group_do(f, group_start_txn, b, 3, t0).status,
	    GROUP_OPEN);
	assert_int_equal(group_do(f, group_join_txn, b, 4, t0 + 1).status,
	    GROUP_OPEN);
	assert_int_equal(group_do(f, group_join_txn, b, 5, t0 + 2).status,
	    GROUP_UNLOCKED);
	assert_int_equal(group_do(f, group_start_txn, c, 6, t0 + 30 * HOUR)
	    .status, GROUP_OPEN);
	/* 1,500 more abandoned groups of one member each: more than one
	 * step deletes. */
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	for (unsigned i = 0; i < 1500; i++) {
		struct store_group g;
		struct store_group_member m;

		memset(&g, 0, sizeof(g));
		memset(&m, 0, sizeof(m));
		g.id[0] = 0x50;
		g.id[1] = (uint8_t)(i >> 8);
		g.id[2] = (uint8_t)i;
		snprintf(g.campaign, sizeof(g.campaign), "%s", f->c->id);
		g.created = t0;
		g.deadline = t0 + HOUR;
		g.size = 3;
		g.joined = 1;
		m.joined = t0;
		m.index = 1;
		m.visitor[0] = (uint8_t)i;
		m.visitor[1] = (uint8_t)(i >> 8);
		assert_int_equal(store_group_add_txn(&t, &g), 0);
		assert_int_equal(store_group_member_add_txn(&t, g.id, &m), 0);
	}
	assert_int_equal(store_txn_commit(&t), 0);

	p.groups_before = t0 + 48 * HOUR;
	memset(&ps, 0, sizeof(ps));
	while ((ret = store_prune_step(f->st, &p, &ps)) == 1)
		steps++;
	assert_int_equal(ret, 0);
	assert_true(steps >= 1);
	assert_int_equal(ps.groups, 1501);
	assert_int_equal(ps.group_members, 1502);
	r = group_do(f, group_read_txn, a, 1, t0 + 50 * HOUR);
	assert_int_equal(r.status, GROUP_NOT_FOUND);
	assert_int_equal(members_of(f, a), 0);
	r = group_do(f, group_read_txn, b, 3, t0 + 50 * HOUR);
	assert_int_equal(r.status, GROUP_UNLOCKED);
	assert_int_equal(members_of(f, b), 3);
	r = group_do(f, group_read_txn, c, 6, t0 + 50 * HOUR);
	assert_int_equal(r.status, GROUP_OPEN);
	assert_int_equal(members_of(f, c), 1);
	/* The next pass starts again from the first group: nothing left. */
	memset(&ps, 0, sizeof(ps));
	assert_int_equal(store_prune_step(f->st, &p, &ps), 0);
	assert_int_equal(ps.groups, 0);
	/* Once c's deadline is past, c goes too. */
	p.groups_before = t0 + 60 * HOUR;
	assert_int_equal(store_prune_step(f->st, &p, &ps), 0);
	assert_int_equal(ps.groups, 1);
	assert_int_equal(members_of(f, c), 0);
	assert_int_equal(members_of(f, b), 3);
}

/* Parses group.json with "group" set to text (NULL: removed); expects the
 * problem want (NULL: none). */
static void
expect_group_rule(const char *text, const char *want)
{
	char path[TU_PATH_MAX], *file;
	json_t *root;
	size_t len;

	file = tu_read(tu_fixture_path(path, "campaigns/group.json"), &len);
	assert_non_null(root = json_loadb(file, len, 0, NULL));
	free(file);
	if (text == NULL)
		json_object_del(root, "group");
	else
		json_object_set_new(root, "group", json_loads(text,
		    JSON_DECODE_ANY, NULL));
	tu_campaign_expect(root, want);
	json_decref(root);
}

/* The campaign file's group rules; group ids as text. */
static void
test_rules_and_ids(void **state)
{
	uint8_t id[STORE_GROUP_ID_BYTES], back[STORE_GROUP_ID_BYTES];
	char text[GROUP_ID_CHARS + 1];
	struct campaign *c;

	(void)state;
	if (!tz_known("Asia/Shanghai"))
		skip();
	c = tu_campaign_file("group");
	assert_true(c->group.on);
	assert_int_equal(c->group.size, 3);
	assert_true(c->group.window_us == 24 * HOUR);
	assert_int_equal(c->group.starts_per_day, 2);
	campaign_unref(c, __func__);
	expect_group_rule(NULL, NULL);
	expect_group_rule("{\"size\":50,\"window_hours\":720}", NULL);
	expect_group_rule("{\"size\":1,\"window_hours\":2}", "group.size");
	expect_group_rule("{\"size\":51,\"window_hours\":2}", "group.size");
	expect_group_rule("{\"size\":2,\"window_hours\":0}",
	    "group.window_hours");
	expect_group_rule("{\"size\":2}", "group.window_hours: is required");
	expect_group_rule("{\"size\":2,\"window_hours\":1,\"n\":1}",
	    "group.n");
	expect_group_rule("{\"size\":2,\"window_hours\":1,"
	    "\"starts_per_visitor_per_day\":0}",
	    "group.starts_per_visitor_per_day");
	expect_group_rule("3", "group: must be an object");

	for (int i = 0; i < STORE_GROUP_ID_BYTES; i++)
		id[i] = (uint8_t)(i * 37 + 5);
	group_id_text(id, text);
	assert_int_equal(strlen(text), GROUP_ID_CHARS);
	assert_true(group_id_parse(text, strlen(text), back));
	assert_memory_equal(id, back, sizeof(id));
	for (size_t i = 0; i < GROUP_ID_CHARS; i++)
		if (text[i] >= 'A' && text[i] <= 'Z')
			text[i] = (char)(text[i] + 32);
	assert_true(group_id_parse(text, strlen(text), back));
	assert_memory_equal(id, back, sizeof(id));
	assert_false(group_id_parse(text, GROUP_ID_CHARS - 1, back));
	text[3] = '1';
	assert_false(group_id_parse(text, GROUP_ID_CHARS, back));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fill, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_expire, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_starts, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_prune_abandoned,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test(test_rules_and_ids),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
