/* test_report.c — the report's local days and hours (analytics/report_tz.c)
 * against the published rules of three zones, its countries
 * (analytics/geo.c) at known places, and its signals
 * (analytics/report_signals.c): counts per period, the newest of each
 * kind. */
#include "testutil.h"

#include "analytics/geo.h"
#include "analytics/report_internal.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>

#define US 1000000LL
#define H (3600 * US)

/* Unix µs of a UTC date and time (days from civil, Howard Hinnant's). */
static int64_t
utc(int y, int m, int d, int hh, int mm)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return ((era * 146097 + doe - 719468) * 86400 + hh * 3600 + mm * 60) *
	    US;
}

/* New York: EST (-5) until 2026-03-08 07:00 UTC, then EDT (-4) until
 * 2026-11-01 06:00 UTC. */
static void
test_tz_new_york(void **state)
{
	struct report_tz tz;
	char text[32];
	int64_t mar8;

	(void)state;
	assert_int_equal(report_tz_resolve(&tz, "America/New_York",
	    utc(2026, 1, 1, 0, 0), utc(2026, 12, 31, 0, 0)), 0);
	assert_int_equal(report_tz_offset(&tz, utc(2026, 3, 8, 6, 59)), -5 * 3600);
	assert_int_equal(report_tz_offset(&tz, utc(2026, 3, 8, 7, 0)), -4 * 3600);
	assert_int_equal(report_tz_offset(&tz, utc(2026, 11, 1, 5, 59)), -4 * 3600);
	assert_int_equal(report_tz_offset(&tz, utc(2026, 11, 1, 6, 0)), -5 * 3600);
	/* The day DST starts has 23 hours; the day it ends 25. */
	mar8 = report_tz_day(&tz, utc(2026, 3, 8, 12, 0));
	assert_int_equal(report_tz_midnight(&tz, mar8 + 1) -
	    report_tz_midnight(&tz, mar8), 23 * H);
	assert_int_equal(report_tz_midnight(&tz, mar8), utc(2026, 3, 8, 5, 0));
	assert_int_equal(report_tz_midnight(&tz, mar8 + 238 + 1) -
	    report_tz_midnight(&tz, mar8 + 238), 25 * H);	/* Nov 1 */
	/* Local hours either side of the change: 01:30 EST, 03:30 EDT. */
	assert_int_equal(report_tz_hour(&tz, utc(2026, 3, 8, 6, 30)), 1);
	assert_int_equal(report_tz_hour(&tz, utc(2026, 3, 8, 7, 30)), 3);
	/* 04:30 UTC on 8 March is still 7 March, 23:30 local. */
	report_day_text(report_tz_day(&tz, utc(2026, 3, 8, 4, 30)), text);
	assert_string_equal(text, "2026-03-07");
	report_time_text(&tz, utc(2026, 7, 4, 16, 0), text);
	assert_string_equal(text, "2026-07-04 12:00 -04:00");
}

/* Shanghai: +08:00 all year; UTC: 0. */
static void
test_tz_fixed(void **state)
{
	struct report_tz tz;
	char text[11];

	(void)state;
	assert_int_equal(report_tz_resolve(&tz, "Asia/Shanghai",
	    utc(2025, 1, 1, 0, 0), utc(2027, 1, 1, 0, 0)), 0);
	assert_int_equal(tz.n, 1);
	assert_int_equal(report_tz_hour(&tz, utc(2026, 6, 1, 16, 0)), 0);
	report_day_text(report_tz_day(&tz, utc(2026, 6, 1, 16, 0)), text);
	assert_string_equal(text, "2026-06-02");
	assert_int_equal(report_tz_midnight(&tz, report_tz_day(&tz,
	    utc(2026, 6, 2, 3, 0))), utc(2026, 6, 1, 16, 0));
	assert_int_equal(report_tz_resolve(&tz, "UTC", 0, US), 0);
	assert_int_equal(report_tz_day(&tz, -1), -1);
	assert_int_equal(report_tz_hour(&tz, -1), 23);
	assert_int_equal(report_tz_resolve(&tz, "Mars/Olympus", 0, US),
	    -EINVAL);
	assert_int_equal(report_tz_resolve(&tz, "../../etc/passwd", 0, US),
	    -EINVAL);
}

/* The country of a point. */
static const char *
country(double lat, double lon)
{
	int i = geo_country_at(lat, lon);

	return i < 0 ? "-" : geo_countries[i].name;
}

/* Known places, the sea, and bad coordinates. */
static void
test_geo(void **state)
{
	(void)state;
	assert_string_equal(country(31.2304, 121.4737), "China");
	assert_string_equal(country(39.9042, 116.4074), "China");
	assert_string_equal(country(43.8256, 87.6168), "China");	/* Ürümqi */
	assert_string_equal(country(1.3521, 103.8198), "Singapore");
	assert_string_equal(country(35.6762, 139.6503), "Japan");
	assert_string_equal(country(48.8566, 2.3522), "France");
	assert_string_equal(country(-33.8688, 151.2093), "Australia");
	assert_string_equal(country(40.7128, -74.0060), "United States of America");
	/* Ports and islands the simplified coasts cut off. */
	assert_string_equal(country(22.3193, 114.1694), "Hong Kong");
	assert_string_equal(country(36.0671, 120.3826), "China");	/* Qingdao */
	assert_string_equal(country(24.4798, 118.0894), "China");	/* Xiamen */
	assert_string_equal(country(0, -150), "-");		/* the Pacific */
	assert_string_equal(country(95, 10), "-");
	assert_true(geo_ncountries > 200);
}

/* Stores a signal of kind at time t. */
static uint64_t
signal_add(struct store *st, int kind, int64_t t)
{
	struct store_txn txn;
	struct store_signal s;

	memset(&s, 0, sizeof(s));
	s.kind = (uint8_t)kind;
	s.time = t;
	s.flags = STORE_SIGNAL_F_PREFIX;
	s.ip_family = 4;
	s.prefix_len = 24;
	s.ip[0] = 203;
	s.ip[2] = 113;
	snprintf(s.detail, sizeof(s.detail), "signal at %lld", (long long)t);
	assert_int_equal(store_txn_begin(st, false, &txn), 0);
	assert_int_equal(store_signal_add_txn(&txn, &s), 0);
	assert_int_equal(store_txn_commit(&txn), 0);
	return s.id;
}

/* Signals before, in and after the two periods: each counts in its
 * period; the JSON lists the ten newest of each kind, newest first. */
static void
test_signals(void **state)
{
	char dir[TU_PATH_MAX], db[TU_PATH_MAX];
	struct store *st = tu_store_new(dir, db);
	int64_t from = utc(2026, 6, 1, 0, 0), to = utc(2026, 6, 3, 0, 0);
	struct report_query q;
	struct report *r;
	struct buf out = { 0 };
	json_t *j, *sig, *latest;
	uint64_t clone = 0, leaked[25];
	const char *why;

	(void)state;
	signal_add(st, SIGNALS_LEAKED_JOB, from - 3 * 24 * H);	/* before */
	for (int i = 0; i < 3; i++)
		signal_add(st, SIGNALS_FORGERY_BURST, from - 24 * H + i * H);
	for (int i = 0; i < 25; i++) {
		leaked[i] = signal_add(st, SIGNALS_LEAKED_JOB, from + i * H);
		if (i == 12)
			clone = signal_add(st, SIGNALS_CLONE, from + i * H + 1);
	}
	signal_add(st, SIGNALS_CLONE, to);			/* after */
	report_query_init(&q);
	assert_int_equal(report_query_set(&q, "from", "2026-06-01", &why), 0);
	assert_int_equal(report_query_set(&q, "to", "2026-06-03", &why), 0);
	assert_int_equal(report_open(st, &q, to, &r, &why), 0);
	assert_int_equal(report_step(r, SIZE_MAX), 0);
	assert_int_equal(report_json(r, &out), 0);
	report_close(r);
	assert_non_null(j = json_loadb((const char *)out.data, out.len, 0,
	    NULL));
	sig = json_object_get(j, "signals");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    sig, "counts"), "leaked_job")), 25);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    sig, "counts"), "clone")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    sig, "counts"), "forgery_burst")), 0);
	latest = json_object_get(sig, "latest");
	assert_int_equal(json_array_size(latest), 11);
	for (size_t i = 0; i < 10; i++)
		assert_int_equal(json_integer_value(json_object_get(
		    json_array_get(latest, i), "id")), leaked[24 - i]);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(
	    latest, 10), "id")), clone);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_array_get(latest, 0), "where"), "ip_prefix")),
	    "203.0.113.0/24");
	assert_true(json_is_null(json_object_get(json_array_get(latest, 0),
	    "serial")));
	sig = json_object_get(json_object_get(j, "previous"), "signals");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    sig, "counts"), "forgery_burst")), 3);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    sig, "counts"), "leaked_job")), 0);
	assert_int_equal(json_array_size(json_object_get(sig,
	    "redemption_anomalies")), 0);
	json_decref(j);
	buf_free(&out);
	tu_store_free(st, dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tz_new_york),
		cmocka_unit_test(test_tz_fixed),
		cmocka_unit_test(test_geo),
		cmocka_unit_test(test_signals),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
