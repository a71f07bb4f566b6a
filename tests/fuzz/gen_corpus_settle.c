/*
 * gen_corpus_settle.c — the seeds of the statement target: statements of
 * a closed period made in memory (a chain of lines at two stores, one of
 * them with a dealer, in two currencies), sealed and signed with the key
 * of FUZZ_STATEMENT_SEED, as JSON and CSV for a store, each dealer and
 * the brand, an empty period's, and broken copies.
 */
#include "fuzz.h"
#include "gen_corpus.h"
#include "analytics/statement.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define GEN_LINES 6

/* A chain of lines after a zero head, sealed into period p. */
static void
gen_chain(struct store_settle_line *l, struct store_settle_period *p,
    const uint8_t pk[32], const uint8_t sk[64])
{
	struct settle_text tx;

	memset(p, 0, sizeof(*p));
	snprintf(p->id, sizeof(p->id), "2026-11");
	snprintf(p->tz, sizeof(p->tz), "Asia/Shanghai");
	p->start = 1793462400LL * 1000000;
	p->end = 1796054400LL * 1000000;
	p->closed = p->end + 3600LL * 1000000;
	p->after = 2;
	for (int i = 0; i < GEN_LINES; i++) {
		memset(&l[i], 0, sizeof(l[i]));
		l[i].seq = (uint64_t)i + 3;
		l[i].time = p->start + (int64_t)i * 86400 * 1000000 + 17;
		memset(l[i].claim_id, 0x40 + i, sizeof(l[i].claim_id));
		snprintf(l[i].campaign, sizeof(l[i].campaign), "winter");
		snprintf(l[i].shop, sizeof(l[i].shop), i % 2 ? "sh-002" :
		    "sh-001");
		snprintf(l[i].dealer, sizeof(l[i].dealer), "%s", i % 2 ?
		    "east" : "");
		if (i != 4) {
			snprintf(l[i].tier_id, sizeof(l[i].tier_id),
			    i % 3 ? "mug" : "coupon-5");
			snprintf(l[i].prize, sizeof(l[i].prize), i % 3 ?
			    "马克杯, \"red\"" : "5 EUR off");
			snprintf(l[i].currency, sizeof(l[i].currency),
			    i % 3 ? "CNY" : "EUR");
			l[i].face = i % 3 ? 1250 : 500;
		}
		if (i > 0)
			memcpy(l[i].prev, l[i - 1].hash, sizeof(l[i].prev));
		settle_line_text(&l[i], &tx);
		settle_hash_fields(l[i].prev, tx.v, l[i].hash);
	}
	p->through = l[GEN_LINES - 1].seq;
	p->lines = GEN_LINES;
	memcpy(p->head, l[GEN_LINES - 1].hash, sizeof(p->head));
	settle_period_seal(p, 1, pk, sk);
}

/* Writes a statement as a seed (and, with cut, its first cut bytes). */
static void
gen_one(const struct statement *s, bool csv, const uint8_t sk[64],
    const char *name, size_t cut)
{
	struct buf b = { NULL, 0, 0 };

	FUZZ_CHECK(statement_format(s, csv, sk, &b) == 0);
	gen_put("statement", name, b.data, cut > 0 && cut < b.len ? cut :
	    b.len);
	buf_free(&b);
}

/* The statement target's seeds. */
void
gen_statement(void)
{
	static const uint8_t seed[32] = FUZZ_STATEMENT_SEED;
	struct store_settle_line l[GEN_LINES], s1[GEN_LINES], east[GEN_LINES];
	struct store_settle_period p, empty;
	uint8_t pk[32], sk[64];
	size_t n1 = 0, ne = 0;

	crypto_sign_seed_keypair(pk, sk, seed);
	gen_chain(l, &p, pk, sk);
	for (int i = 0; i < GEN_LINES; i++) {
		if (strcmp(l[i].shop, "sh-001") == 0)
			s1[n1++] = l[i];
		if (strcmp(l[i].dealer, "east") == 0)
			east[ne++] = l[i];
	}
	gen_one(&(struct statement){ STATEMENT_STORE, "sh-001", "南京路",
	    &p, s1, n1 }, false, sk, "store.json", 0);
	gen_one(&(struct statement){ STATEMENT_STORE, "sh-001", "南京路",
	    &p, s1, n1 }, true, sk, "store.csv", 0);
	gen_one(&(struct statement){ STATEMENT_DEALER, "east", "", &p, east,
	    ne }, true, sk, "dealer.csv", 0);
	gen_one(&(struct statement){ STATEMENT_DEALER, "none", "", &p, s1,
	    n1 }, false, sk, "dealer-none.json", 0);
	gen_one(&(struct statement){ STATEMENT_BRAND, "brand", "", &p, l,
	    GEN_LINES }, false, sk, "brand.json", 0);
	gen_one(&(struct statement){ STATEMENT_BRAND, "brand", "", &p, l,
	    GEN_LINES }, true, sk, "brand.csv", 0);
	gen_one(&(struct statement){ STATEMENT_BRAND, "brand", "", &p, l,
	    GEN_LINES }, true, sk, "brand-cut.csv", 700);
	gen_one(&(struct statement){ STATEMENT_BRAND, "brand", "", &p, l,
	    GEN_LINES - 1 }, false, sk, "brand-short.json", 0);
	empty = p;
	empty.after = empty.through = 9;
	empty.lines = 0;
	memcpy(empty.prev_head, p.head, sizeof(p.head));
	memcpy(empty.head, p.head, sizeof(p.head));
	settle_period_seal(&empty, 1, pk, sk);
	gen_one(&(struct statement){ STATEMENT_BRAND, "brand", "", &empty,
	    NULL, 0 }, true, sk, "brand-empty.csv", 0);
	gen_puts("statement", "empty", "");
	gen_puts("statement", "not-json", "{\"statement\": \"brand\"");
}
