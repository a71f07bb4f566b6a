/* test_metrics.c — counters per loop and their Prometheus text rendering,
 * checked by a small parser of the exposition format 0.0.4. */
#include "testutil.h"

#include <ctype.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/clock.h"
#include "scanner/metrics.h"
#include "scanner/verify.h"

#define P_NAME 128
#define P_LABELS 256
#define P_MAX_SAMPLES 512
#define P_MAX_FAMILIES 64

struct p_sample {
	char name[P_NAME];
	char family[P_NAME];
	char labels[P_LABELS];		/* every label but le, as written */
	char le[32];			/* "" when none */
	double value;
};

struct p_family {
	char name[P_NAME];
	char type[16];
	bool help, typed, done;		/* done: its samples are behind us */
	int samples;
};

struct prom {
	struct p_sample s[P_MAX_SAMPLES];
	size_t ns;
	struct p_family f[P_MAX_FAMILIES];
	size_t nf;
	char err[256];
};

/* Records a parse error; returns -1. */
static int __attribute__((format(printf, 2, 3)))
p_fail(struct prom *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
	return -1;
}

/* Finds or adds a family. */
static struct p_family *
p_family(struct prom *p, const char *name, size_t len, bool add)
{
	for (size_t i = 0; i < p->nf; i++)
		if (strlen(p->f[i].name) == len &&
		    memcmp(p->f[i].name, name, len) == 0)
			return &p->f[i];
	if (!add || p->nf == P_MAX_FAMILIES || len >= P_NAME)
		return NULL;
	memset(&p->f[p->nf], 0, sizeof(p->f[0]));
	memcpy(p->f[p->nf].name, name, len);
	return &p->f[p->nf++];
}

/* Length of a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) at s, or 0. */
static size_t
p_name_len(const char *s, bool metric)
{
	size_t n = 0;

	if (!(isalpha((unsigned char)s[0]) || s[0] == '_' ||
	    (metric && s[0] == ':')))
		return 0;
	while (isalnum((unsigned char)s[n]) || s[n] == '_' ||
	    (metric && s[n] == ':'))
		n++;
	return n;
}

/* Parses a label set "{a="x",le="0.5"}" at *sp into labels and le. */
static int
p_labels(struct prom *p, const char **sp, struct p_sample *smp)
{
	const char *s = *sp;

	if (*s != '{')
		return 0;
	s++;
	while (*s != '}') {
		char name[P_NAME], value[P_LABELS];
		size_t n = p_name_len(s, false), v = 0;

		if (n == 0 || n >= sizeof(name))
			return p_fail(p, "bad label name at '%.20s'", s);
		memcpy(name, s, n);
		name[n] = '\0';
		s += n;
		if (s[0] != '=' || s[1] != '"')
			return p_fail(p, "label %s: expected =\"", name);
		s += 2;
		while (*s != '"') {
			if (*s == '\0' || *s == '\n')
				return p_fail(p, "label %s: unterminated", name);
			if (*s == '\\') {
				s++;
				if (*s != '\\' && *s != '"' && *s != 'n')
					return p_fail(p, "label %s: bad escape",
					    name);
			}
			if (v + 1 >= sizeof(value))
				return p_fail(p, "label %s: too long", name);
			value[v++] = *s++;
		}
		value[v] = '\0';
		s++;
		if (strcmp(name, "le") == 0) {
			if (smp->le[0] != '\0' || v >= sizeof(smp->le))
				return p_fail(p, "bad le label");
			memcpy(smp->le, value, v + 1);
		} else {
			size_t l = strlen(smp->labels);

			if (strstr(smp->labels, name) != NULL)
				return p_fail(p, "label %s twice", name);
			snprintf(smp->labels + l, sizeof(smp->labels) - l,
			    "%s%s=\"%s\"", l ? "," : "", name, value);
		}
		if (*s == ',')
			s++;
		else if (*s != '}')
			return p_fail(p, "expected , or } in labels");
	}
	*sp = s + 1;
	return 0;
}

/* Parses a sample value: a float, +Inf, -Inf or NaN, to the line end. */
static int
p_value(struct prom *p, const char *s, const char *end, double *out)
{
	char tmp[64], *e;
	size_t n = (size_t)(end - s);

	if (n == 0 || n >= sizeof(tmp))
		return p_fail(p, "bad value length");
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	if (strcmp(tmp, "+Inf") == 0)
		*out = INFINITY;
	else if (strcmp(tmp, "-Inf") == 0)
		*out = -INFINITY;
	else if (strcmp(tmp, "NaN") == 0)
		*out = NAN;
	else {
		/* Digits, sign, point and exponent only (no "inf", hex). */
		for (size_t i = 0; i < n; i++)
			if (!isdigit((unsigned char)tmp[i]) &&
			    strchr("+-.eE", tmp[i]) == NULL)
				return p_fail(p, "bad value '%s'", tmp);
		*out = strtod(tmp, &e);
		if (*e != '\0')
			return p_fail(p, "bad value '%s'", tmp);
	}
	return 0;
}

/* Parses one sample line. */
static int
p_sample_line(struct prom *p, const char *s, const char *end)
{
	struct p_sample *smp;
	struct p_family *f;
	size_t n = p_name_len(s, true);
	const char *base_end;

	if (n == 0 || n >= P_NAME)
		return p_fail(p, "bad metric name at '%.30s'", s);
	if (p->ns == P_MAX_SAMPLES)
		return p_fail(p, "too many samples");
	smp = &p->s[p->ns];
	memset(smp, 0, sizeof(*smp));
	memcpy(smp->name, s, n);
	/* The family: the name itself, or a histogram's base name. */
	f = p_family(p, s, n, false);
	base_end = s + n;
	if (f == NULL) {
		static const char *const sfx[] = { "_bucket", "_sum",
		    "_count" };

		for (size_t i = 0; i < 3 && f == NULL; i++) {
			size_t l = strlen(sfx[i]);

			if (n > l && memcmp(s + n - l, sfx[i], l) == 0) {
				f = p_family(p, s, n - l, false);
				base_end = s + n - l;
			}
		}
		if (f == NULL || strcmp(f->type, "histogram") != 0)
			return p_fail(p, "sample %s has no TYPE", smp->name);
	}
	memcpy(smp->family, s, (size_t)(base_end - s));
	if (!f->typed)
		return p_fail(p, "sample %s before its TYPE", smp->name);
	if (f->done)
		return p_fail(p, "samples of %s not together", f->name);
	/* Every other family that had samples is now done. */
	for (size_t i = 0; i < p->nf; i++)
		if (&p->f[i] != f && p->f[i].samples > 0)
			p->f[i].done = true;
	s += n;
	if (p_labels(p, &s, smp) < 0)
		return -1;
	if (*s != ' ')
		return p_fail(p, "%s: expected one space before the value",
		    smp->name);
	s++;
	if (p_value(p, s, end, &smp->value) < 0)
		return -1;
	if ((strcmp(f->type, "counter") == 0 && !(smp->value >= 0)) ||
	    (strcmp(f->type, "gauge") == 0 && isnan(smp->value)))
		return p_fail(p, "%s: bad %s value", smp->name, f->type);
	if ((smp->le[0] != '\0') != (strcmp(f->type, "histogram") == 0 &&
	    strcmp(smp->name + strlen(smp->family), "_bucket") == 0))
		return p_fail(p, "%s: le label where it does not belong",
		    smp->name);
	for (size_t i = 0; i < p->ns; i++)
		if (strcmp(p->s[i].name, smp->name) == 0 &&
		    strcmp(p->s[i].labels, smp->labels) == 0 &&
		    strcmp(p->s[i].le, smp->le) == 0)
			return p_fail(p, "duplicate sample %s{%s}", smp->name,
			    smp->labels);
	f->samples++;
	p->ns++;
	return 0;
}

/* Parses "# HELP name text" and "# TYPE name type". */
static int
p_comment(struct prom *p, const char *s, const char *end)
{
	bool help = strncmp(s, "# HELP ", 7) == 0;
	bool type = strncmp(s, "# TYPE ", 7) == 0;
	struct p_family *f;
	size_t n;

	if (!help && !type)
		return 0;		/* a plain comment */
	s += 7;
	if ((n = p_name_len(s, true)) == 0 || s[n] != ' ')
		return p_fail(p, "bad HELP/TYPE name");
	if ((f = p_family(p, s, n, true)) == NULL)
		return p_fail(p, "too many families");
	s += n + 1;
	if (help) {
		if (f->help)
			return p_fail(p, "HELP %s twice", f->name);
		if (s == end)
			return p_fail(p, "HELP %s empty", f->name);
		f->help = true;
		return 0;
	}
	if (f->typed)
		return p_fail(p, "TYPE %s twice", f->name);
	if (f->samples > 0)
		return p_fail(p, "TYPE %s after its samples", f->name);
	n = (size_t)(end - s);
	if (n >= sizeof(f->type))
		return p_fail(p, "bad type");
	memcpy(f->type, s, n);
	f->type[n] = '\0';
	if (strcmp(f->type, "counter") != 0 && strcmp(f->type, "gauge") != 0 &&
	    strcmp(f->type, "histogram") != 0 &&
	    strcmp(f->type, "summary") != 0 && strcmp(f->type, "untyped") != 0)
		return p_fail(p, "TYPE %s: unknown type %s", f->name, f->type);
	f->typed = true;
	return 0;
}

/* Checks one histogram: buckets with rising le, cumulative counts, a last
 * +Inf bucket equal to _count, and a _sum. */
static int
p_histogram(struct prom *p, const struct p_family *f)
{
	char bucket[P_NAME + 8], sum[P_NAME + 8], count[P_NAME + 8];
	double last_le = -INFINITY, last = 0, inf = NAN;
	bool has_sum = false, has_count = false;
	double count_v = 0;
	int nb = 0;

	snprintf(bucket, sizeof(bucket), "%s_bucket", f->name);
	snprintf(sum, sizeof(sum), "%s_sum", f->name);
	snprintf(count, sizeof(count), "%s_count", f->name);
	for (size_t i = 0; i < p->ns; i++) {
		const struct p_sample *s = &p->s[i];

		if (strcmp(s->family, f->name) != 0)
			continue;
		if (strcmp(s->name, bucket) == 0) {
			double le;

			if (p_value(p, s->le, s->le + strlen(s->le), &le) < 0)
				return -1;
			if (!(le > last_le))
				return p_fail(p, "%s: le %s not rising",
				    f->name, s->le);
			if (s->value < last)
				return p_fail(p, "%s: le %s not cumulative",
				    f->name, s->le);
			if (has_sum || has_count)
				return p_fail(p, "%s: bucket after _sum",
				    f->name);
			last_le = le;
			last = s->value;
			if (isinf(le))
				inf = s->value;
			nb++;
		} else if (strcmp(s->name, sum) == 0)
			has_sum = true;
		else if (strcmp(s->name, count) == 0) {
			has_count = true;
			count_v = s->value;
		} else
			return p_fail(p, "%s: stray sample %s", f->name,
			    s->name);
	}
	if (nb == 0 || !isinf(last_le))
		return p_fail(p, "%s: no +Inf bucket at the end", f->name);
	if (!has_sum || !has_count)
		return p_fail(p, "%s: _sum or _count missing", f->name);
	if (inf != count_v)
		return p_fail(p, "%s: +Inf %g != _count %g", f->name, inf,
		    count_v);
	return 0;
}

/* Parses and checks a whole exposition. Returns 0 or -1 with p->err. */
static int
prom_check(struct prom *p, const char *text, size_t len)
{
	const char *s = text, *end = text + len;

	memset(p, 0, sizeof(*p));
	if (len == 0 || text[len - 1] != '\n')
		return p_fail(p, "text does not end with a newline");
	if (memchr(text, '\0', len) != NULL)
		return p_fail(p, "NUL in text");
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		int ret;

		if (nl == s)
			return p_fail(p, "empty line");
		if (nl[-1] == ' ' || nl[-1] == '\r')
			return p_fail(p, "trailing space or CR");
		ret = s[0] == '#' ? p_comment(p, s, nl) :
		    p_sample_line(p, s, nl);
		if (ret < 0)
			return -1;
		s = nl + 1;
	}
	for (size_t i = 0; i < p->nf; i++) {
		const struct p_family *f = &p->f[i];

		if (!f->help || !f->typed)
			return p_fail(p, "%s: HELP or TYPE missing", f->name);
		if (f->samples == 0)
			return p_fail(p, "%s: no samples", f->name);
		if (strcmp(f->type, "histogram") == 0 && p_histogram(p, f) < 0)
			return -1;
	}
	return 0;
}

/* Value of the sample written exactly as key ("name{labels}"). */
static double
prom_get(const struct prom *p, const char *key)
{
	for (size_t i = 0; i < p->ns; i++) {
		const struct p_sample *s = &p->s[i];
		char k[P_NAME + P_LABELS + 48];

		if (s->le[0] != '\0')
			snprintf(k, sizeof(k), "%s{%s%sle=\"%s\"}", s->name,
			    s->labels, s->labels[0] ? "," : "", s->le);
		else if (s->labels[0] != '\0')
			snprintf(k, sizeof(k), "%s{%s}", s->name, s->labels);
		else
			snprintf(k, sizeof(k), "%s", s->name);
		if (strcmp(k, key) == 0)
			return s->value;
	}
	fail_msg("no sample %s", key);
	return NAN;
}

/* Type of a family, or "" when absent. */
static const char *
prom_type(const struct prom *p, const char *name)
{
	for (size_t i = 0; i < p->nf; i++)
		if (strcmp(p->f[i].name, name) == 0)
			return p->f[i].type;
	return "";
}

/* Renders and checks; fails the test with the parser's message. */
static void
render_check(struct metrics *m, const struct writer_stats *ws,
    unsigned conns, int64_t started, struct prom *p)
{
	struct buf out = { 0 };

	assert_int_equal(metrics_render(m, ws, conns, started, &out), 0);
	assert_non_null(out.data);
	if (prom_check(p, (const char *)out.data, out.len) < 0)
		fail_msg("exposition rejected: %s\n%s", p->err, out.data);
	buf_free(&out);
}

/* The checker refuses what Prometheus would refuse (so it can fail). */
static void
test_checker_rejects(void **state)
{
	static const char *const bad[] = {
		"x 1\n",						/* no TYPE */
		"# HELP x h\n# TYPE x counter\nx 1",			/* no \n */
		"# HELP x h\n# TYPE x counter\n# TYPE x counter\nx 1\n",
		"# HELP x h\n# HELP x h\n# TYPE x counter\nx 1\n",
		"# TYPE x counter\nx 1\n",				/* HELP */
		"# HELP x h\n# TYPE x counter\nx  1\n",
		"# HELP x h\n# TYPE x counter\nx 1 \n",
		"# HELP x h\n# TYPE x counter\nx one\n",
		"# HELP x h\n# TYPE x counter\nx -1\n",
		"# HELP x h\n# TYPE x counter\nx{a=\"1} 1\n",
		"# HELP x h\n# TYPE x counter\nx{a=\"1\"} 1\nx{a=\"1\"} 2\n",
		"# HELP x h\n# TYPE x counter\n# HELP y h\n# TYPE y gauge\n"
		    "x 1\ny 1\nx{a=\"2\"} 1\n",			/* split */
		"# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\n"
		    "h_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",	/* cum. */
		"# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\n"
		    "h_sum 1\nh_count 1\n",				/* +Inf */
		"# HELP h h\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\n"
		    "h_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n",	/* count */
		"# HELP h h\n# TYPE h histogram\nh_bucket{le=\"2\"} 1\n"
		    "h_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\n"
		    "h_count 1\n",					/* le order */
		"# HELP h h\n# TYPE h histogram\nh_bucket{le=\"+Inf\"} 1\n"
		    "h_count 1\n",					/* _sum */
	};
	static const char good[] = "# HELP h h\n# TYPE h histogram\n"
	    "h_bucket{le=\"0.5\"} 1\nh_bucket{le=\"+Inf\"} 3\nh_sum 2.5\n"
	    "h_count 3\n# HELP x h\n# TYPE x counter\nx{a=\"\\\"q\\\"\"} 0\n";
	struct prom *p = malloc(sizeof(*p));

	(void)state;
	assert_non_null(p);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (prom_check(p, bad[i], strlen(bad[i])) == 0)
			fail_msg("accepted bad exposition %zu:\n%s", i, bad[i]);
	if (prom_check(p, good, strlen(good)) != 0)
		fail_msg("rejected good exposition: %s", p->err);
	assert_true(prom_get(p, "h_bucket{le=\"+Inf\"}") == 3);
	free(p);
}

/* Fresh counters: every family present, typed and zero. */
static void
test_render_empty(void **state)
{
	static const char *const counters[] = { "scanloop_scans_total",
	    "scanloop_scans_nonhuman_total", "scanloop_http_requests_total",
	    "scanloop_http_responses_total", "scanloop_rate_limited_total",
	    "scanloop_commits_total", "scanloop_commit_failures_total",
	    "scanloop_committed_events_total" };
	static const char *const histograms[] = {
	    "scanloop_http_request_duration_seconds",
	    "scanloop_events_per_commit", "scanloop_commit_duration_seconds" };
	struct prom *p = malloc(sizeof(*p));
	struct metrics *m;

	(void)state;
	assert_non_null(p);
	assert_non_null(m = metrics_new(3));
	render_check(m, NULL, 0, clock_now_us(), p);
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
		assert_string_equal(prom_type(p, counters[i]), "counter");
	for (size_t i = 0; i < sizeof(histograms) / sizeof(histograms[0]); i++)
		assert_string_equal(prom_type(p, histograms[i]), "histogram");
	assert_string_equal(prom_type(p, "scanloop_open_connections"),
	    "gauge");
	assert_string_equal(prom_type(p, "scanloop_uptime_seconds"), "gauge");
	for (int v = VERDICT_GENUINE; v <= VERDICT_MALFORMED; v++) {
		char key[128];

		snprintf(key, sizeof(key), "scanloop_scans_total{verdict=\"%s\"}",
		    verify_verdict_name((enum verdict)v));
		assert_true(prom_get(p, key) == 0);
	}
	assert_true(prom_get(p, "scanloop_http_requests_total{code=\"2xx\"}") ==
	    0);
	assert_true(prom_get(p,
	    "scanloop_http_request_duration_seconds_count") == 0);
	assert_true(prom_get(p, "scanloop_events_per_commit_count") == 0);
	assert_true(prom_get(p, "scanloop_open_connections") == 0);
	/* A start in the future (a mixed-up clock) reads 0, not negative. */
	render_check(m, NULL, 0, clock_now_us() + 1000000000, p);
	assert_true(prom_get(p, "scanloop_uptime_seconds") == 0);
	/* Five seconds ago: at least five. */
	render_check(m, NULL, 7, clock_now_us() - 5000000, p);
	assert_true(prom_get(p, "scanloop_uptime_seconds") >= 5);
	assert_true(prom_get(p, "scanloop_open_connections") == 7);
	metrics_free(m);
	metrics_free(NULL);
	free(p);
}

/* Counts land in the right samples, summed over the loops. */
static void
test_counts(void **state)
{
	struct prom *p = malloc(sizeof(*p));
	struct metrics *m;
	struct buf out = { 0 };

	(void)state;
	assert_non_null(p);
	assert_non_null(m = metrics_new(2));
	metrics_scan(m, 0, VERDICT_GENUINE, true);
	metrics_scan(m, 1, VERDICT_GENUINE, false);
	metrics_scan(m, 7, VERDICT_FORGED, true);	/* loop past the end */
	metrics_scan(m, 0, VERDICT_MALFORMED, false);
	metrics_scan(m, 0, VERDICT_VOID, true);
	metrics_scan(m, 0, -1, true);			/* ignored */
	metrics_scan(m, 0, 99, true);			/* ignored */
	metrics_rate_limited(m, 1);
	metrics_rate_limited(m, 0);
	metrics_rate_limited(m, 0);
	/* Durations on and around bucket bounds (le is inclusive). */
	metrics_request(m, 0, 200, 500);		/* le 0.0005 */
	metrics_request(m, 1, 200, 501);		/* le 0.001 */
	metrics_request(m, 0, 304, -3);			/* le 0.0005 (0) */
	metrics_request(m, 0, 404, 2500000);		/* le 2.5 */
	metrics_request(m, 1, 410, 2500001);		/* +Inf */
	metrics_request(m, 0, 429, 10);
	metrics_request(m, 0, 503, 100000);		/* le 0.1 */
	metrics_request(m, 0, 500, 100001);		/* le 0.25 */
	metrics_request(m, 0, 0, 7);			/* client left */
	render_check(m, NULL, 0, clock_now_us(), p);

	assert_true(prom_get(p, "scanloop_scans_total{verdict=\"genuine\"}") ==
	    2);
	assert_true(prom_get(p, "scanloop_scans_total{verdict=\"forged\"}") ==
	    1);
	assert_true(prom_get(p,
	    "scanloop_scans_total{verdict=\"malformed\"}") == 1);
	assert_true(prom_get(p, "scanloop_scans_total{verdict=\"void\"}") == 1);
	assert_true(prom_get(p,
	    "scanloop_scans_total{verdict=\"not_active\"}") == 0);
	assert_true(prom_get(p, "scanloop_scans_nonhuman_total") == 2);
	assert_true(prom_get(p, "scanloop_rate_limited_total") == 3);
	assert_true(prom_get(p, "scanloop_http_requests_total{code=\"2xx\"}") ==
	    2);
	assert_true(prom_get(p, "scanloop_http_requests_total{code=\"3xx\"}") ==
	    1);
	assert_true(prom_get(p, "scanloop_http_requests_total{code=\"4xx\"}") ==
	    3);
	assert_true(prom_get(p, "scanloop_http_requests_total{code=\"5xx\"}") ==
	    2);
	assert_true(prom_get(p,
	    "scanloop_http_responses_total{status=\"404\"}") == 1);
	assert_true(prom_get(p,
	    "scanloop_http_responses_total{status=\"410\"}") == 1);
	assert_true(prom_get(p,
	    "scanloop_http_responses_total{status=\"429\"}") == 1);
	assert_true(prom_get(p,
	    "scanloop_http_responses_total{status=\"503\"}") == 1);
#define LAT(le) prom_get(p, \
    "scanloop_http_request_duration_seconds_bucket{le=\"" le "\"}")
	assert_true(LAT("0.0005") == 4);	/* 500, 0, 10, 7 */
	assert_true(LAT("0.001") == 5);
	assert_true(LAT("0.05") == 5);
	assert_true(LAT("0.1") == 6);
	assert_true(LAT("0.25") == 7);
	assert_true(LAT("1") == 7);
	assert_true(LAT("2.5") == 8);
	assert_true(LAT("+Inf") == 9);
#undef LAT
	assert_true(prom_get(p,
	    "scanloop_http_request_duration_seconds_count") == 9);
	/* The sum, written exactly: 5,201,020 µs. */
	assert_int_equal(metrics_render(m, NULL, 0, clock_now_us(), &out), 0);
	assert_non_null(strstr((const char *)out.data,
	    "\nscanloop_http_request_duration_seconds_sum 5.201020\n"));
	buf_free(&out);
	metrics_free(m);
	free(p);
}

/* The writer's counters become two histograms with cumulative buckets. */
static void
test_writer_stats(void **state)
{
	struct writer_stats ws = { 0 };
	struct prom *p = malloc(sizeof(*p));
	struct metrics *m;
	struct buf out = { 0 };

	(void)state;
	assert_non_null(p);
	for (int i = 0; i < 8; i++)
		ws.group_hist[i] = (uint64_t)i + 1;		/* 36 commits */
	for (int i = 0; i < 10; i++)
		ws.commit_us_hist[i] = i == 3 ? 0 : 10;		/* 90 */
	ws.commits = 36;
	ws.ops = 1234;
	ws.failed_commits = 2;
	ws.commit_us_sum = 1500250;
	assert_non_null(m = metrics_new(1));
	render_check(m, &ws, 3, clock_now_us(), p);
	assert_true(prom_get(p, "scanloop_commits_total") == 36);
	assert_true(prom_get(p, "scanloop_commit_failures_total") == 2);
	assert_true(prom_get(p, "scanloop_committed_events_total") == 1234);
#define GRP(le) prom_get(p, "scanloop_events_per_commit_bucket{le=\"" le "\"}")
	assert_true(GRP("1") == 1);
	assert_true(GRP("3") == 3);
	assert_true(GRP("7") == 6);
	assert_true(GRP("15") == 10);
	assert_true(GRP("31") == 15);
	assert_true(GRP("63") == 21);
	assert_true(GRP("127") == 28);
	assert_true(GRP("+Inf") == 36);
#undef GRP
	assert_true(prom_get(p, "scanloop_events_per_commit_count") == 36);
	assert_true(prom_get(p, "scanloop_events_per_commit_sum") == 1234);
#define CT(le) prom_get(p, \
    "scanloop_commit_duration_seconds_bucket{le=\"" le "\"}")
	assert_true(CT("0.00025") == 10);
	assert_true(CT("0.0005") == 20);
	assert_true(CT("0.001") == 30);
	assert_true(CT("0.0025") == 30);
	assert_true(CT("0.005") == 40);
	assert_true(CT("0.01") == 50);
	assert_true(CT("0.025") == 60);
	assert_true(CT("0.1") == 70);
	assert_true(CT("1") == 80);
	assert_true(CT("+Inf") == 90);
#undef CT
	assert_true(prom_get(p, "scanloop_commit_duration_seconds_count") ==
	    90);
	assert_int_equal(metrics_render(m, &ws, 3, clock_now_us(), &out), 0);
	assert_non_null(strstr((const char *)out.data,
	    "\nscanloop_commit_duration_seconds_sum 1.500250\n"));
	assert_true(prom_get(p, "scanloop_open_connections") == 3);
	buf_free(&out);
	metrics_free(m);
	free(p);
}

struct counter_thread {
	struct metrics *m;
	unsigned loop;
};

#define C_OPS 100000

/* Counts C_OPS of everything into one loop's shard. */
static void *
counter_main(void *arg)
{
	struct counter_thread *c = arg;

	for (int i = 0; i < C_OPS; i++) {
		metrics_scan(c->m, c->loop, i % 5, i % 2 == 0);
		metrics_request(c->m, c->loop, 200 + 100 * (i % 4), i % 3000);
		metrics_rate_limited(c->m, c->loop);
	}
	return NULL;
}

/* Loops counting while another thread renders: no count is lost. */
static void
test_threads(void **state)
{
	struct counter_thread c[4];
	pthread_t th[4];
	struct prom *p = malloc(sizeof(*p));
	struct metrics *m;

	(void)state;
	assert_non_null(p);
	assert_non_null(m = metrics_new(4));
	for (unsigned i = 0; i < 4; i++) {
		c[i] = (struct counter_thread){ .m = m, .loop = i };
		if (pthread_create(&th[i], NULL, counter_main, &c[i]) != 0)
			fail_msg("pthread_create");
	}
	/* Renders while they count: always well-formed. */
	for (int i = 0; i < 20; i++)
		render_check(m, NULL, 0, clock_now_us(), p);
	for (unsigned i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	render_check(m, NULL, 0, clock_now_us(), p);
	assert_true(prom_get(p, "scanloop_scans_total{verdict=\"genuine\"}") ==
	    4 * C_OPS / 5);
	assert_true(prom_get(p, "scanloop_scans_nonhuman_total") ==
	    4 * C_OPS / 2);
	assert_true(prom_get(p, "scanloop_http_requests_total{code=\"5xx\"}") ==
	    4 * C_OPS / 4);
	assert_true(prom_get(p, "scanloop_rate_limited_total") == 4 * C_OPS);
	assert_true(prom_get(p,
	    "scanloop_http_request_duration_seconds_count") == 4 * C_OPS);
	metrics_free(m);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_checker_rejects),
		cmocka_unit_test(test_render_empty),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_writer_stats),
		cmocka_unit_test(test_threads),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
