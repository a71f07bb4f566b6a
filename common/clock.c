/* clock.c — time helpers. */
#include "common/clock.h"

#include <stdio.h>
#include <time.h>

/* Returns Unix time in microseconds. */
int64_t
clock_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Returns monotonic microseconds. */
int64_t
clock_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Formats a UTC timestamp with second precision. */
void
clock_format_iso8601(int64_t us, char buf[CLOCK_ISO8601_LEN])
{
	time_t secs = (time_t)(us / 1000000);
	struct tm tm;

	if (us < 0 && us % 1000000 != 0)
		secs--;
	gmtime_r(&secs, &tm);
	strftime(buf, CLOCK_ISO8601_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ISO 8601 UTC with microseconds. */
void
clock_format_iso8601_us(int64_t us, char buf[CLOCK_ISO8601_US_LEN])
{
	int64_t secs = us / 1000000, frac = us % 1000000;
	time_t t;
	struct tm tm;
	char date[24];

	if (frac < 0) {
		frac += 1000000;
		secs--;
	}
	t = (time_t)secs;
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, CLOCK_ISO8601_US_LEN, "%.19s.%06dZ", date, (int)frac);
}
