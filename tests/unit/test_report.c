/* test_report.c — the report's local days and hours (analytics/report_tz.c)
 * against the published rules of three zones, and its countries
 * (analytics/geo.c) at known places. */
#include "testutil.h"

#include "analytics/geo.h"
#include "analytics/report_internal.h"

#include <errno.h>
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tz_new_york),
		cmocka_unit_test(test_tz_fixed),
		cmocka_unit_test(test_geo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
