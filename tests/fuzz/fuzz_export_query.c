/*
 * fuzz_export_query.c — the query string of GET /admin/export/scans
 * (analytics_query_parse_url, with analytics_query_check after it).
 *
 * Invariants: an accepted query gives a why of NULL and values in range
 * (a batch id not 0, a format of the enum, verdict bits of the five
 * verdicts, a campaign id of 1 to 32 safe characters); a refused one
 * says why. Parsing the same bytes twice gives the same query (no hidden
 * state). The input is copied to an exact-size buffer, so that ASan sees
 * a read one byte too far.
 */
#include "fuzz.h"
#include "analytics/analytics.h"
#include "rewards/campaign.h"

#include <string.h>

/* Runs one parse of the input. */
static int
fuzz_parse(const char *q, size_t len, void *arg, const char **why)
{
	struct analytics_query *out = arg;

	analytics_query_init(out, ANALYTICS_SCANS);
	return analytics_query_parse_url(out, q, len, why);
}

/* One input. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct analytics_query a, b;
	const char *why;

	if (fuzz_query_twice(data, size, fuzz_parse, &a, &b,
	    sizeof(a)) == 0) {
		FUZZ_CHECK(a.format == ANALYTICS_CSV ||
		    a.format == ANALYTICS_JSONL || a.format == ANALYTICS_EPCIS);
		FUZZ_CHECK((a.verdicts & ~0x1fu) == 0);
		FUZZ_CHECK(a.campaign[0] == '\0' || campaign_id_ok(a.campaign));
		FUZZ_CHECK(!a.has_from || a.from >= 0);
		if (analytics_query_check(&a, &why) < 0)
			FUZZ_CHECK(why != NULL);
		else
			FUZZ_CHECK(!(a.has_from && a.has_to && a.from > a.to));
	}
	return 0;
}
