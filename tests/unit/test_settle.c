/* test_settle.c — settlement in a temporary store: amounts, the redemption
 * log's hash chain (against hashes computed here from the documented
 * form), closing months in order with late lines carried forward, and
 * statements that verify and fail after any single-byte change. */
#include "store_fixture.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/statement.h"
#include "codegen/base32.h"
#include "common/buf.h"
#include "rewards/settle.h"

#define US 1000000LL
/* 2026-11-01T00:00:00Z, 2026-12-01, 2027-01-01. */
#define NOV1 (1793491200LL * US)
#define DEC1 (1796083200LL * US)
#define JAN1 (1798761600LL * US)
#define DAY (86400LL * US)

/* The brand's key: a fixed seed. */
static uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];

/* Makes the brand's key once. */
static int
key_setup(void **state)
{
	uint8_t seed[crypto_sign_SEEDBYTES];

	memset(seed, 15, sizeof(seed));
	crypto_sign_seed_keypair(pk, sk, seed);
	return fixture_setup(state);
}

/* Appends the settlement line of claim n (tier 1 of a one-tier campaign:
 * "mug", 12.50 CNY) redeemed at shop at t, in its own transaction. */
static void
redeem_line(struct fixture *f, uint8_t n, const char *shop, int64_t t)
{
	struct campaign *c = calloc(1, sizeof(*c));
	struct store_log_entry e;
	struct store_claim cl;
	struct store_shop s;
	struct store_txn txn;

	assert_non_null(c);
	c->ntiers = 1;
	snprintf(c->tiers[0].id, sizeof(c->tiers[0].id), "mug");
	snprintf(c->tiers[0].name, sizeof(c->tiers[0].name), "Mug, \"blue\"");
	snprintf(c->tiers[0].face_value, sizeof(c->tiers[0].face_value),
	    "12.5");
	c->tiers[0].face = 1250;
	snprintf(c->tiers[0].currency, sizeof(c->tiers[0].currency), "CNY");
	memset(&cl, 0, sizeof(cl));
	memset(cl.id, n, sizeof(cl.id));
	cl.tier = 1;
	snprintf(cl.campaign, sizeof(cl.campaign), "mugs");
	memset(&s, 0, sizeof(s));
	snprintf(s.id, sizeof(s.id), "%s", shop);
	memset(&e, 0, sizeof(e));
	e.time = t;
	memcpy(e.claim_id, cl.id, sizeof(e.claim_id));
	assert_int_equal(store_txn_begin(f->st, false, &txn), 0);
	assert_int_equal(settle_append_txn(&txn, &cl, c, &s, &e), 0);
	assert_int_equal(store_txn_commit(&txn), 0);
	free(c);
}

struct lines {
	struct store_settle_line l[32];
	size_t n;
};

/* Collects lines. */
static int
collect_cb(const struct store_settle_line *l, void *arg)
{
	struct lines *ls = arg;

	assert_true(ls->n < 32);
	ls->l[ls->n++] = *l;
	return 0;
}

/* The lines in (after, through]. */
static void
read_lines(struct fixture *f, uint64_t after, uint64_t through,
    struct lines *ls)
{
	struct store_txn t;

	ls->n = 0;
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(store_settle_foreach_txn(&t, after, through,
	    collect_cb, ls), 0);
	store_txn_abort(&t);
}

/* Amounts in hundredths, rounded half up, and back. */
static void
test_amounts(void **state)
{
	static const struct { const char *s; int64_t v; } ok[] = {
		{ "10", 1000 }, { "10.5", 1050 }, { "10.05", 1005 },
		{ "10.005", 1001 }, { "10.0049", 1000 }, { "0.01", 1 },
		{ "", 0 }, { ".5", 50 }, { "999999999999.99", 99999999999999 },
	};
	static const char *const bad[] = { "1.2.3", "abc", ".", "-1", "1e3",
	    "1 ", "1234567890123" };
	char text[SETTLE_AMOUNT_LEN];
	int64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(settle_amount_parse(ok[i].s, &v), 0);
		assert_int_equal(v, ok[i].v);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(settle_amount_parse(bad[i], &v), -EINVAL);
	settle_amount_text(1250, text);
	assert_string_equal(text, "12.50");
	settle_amount_text(5, text);
	assert_string_equal(text, "0.05");
	settle_amount_text(-50, text);
	assert_string_equal(text, "-0.50");
}

/* The documented hash of a line, computed here: SHA-256 of prev and the
 * fields as netstrings. */
static void
oracle_hash(const uint8_t prev[32], uint64_t seq, const char *time,
    const uint8_t claim[5], const char *shop, uint8_t out[32])
{
	char c32[16], num[24], buf[1024];
	uint8_t msg[1100];
	int n;

	base32_encode(c32, claim, 5);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)seq);
	n = snprintf(buf, sizeof(buf), "%zu:%s,%zu:%s,%zu:%s,4:mugs,3:mug,"
	    "11:Mug, \"blue\",%zu:%s,0:,5:12.50,3:CNY,", strlen(num), num,
	    strlen(time), time, strlen(c32), c32, strlen(shop), shop);
	memcpy(msg, prev, 32);
	memcpy(msg + 32, buf, (size_t)n);
	crypto_hash_sha256(out, msg, 32 + (size_t)n);
}

/* Each redemption's line carries the previous one's hash; entries from
 * before settlement (no line) are skipped and start no chain; the
 * outbox still walks every entry. */
static void
test_chain(void **state)
{
	struct fixture *f = *state;
	struct store_log_entry e;
	uint8_t zero[32] = { 0 }, want[32], head[32];
	struct store_txn t;
	struct lines ls;
	uint64_t seq;

	/* A redemption logged before settlement lines existed. */
	memset(&e, 0, sizeof(e));
	e.time = NOV1;
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(store_log_append_txn(&t, STORE_LOG_REDEEMED, &e), 0);
	assert_int_equal(store_settle_head_txn(&t, &seq, head), 0);
	assert_int_equal(seq, 1);
	assert_memory_equal(head, zero, 32);
	assert_int_equal(store_txn_commit(&t), 0);
	for (uint8_t i = 0; i < 4; i++)
		redeem_line(f, (uint8_t)(i + 1), i % 2 ? "s2" : "s1",
		    NOV1 + (i + 1) * DAY);
	read_lines(f, 0, UINT64_MAX, &ls);
	assert_int_equal(ls.n, 4);
	for (size_t i = 0; i < ls.n; i++) {
		char time[32];

		assert_int_equal(ls.l[i].seq, i + 2);
		assert_int_equal(ls.l[i].face, 1250);
		assert_memory_equal(ls.l[i].prev, i == 0 ? zero :
		    ls.l[i - 1].hash, 32);
		snprintf(time, sizeof(time), "2026-11-0%zuT00:00:00.000000Z",
		    i + 2);
		oracle_hash(ls.l[i].prev, i + 2, time, ls.l[i].claim_id,
		    i % 2 ? "s2" : "s1", want);
		assert_memory_equal(ls.l[i].hash, want, 32);
	}
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(store_settle_head_txn(&t, &seq, head), 0);
	assert_int_equal(seq, 5);
	assert_memory_equal(head, ls.l[3].hash, 32);
	assert_int_equal(store_log_last_txn(&t, STORE_LOG_REDEEMED, &seq), 0);
	assert_int_equal(seq, 5);
	store_txn_abort(&t);
	/* A range. */
	read_lines(f, 2, 4, &ls);
	assert_int_equal(ls.n, 2);
	assert_int_equal(ls.l[0].seq, 3);
	assert_int_equal(ls.l[1].seq, 4);
}

/* Tries to close a period at now; returns settle_close_txn's answer. */
static int
try_close(struct fixture *f, const char *id, const char *tz, int64_t now,
    struct store_settle_period *p, struct settle_why *why)
{
	struct store_txn t;
	int ret;

	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	ret = settle_close_txn(&t, id, tz, now, p, why);
	store_txn_abort(&t);
	return ret;
}

/* Closes a period at now, sealed, which must succeed. */
static void
close_ok(struct fixture *f, const char *id, int64_t now,
    struct store_settle_period *p)
{
	struct settle_why why;
	struct store_txn t;

	assert_int_equal(try_close(f, id, NULL, now, p, &why), 0);
	settle_period_seal(p, 1, pk, sk);
	assert_int_equal(settle_period_check(p, pk), 0);
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(store_settle_period_add_txn(&t, p), 0);
	assert_int_equal(store_txn_commit(&t), 0);
}

/* Months close in order once ended; a closed one never changes; a line
 * dated in a closed month, and one past the first line of the next
 * month, land in the next period; a broken chain stops the close. */
static void
test_close(void **state)
{
	struct fixture *f = *state;
	struct store_settle_period nov, dec, p;
	struct store_settle_line forged;
	struct store_log_entry e;
	struct settle_why why;
	struct store_txn t;
	struct lines ls;

	redeem_line(f, 1, "s1", NOV1 + DAY);
	redeem_line(f, 2, "s2", NOV1 + 2 * DAY);
	redeem_line(f, 3, "s1", DEC1 - 1);
	redeem_line(f, 4, "s1", DEC1);
	redeem_line(f, 5, "s2", DEC1 + DAY);
	/* Nothing closed yet: the oldest month with lines comes first. */
	assert_int_equal(try_close(f, "2026-12", NULL, JAN1 + DAY, &p, &why),
	    -EINVAL);
	assert_non_null(strstr(why.text, "2026-11"));
	assert_int_equal(try_close(f, "2026-11", NULL, DEC1 - 1, &p, &why),
	    -EINVAL);
	assert_non_null(strstr(why.text, "has not ended"));
	assert_int_equal(try_close(f, "2026-11", "Nowhere/City", DEC1 + DAY,
	    &p, &why), -EINVAL);
	close_ok(f, "2026-11", DEC1 + DAY, &nov);
	assert_int_equal(nov.lines, 3);
	assert_int_equal(nov.after, 0);
	assert_int_equal(nov.through, 3);
	read_lines(f, 0, 3, &ls);
	assert_memory_equal(nov.head, ls.l[2].hash, 32);
	assert_int_equal(nov.start, NOV1);
	assert_int_equal(nov.end, DEC1);
	/* Closed: the same record, however asked. */
	assert_int_equal(try_close(f, "2026-11", NULL, JAN1, &p, &why), 1);
	assert_memory_equal(&p, &nov, sizeof(p));
	/* A redemption dated in November after it closed; then one in
	 * January, then one dated December behind it. */
	redeem_line(f, 6, "s1", DEC1 - DAY);
	redeem_line(f, 7, "s2", JAN1 + 1);
	redeem_line(f, 8, "s2", JAN1 - 1);
	assert_int_equal(try_close(f, "2027-01", NULL, JAN1 + 40 * DAY, &p,
	    &why), -EINVAL);
	assert_non_null(strstr(why.text, "settle --period 2026-12 first"));
	assert_int_equal(try_close(f, "2026-10", NULL, JAN1, &p, &why),
	    -EINVAL);
	assert_non_null(strstr(why.text, "no longer"));
	assert_int_equal(try_close(f, "2026-12", "Asia/Shanghai", JAN1 + DAY,
	    &p, &why), -EINVAL);
	close_ok(f, "2026-12", JAN1 + DAY, &dec);
	assert_int_equal(dec.after, 3);
	assert_int_equal(dec.through, 6);
	assert_int_equal(dec.lines, 3);
	assert_memory_equal(dec.prev_head, nov.head, 32);
	read_lines(f, 3, 6, &ls);
	assert_int_equal(ls.n, 3);
	assert_int_equal(ls.l[2].time, DEC1 - DAY);
	assert_memory_equal(dec.head, ls.l[2].hash, 32);
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(store_settle_period_last_txn(&t, &p), 0);
	store_txn_abort(&t);
	assert_string_equal(p.id, "2026-12");
	/* The seal covers the record. */
	p.lines++;
	assert_int_equal(settle_period_check(&p, pk), -EBADMSG);
	/* A line written around the chain stops the next close. */
	read_lines(f, 6, UINT64_MAX, &ls);
	assert_int_equal(ls.n, 2);
	forged = ls.l[1];
	forged.seq = 9;
	forged.time = JAN1 + DAY;
	memset(&e, 0, sizeof(e));
	e.time = forged.time;
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(store_settle_append_txn(&t, &e, &forged), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	assert_int_equal(try_close(f, "2027-01", NULL, JAN1 + 40 * DAY, &p,
	    &why), -EBADMSG);
	assert_non_null(strstr(why.text, "line 9"));
}

/* Formats a statement of the lines in (after, through] of period p. */
static void
format(struct fixture *f, int kind, const char *subject,
    const struct store_settle_period *p, bool csv, struct buf *out)
{
	struct lines ls, mine;
	struct statement s;

	read_lines(f, p->after, p->through, &ls);
	mine.n = 0;
	for (size_t i = 0; i < ls.n; i++)
		if (kind != STATEMENT_STORE ||
		    strcmp(ls.l[i].shop, subject) == 0)
			mine.l[mine.n++] = ls.l[i];
	s = (struct statement){ kind, subject, "", p, mine.l, mine.n };
	buf_reset(out);
	assert_int_equal(statement_format(&s, csv, sk, out), 0);
}

/* Verifies a statement's bytes: 0 or -EBADMSG. */
static int
verify(const uint8_t *data, size_t len, const uint8_t *key,
    struct statement_check *c)
{
	int ret = statement_verify((const char *)data, len, key, c);

	statement_check_free(c);
	return ret;
}

/* Changes a statement's text (the first match of from to to) and signs
 * it again with the brand's key, as a generator that lies would. */
static void
resign(struct buf *b, bool csv, const char *from, const char *to)
{
	const char *mark = csv ? "signature," : ",\n  \"signature\": \"";
	char *text = calloc(1, b->len + strlen(to) + 1), *at, *sig;
	uint8_t s[64];
	char hex[129];
	size_t n;

	assert_non_null(text);
	memcpy(text, b->data, b->len);
	assert_non_null(at = strstr(text, from));
	memmove(at + strlen(to), at + strlen(from), strlen(at + strlen(from)) +
	    1);
	memcpy(at, to, strlen(to));
	for (sig = strstr(text, mark); strstr(sig + 1, mark) != NULL;)
		sig = strstr(sig + 1, mark);
	n = (size_t)(sig - text);
	crypto_sign_detached(s, NULL, (uint8_t *)text, n, sk);
	sodium_bin2hex(hex, sizeof(hex), s, sizeof(s));
	buf_reset(b);
	assert_int_equal(buf_append(b, text, n), 0);
	assert_int_equal(buf_printf(b, csv ? "signature,%s\r\n" :
	    ",\n  \"signature\": \"%s\"\n}\n", hex), 0);
	free(text);
}

/* Statements of a closed period verify; any single-byte change, another
 * key, and content re-signed after a change (a line, a total, a line
 * left out of the brand's) fail. */
static void
test_statements(void **state)
{
	struct fixture *f = *state;
	struct store_settle_period p;
	struct statement_check c;
	struct buf b = { NULL, 0, 0 };
	uint8_t other[32], osk[64];
	static const int kinds[] = { STATEMENT_STORE, STATEMENT_DEALER,
	    STATEMENT_BRAND };
	static const char *const subjects[] = { "s1", "none", "brand" };

	for (uint8_t i = 0; i < 4; i++)
		redeem_line(f, (uint8_t)(i + 1), i == 2 ? "s2" : "s1",
		    NOV1 + (i + 1) * DAY);
	close_ok(f, "2026-11", DEC1 + DAY, &p);
	crypto_sign_keypair(other, osk);
	for (size_t k = 0; k < 3; k++) {
		for (int csv = 0; csv < 2; csv++) {
			format(f, kinds[k], subjects[k], &p, csv, &b);
			assert_int_equal(statement_verify((char *)b.data, b.len,
			    pk, &c), 0);
			assert_int_equal(c.kind, kinds[k]);
			assert_string_equal(c.subject, subjects[k]);
			assert_int_equal(c.lines, k == 0 ? 3 : 4);
			assert_int_equal(c.totals[0].amount, k == 0 ? 3750 :
			    5000);
			statement_check_free(&c);
			assert_int_equal(verify(b.data, b.len, other, &c),
			    -EBADMSG);
			for (size_t j = 0; j < b.len; j++) {
				b.data[j] ^= 0x01;
				assert_int_equal(verify(b.data, b.len, pk, &c),
				    -EBADMSG);
				b.data[j] ^= 0x01;
			}
			assert_int_equal(verify(b.data, b.len - 1, pk, &c),
			    -EBADMSG);
		}
	}
	/* Changed, then signed again: the content checks still refuse. */
	format(f, STATEMENT_STORE, "s1", &p, false, &b);
	resign(&b, false, "\"12.50\"", "\"13.50\"");
	assert_int_equal(statement_verify((char *)b.data, b.len, pk, &c),
	    -EBADMSG);
	assert_non_null(strstr(c.why, "hash"));
	statement_check_free(&c);
	format(f, STATEMENT_STORE, "s1", &p, true, &b);
	resign(&b, true, ",37.50", ",38.50");
	assert_int_equal(statement_verify((char *)b.data, b.len, pk, &c),
	    -EBADMSG);
	assert_non_null(strstr(c.why, "total"));
	statement_check_free(&c);
	format(f, STATEMENT_STORE, "s1", &p, true, &b);
	resign(&b, true, "subject,s1", "subject,s2");
	assert_int_equal(statement_verify((char *)b.data, b.len, pk, &c),
	    -EBADMSG);
	assert_non_null(strstr(c.why, "belongs to s1"));
	statement_check_free(&c);
	format(f, STATEMENT_BRAND, "brand", &p, false, &b);
	resign(&b, false, "\"lines\": 4", "\"lines\": 5");
	assert_int_equal(statement_verify((char *)b.data, b.len, pk, &c),
	    -EBADMSG);
	assert_non_null(strstr(c.why, "seal"));
	statement_check_free(&c);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_amounts),
		cmocka_unit_test_setup_teardown(test_chain, key_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_close, key_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_statements, key_setup,
		    fixture_teardown),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
