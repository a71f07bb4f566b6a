/*
 * fuzz_statement.c — the settlement statement reader of `settle verify`
 * (analytics/statement_verify.c): a JSON or CSV file that a dealer or
 * store hands in, checked against the brand's public key.
 *
 * The input is verified twice against the key of FUZZ_STATEMENT_SEED,
 * which the seed statements are sealed and signed with
 * (gen_corpus_settle.c): as it is, and signed again (its bytes before the
 * signature's mark, with a fresh signature after it), so that a changed
 * body reaches the parsers and the checks past the signature. Invariants:
 * statement_verify answers 0, -EBADMSG with a reason, or -ENOMEM; a
 * statement that verifies has a known kind, its lines within its
 * period's, and totals whose "*" rows count every line; the same input
 * never verifies with another key. Nothing leaks.
 */
#include "fuzz.h"
#include "analytics/statement.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

static uint8_t st_pk[32], st_sk[64], st_other[32];

/* Makes the keys once. */
static void
st_init(void)
{
	static const uint8_t seed[32] = FUZZ_STATEMENT_SEED;
	uint8_t osk[64], oseed[32];

	if (st_pk[0] != 0 || st_pk[1] != 0)
		return;
	FUZZ_CHECK(sodium_init() >= 0);
	crypto_sign_seed_keypair(st_pk, st_sk, seed);
	memset(oseed, 7, sizeof(oseed));
	crypto_sign_seed_keypair(st_other, osk, oseed);
}

/* Verifies and checks the invariants. */
static void
st_check(const char *data, size_t len)
{
	struct statement_check c;
	uint64_t star = 0;
	int ret = statement_verify(data, len, st_pk, &c);

	FUZZ_CHECK(ret == 0 || ret == -EBADMSG || ret == -ENOMEM);
	FUZZ_CHECK(ret != -EBADMSG || c.why[0] != '\0');
	if (ret == 0) {
		FUZZ_CHECK(c.kind >= STATEMENT_STORE &&
		    c.kind <= STATEMENT_BRAND);
		FUZZ_CHECK(c.lines <= c.period.lines);
		for (size_t i = 0; i < c.ntotals; i++)
			if (strcmp(c.totals[i].group, "*") == 0)
				star += c.totals[i].count;
		FUZZ_CHECK(star == c.lines);
	}
	statement_check_free(&c);
	FUZZ_CHECK(statement_verify(data, len, st_other, &c) != 0);
	statement_check_free(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char json_mark[] = ",\n  \"signature\": \"";
	bool json = size > 0 && data[0] == '{';
	const char *mark = json ? json_mark : "signature,";
	uint8_t sig[64];
	char hex[129], *copy;
	size_t ml = strlen(mark), at = size, n;

	st_init();
	st_check((const char *)data, size);
	/* The last mark, or the end: the body, signed again. */
	for (size_t i = size >= ml ? size - ml + 1 : 0; i-- > 0;)
		if (memcmp(data + i, mark, ml) == 0) {
			at = i;
			break;
		}
	crypto_sign_detached(sig, NULL, data, at, st_sk);
	sodium_bin2hex(hex, sizeof(hex), sig, sizeof(sig));
	FUZZ_CHECK((copy = malloc(at + ml + 128 + 8)) != NULL);
	memcpy(copy, data, at);
	n = at;
	memcpy(copy + n, mark, ml);
	n += ml;
	memcpy(copy + n, hex, 128);
	n += 128;
	memcpy(copy + n, json ? "\"\n}\n" : "\r\n", json ? 4 : 2);
	n += json ? 4 : 2;
	st_check(copy, n);
	free(copy);
	return 0;
}
