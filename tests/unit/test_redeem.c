/* test_redeem.c — claims and their redemption in a temporary store: sealed
 * tickets opened at a shop, every way a redemption can be refused, and
 * points credited instead of a claim. */
#include "draw_fixture.h"

#include <stdio.h>
#include <string.h>

#include "common/tz.h"

/* One redemption in its own transaction (committed only when OK). */
static struct redeem_result
redeem(struct fixture *f, const char *claim, const char *shop_token,
    int64_t now)
{
	return tu_redeem(f->st, f->c, claim, shop_token, now, claim_key);
}

/* Sealed tickets: every online draw of an at_store-only campaign gives a
 * ticket; opening at a shop draws over the at_store tiers under their
 * total and daily caps, once per ticket. */
static void
test_tickets(void **state)
{
	struct fixture *f = *state;
	char shop[TOKEN_SHOP_CHARS + 1];
	char tokens[12][TOKEN_CLAIM_CHARS + 1];
	struct redeem_result rr;
	struct campaign *c;
	int64_t t0;
	int won = 0;

	if (!tz_known("Asia/Shanghai"))
		skip();
	c = f->c = tu_campaign_load(f->st, "redeem-tickets", 8);
	fixture_shop(f, "s1", shop);
	t0 = c->day_starts[0] + 3600LL * 1000000;
	for (int i = 0; i < 12; i++) {
		struct draw_result r = draw(f, c, (uint64_t)i + 1, (uint8_t)i,
		    (uint8_t)i, t0);

		assert_int_equal(r.status, DRAW_NEW);
		assert_int_equal(r.draw.outcome, STORE_OUTCOME_TICKET);
		assert_true(r.has_claim);
		assert_int_equal(r.claim.ticket, 1);
		assert_int_equal(r.claim.tier, 0);
		snprintf(tokens[i], sizeof(tokens[i]), "%s", r.claim_token);
	}
	assert_int_equal(counter(f, "tix", STORE_COUNT_SUMMARY,
	    STORE_SUM_TICKETS, 0), 12);
	assert_int_equal(counter(f, "tix", STORE_COUNT_STOCK, 0, 0), 0);
	/* Day 0: 3 openings, 2 win (the daily cap), 1 misses. */
	for (int i = 0; i < 3; i++) {
		rr = redeem(f, tokens[i], shop, t0 + i);
		assert_int_equal(rr.status, REDEEM_OK);
		assert_true(rr.opened);
		assert_int_equal(rr.opening.kind, STORE_DRAW_OPEN);
		assert_int_equal(rr.opening.ticket_seq, (uint64_t)i + 1);
		assert_int_equal(rr.opening.seq, 12 + (uint64_t)i + 1);
		assert_string_equal(rr.opening.shop, "s1");
		assert_true(rr.opening.rnd == draw_random(c->hdr.seed, "tix",
		    rr.opening.serial, rr.opening.seq, 'T'));
		assert_int_equal(rr.opening.outcome, i < 2 ? 1 : 0);
		assert_int_equal(rr.claim.tier, i < 2 ? 1 : 0);
		assert_int_equal(rr.claim.open_seq, rr.opening.seq);
		won += rr.opening.outcome == 1;
	}
	/* Opened tickets do not open again. */
	rr = redeem(f, tokens[0], shop, t0 + 10);
	assert_int_equal(rr.status, REDEEM_ALREADY);
	/* Days 1 and 2: 2 each, then the total of 5 stops it. */
	for (int i = 3; i < 12; i++) {
		int day = i < 7 ? 1 : 2;

		rr = redeem(f, tokens[i], shop, c->day_starts[day] + i);
		assert_int_equal(rr.status, REDEEM_OK);
		won += rr.opening.outcome == 1;
		assert_true(counter(f, "tix", STORE_COUNT_STOCK, 0,
		    (uint32_t)day + 1) <= 2);
	}
	assert_int_equal(won, 5);
	assert_int_equal(counter(f, "tix", STORE_COUNT_STOCK, 0, 0), 5);
	assert_int_equal(counter(f, "tix", STORE_COUNT_STOCK, 0, 1), 2);
	assert_int_equal(counter(f, "tix", STORE_COUNT_STOCK, 0, 2), 2);
	assert_int_equal(counter(f, "tix", STORE_COUNT_STOCK, 0, 3), 1);
	assert_int_equal(counter(f, "tix", STORE_COUNT_SUMMARY,
	    STORE_SUM_REDEEMED, 0), 12);
	assert_int_equal(header(f, "tix").draws, 24);
}

/* A claim token as staff might type it (base32_typed reads it back). */
static const char *
lookalike(const char *token)
{
	static char out[8 * TOKEN_CLAIM_CHARS];
	size_t o = 0;

	for (size_t i = 0; token[i] != '\0'; i++) {
		char ch = token[i];

		if (i % 5 == 2)
			out[o++] = i % 2 ? ' ' : '-';
		if (i == 7) {
			memcpy(out + o, "\xe3\x80\x80\xef\xbc\x8d", 6);
			o += 6;
		}
		if (ch == 'O' || ch == 'I' || ch == 'B')
			out[o++] = ch == 'O' ? '0' : ch == 'I' ? '1' : '8';
		else if (i == 3 && ch >= 'A' && ch <= 'Z') {
			/* full-width: U+FF21 + (ch - 'A') */
			unsigned cp = 0xff21u + (unsigned)(ch - 'A');

			out[o++] = (char)0xef;
			out[o++] = (char)(0x80 | (cp >> 6 & 0x3f));
			out[o++] = (char)(0x80 | (cp & 0x3f));
		} else
			out[o++] = ch >= 'A' && ch <= 'Z' ? (char)(ch + 32) : ch;
	}
	out[o] = '\0';
	return out;
}

/* Every refusal of a redemption, and the one success. */
static void
test_redeem_statuses(void **state)
{
	struct fixture *f = *state;
	char s1[TOKEN_SHOP_CHARS + 1], s2[TOKEN_SHOP_CHARS + 1];
	char s3[TOKEN_SHOP_CHARS + 1], bad[TOKEN_CLAIM_CHARS + 1];
	char badshop[TOKEN_SHOP_CHARS + 1];
	char text[TOKEN_CLAIM_TEXT_LEN + 1];
	struct redeem_result rr;
	struct draw_result a, b, cpn;
	struct store_claim cl;
	struct store_shop sh;
	struct store_txn t;
	struct campaign *c;
	int64_t t0;
	bool found;

	if (!tz_known("Asia/Shanghai"))
		skip();
	c = f->c = tu_campaign_load(f->st, "redeem-statuses", 9);
	fixture_shop(f, "s1", s1);
	fixture_shop(f, "s2", s2);
	fixture_shop(f, "s3", s3);
	t0 = c->start + 1000;
	/* Find two physical wins and a coupon among the first codes. */
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&cpn, 0, sizeof(cpn));
	for (uint64_t n = 1; n < 60 && (b.draw.outcome != 1 ||
	    cpn.draw.outcome != 2); n++) {
		struct draw_result r = draw(f, c, n, (uint8_t)n, (uint8_t)n, t0);

		assert_true(r.has_claim);
		if (r.draw.outcome == 1 && a.draw.outcome != 1)
			a = r;
		else if (r.draw.outcome == 1)
			b = r;
		else
			cpn = r;
	}
	assert_int_equal(b.draw.outcome, 1);
	assert_int_equal(cpn.draw.outcome, 2);

	/* A wrong or unknown shop token: 401. */
	rr = redeem(f, a.claim_token, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", t0);
	assert_int_equal(rr.status, REDEEM_BAD_SHOP);
	memcpy(badshop, s1, sizeof(badshop));
	badshop[20] = badshop[20] == 'A' ? 'B' : 'A';
	rr = redeem(f, a.claim_token, badshop, t0);
	assert_int_equal(rr.status, REDEEM_BAD_SHOP);
	rr = redeem(f, a.claim_token, "not a token", t0);
	assert_int_equal(rr.status, REDEEM_BAD_SHOP);
	/* A wrong claim: an altered secret, an unknown id, garbage: 404. */
	memcpy(bad, a.claim_token, sizeof(bad));
	bad[20] = bad[20] == 'A' ? 'B' : 'A';
	rr = redeem(f, bad, s1, t0);
	assert_int_equal(rr.status, REDEEM_NOT_FOUND);
	memcpy(bad, a.claim_token, sizeof(bad));
	bad[0] = bad[0] == 'A' ? 'B' : 'A';
	rr = redeem(f, bad, s1, t0);
	assert_int_equal(rr.status, REDEEM_NOT_FOUND);
	rr = redeem(f, "hello", s1, t0);
	assert_int_equal(rr.status, REDEEM_NOT_FOUND);
	/* A shop the campaign does not list: 403. */
	rr = redeem(f, a.claim_token, s2, t0);
	assert_int_equal(rr.status, REDEEM_FORBIDDEN);
	/* The coupon is not valid before valid_from. */
	rr = redeem(f, cpn.claim_token, s1, t0);
	assert_int_equal(rr.status, REDEEM_NOT_YET);
	/* Success, typed in groups of four and lower case. */
	token_claim_text(a.claim_token, text);
	for (char *p = text; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	rr = redeem(f, text, s1, t0 + 5);
	assert_int_equal(rr.status, REDEEM_OK);
	assert_int_equal(rr.claim.state, STORE_CLAIM_REDEEMED);
	assert_string_equal(rr.claim.shop, "s1");
	assert_false(rr.opened);
	/* A second redemption: 409 with when and where. */
	rr = redeem(f, a.claim_token, s3, t0 + 9);
	assert_int_equal(rr.status, REDEEM_ALREADY);
	assert_int_equal(rr.claim.redeemed, t0 + 5);
	assert_string_equal(rr.claim.shop, "s1");
	/* Expired: at or after the claim window. */
	assert_int_equal(b.claim.expires, t0 + 7 * 86400LL * 1000000);
	rr = redeem(f, b.claim_token, s1, b.claim.expires);
	assert_int_equal(rr.status, REDEEM_EXPIRED);
	rr = redeem(f, b.claim_token, s1, b.claim.expires - 1);
	assert_int_equal(rr.status, REDEEM_OK);
	/* A revoked shop is a bad shop. */
	assert_int_equal(store_txn_begin(f->st, false, &t), 0);
	assert_int_equal(store_shop_get_txn(&t, "s3", &sh), 0);
	sh.revoked = 1;
	assert_int_equal(store_shop_put_txn(&t, &sh), 0);
	assert_int_equal(store_txn_commit(&t), 0);
	rr = redeem(f, cpn.claim_token, s3, cpn.claim.expires - 1);
	assert_int_equal(rr.status, REDEEM_BAD_SHOP);
	/* The coupon, once valid, typed with look-alikes (0 for O, 1 for I,
	 * 8 for B), lower case, a full-width letter, spaces and hyphens
	 * anywhere, an ideographic space and a full-width hyphen. */
	rr = redeem(f, lookalike(cpn.claim_token), s1, cpn.claim.expires - 1);
	assert_int_equal(rr.status, REDEEM_OK);
	assert_int_equal(counter(f, "red", STORE_COUNT_SUMMARY,
	    STORE_SUM_REDEEMED, 0), 3);

	/* token_claim_check_txn: found for the token, not for others. */
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	assert_int_equal(token_claim_check_txn(&t, a.claim_token, &cl, &found),
	    0);
	assert_true(found);
	assert_memory_equal(cl.id, a.claim.id, STORE_CLAIM_ID_BYTES);
	memcpy(bad, a.claim_token, sizeof(bad));
	bad[23] = bad[23] == 'A' ? 'Q' : 'A';
	assert_int_equal(token_claim_check_txn(&t, bad, &cl, &found), 0);
	assert_false(found);
	assert_int_equal(cl.state, 0);
	assert_int_equal(token_claim_check_txn(&t, "", &cl, &found), 0);
	assert_false(found);
	store_txn_abort(&t);
}

/* Points tiers credit the visitor's ledger and make no claim. */
static void
test_points(void **state)
{
	struct fixture *f = *state;
	struct campaign *c;
	struct draw_result r;
	struct store_txn t;
	int64_t balance;
	uint64_t entries;

	if (!tz_known("Asia/Shanghai"))
		skip();
	c = f->c = tu_campaign_load(f->st, "redeem-points", 10);
	for (uint64_t n = 1; n <= 4; n++) {
		r = draw(f, c, n, 5, (uint8_t)n, c->start + (int64_t)n);
		assert_false(r.has_claim);
		assert_int_equal(r.draw.outcome, n <= 3 ? 1 : 0);
		assert_int_equal(r.draw.points, n <= 3 ? 25 : 0);
		assert_int_equal(r.points_balance, 25 * (n <= 3 ? n : 3));
	}
	assert_int_equal(store_txn_begin(f->st, true, &t), 0);
	{
		uint8_t v[16] = { 5 };

		v[15] = 1;
		assert_int_equal(store_points_balance_txn(&t, v, &balance,
		    &entries), 0);
	}
	store_txn_abort(&t);
	assert_int_equal(balance, 75);
	assert_int_equal(entries, 3);
	assert_int_equal(counter(f, "pts", STORE_COUNT_SUMMARY,
	    STORE_SUM_POINTS, 0), 75);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tickets, fixture_setup,
		    fixture_teardown),
		cmocka_unit_test_setup_teardown(test_redeem_statuses,
		    fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_points, fixture_setup,
		    fixture_teardown),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
