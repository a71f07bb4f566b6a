/*
 * fuzz_signals_query.c — the query string of GET /admin/signals.json
 * (signals_query_parse_url).
 *
 * Invariants: an accepted query has values in range (kind bits of the
 * five kinds only, a format of the enum, a limit of 0 or 1 to 100,000,
 * times not negative); a refused one says why. Parsing the same bytes
 * twice gives the same query (no hidden state). The input is copied to
 * an exact-size buffer, so that ASan sees a read one byte too far.
 */
#include "fuzz.h"
#include "analytics/signals.h"

#include <string.h>

/* Runs one parse of the input. */
static int
fuzz_parse(const char *q, size_t len, void *arg, const char **why)
{
	struct signals_query *out = arg;

	return signals_query_parse_url(out, q, len, why);
}

/* One input. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct signals_query a, b;

	if (fuzz_query_twice(data, size, fuzz_parse, &a, &b,
	    sizeof(a)) == 0) {
		FUZZ_CHECK((a.kinds & ~0x3eu) == 0);
		FUZZ_CHECK(a.format == SIGNALS_TEXT || a.format == SIGNALS_CSV ||
		    a.format == SIGNALS_JSONL);
		FUZZ_CHECK(a.limit <= 100000);
		FUZZ_CHECK(!a.has_from || a.from >= 0);
		FUZZ_CHECK(!a.has_to || a.to >= 0);
		FUZZ_CHECK(a.has_since || a.since == 0);
	}
	return 0;
}
