/* query.c — what an export is asked for: kinds, formats, filters, from
 * the command line's options or a URL's query string. */
#include "analytics/analytics_internal.h"
#include "analytics/epcis.h"
#include "common/tz.h"
#include "store/verdict.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The latest time --from and --to take: 9999-12-31T23:59:59Z. */
#define ANALYTICS_SECONDS_MAX 253402300799LL

static const char *const analytics_kinds[] = {
	[ANALYTICS_SCANS] = "scans",
	[ANALYTICS_CODES] = "codes",
	[ANALYTICS_BATCHES] = "batches",
	[ANALYTICS_DRAWS] = "draws",
	[ANALYTICS_CLAIMS] = "claims",
	[ANALYTICS_CHECKINS] = "checkins",
	[ANALYTICS_VISITORS] = "visitors",
};

/* Names a kind. */
const char *
analytics_kind_name(int kind)
{
	return kind >= 0 && kind <= ANALYTICS_VISITORS ? analytics_kinds[kind] :
	    "?";
}

/* Parses a kind. */
int
analytics_kind_parse(const char *name)
{
	for (int k = 0; k <= ANALYTICS_VISITORS; k++)
		if (strcmp(name, analytics_kinds[k]) == 0)
			return k;
	return -EINVAL;
}

/* Parses a format. */
int
analytics_format_parse(const char *name)
{
	if (strcmp(name, "csv") == 0)
		return ANALYTICS_CSV;
	if (strcmp(name, "jsonl") == 0)
		return ANALYTICS_JSONL;
	if (strcmp(name, "epcis") == 0)
		return ANALYTICS_EPCIS;
	return -EINVAL;
}

/* A query without filters. */
void
analytics_query_init(struct analytics_query *q, enum analytics_kind kind)
{
	memset(q, 0, sizeof(*q));
	q->kind = kind;
	q->format = ANALYTICS_CSV;
	q->geo_digits = EPCIS_GEO_DIGITS_DEFAULT;
}

/* Parses decimal digits into [min, max]: no sign, no spaces, no
 * overflow. */
bool
analytics_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (*s == '\0' || strlen(s) > 20)
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > (UINT64_MAX - (uint64_t)(*s -
		    '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}

/* Parses --from and --to. */
int
analytics_parse_time(const char *s, int64_t *us)
{
	char iso[40];
	uint64_t sec;

	if (analytics_parse_u64(s, 0, ANALYTICS_SECONDS_MAX, &sec)) {
		*us = (int64_t)sec * 1000000;
		return 0;
	}
	if (strlen(s) == 10 && s[4] == '-' && s[7] == '-') {
		memcpy(iso, s, 10);
		strcpy(iso + 10, "T00:00:00Z");
		s = iso;
	}
	if (campaign_parse_time(s, us) < 0 || *us < 0 ||
	    *us > ANALYTICS_SECONDS_MAX * 1000000)
		return -EINVAL;
	return 0;
}

/* Parses a comma-separated list of verdict names into bits. */
static bool
analytics_parse_verdicts(const char *s, unsigned *bits)
{
	char name[16];

	*bits = 0;
	while (*s != '\0') {
		size_t n = strcspn(s, ",");
		int v;

		if (n == 0 || n >= sizeof(name))
			return false;
		memcpy(name, s, n);
		name[n] = '\0';
		if ((v = verdict_parse(name)) < 0)
			return false;
		*bits |= 1u << v;
		s += n;
		if (*s == ',' && *++s == '\0')
			return false;
	}
	return *bits != 0;
}

/* True for a flag's value: none, "", "1" or "true". */
static bool
analytics_flag_ok(const char *v)
{
	return v == NULL || *v == '\0' || strcmp(v, "1") == 0 ||
	    strcmp(v, "true") == 0;
}

/* Sets one of the options of --format epcis; 1 if name is none of them. */
static int
analytics_epcis_set(struct analytics_query *q, const char *name,
    const char *v, const char **why)
{
	uint64_t n;

	if (strcmp(name, "tz") == 0) {
		if (strlen(v) >= sizeof(q->tz) || !tz_known(v)) {
			*why = "tz must be an installed IANA time zone "
			    "(Asia/Shanghai, UTC)";
			return -EINVAL;
		}
		strcpy(q->tz, v);
	} else if (strcmp(name, "geo-precision") == 0) {
		if (!analytics_parse_u64(v, 0, EPCIS_GEO_DIGITS_MAX, &n)) {
			*why = "geo-precision must be a number of decimals, "
			    "0 to 9";
			return -EINVAL;
		}
		q->geo_digits = (int)n;
	} else if (strcmp(name, "biz-step") == 0) {
		if (strcmp(v, "consumer") == 0)
			q->biz_step = EPCIS_SCAN_STEP_CONSUMER;
		else if (strcmp(v, "inspecting") == 0)
			q->biz_step = EPCIS_SCAN_STEP_INSPECTING;
		else {
			*why = "biz-step must be consumer or inspecting";
			return -EINVAL;
		}
	} else
		return 1;
	q->has_epcis_opts = true;
	return 0;
}

/* Sets one filter. */
int
analytics_query_set(struct analytics_query *q, const char *name,
    const char *v, const char **why)
{
	uint64_t n;
	int f;

	if (strcmp(name, "human") == 0 || strcmp(name, "scanned") == 0) {
		if (!analytics_flag_ok(v)) {
			*why = "a flag takes no value (or 1, true)";
			return -EINVAL;
		}
		if (name[0] == 'h')
			q->human = true;
		else
			q->scanned = true;
		return 0;
	}
	if (v == NULL) {
		*why = "a value is missing";
		return -EINVAL;
	}
	if ((f = analytics_epcis_set(q, name, v, why)) <= 0)
		return f;
	if (strcmp(name, "format") == 0) {
		if ((f = analytics_format_parse(v)) < 0) {
			*why = "format must be csv, jsonl or epcis";
			return -EINVAL;
		}
		q->format = (enum analytics_format)f;
	} else if (strcmp(name, "since") == 0) {
		if (!analytics_parse_u64(v, 0, UINT64_MAX, &q->since)) {
			*why = "since must be an event id: digits only, at "
			    "most 18446744073709551615";
			return -EINVAL;
		}
		q->has_since = true;
	} else if (strcmp(name, "from") == 0 || strcmp(name, "to") == 0) {
		int64_t t;

		if (analytics_parse_time(v, &t) < 0) {
			*why = "a time must be ISO 8601 with Z or an offset "
			    "(2026-06-01T08:00:00+08:00), a date (2026-06-01, "
			    "UTC) or Unix seconds";
			return -EINVAL;
		}
		if (name[0] == 'f') {
			q->from = t;
			q->has_from = true;
		} else {
			q->to = t;
			q->has_to = true;
		}
	} else if (strcmp(name, "batch") == 0) {
		if (!analytics_parse_u64(v, 1, UINT32_MAX, &n)) {
			*why = "batch must be a batch id (1 to 4294967295)";
			return -EINVAL;
		}
		q->batch = (uint32_t)n;
	} else if (strcmp(name, "campaign") == 0) {
		if (!campaign_id_ok(v)) {
			*why = "campaign must be a campaign id (1 to 32 of "
			    "A-Z a-z 0-9 _ -)";
			return -EINVAL;
		}
		strcpy(q->campaign, v);
	} else if (strcmp(name, "tag") == 0) {
		struct tags_tag tag;

		if (strlen(v) >= sizeof(q->tag) || tags_parse(v, &tag) < 0) {
			*why = "tag must be first_scan, repeat_buyer, winner, "
			    "redeemer, checkin:STORE or points:bronze|silver|"
			    "gold";
			return -EINVAL;
		}
		strcpy(q->tag, v);
	} else if (strcmp(name, "verdict") == 0) {
		if (!analytics_parse_verdicts(v, &q->verdicts)) {
			*why = "verdict must be genuine, not_active, void, "
			    "forged or malformed (or several, with commas)";
			return -EINVAL;
		}
	} else {
		*why = "unknown filter";
		return -EINVAL;
	}
	return 0;
}

/* Checks that the filters suit the kind and each other. */
int
analytics_query_check(const struct analytics_query *q, const char **why)
{
	bool scans = q->kind == ANALYTICS_SCANS;
	bool epcis = q->format == ANALYTICS_EPCIS;

	*why = NULL;
	if (q->tag[0] != '\0' && q->kind != ANALYTICS_VISITORS)
		*why = "--tag is for visitors";
	else if (q->kind == ANALYTICS_VISITORS && (q->has_from ||
	    q->has_to || q->campaign[0] != '\0'))
		*why = "visitors take no --from, --to or --campaign: filter "
		    "them by --tag";
	else if (q->has_since && !scans)
		*why = "--since is for scans (event ids)";
	else if ((q->verdicts != 0 || q->human) && !scans)
		*why = "--verdict and --human are for scans";
	else if (q->scanned && q->kind != ANALYTICS_CODES)
		*why = "--scanned is for codes";
	else if (q->batch != 0 && q->kind != ANALYTICS_SCANS &&
	    q->kind != ANALYTICS_CODES && q->kind != ANALYTICS_BATCHES)
		*why = "--batch is for scans, codes and batches";
	else if ((q->has_from || q->has_to) && (q->kind == ANALYTICS_CODES ||
	    (q->kind == ANALYTICS_BATCHES && !epcis)))
		*why = "--from and --to are for scans, draws, claims and "
		    "check-ins (and batches in EPCIS)";
	else if (q->has_from && q->has_to && q->from > q->to)
		*why = "--from is after --to";
	else if (epcis && !scans && q->kind != ANALYTICS_BATCHES)
		*why = "--format epcis is for scans and batches";
	else if (q->has_epcis_opts && !epcis)
		*why = "--tz, --geo-precision and --biz-step are for "
		    "--format epcis";
	return *why == NULL ? 0 : -EINVAL;
}

/* The value of a hex digit, or -1. */
static int
analytics_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes s[0..len) into out (cap bytes with the NUL); false for
 * a bad escape, a NUL or too long a value. '+' stays '+': no value here
 * holds a space, and times hold offsets like +08:00. */
static bool
analytics_unescape(const char *s, size_t len, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		int c = (unsigned char)s[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= len || (hi = analytics_hex(s[i + 1])) < 0 ||
			    (lo = analytics_hex(s[i + 2])) < 0)
				return false;
			c = hi << 4 | lo;
			i += 2;
		}
		if (c == 0 || o + 1 >= cap)
			return false;
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return true;
}

/* Calls set for each parameter of a URL's query string. */
int
analytics_url_params(const char *query, size_t len,
    const char *const *names, analytics_param_fn set, void *arg,
    const char **why)
{
	char name[16], value[ANALYTICS_VALUE_MAX + 1];
	unsigned seen = 0;
	size_t i = 0;

	while (i < len) {
		size_t start = i, eq;
		int k;

		while (i < len && query[i] != '&')
			i++;
		for (eq = start; eq < i && query[eq] != '='; eq++)
			;
		if (i == start) {
			i++;
			continue;	/* "&&" */
		}
		if (!analytics_unescape(query + start, eq - start, name,
		    sizeof(name))) {
			*why = "unknown query parameter";
			return -EINVAL;
		}
		for (k = 0; names[k] != NULL && strcmp(names[k], name) != 0; k++)
			;
		if (names[k] == NULL) {
			*why = "unknown query parameter";
			return -EINVAL;
		}
		if (seen & (1u << k)) {
			*why = "a query parameter is given twice";
			return -EINVAL;
		}
		seen |= 1u << k;
		if (!analytics_unescape(query + eq + (eq < i), eq < i ?
		    i - eq - 1 : 0, value, sizeof(value))) {
			*why = "a query parameter's value is badly escaped or "
			    "too long";
			return -EINVAL;
		}
		if (set(arg, name, value, why) < 0)
			return -EINVAL;
		i++;
	}
	return 0;
}

/* analytics_query_set as an analytics_param_fn. */
static int
analytics_query_param(void *arg, const char *name, const char *value,
    const char **why)
{
	return analytics_query_set(arg, name, value, why);
}

/* Reads the filters of a URL's query string. */
int
analytics_query_parse_url(struct analytics_query *q, const char *query,
    size_t len, const char **why)
{
	static const char *const names[] = { "since", "format", "from", "to",
	    "batch", "campaign", "verdict", "human", "scanned", "tz",
	    "geo-precision", "biz-step", NULL };

	return analytics_url_params(query, len, names, analytics_query_param,
	    q, why);
}
