/*
 * fuzz_report_query.c — the query string of GET /admin/report and
 * /admin/report.json (report_query_parse_url).
 *
 * Invariants: an accepted query gives values in range (a campaign id of 1
 * to 32 safe characters, a time zone that is installed, no time before
 * 1970, a language of the two); a refused one says why. Parsing the same
 * bytes twice gives the same query. The input is copied to an exact-size
 * buffer, so that ASan sees a read one byte too far.
 */
#include "fuzz.h"
#include "analytics/report.h"
#include "common/tz.h"
#include "rewards/campaign.h"

#include <string.h>

/* Runs one parse of the input. */
static int
fuzz_parse(const char *q, size_t len, void *arg, const char **why)
{
	struct report_query *out = arg;

	report_query_init(out);
	return report_query_parse_url(out, q, len, why);
}

/* One input. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct report_query a, b;

	if (fuzz_query_twice(data, size, fuzz_parse, &a, &b,
	    sizeof(a)) == 0) {
		FUZZ_CHECK(a.campaign[0] == '\0' || campaign_id_ok(a.campaign));
		FUZZ_CHECK(a.tz[0] == '\0' || tz_known(a.tz));
		FUZZ_CHECK(!a.has_from || a.from >= 0);
		FUZZ_CHECK(!a.has_to || a.to >= 0);
		FUZZ_CHECK(!a.has_lang || a.lang == REPORT_LANG_ZH ||
		    a.lang == REPORT_LANG_EN);
	}
	return 0;
}
