/* test_audit.c — the audit replays a real draw log (made in a temporary
 * store) and passes it, from the store and from its JSONL export; every
 * kind of tampering fails it, naming the first bad entry. */
#include "testutil_rewards.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "codegen/code.h"
#include "common/tz.h"
#include "rewards/audit.h"
#include "rewards/campaign.h"
#include "rewards/draw.h"
#include "rewards/drawlog.h"
#include "store/store.h"

#define SEED_BYTE 0x5a
#define MAX_LINES 1024
#define DAYS 6
#define PER_DAY 14

static const uint8_t claim_key[32] = { 1 };

struct fixture {
	char dir[TU_PATH_MAX];
	char db[TU_PATH_MAX];
	struct store *st;
	struct campaign *c;
	uint8_t seed[32];
	uint64_t entries;
	char *jsonl;			/* the exported log */
	size_t len;
};

static struct fixture fx;

/* A serial made from a number. */
static void
serial_of(uint64_t n, uint8_t serial[STORE_SERIAL_BYTES])
{
	for (int i = 0; i < 8; i++)
		serial[i] = (uint8_t)((n >> (56 - 8 * i)) ^ 0x33);
}

/* Opens a ticket at shop s1. */
static void
open_ticket(struct fixture *f, const char *token, const char *shop,
    int64_t now)
{
	struct redeem_result res = tu_redeem(f->st, f->c, token, shop, now,
	    claim_key);

	assert_int_equal(res.status, REDEEM_OK);
	assert_true(res.opened);
}

struct export {
	struct fixture *f;
	FILE *m;
	int64_t day0;
};

/* Writes one log entry as a JSONL line. */
static int
export_cb(const struct store_draw *d, void *arg)
{
	struct export *x = arg;
	char date[DRAWLOG_DATE_LEN], *s;
	json_t *o;

	drawlog_date_text(x->day0, d->day, date);
	o = drawlog_draw_json(x->f->c, d, date);
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_non_null(s);
	fprintf(x->m, "%s\n", s);
	free(s);
	json_decref(o);
	return 0;
}

/* Makes the log: six days of draws by visitors who sometimes exceed their
 * daily limit, tickets opened at a shop on later days, and an export. */
static int
group_setup(void **state)
{
	struct fixture *f = &fx;
	static char tickets[DAYS * PER_DAY][TOKEN_CLAIM_CHARS + 1];
	char shop[TOKEN_SHOP_CHARS + 1], *s;
	struct store_campaign hdr;
	struct store_shop sh;
	struct store_txn t;
	struct export x;
	size_t nt = 0, opened = 0;
	const int64_t hour = 3600LL * 1000000;
	json_t *h;

	f->st = tu_store_new(f->dir, f->db);
	/* Online: a capped physical tier, a coupon, points; at the store: a
	 * box. */
	f->c = tu_campaign_load(f->st, "audit-log", SEED_BYTE);
	memset(f->seed, SEED_BYTE, 32);
	memset(&sh, 0, sizeof(sh));
	snprintf(sh.id, sizeof(sh.id), "s1");
	token_shop_new(&sh, shop);
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(store_shop_add_txn(&t, &sh), 0);
	assert_int_equal(store_txn_commit(&t), 0);

	for (int day = 0; day < DAYS; day++) {
		for (int i = 0; i < PER_DAY; i++) {
			struct draw_request rq;
			struct draw_result res;

			memset(&rq, 0, sizeof(rq));
			rq.c = f->c;
			serial_of((uint64_t)(day * 100 + i + 1), rq.serial);
			rq.visitor[0] = (uint8_t)(i % 4 + 1);
			rq.net[0] = 4;
			rq.net[1] = (uint8_t)i;
			rq.now = f->c->day_starts[day] + (i + 1) * hour;
			rq.event_id = (uint64_t)(day * 100 + i + 1);
			rq.claim_key = claim_key;
			rq.tallies = &tallies_store;
			assert_int_equal(store_txn_begin(f->st, false, &t), 0);
			assert_int_equal(draw_online_txn(&t, &rq, &res), 0);
			/* Draw the same code again: no new entry. */
			if (i == 5) {
				struct draw_result again;

				rq.now += 1;
				assert_int_equal(draw_online_txn(&t, &rq,
				    &again), 0);
				assert_int_equal(again.status, DRAW_REPEAT);
			}
			assert_int_equal(store_txn_commit(&t), 0);
			if (res.status == DRAW_NEW && res.draw.outcome ==
			    STORE_OUTCOME_TICKET)
				snprintf(tickets[nt++], sizeof(tickets[0]), "%s",
				    res.claim_token);
		}
		/* Open up to five tickets at the end of each day. */
		for (int k = 0; k < 5 && opened < nt; k++)
			open_ticket(f, tickets[opened++], shop,
			    f->c->day_starts[day] + 20 * hour + k);
	}
	/* And the rest on the first day after the campaign. */
	while (opened < nt && opened < 60)
		open_ticket(f, tickets[opened++], shop,
		    f->c->day_starts[DAYS + 1] + hour);

	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(store_campaign_get_txn(&t, "aud", &hdr), 0);
	f->entries = hdr.draws;
	x.f = f;
	assert_int_equal(drawlog_day0(f->c, &x.day0), 0);
	assert_non_null(x.m = open_memstream(&f->jsonl, &f->len));
	h = drawlog_header_json(&hdr, f->c->config, f->c->config_len);
	assert_non_null(h);
	s = json_dumps(h, JSON_COMPACT | JSON_PRESERVE_ORDER);
	fprintf(x.m, "%s\n", s);
	free(s);
	json_decref(h);
	assert_int_equal(store_draw_foreach_txn(&t, "aud", 1, export_cb, &x), 0);
	store_txn_abort(&t);
	assert_int_equal(fclose(x.m), 0);
	*state = f;
	return 0;
}

/* Removes the store. */
static int
group_teardown(void **state)
{
	struct fixture *f = *state;

	campaign_unref(f->c, __func__);
	tu_store_free(f->st, f->dir);
	free(f->jsonl);
	return 0;
}

/* The exported log as parsed lines. */
struct lines {
	json_t *v[MAX_LINES];
	size_t n;
};

/* Parses the export into lines. */
static void
lines_load(const struct fixture *f, struct lines *l)
{
	const char *p = f->jsonl, *end = f->jsonl + f->len;

	l->n = 0;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		json_error_t jerr;

		assert_non_null(nl);
		assert_true(l->n < MAX_LINES);
		l->v[l->n] = json_loadb(p, (size_t)(nl - p), 0, &jerr);
		assert_non_null(l->v[l->n]);
		l->n++;
		p = nl + 1;
	}
}

/* Frees parsed lines. */
static void
lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		json_decref(l->v[i]);
	l->n = 0;
}

/* Audits lines with seed; returns the report (its campaign dropped). */
static struct audit_report
audit_lines(const struct lines *l, const uint8_t seed[32])
{
	struct audit_report rep;
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len), *r;

	assert_non_null(m);
	for (size_t i = 0; i < l->n; i++) {
		char *s = json_dumps(l->v[i], JSON_COMPACT | JSON_PRESERVE_ORDER);

		fprintf(m, "%s\n", s);
		free(s);
	}
	assert_int_equal(fclose(m), 0);
	assert_non_null(r = fmemopen(buf, len ? len : 1, "r"));
	assert_int_equal(audit_run_jsonl(r, "aud", seed, &rep), 0);
	fclose(r);
	free(buf);
	audit_report_free(&rep);
	return rep;
}

/* Expects the audit of l to fail with an error containing want; then
 * frees l. */
static void
expect_fail(struct lines *l, const uint8_t seed[32], const char *want)
{
	struct audit_report rep = audit_lines(l, seed);

	if (rep.passed || strstr(rep.error, want) == NULL)
		fail_msg("expected a failure with '%s', got %s: %s", want,
		    rep.passed ? "passed" : "failed", rep.error);
	print_message("# rejected: %s\n", rep.error);
	lines_free(l);
}

/* The index of the first line (after from) of kind whose outcome is, or
 * with NULL outcome any; 0 if none. */
static size_t
find_line(const struct lines *l, size_t from, const char *kind,
    const char *outcome)
{
	for (size_t i = from; i < l->n; i++) {
		json_t *o = l->v[i];
		const char *k = json_string_value(json_object_get(o, "kind"));
		const char *out = json_string_value(json_object_get(o,
		    "outcome"));

		if (k != NULL && strcmp(k, kind) == 0 && (outcome == NULL ||
		    strcmp(out, outcome) == 0))
			return i;
	}
	return 0;
}

/* Loads the log, sets fields of the first line after from of kind whose
 * outcome is outcome (with NULL, any) — pairs of a name and a new json_t
 * value, then NULL — and expects the audit to fail with want. */
static void
expect_changed_fail(const struct fixture *f, size_t from, const char *kind,
    const char *outcome, const char *want, ...)
{
	struct lines l;
	const char *key;
	va_list ap;
	size_t i;

	lines_load(f, &l);
	i = find_line(&l, from, kind, outcome);
	assert_true(i > 0);
	va_start(ap, want);
	while ((key = va_arg(ap, const char *)) != NULL)
		json_object_set_new(l.v[i], key, va_arg(ap, json_t *));
	va_end(ap);
	expect_fail(&l, f->seed, want);
}

/* Recomputes a line's rnd with the true seed (what an operator who
 * knows the seed would do to forge a consistent entry). */
static void
forge_rnd(json_t *o)
{
	uint8_t serial[STORE_SERIAL_BYTES];
	const char *sn = json_string_value(json_object_get(o, "serial"));
	const char *kind = json_string_value(json_object_get(o, "kind"));
	uint64_t seq = (uint64_t)json_integer_value(json_object_get(o, "seq"));
	char hex[17];

	assert_int_equal(code_serial_parse(sn, strlen(sn), serial), 0);
	snprintf(hex, sizeof(hex), "%016" PRIx64, draw_random(fx.seed, "aud",
	    serial, seq, strcmp(kind, "open") == 0 ? 'T' : 'D'));
	json_object_set_new(o, "rnd", json_string(hex));
}

/* The real log passes, from the store and from its export, and the
 * replay's counts equal the store's counters. */
static void
test_true_log_passes(void **state)
{
	struct fixture *f = *state;
	struct audit_report rep;
	struct store_txn t;
	struct lines l;
	uint8_t subject[16] = { 0 };
	uint64_t v;

	if (!tz_known("Asia/Shanghai"))
		skip();
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(audit_run_store(&t, "aud", f->seed, &rep), 0);
	if (!rep.passed)
		fail_msg("store audit failed: %s", rep.error);
	assert_int_equal(rep.days_checked, 1);
	assert_int_equal(rep.sum.entries, f->entries);
	assert_true(rep.sum.online > 50);
	assert_true(rep.sum.refused > 0);
	assert_true(rep.sum.tickets > 0);
	assert_true(rep.sum.openings > 0);
	assert_true(rep.sum.capped > 0);	/* gold ran out at some point */
	for (size_t i = 0; i < f->c->ntiers; i++) {
		subject[0] = (uint8_t)i;
		assert_int_equal(store_counter_get_txn(&t, "aud",
		    STORE_COUNT_STOCK, subject, 0, &v), 0);
		assert_int_equal(rep.sum.wins[i], v);
		assert_true(v <= f->c->tiers[i].total);
	}
	assert_int_equal(rep.sum.wins[0], 4);	/* every gold was won */
	subject[0] = STORE_SUM_TICKETS;
	assert_int_equal(store_counter_get_txn(&t, "aud", STORE_COUNT_SUMMARY,
	    subject, 0, &v), 0);
	assert_int_equal(rep.sum.tickets, v);
	subject[0] = STORE_SUM_REFUSED;
	assert_int_equal(store_counter_get_txn(&t, "aud", STORE_COUNT_SUMMARY,
	    subject, 0, &v), 0);
	assert_int_equal(rep.sum.refused, v);
	subject[0] = STORE_SUM_POINTS;
	assert_int_equal(store_counter_get_txn(&t, "aud", STORE_COUNT_SUMMARY,
	    subject, 0, &v), 0);
	assert_int_equal(rep.sum.points, v);
	store_txn_abort(&t);
	audit_report_free(&rep);

	lines_load(f, &l);
	assert_int_equal(l.n, f->entries + 1);
	rep = audit_lines(&l, f->seed);
	if (!rep.passed)
		fail_msg("JSONL audit failed: %s", rep.error);
	assert_int_equal(rep.sum.entries, f->entries);
	/* The header names the commitment and the count. */
	assert_int_equal(json_integer_value(json_object_get(l.v[0], "draws")),
	    f->entries);
	lines_free(&l);
}

/* A seed that does not match the commitment fails at once. */
static void
test_wrong_seed(void **state)
{
	struct fixture *f = *state;
	uint8_t seed[32];
	struct lines l;

	if (!tz_known("Asia/Shanghai"))
		skip();
	memcpy(seed, f->seed, 32);
	seed[31] ^= 1;
	lines_load(f, &l);
	expect_fail(&l, seed, "seed: its BLAKE2b-256");
}

/* A changed outcome fails: a miss made a win, a win made a miss. */
static void
test_changed_outcome(void **state)
{
	struct fixture *f = *state;

	if (!tz_known("Asia/Shanghai"))
		skip();
	expect_changed_fail(f, 1, "online", "ticket", "outcome of serial",
	    "outcome", json_string("cpn"), "tier", json_integer(1), NULL);
	expect_changed_fail(f, 1, "online", "pts", "expected 'pts'",
	    "outcome", json_string("ticket"), "tier", json_null(),
	    "points", json_integer(0), NULL);
	/* An opening's outcome. */
	expect_changed_fail(f, 1, "open", "miss", "outcome of the ticket",
	    "outcome", json_string("box"), "tier", json_integer(3), NULL);
	/* The outcome text and the tier index must agree. */
	expect_changed_fail(f, 1, "online", "gold",
	    "outcome: missing or invalid", "outcome", json_string("cpn"), NULL);
}

/* A win past a cap fails even with the true random number: the replay
 * knows the tier was out of stock. */
static void
test_win_past_cap(void **state)
{
	struct fixture *f = *state;
	struct lines l;
	size_t i;

	if (!tz_known("Asia/Shanghai"))
		skip();
	lines_load(f, &l);
	/* An online non-gold draw whose u falls in gold's range. */
	for (i = 1; i < l.n; i++) {
		json_t *o = l.v[i];
		const char *out = json_string_value(json_object_get(o,
		    "outcome"));
		const char *k = json_string_value(json_object_get(o, "kind"));
		uint64_t rnd = strtoull(json_string_value(json_object_get(o,
		    "rnd")), NULL, 16);

		if (strcmp(k, "online") == 0 && strcmp(out, "gold") != 0 &&
		    draw_uniform(rnd) < 150000)
			break;
	}
	assert_true(i < l.n);
	json_object_set_new(l.v[i], "outcome", json_string("gold"));
	json_object_set_new(l.v[i], "tier", json_integer(0));
	json_object_set_new(l.v[i], "claim", json_string("AAAAAAAA"));
	expect_fail(&l, f->seed, "picks tier 'gold', but its");
}

/* A changed serial or random number fails on rnd. */
static void
test_changed_serial_or_rnd(void **state)
{
	struct fixture *f = *state;
	struct lines l;
	char rnd[17];
	size_t i;

	if (!tz_known("Asia/Shanghai"))
		skip();
	expect_changed_fail(f, 10, "online", NULL, "rnd: expected",
	    "serial", json_string("AAAAAAAAAAAAA"), NULL);

	lines_load(f, &l);
	i = find_line(&l, 20, "open", NULL);
	assert_true(i > 0);
	snprintf(rnd, sizeof(rnd), "%s", json_string_value(json_object_get(
	    l.v[i], "rnd")));
	rnd[15] = rnd[15] == '0' ? '1' : '0';
	json_object_set_new(l.v[i], "rnd", json_string(rnd));
	expect_fail(&l, f->seed, "rnd: expected");

	/* The kind is part of the number too. */
	lines_load(f, &l);
	i = find_line(&l, 1, "online", "miss");
	if (i == 0)
		i = find_line(&l, 1, "online", "ticket");
	json_object_set_new(l.v[i], "kind", json_string("open"));
	json_object_set_new(l.v[i], "ticket_seq", json_integer(1));
	expect_fail(&l, f->seed, "which is not an earlier online draw");
}

/* Removing, repeating or reordering lines fails on the sequence. */
static void
test_removed_or_reordered(void **state)
{
	struct fixture *f = *state;
	struct lines l;
	json_t *tmp;

	if (!tz_known("Asia/Shanghai"))
		skip();
	lines_load(f, &l);
	json_decref(l.v[7]);
	memmove(&l.v[7], &l.v[8], (l.n - 8) * sizeof(l.v[0]));
	l.n--;
	expect_fail(&l, f->seed, "entry 7: sequence: expected seq 7, found "
	    "seq 8");

	/* The last line: only the count in the header tells. */
	lines_load(f, &l);
	json_decref(l.v[--l.n]);
	expect_fail(&l, f->seed, "draws are missing at the end");

	/* The last line and the count: the audit passes the shorter log
	 * (docs/draws.md: completeness rests on the published count). */
	lines_load(f, &l);
	json_decref(l.v[--l.n]);
	json_object_set_new(l.v[0], "draws", json_integer((json_int_t)l.n - 1));
	assert_true(audit_lines(&l, f->seed).passed);
	lines_free(&l);

	lines_load(f, &l);
	tmp = l.v[12];
	l.v[12] = l.v[13];
	l.v[13] = tmp;
	expect_fail(&l, f->seed, "entry 12: sequence");

	lines_load(f, &l);
	json_decref(l.v[15]);
	l.v[15] = json_deep_copy(l.v[14]);
	expect_fail(&l, f->seed, "entry 15: sequence: expected seq 15, found "
	    "seq 14");
}

/* Forged entries with consistent random numbers still fail: a second
 * online draw of a code, a ticket opened twice, a ticket that was never
 * issued, a refusal of a code that drew. */
static void
test_forged_entries(void **state)
{
	struct fixture *f = *state;
	struct lines l;
	size_t i, j;
	json_t *o;

	if (!tz_known("Asia/Shanghai"))
		skip();
	/* Line j takes the serial of an earlier online draw i. */
	lines_load(f, &l);
	i = find_line(&l, 1, "online", NULL);
	j = find_line(&l, i + 5, "online", NULL);
	json_object_set(l.v[j], "serial", json_object_get(l.v[i], "serial"));
	forge_rnd(l.v[j]);
	expect_fail(&l, f->seed, "drew online before");

	/* An opening repeated at the end of the log. */
	lines_load(f, &l);
	i = find_line(&l, 1, "open", NULL);
	o = json_deep_copy(l.v[i]);
	json_object_set_new(o, "seq", json_integer((json_int_t)l.n));
	forge_rnd(o);
	l.v[l.n++] = o;
	json_object_set_new(l.v[0], "draws", json_integer((json_int_t)l.n - 1));
	expect_fail(&l, f->seed, "was opened before");

	/* An opening of a code whose draw gave no ticket. */
	lines_load(f, &l);
	i = find_line(&l, 1, "online", "pts");
	j = find_line(&l, i, "open", NULL);
	assert_true(i > 0 && j > i);
	json_object_set(l.v[j], "serial", json_object_get(l.v[i], "serial"));
	json_object_set(l.v[j], "ticket_seq", json_object_get(l.v[i], "seq"));
	forge_rnd(l.v[j]);
	expect_fail(&l, f->seed, "issued none");

	/* A refusal of a code that already drew. */
	lines_load(f, &l);
	i = find_line(&l, 1, "online", NULL);
	j = find_line(&l, i, "refused", NULL);
	assert_true(j > i);
	json_object_set(l.v[j], "serial", json_object_get(l.v[i], "serial"));
	expect_fail(&l, f->seed, "refused after it drew");
}

/* Other fields the replay checks: day, points, campaign, window. */
static void
test_other_fields(void **state)
{
	struct fixture *f = *state;
	struct lines l;
	size_t i;

	if (!tz_known("Asia/Shanghai"))
		skip();
	lines_load(f, &l);
	i = find_line(&l, 30, "online", NULL);
	json_object_set_new(l.v[i], "day", json_integer(json_integer_value(
	    json_object_get(l.v[i], "day")) + 1));
	expect_fail(&l, f->seed, "day: expected");

	expect_changed_fail(f, 1, "online", "pts",
	    "points: expected 10, found 1000", "points", json_integer(1000),
	    NULL);

	lines_load(f, &l);
	json_object_set_new(l.v[3], "campaign", json_string("other"));
	expect_fail(&l, f->seed, "line 4: not a draw of campaign aud");

	/* Moving an online draw before the start. */
	lines_load(f, &l);
	json_object_set_new(l.v[1], "time",
	    json_string("2027-02-28T15:59:59.000000Z"));
	expect_fail(&l, f->seed, "outside the campaign's window");

	lines_load(f, &l);
	json_object_set_new(l.v[2], "rnd", json_string("xyz"));
	expect_fail(&l, f->seed, "line 3: rnd: missing or invalid");
}

/* A changed configuration fails: other odds, shifted local days. */
static void
test_changed_config(void **state)
{
	struct fixture *f = *state;
	json_t *cfg, *days;
	struct lines l;

	if (!tz_known("Asia/Shanghai"))
		skip();
	lines_load(f, &l);
	cfg = json_object_get(l.v[0], "config");
	json_object_set_new(json_array_get(json_object_get(cfg, "tiers"), 2),
	    "odds", json_integer(0));
	expect_fail(&l, f->seed, "outcome");

	/* Moving a day boundary by an hour (to stretch a daily cap). */
	lines_load(f, &l);
	days = json_object_get(json_object_get(l.v[0], "config"), "day_starts");
	json_array_set_new(days, 2, json_integer(json_integer_value(
	    json_array_get(days, 2)) + 3600));
	expect_fail(&l, f->seed, "day_starts[2]");

	/* No such campaign in the log. */
	{
		struct audit_report rep;
		FILE *r = fmemopen(f->jsonl, f->len, "r");

		assert_int_equal(audit_run_jsonl(r, "nope", f->seed, &rep),
		    -ENOENT);
		fclose(r);
		audit_report_free(&rep);
	}
}

/* The replay by itself: audit_feed on entries made by hand. */
static void
test_feed_direct(void **state)
{
	struct fixture *f = *state;
	struct audit *a;
	struct store_draw d;

	if (!tz_known("Asia/Shanghai"))
		skip();
	assert_true(audit_commitment_ok(f->seed, f->c->hdr.commitment));
	assert_int_equal(audit_new(f->c, f->seed, &a), 0);
	memset(&d, 0, sizeof(d));
	d.seq = 1;
	d.kind = 'X';
	d.time = f->c->start;
	assert_int_equal(audit_feed(a, &d), -EINVAL);
	assert_non_null(strstr(audit_error(a), "unknown kind"));
	/* Sticky: later entries fail the same way. */
	d.seq = 2;
	assert_int_equal(audit_feed(a, &d), -EINVAL);
	assert_non_null(strstr(audit_error(a), "unknown kind"));
	audit_free(a);

	/* An empty log of a campaign that drew nothing passes. */
	assert_int_equal(audit_new(f->c, f->seed, &a), 0);
	assert_int_equal(audit_finish(a, 0), 0);
	assert_null(audit_error(a));
	audit_free(a);
}

/* Writes lines to path as JSONL. */
static void
lines_write(const struct lines *l, const char *path)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	for (size_t i = 0; i < l->n; i++) {
		char *s = json_dumps(l->v[i], JSON_COMPACT | JSON_PRESERVE_ORDER);

		fprintf(fp, "%s\n", s);
		free(s);
	}
	assert_int_equal(fclose(fp), 0);
}

/* Runs docs/audit_draws.py on path; returns its exit status. */
static int
run_python(const struct fixture *f, const char *path)
{
	const char *src = getenv("SCANLOOP_SRC");
	char cmd[3 * TU_PATH_MAX], hex[65];
	int st;

	sodium_bin2hex(hex, sizeof(hex), f->seed, 32);
	snprintf(cmd, sizeof(cmd), "python3 '%s/docs/audit_draws.py' --seed %s "
	    "'%s'", src != NULL ? src : ".", hex, path);
	fflush(stdout);
	st = system(cmd);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

/* The independent Python audit agrees: it passes the true log and fails
 * tampered ones. */
static void
test_python_audit(void **state)
{
	struct fixture *f = *state;
	char path[TU_PATH_MAX];
	struct lines l;
	json_t *tmp;
	size_t i;

	if (!tz_known("Asia/Shanghai") ||
	    system("python3 -c 'import hashlib' 2>/dev/null") != 0)
		skip();
	tu_path(path, f->dir, "log.jsonl");
	tu_write(path, f->jsonl, f->len);
	assert_int_equal(run_python(f, path), 0);

	lines_load(f, &l);
	i = find_line(&l, 1, "online", "pts");
	json_object_set_new(l.v[i], "outcome", json_string("gold"));
	json_object_set_new(l.v[i], "tier", json_integer(0));
	lines_write(&l, path);
	assert_int_equal(run_python(f, path), 1);
	lines_free(&l);

	lines_load(f, &l);
	tmp = l.v[20];
	l.v[20] = l.v[21];
	l.v[21] = tmp;
	lines_write(&l, path);
	assert_int_equal(run_python(f, path), 1);
	lines_free(&l);

	lines_load(f, &l);
	i = find_line(&l, 40, "open", NULL);
	json_object_set_new(l.v[i], "rnd", json_string("0123456789abcdef"));
	lines_write(&l, path);
	assert_int_equal(run_python(f, path), 1);
	lines_free(&l);

	/* A forged second draw of a code, with a consistent rnd. */
	lines_load(f, &l);
	i = find_line(&l, 1, "online", NULL);
	json_object_set(l.v[i + 3], "serial", json_object_get(l.v[i],
	    "serial"));
	forge_rnd(l.v[i + 3]);
	lines_write(&l, path);
	assert_int_equal(run_python(f, path), 1);
	lines_free(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_true_log_passes),
		cmocka_unit_test(test_wrong_seed),
		cmocka_unit_test(test_changed_outcome),
		cmocka_unit_test(test_win_past_cap),
		cmocka_unit_test(test_changed_serial_or_rnd),
		cmocka_unit_test(test_removed_or_reordered),
		cmocka_unit_test(test_forged_entries),
		cmocka_unit_test(test_other_fields),
		cmocka_unit_test(test_changed_config),
		cmocka_unit_test(test_feed_direct),
		cmocka_unit_test(test_python_audit),
	};

	tu_init();
	if (!tz_known("Asia/Shanghai")) {
		/* The log needs the campaign's time zone to be made. */
		printf("# skipped: no time zone database\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
