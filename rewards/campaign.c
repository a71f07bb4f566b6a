/* campaign.c — parsing and validating campaign files. */
#include "rewards/campaign.h"
#include "rewards/settle.h"
#include "rewards/campaign_internal.h"
#include "common/log.h"
#include "common/tz.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CAMPAIGN_MAX_SPAN_US (1096LL * 86400 * 1000000)
#define CAMPAIGN_TOTAL_MAX 1000000000ULL
#define CAMPAIGN_TIME_MAX 253402300799LL	/* 9999-12-31T23:59:59Z */
#define CAMPAIGN_NAME_CHARS "abcdefghijklmnopqrstuvwxyz" \
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"

/* Adds one "field: problem" message. */
void
campaign_err(struct campaign_errors *e, const char *field, const char *fmt, ...)
{
	char msg[512], line[640];
	char **msgs;
	va_list ap;

	if (e == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(line, sizeof(line), "%s: %s", field, msg);
	/* One line of text each: a key or value quoted from the file may
	 * hold control characters. */
	for (char *p = line; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if ((msgs = realloc(e->msgs, (e->n + 1) * sizeof(*msgs))) == NULL)
		return;
	e->msgs = msgs;
	if ((e->msgs[e->n] = strdup(line)) != NULL)
		e->n++;
}

/* Frees collected messages. */
void
campaign_errors_free(struct campaign_errors *e)
{
	for (size_t i = 0; i < e->n; i++)
		free(e->msgs[i]);
	free(e->msgs);
	e->msgs = NULL;
	e->n = 0;
}

/* Kind and reveal names. */
const char *
campaign_kind_name(int kind)
{
	static const char *names[] = { "physical", "coupon", "points" };

	return (unsigned)kind < 3 ? names[kind] : "?";
}

const char *
campaign_reveal_name(int reveal)
{
	return reveal == CAMPAIGN_AT_STORE ? "at_store" : "online";
}

/* Ids: 1-32 of [A-Za-z0-9_-]. */
bool
campaign_id_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > STORE_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* Parses an ISO 8601 time with a UTC offset (or Z). */
int
campaign_parse_time(const char *s, int64_t *us)
{
	static const char form[] = "dddd-dd-ddTdd:dd:dd";
	int y, mo, d, h, mi, sec, n = 0, oh = 0, om = 0;
	long frac_us = 0;
	const char *p;
	struct tm tm;
	time_t t;

	/* Digits where digits go: sscanf alone would take " 1" or "+1". */
	for (int i = 0; form[i] != '\0'; i++)
		if (form[i] == 'd' ? s[i] < '0' || s[i] > '9' : s[i] != form[i])
			return -EINVAL;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec,
	    &n) != 6 || n != 19)
		return -EINVAL;
	p = s + n;
	if (*p == '.') {
		long scale = 100000;

		p++;
		if (*p < '0' || *p > '9')
			return -EINVAL;
		while (*p >= '0' && *p <= '9') {
			frac_us += (*p - '0') * scale;
			scale /= 10;
			p++;
		}
	}
	if (*p == 'Z' && p[1] == '\0')
		;
	else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':' &&
	    strspn(p + 1, "0123456789") == 2 &&
	    strspn(p + 4, "0123456789") == 2 &&
	    sscanf(p + 1, "%2d:%2d", &oh, &om) == 2 && oh <= 14 && om < 60) {
		if (*p == '-') {
			oh = -oh;
			om = -om;
		}
	} else
		return -EINVAL;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60 || y < 1970 || y > 9999)
		return -EINVAL;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (tm.tm_mday != d)	/* 31 February and the like */
		return -EINVAL;
	t -= (time_t)oh * 3600 + (time_t)om * 60;
	/* An offset can carry the instant out of those years. */
	if (t < 0 || t > CAMPAIGN_TIME_MAX)
		return -EINVAL;
	*us = (int64_t)t * 1000000 + frac_us;
	return 0;
}

/* Checks that an object has only the given keys. */
void
campaign_known_keys(json_t *obj, const char *path, const char *const *keys,
    struct campaign_errors *e)
{
	const char *k;
	json_t *v;

	json_object_foreach(obj, k, v) {
		bool ok = false;

		for (const char *const *p = keys; *p != NULL; p++)
			if (strcmp(k, *p) == 0)
				ok = true;
		if (!ok) {
			char field[256];
			bool plain = k[0] != '\0' && strspn(k, CAMPAIGN_NAME_CHARS)
			    == strlen(k);

			/* Quoted unless a plain name: an empty key, or one
			 * holding ": ", still names a field. */
			snprintf(field, sizeof(field), plain ? "%s%s%s" :
			    "%s%s\"%s\"", path, path[0] ? "." : "", k);
			campaign_err(e, field, "unknown field");
		}
	}
	(void)v;
}

/* Reads a required or optional string field of bounded length. */
bool
campaign_str(json_t *obj, const char *key, const char *field, bool required,
    size_t max, char *out, size_t outlen, struct campaign_errors *e)
{
	json_t *v = json_object_get(obj, key);

	out[0] = '\0';
	if (v == NULL) {
		if (required)
			campaign_err(e, field, "is required");
		return !required;
	}
	if (!json_is_string(v)) {
		campaign_err(e, field, "must be a string");
		return false;
	}
	if (json_string_length(v) == 0 || json_string_length(v) > max ||
	    json_string_length(v) >= outlen ||
	    strlen(json_string_value(v)) != json_string_length(v)) {
		campaign_err(e, field, "must be 1 to %zu bytes of text", max);
		return false;
	}
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return true;
}

/* Reads an optional non-negative integer in [lo, hi]; *present tells. */
bool
campaign_uint(json_t *obj, const char *key, const char *field, uint64_t lo,
    uint64_t hi, bool required, uint64_t *out, struct campaign_errors *e)
{
	json_t *v = json_object_get(obj, key);
	json_int_t n;

	if (v == NULL) {
		if (required)
			campaign_err(e, field, "is required");
		return !required;
	}
	if (!json_is_integer(v)) {
		campaign_err(e, field, "must be a whole number from %llu to %llu",
		    (unsigned long long)lo, (unsigned long long)hi);
		return false;
	}
	n = json_integer_value(v);
	if (n < 0 || (uint64_t)n < lo || (uint64_t)n > hi) {
		campaign_err(e, field, "must be a whole number from %llu to %llu",
		    (unsigned long long)lo, (unsigned long long)hi);
		return false;
	}
	*out = (uint64_t)n;
	return true;
}

/* Reads a required time field. */
static bool
campaign_time(json_t *obj, const char *key, const char *field, bool required,
    int64_t *out, struct campaign_errors *e)
{
	char text[64];

	*out = 0;
	if (!campaign_str(obj, key, field, required, 40, text, sizeof(text), e))
		return false;
	if (text[0] == '\0')
		return true;
	if (campaign_parse_time(text, out) < 0) {
		campaign_err(e, field, "must be an ISO 8601 time with an offset, "
		    "e.g. 2027-03-01T00:00:00+08:00");
		return false;
	}
	return true;
}

/* A positive amount: digits with at most one '.', not all zero, and at
 * most SETTLE_AMOUNT_DIGITS before the point. */
static bool
campaign_amount_ok(const char *s)
{
	size_t n = strspn(s, "0123456789");

	if (n > SETTLE_AMOUNT_DIGITS)
		return false;

	if (s[n] == '.')
		n += 1 + strspn(s + n + 1, "0123456789");
	return s[n] == '\0' && strcspn(s, "123456789") < n;
}

/* Reads face_value and currency (default CNY) of a coupon object, or of a
 * physical tier, where both are optional (none: nothing is set). */
static void
campaign_face_value(json_t *v, const char *path, bool required,
    struct campaign_tier *t, struct campaign_errors *e)
{
	char field[160];
	json_t *fv;

	snprintf(field, sizeof(field), "%s.face_value", path);
	fv = json_object_get(v, "face_value");
	if (fv == NULL) {
		if (required)
			campaign_err(e, field, "is required");
		else if (json_object_get(v, "currency") != NULL)
			campaign_err(e, field, "is required with currency");
		if (!required)
			return;
	} else if (json_is_string(fv) && json_string_length(fv) > 0 &&
	    json_string_length(fv) < sizeof(t->face_value) &&
	    strspn(json_string_value(fv), "0123456789.") ==
	    json_string_length(fv) && campaign_amount_ok(json_string_value(fv)))
		snprintf(t->face_value, sizeof(t->face_value), "%s",
		    json_string_value(fv));
	else if (json_is_number(fv) && json_number_value(fv) >= 0.005 &&
	    json_number_value(fv) < 1e9)	/* "0.01" and up */
		snprintf(t->face_value, sizeof(t->face_value), "%.2f",
		    json_number_value(fv));
	else
		campaign_err(e, field, "must be a positive amount, e.g. \"10.00\"");
	/* Checked above: digits, a point, at most SETTLE_AMOUNT_DIGITS. */
	if (t->face_value[0] != '\0' &&
	    settle_amount_parse(t->face_value, &t->face) < 0)
		campaign_err(e, field, "must be a positive amount, e.g. \"10.00\"");
	snprintf(field, sizeof(field), "%s.currency", path);
	if (!campaign_str(v, "currency", field, false, 7, t->currency,
	    sizeof(t->currency), e))
		;
	else if (t->currency[0] == '\0')
		strcpy(t->currency, "CNY");
}

/* Parses a coupon object. */
static void
campaign_coupon(json_t *v, const char *path, struct campaign_tier *t,
    struct campaign_errors *e)
{
	static const char *const keys[] = { "face_value", "currency",
	    "condition", "valid_from", "valid_to", "valid_days", NULL };
	char field[160];
	uint64_t days = 0;
	bool to_ok, days_ok;

	if (!json_is_object(v)) {
		campaign_err(e, path, "must be an object with face_value, "
		    "condition and a validity window");
		return;
	}
	campaign_known_keys(v, path, keys, e);
	campaign_face_value(v, path, true, t, e);
	snprintf(field, sizeof(field), "%s.condition", path);
	campaign_str(v, "condition", field, true, CAMPAIGN_CONDITION_MAX,
	    t->condition, sizeof(t->condition), e);
	snprintf(field, sizeof(field), "%s.valid_from", path);
	campaign_time(v, "valid_from", field, false, &t->valid_from, e);
	snprintf(field, sizeof(field), "%s.valid_to", path);
	to_ok = campaign_time(v, "valid_to", field, false, &t->valid_to, e);
	snprintf(field, sizeof(field), "%s.valid_days", path);
	days_ok = campaign_uint(v, "valid_days", field, 1, 3650, false, &days,
	    e);
	t->valid_days = (uint32_t)days;
	/* Only when both parsed: a bad one has its own message already. */
	if (to_ok && days_ok && (t->valid_to != 0) == (t->valid_days != 0))
		campaign_err(e, path, "give either valid_to or valid_days");
	if (t->valid_to != 0 && t->valid_from != 0 &&
	    t->valid_to <= t->valid_from)
		campaign_err(e, path, "valid_to must be after valid_from");
}

/* Parses one tier. */
static void
campaign_tier(json_t *v, size_t i, struct campaign *c, struct campaign_errors *e)
{
	static const char *const keys[] = { "id", "name", "kind", "total",
	    "daily_cap", "odds", "reveal", "points", "coupon", "face_value",
	    "currency", "daily_guarantee", NULL };
	struct campaign_tier *t = &c->tiers[i];
	char path[32], field[96], word[16];
	uint64_t n;

	snprintf(path, sizeof(path), "tiers[%zu]", i);
	if (!json_is_object(v)) {
		campaign_err(e, path, "must be an object");
		return;
	}
	campaign_known_keys(v, path, keys, e);
	snprintf(field, sizeof(field), "%s.id", path);
	if (campaign_str(v, "id", field, true, STORE_ID_MAX, t->id,
	    sizeof(t->id), e) && !campaign_id_ok(t->id))
		campaign_err(e, field, "may hold only letters, digits, '_' and "
		    "'-'");
	for (size_t k = 0; k < i; k++)
		if (t->id[0] != '\0' && strcmp(c->tiers[k].id, t->id) == 0)
			campaign_err(e, field, "repeats the id of tiers[%zu]", k);
	snprintf(field, sizeof(field), "%s.name", path);
	campaign_str(v, "name", field, true, CAMPAIGN_TEXT_MAX, t->name,
	    sizeof(t->name), e);
	snprintf(field, sizeof(field), "%s.kind", path);
	t->kind = -1;
	if (campaign_str(v, "kind", field, true, 15, word, sizeof(word), e)) {
		if (strcmp(word, "physical") == 0)
			t->kind = CAMPAIGN_PHYSICAL;
		else if (strcmp(word, "coupon") == 0)
			t->kind = CAMPAIGN_COUPON;
		else if (strcmp(word, "points") == 0)
			t->kind = CAMPAIGN_POINTS;
		else
			campaign_err(e, field, "must be physical, coupon or "
			    "points");
	}
	snprintf(field, sizeof(field), "%s.total", path);
	campaign_uint(v, "total", field, 1, CAMPAIGN_TOTAL_MAX, true, &t->total,
	    e);
	snprintf(field, sizeof(field), "%s.daily_cap", path);
	if (campaign_uint(v, "daily_cap", field, 1, CAMPAIGN_TOTAL_MAX, false,
	    &t->daily_cap, e) && t->daily_cap > t->total && t->total > 0)
		campaign_err(e, field, "is larger than total");
	snprintf(field, sizeof(field), "%s.odds", path);
	n = 0;
	campaign_uint(v, "odds", field, 0, CAMPAIGN_ODDS_SCALE, true, &n, e);
	t->odds = (uint32_t)n;
	snprintf(field, sizeof(field), "%s.reveal", path);
	t->reveal = CAMPAIGN_ONLINE;
	if (campaign_str(v, "reveal", field, false, 15, word, sizeof(word), e) &&
	    word[0] != '\0') {
		if (strcmp(word, "at_store") == 0)
			t->reveal = CAMPAIGN_AT_STORE;
		else if (strcmp(word, "online") != 0)
			campaign_err(e, field, "must be online or at_store");
	}
	snprintf(field, sizeof(field), "%s.points", path);
	if (t->kind == CAMPAIGN_POINTS) {
		if (campaign_uint(v, "points", field, 1, 1000000000, true, &n, e))
			t->points = (int64_t)n;
	} else if (json_object_get(v, "points") != NULL)
		campaign_err(e, field, "belongs to points tiers only");
	snprintf(field, sizeof(field), "%s.coupon", path);
	if (t->kind == CAMPAIGN_COUPON) {
		json_t *cv = json_object_get(v, "coupon");

		if (cv == NULL)
			campaign_err(e, field, "is required for coupon tiers");
		else
			campaign_coupon(cv, field, t, e);
	} else if (json_object_get(v, "coupon") != NULL)
		campaign_err(e, field, "belongs to coupon tiers only");
	/* What a physical prize is worth in settlement (docs/settlement.md);
	 * a coupon's is in its coupon object. */
	if (t->kind == CAMPAIGN_PHYSICAL)
		campaign_face_value(v, path, false, t, e);
	else if (json_object_get(v, "face_value") != NULL ||
	    json_object_get(v, "currency") != NULL) {
		snprintf(field, sizeof(field), "%s.face_value", path);
		campaign_err(e, field, "belongs to physical tiers only (a "
		    "coupon's is in its coupon object)");
	}
	campaign_guarantee_parse(v, path, t, e);
}

/* Resolves local midnights of the campaign in its time zone (CLI only:
 * it sets TZ for the process while it runs). */
static int
campaign_resolve_days(struct campaign *c, struct campaign_errors *e)
{
	char *old = NULL;
	time_t s = (time_t)(c->start / 1000000);
	struct tm tm;
	size_t n = 0;
	int ret = 0;

	if (strstr(c->tz, "..") != NULL || c->tz[0] == '/') {
		campaign_err(e, "time_zone", "is not a time zone name");
		return -EINVAL;
	}
	if (!tz_known(c->tz)) {
		campaign_err(e, "time_zone", "unknown time zone '%s' (an IANA "
		    "name such as Asia/Shanghai; is tzdata installed?)", c->tz);
		return -EINVAL;
	}
	if ((ret = tz_push(c->tz, &old)) < 0)
		return ret;
	c->day_starts = calloc(CAMPAIGN_DAYS_MAX + 2, sizeof(*c->day_starts));
	if (c->day_starts == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	localtime_r(&s, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	for (;;) {
		struct tm day = tm;
		time_t midnight;

		day.tm_isdst = -1;
		midnight = mktime(&day);
		c->day_starts[n++] = (int64_t)midnight * 1000000;
		/* Through the claim window: tickets open after the end. */
		if ((int64_t)midnight * 1000000 >= c->end +
		    (int64_t)c->claim_days * 86400 * 1000000)
			break;
		if (n > CAMPAIGN_DAYS_MAX + 1) {
			campaign_err(e, "end", "the campaign and its claim "
			    "window may last at most %d days", CAMPAIGN_DAYS_MAX);
			ret = -EINVAL;
			goto out;
		}
		tm.tm_mday++;
		tm.tm_isdst = -1;
		/* Normalise tm_mday overflow into the next month. */
		{
			struct tm norm = tm;

			norm.tm_hour = 12;
			mktime(&norm);
			tm.tm_year = norm.tm_year;
			tm.tm_mon = norm.tm_mon;
			tm.tm_mday = norm.tm_mday;
		}
	}
	c->ndays = n - 1;
out:
	tz_pop(old);
	return ret;
}

/* Reads stored day_starts. */
static int
campaign_read_days(json_t *root, struct campaign *c, struct campaign_errors *e)
{
	json_t *arr = json_object_get(root, "day_starts"), *v;
	size_t i;

	if (!json_is_array(arr) || json_array_size(arr) < 2 ||
	    json_array_size(arr) > CAMPAIGN_DAYS_MAX + 2) {
		campaign_err(e, "day_starts", "missing or damaged");
		return -EINVAL;
	}
	c->day_starts = calloc(json_array_size(arr), sizeof(*c->day_starts));
	if (c->day_starts == NULL)
		return -ENOMEM;
	json_array_foreach(arr, i, v) {
		if (!json_is_integer(v) ||
		    json_integer_value(v) > INT64_MAX / 1000000 ||
		    json_integer_value(v) < INT64_MIN / 1000000 ||
		    (i > 0 && json_integer_value(v) * 1000000 <=
		    c->day_starts[i - 1])) {
			campaign_err(e, "day_starts", "must be increasing seconds");
			return -EINVAL;
		}
		c->day_starts[i] = json_integer_value(v) * 1000000;
	}
	c->ndays = json_array_size(arr) - 1;
	if (c->day_starts[0] > c->start || c->day_starts[c->ndays] < c->end) {
		campaign_err(e, "day_starts", "does not cover the campaign");
		return -EINVAL;
	}
	return 0;
}

/* Parses scope. */
static void
campaign_scope(json_t *root, struct campaign *c, struct campaign_errors *e)
{
	static const char *const keys[] = { "batches", "products", "tags",
	    NULL };
	json_t *scope = json_object_get(root, "scope"), *arr, *v;
	size_t i;

	if (scope == NULL) {
		campaign_err(e, "scope", "is required (batches and/or products)");
		return;
	}
	if (!json_is_object(scope)) {
		campaign_err(e, "scope", "must be an object with batches and/or "
		    "products");
		return;
	}
	campaign_known_keys(scope, "scope", keys, e);
	campaign_scope_tags_parse(scope, c, e);
	if ((arr = json_object_get(scope, "batches")) != NULL) {
		if (!json_is_array(arr) || json_array_size(arr) >
		    CAMPAIGN_SCOPE_MAX)
			campaign_err(e, "scope.batches", "must be a list of at "
			    "most %d batch ids", CAMPAIGN_SCOPE_MAX);
		else if ((c->batches = calloc(json_array_size(arr) + 1,
		    sizeof(*c->batches))) != NULL)
			json_array_foreach(arr, i, v) {
				char field[40];

				snprintf(field, sizeof(field),
				    "scope.batches[%zu]", i);
				if (!json_is_integer(v) ||
				    json_integer_value(v) < 1 ||
				    json_integer_value(v) > UINT32_MAX)
					campaign_err(e, field, "must be a batch id");
				else
					c->batches[c->nbatches++] =
					    (uint32_t)json_integer_value(v);
			}
	}
	if ((arr = json_object_get(scope, "products")) != NULL) {
		if (!json_is_array(arr) || json_array_size(arr) >
		    CAMPAIGN_SCOPE_MAX)
			campaign_err(e, "scope.products", "must be a list of at "
			    "most %d GTINs", CAMPAIGN_SCOPE_MAX);
		else if ((c->products = calloc(json_array_size(arr) + 1,
		    sizeof(*c->products))) != NULL)
			json_array_foreach(arr, i, v) {
				char field[40];
				int r;

				snprintf(field, sizeof(field),
				    "scope.products[%zu]", i);
				if (!json_is_string(v) || (r = gtin_normalize(
				    json_string_value(v), json_string_length(v),
				    c->products[c->nproducts])) < 0)
					campaign_err(e, field, "must be a GTIN with "
					    "a valid check digit");
				else
					c->nproducts++;
			}
	}
	if (c->nbatches == 0 && c->nproducts == 0)
		campaign_err(e, "scope", "names no batch and no product");
}

/* Parses claim rules. */
static void
campaign_claim(json_t *root, struct campaign *c, struct campaign_errors *e)
{
	static const char *const keys[] = { "window_days", "stores", NULL };
	json_t *claim = json_object_get(root, "claim");
	uint64_t days = 0;

	c->all_shops = true;
	if (claim == NULL) {
		campaign_err(e, "claim", "is required (window_days, stores)");
		return;
	}
	if (!json_is_object(claim)) {
		campaign_err(e, "claim", "must be an object");
		return;
	}
	campaign_known_keys(claim, "claim", keys, e);
	campaign_uint(claim, "window_days", "claim.window_days", 1, 3650, true,
	    &days, e);
	c->claim_days = (uint32_t)days;
	campaign_store_ids(json_object_get(claim, "stores"), "claim.stores",
	    &c->all_shops, &c->shops, &c->nshops, e);
}

/* Parses risk limits. */
static void
campaign_limits(json_t *root, struct campaign *c, struct campaign_errors *e)
{
	static const char *const keys[] = { "draws_per_visitor_per_day",
	    "draws_per_ip_prefix_per_hour", "wins_per_visitor", NULL };
	json_t *lim = json_object_get(root, "limits");
	uint64_t v;

	if (lim == NULL)
		return;
	if (!json_is_object(lim)) {
		campaign_err(e, "limits", "must be an object");
		return;
	}
	campaign_known_keys(lim, "limits", keys, e);
	v = 0;
	campaign_uint(lim, "draws_per_visitor_per_day",
	    "limits.draws_per_visitor_per_day", 1, 1000000, false, &v, e);
	c->lim_visitor_day = (uint32_t)v;
	v = 0;
	campaign_uint(lim, "draws_per_ip_prefix_per_hour",
	    "limits.draws_per_ip_prefix_per_hour", 1, 100000000, false, &v, e);
	c->lim_ip_hour = (uint32_t)v;
	v = 0;
	campaign_uint(lim, "wins_per_visitor", "limits.wins_per_visitor", 1,
	    1000000, false, &v, e);
	c->lim_visitor_wins = (uint32_t)v;
}

/* Frees a campaign. */
static void
campaign_free(struct campaign *c)
{
	if (c == NULL)
		return;
	free(c->batches);
	free(c->products);
	free(c->shops);
	free(c->checkin.stores);
	free(c->day_starts);
	free(c->config);
	free(c);
}

/* Parses and validates. */
int
campaign_parse(const char *json, size_t len, bool resolve_days,
    struct campaign **out, struct campaign_errors *errs)
{
	static const char *const keys[] = { "id", "name", "description",
	    "start", "end", "time_zone", "scope", "draw_on", "tiers", "claim",
	    "limits", "checkin", "group", "day_starts", NULL };
	struct campaign_errors local = { NULL, 0 };
	struct campaign_errors *e = errs ? errs : &local;
	struct campaign *c;
	json_error_t jerr;
	json_t *root, *tiers, *v;
	char word[16];
	uint64_t online = 0, at_store = 0;
	size_t i, before = e->n;
	int ret = -EINVAL;
	bool start_ok, end_ok;

	*out = NULL;
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		char field[64];

		snprintf(field, sizeof(field), "line %d, column %d", jerr.line,
		    jerr.column);
		campaign_err(e, field, "%s", jerr.text);
		goto done;
	}
	if (!json_is_object(root)) {
		campaign_err(e, "(file)", "must be a JSON object");
		json_decref(root);
		goto done;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		json_decref(root);
		ret = -ENOMEM;
		goto done;
	}
	atomic_init(&c->refs, 1);
	campaign_known_keys(root, "", keys, e);
	if (resolve_days && json_object_get(root, "day_starts") != NULL)
		campaign_err(e, "day_starts", "is computed at load; remove it");
	if (campaign_str(root, "id", "id", true, STORE_ID_MAX, c->id,
	    sizeof(c->id), e) && !campaign_id_ok(c->id))
		campaign_err(e, "id", "may hold only letters, digits, '_' and '-'");
	campaign_str(root, "name", "name", true, CAMPAIGN_TEXT_MAX, c->name,
	    sizeof(c->name), e);
	if ((v = json_object_get(root, "description")) != NULL &&
	    !json_is_string(v))
		campaign_err(e, "description", "must be a string");
	/* Both parsed (1970-01-01T00:00:00Z is 0, a time like any other). */
	start_ok = campaign_time(root, "start", "start", true, &c->start, e);
	end_ok = campaign_time(root, "end", "end", true, &c->end, e);
	if (start_ok && end_ok) {
		if (c->end <= c->start)
			campaign_err(e, "end", "must be after start");
		else if (c->end - c->start > CAMPAIGN_MAX_SPAN_US)
			campaign_err(e, "end", "the campaign may last at most "
			    "%d days", CAMPAIGN_DAYS_MAX);
	}
	campaign_str(root, "time_zone", "time_zone", true, sizeof(c->tz) - 1,
	    c->tz, sizeof(c->tz), e);
	campaign_scope(root, c, e);
	c->draw_on = CAMPAIGN_DRAW_AUTO;
	if (campaign_str(root, "draw_on", "draw_on", false, 15, word,
	    sizeof(word), e) && word[0] != '\0') {
		if (strcmp(word, "inner") == 0)
			c->draw_on = CAMPAIGN_DRAW_INNER;
		else if (strcmp(word, "outer") == 0)
			c->draw_on = CAMPAIGN_DRAW_OUTER;
		else
			campaign_err(e, "draw_on", "must be inner or outer");
	}
	tiers = json_object_get(root, "tiers");
	if (tiers == NULL)
		campaign_err(e, "tiers", "is required");
	else if (!json_is_array(tiers) || json_array_size(tiers) == 0 ||
	    json_array_size(tiers) > CAMPAIGN_TIERS_MAX)
		campaign_err(e, "tiers", "must be a list of 1 to %d prize tiers",
		    CAMPAIGN_TIERS_MAX);
	else {
		c->ntiers = json_array_size(tiers);
		json_array_foreach(tiers, i, v) {
			campaign_tier(v, i, c, e);
			if (c->tiers[i].reveal == CAMPAIGN_AT_STORE) {
				at_store += c->tiers[i].odds;
				c->has_at_store = true;
			} else {
				online += c->tiers[i].odds;
				c->has_online = true;
			}
		}
		if (online > CAMPAIGN_ODDS_SCALE)
			campaign_err(e, "tiers", "the odds of the online tiers add "
			    "up to %llu, more than %u per million",
			    (unsigned long long)online, CAMPAIGN_ODDS_SCALE);
		if (at_store > CAMPAIGN_ODDS_SCALE)
			campaign_err(e, "tiers", "the odds of the at_store tiers "
			    "add up to %llu, more than %u per million",
			    (unsigned long long)at_store, CAMPAIGN_ODDS_SCALE);
	}
	campaign_claim(root, c, e);
	campaign_limits(root, c, e);
	campaign_checkin_parse(root, c, e);
	campaign_group_parse(root, c, e);
	if (e->n == before) {
		int r = resolve_days ? campaign_resolve_days(c, e) :
		    campaign_read_days(root, c, e);

		if (r == -ENOMEM)
			ret = -ENOMEM;
	}
	if (e->n == before && ret != -ENOMEM) {
		json_t *days;

		if (resolve_days) {
			days = json_array();
			for (i = 0; i <= c->ndays; i++)
				json_array_append_new(days, json_integer(
				    c->day_starts[i] / 1000000));
			json_object_set_new(root, "day_starts", days);
		}
		c->config = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (c->config == NULL)
			ret = -ENOMEM;
		else {
			c->config_len = strlen(c->config);
			ret = 0;
		}
	}
	json_decref(root);
	if (ret == 0)
		*out = c;
	else
		campaign_free(c);
done:
	if (errs == NULL)
		campaign_errors_free(&local);
	return ret;
}

/* Takes a reference. */
struct campaign *
campaign_ref(struct campaign *c, const char *who)
{
	(void)who;
	atomic_fetch_add(&c->refs, 1);
	return c;
}

/* Drops a reference. */
void
campaign_unref(struct campaign *c, const char *who)
{
	(void)who;
	if (c != NULL && atomic_fetch_sub(&c->refs, 1) == 1)
		campaign_free(c);
}

/* Local day index of t. */
int
campaign_day(const struct campaign *c, int64_t t)
{
	size_t lo = 0, hi = c->ndays;

	if (c->ndays == 0 || t < c->day_starts[0] || t >= c->day_starts[c->ndays])
		return -1;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (c->day_starts[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return (int)lo;
}

/* True when the campaign covers a batch. */
bool
campaign_covers(const struct campaign *c, uint32_t batch_id, const char *gtin)
{
	for (size_t i = 0; i < c->nbatches; i++)
		if (c->batches[i] == batch_id)
			return true;
	for (size_t i = 0; i < c->nproducts; i++)
		if (strcmp(c->products[i], gtin) == 0)
			return true;
	return false;
}

/* True when a shop may redeem. */
bool
campaign_shop_allowed(const struct campaign *c, const char *shop)
{
	if (c->all_shops)
		return true;
	for (size_t i = 0; i < c->nshops; i++)
		if (strcmp(c->shops[i], shop) == 0)
			return true;
	return false;
}

/* A tier by index. */
const struct campaign_tier *
campaign_tier_at(const struct campaign *c, size_t index)
{
	return index < c->ntiers ? &c->tiers[index] : NULL;
}
