/*
 * test_epcis_hash.c — the EPCIS event hash (analytics/epcis_hash.c)
 * against the published examples of the GS1 reference implementation,
 * github.com/RalphTro/epcis-event-hash-generator (tests/examples/, commit
 * 5d2f1c3, MIT licence): each example document's JSON-LD events are read
 * with jansson, turned into struct epcis_hash_event, and their hashes
 * compared with the project's .hashes files (tests/vectors/epcis-hash/,
 * see tests/vectors/README.md).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "analytics/epcis.h"

#define VEC_DIR "tests/vectors/epcis-hash/"
#define MAX_NS 16

/* The namespaces a document's @context declares. */
struct ns_map {
	const char *prefix[MAX_NS];
	const char *uri[MAX_NS];
	size_t n;
};

/* Everything one converted event owns. */
struct conv {
	struct epcis_hash_event ev;
	const char *epcs[64];
	struct epcis_ext *ext;
	size_t n_ext;
	char *strings[256];		/* owned copies, freed at the end */
	size_t n_strings;
};

/* Keeps a malloc'd string for freeing with the event. */
static const char *
conv_keep(struct conv *c, char *s)
{
	assert_true(c->n_strings < 256);
	c->strings[c->n_strings++] = s;
	return s;
}

/* Parses an xsd:dateTimeStamp into Unix microseconds (fractions beyond
 * microseconds are rounded). */
static int64_t
parse_time(const char *s)
{
	struct tm tm = { 0 };
	int64_t us = 0;
	const char *p;
	int sign, oh, om;

	assert_int_equal(sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year,
	    &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec), 6);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	p = s + 19;
	if (*p == '.') {
		int64_t frac = 0;	/* in units of 100 ns */
		int nd = 0;

		for (p++; *p >= '0' && *p <= '9'; p++)
			if (nd < 7)
				frac = frac * 10 + (*p - '0'), nd++;
		for (; nd < 7; nd++)
			frac *= 10;
		us = (frac + 5) / 10;
	}
	us += (int64_t)timegm(&tm) * 1000000;
	if (*p == 'Z')
		return us;
	sign = *p == '-' ? -1 : 1;
	assert_int_equal(sscanf(p + 1, "%2d:%2d", &oh, &om), 2);
	return us - sign * ((int64_t)oh * 3600 + om * 60) * 1000000;
}

/* Reads the prefixes of a document's @context. */
static void
read_context(json_t *doc, struct ns_map *m)
{
	json_t *ctx = json_object_get(doc, "@context"), *item;
	size_t i;

	m->n = 0;
	json_array_foreach(ctx, i, item) {
		const char *k;
		json_t *v;

		if (!json_is_object(item))
			continue;
		json_object_foreach(item, k, v) {
			assert_true(m->n < MAX_NS);
			m->prefix[m->n] = k;
			m->uri[m->n++] = json_string_value(v);
		}
	}
}

/* Returns the namespace URI of "prefix:name" and sets *name. */
static const char *
ns_lookup(const struct ns_map *m, const char *key, const char **name)
{
	const char *colon = strchr(key, ':');

	if (colon == NULL)
		return NULL;
	for (size_t i = 0; i < m->n; i++)
		if (strlen(m->prefix[i]) == (size_t)(colon - key) &&
		    memcmp(m->prefix[i], key, (size_t)(colon - key)) == 0) {
			*name = colon + 1;
			return m->uri[i];
		}
	return NULL;
}

/* Text of a JSON scalar as the reference reads it (Python's str()). */
static char *
scalar_text(json_t *v)
{
	char tmp[64];

	if (json_is_string(v))
		return strdup(json_string_value(v));
	if (json_is_integer(v))
		snprintf(tmp, sizeof(tmp), "%lld",
		    (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(tmp, sizeof(tmp), "%.17g", json_real_value(v));
	else
		fail_msg("unsupported JSON value");
	return strdup(tmp);
}

/* Appends the extension elements of key: value (an array repeats the
 * element) to *arr. */
static void
add_ext(struct conv *c, const struct ns_map *m, const char *key, json_t *v,
    struct epcis_ext **arr, size_t *n)
{
	const char *name = NULL, *ns = ns_lookup(m, key, &name);
	struct epcis_ext *e;

	assert_non_null(ns);
	if (json_is_array(v)) {
		size_t i;
		json_t *item;

		json_array_foreach(v, i, item)
			add_ext(c, m, key, item, arr, n);
		return;
	}
	*arr = realloc(*arr, (*n + 1) * sizeof(**arr));
	assert_non_null(*arr);
	e = &(*arr)[(*n)++];
	memset(e, 0, sizeof(*e));
	e->ns = ns;
	e->name = name;
	if (json_is_object(v)) {
		struct epcis_ext *kids = NULL;
		size_t nk = 0;
		const char *k;
		json_t *x;

		json_object_foreach(v, k, x)
			add_ext(c, m, k, x, &kids, &nk);
		/* add_ext may have moved *arr: find e again. */
		e = &(*arr)[*n - 1];
		e->children = kids;
		e->n_children = nk;
	} else
		e->value = conv_keep(c, scalar_text(v));
}

/* Frees extension arrays recursively. */
static void
free_ext(struct epcis_ext *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free_ext((struct epcis_ext *)e[i].children, e[i].n_children);
	free(e);
}

/* Converts one JSON-LD event; returns false when it has a field the hash
 * function does not support (the test then skips it). ignore lists the
 * document's ignoreFields (the reference drops them). */
static bool
convert(json_t *jev, const struct ns_map *m, json_t *ignore, struct conv *c)
{
	static const char *const skip[] = { "type", "eventID", "recordTime",
	    "eventTime", "eventTimeZoneOffset", "epcList", "action",
	    "bizStep", "disposition", "readPoint", "bizLocation" };
	const char *k;
	json_t *v, *item;
	size_t i;

	memset(c, 0, sizeof(*c));
	json_object_foreach(jev, k, v) {
		bool known = false, ignored = false;

		for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
			known |= strcmp(k, skip[i]) == 0;
		json_array_foreach(ignore, i, item)
			ignored |= strcmp(json_string_value(item), k) == 0;
		if (known || ignored)
			continue;
		if (strchr(k, ':') == NULL)
			return false;	/* a standard field not supported */
		add_ext(c, m, k, v, &c->ext, &c->n_ext);
	}
	c->ev.type = json_string_value(json_object_get(jev, "type"));
	if (strcmp(c->ev.type, "ObjectEvent") != 0)
		return false;
	c->ev.time_us = parse_time(json_string_value(
	    json_object_get(jev, "eventTime")));
	c->ev.tz_offset = json_string_value(
	    json_object_get(jev, "eventTimeZoneOffset"));
	json_array_foreach(json_object_get(jev, "epcList"), i, item) {
		assert_true(i < 64);
		c->epcs[i] = json_string_value(item);
		c->ev.n_epcs = i + 1;
	}
	c->ev.epcs = c->epcs;
	c->ev.action = json_string_value(json_object_get(jev, "action"));
	c->ev.biz_step = json_string_value(json_object_get(jev, "bizStep"));
	c->ev.disposition = json_string_value(
	    json_object_get(jev, "disposition"));
	c->ev.read_point = json_string_value(json_object_get(
	    json_object_get(jev, "readPoint"), "id"));
	c->ev.biz_location = json_string_value(json_object_get(
	    json_object_get(jev, "bizLocation"), "id"));
	c->ev.ext = c->ext;
	c->ev.n_ext = c->n_ext;
	return true;
}

/* Frees what convert made. */
static void
conv_free(struct conv *c)
{
	free_ext(c->ext, c->n_ext);
	for (size_t i = 0; i < c->n_strings; i++)
		free(c->strings[i]);
}

/* Checks the supported events of one example; returns how many. */
static size_t
check_example(const char *name)
{
	char path[256], line[256];
	json_error_t jerr;
	json_t *doc, *events, *jev, *ignore = NULL;
	struct ns_map m;
	struct buf scratch = { 0 };
	size_t i, checked = 0;
	const char *k;
	json_t *v;
	FILE *f;

	snprintf(path, sizeof(path), VEC_DIR "%s.jsonld", name);
	doc = json_load_file(path, 0, &jerr);
	if (doc == NULL)
		fail_msg("%s: %s", path, jerr.text);
	read_context(doc, &m);
	json_object_foreach(doc, k, v)
		if (strstr(k, ":ignoreFields") != NULL)
			ignore = v;
	snprintf(path, sizeof(path), VEC_DIR "%s.hashes", name);
	assert_non_null(f = fopen(path, "r"));
	events = json_object_get(json_object_get(doc, "epcisBody"),
	    "eventList");
	json_array_foreach(events, i, jev) {
		char got[EPCIS_HASH_LEN];
		struct conv c;

		assert_non_null(fgets(line, sizeof(line), f));
		line[strcspn(line, "\r\n")] = '\0';
		if (!convert(jev, &m, ignore, &c)) {
			conv_free(&c);
			continue;
		}
		assert_int_equal(epcis_event_hash(&c.ev, &scratch, got), 0);
		if (strcmp(got, line) != 0)
			fail_msg("%s event %zu:\n got %s\nwant %s\npre-hash %s",
			    name, i, got, line, (char *)scratch.data);
		checked++;
		conv_free(&c);
	}
	fclose(f);
	buf_free(&scratch);
	json_decref(doc);
	return checked;
}

/* The published examples: every ObjectEvent the hash function supports
 * (epcList, readPoint, bizLocation, bizStep, disposition, time zones,
 * rounding of times, nested and repeated extensions, numbers). */
static void
test_published_vectors(void **state)
{
	static const struct {
		const char *name;
		size_t events;
	} ex[] = {
		{ "ReferenceEventHashAlgorithm", 1 },
		{ "TimeStampRoundOff", 2 },
		{ "epcisDocWithShippingAndTransportingEvent", 1 },
		{ "epcisDocWithVariousEventTypes", 1 },
		{ "ralfsChaosExample", 1 },
		{ "epcisDocHavingEventWithIgnoreFields", 2 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++)
		assert_int_equal(check_example(ex[i].name), ex[i].events);
}

/* Canonical values: URNs, Digital Link hosts and queries, numbers. */
static void
test_canon_values(void **state)
{
	static const char *const cases[][2] = {
		{ " https://s.example.com/01/09506000134352/21/RVZ5FII3GOT64 ",
		  "https://id.gs1.org/01/09506000134352/21/RVZ5FII3GOT64" },
		{ "https://a.example/P/01/9506000134352/10/L1/21/X?S=abc",
		  "https://id.gs1.org/01/09506000134352/21/X" },
		{ "https://a.example/01/09506000134352/10/L1",
		  "https://id.gs1.org/01/09506000134352/10/L1" },
		{ "urn:epc:id:sgtin:0614141.107346.2017",
		  "https://id.gs1.org/01/10614141073464/21/2017" },
		{ "urn:epc:id:sgln:0614141.07346.1234",
		  "https://id.gs1.org/414/0614141073467/254/1234" },
		{ "urn:epc:id:sgln:0012345.11111.0",
		  "https://id.gs1.org/414/0012345111112" },
		{ "urn:epc:id:sscc:4012345.0000000333",
		  "https://id.gs1.org/00/040123450000003338" },
		{ "urn:epcglobal:cbv:bizstep:receiving",
		  "https://ref.gs1.org/cbv/BizStep-receiving" },
		{ "geo:31.230,121.474", "geo:31.230,121.474" },
		{ "2.50", "2.5" }, { "4711.0", "4711" }, { "-0", "0" },
		{ "1e3", "1000" }, { "0.0001", "0.0001" }, { "1e-05", "1e-05" },
		{ "2023-10-09", "2023-10-09" }, { "human", "human" },
		/* Not a valid canonical serial: left as it is. */
		{ "https://a.example/01/09506000134352/21/a%20b",
		  "https://a.example/01/09506000134352/21/a%20b" },
	};
	struct buf b = { 0 };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_reset(&b);
		assert_int_equal(epcis_hash_canon_value(cases[i][0], &b), 0);
		assert_string_equal((char *)b.data, cases[i][1]);
	}
	buf_free(&b);
}

/* Times: UTC with milliseconds, the 4th decimal rounding half up, and a
 * change of any field changes the hash. */
static void
test_time_and_change(void **state)
{
	const char *epc = "https://id.gs1.org/01/09506000134352/21/X";
	struct epcis_hash_event ev = { .type = "ObjectEvent",
	    .time_us = 1700000000123500, .tz_offset = "+08:00",
	    .epcs = &epc, .n_epcs = 1, .action = "OBSERVE",
	    .biz_step = "inspecting" };
	char h1[EPCIS_HASH_LEN], h2[EPCIS_HASH_LEN];
	struct buf b = { 0 };

	(void)state;
	assert_int_equal(epcis_prehash(&ev, &b), 0);
	assert_string_equal((char *)b.data, "eventType=ObjectEvent"
	    "eventTime=2023-11-14T22:13:20.124ZeventTimeZoneOffset=+08:00"
	    "epcListepc=https://id.gs1.org/01/09506000134352/21/X"
	    "action=OBSERVEbizStep=https://ref.gs1.org/cbv/BizStep-inspecting");
	assert_int_equal(epcis_event_hash(&ev, &b, h1), 0);
	ev.time_us = 1700000000123499;	/* 123.499 ms: rounds to 123 */
	assert_int_equal(epcis_event_hash(&ev, &b, h2), 0);
	assert_string_not_equal(h1, h2);
	ev.time_us = 1700000000124000;	/* the same millisecond as h1 */
	assert_int_equal(epcis_event_hash(&ev, &b, h2), 0);
	assert_string_equal(h1, h2);
	assert_int_equal(strlen(h1), EPCIS_HASH_LEN - 1);
	assert_int_equal(strncmp(h1, "ni:///sha-256;", 14), 0);
	assert_string_equal(h1 + 78, "?ver=CBV2.0");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_published_vectors),
		cmocka_unit_test(test_canon_values),
		cmocka_unit_test(test_time_and_change),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
