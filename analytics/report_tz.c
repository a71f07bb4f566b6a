/*
 * report_tz.c — local days and hours in a time zone. The C library knows
 * zones only through the process-wide TZ variable, so a report resolves
 * its zone once, under a lock, into the UTC offsets in force over its
 * span (a handful of daylight-saving changes at most); after that a local
 * day or hour is arithmetic, on any thread.
 */
#include "analytics/report_internal.h"
#include "common/tz.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t report_tz_lock = PTHREAD_MUTEX_INITIALIZER;

/* The offset of Unix second s under the TZ now set. */
static int32_t
report_tz_probe(int64_t s)
{
	time_t t = (time_t)s;
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return 0;
	return (int32_t)tm.tm_gmtoff;
}

/* Adds a segment; -ERANGE when there are too many. */
static int
report_tz_add(struct report_tz *tz, int64_t from, int32_t off)
{
	if (tz->n == REPORT_TZ_SEGS)
		return -ERANGE;
	tz->seg[tz->n].from = from;
	tz->seg[tz->n].off = off;
	tz->n++;
	return 0;
}

/* Walks [lo, hi) (seconds) a day at a time and finds each change of
 * offset to the second. */
static int
report_tz_walk(struct report_tz *tz, int64_t lo, int64_t hi)
{
	int32_t off = report_tz_probe(lo);
	int ret;

	if ((ret = report_tz_add(tz, INT64_MIN, off)) < 0)
		return ret;
	for (int64_t s = lo; s < hi; s += 86400) {
		int64_t a = s, b = s + 86400;
		int32_t next = report_tz_probe(b);

		if (next == off)
			continue;
		while (b - a > 1) {	/* off at a, another at b */
			int64_t m = a + (b - a) / 2;

			if (report_tz_probe(m) == off)
				a = m;
			else
				b = m;
		}
		off = report_tz_probe(b);
		if ((ret = report_tz_add(tz, b, off)) < 0)
			return ret;
		s = b - 86400 + 1;	/* the next day from the change */
	}
	return 0;
}

/* Resolves a zone over a span. */
int
report_tz_resolve(struct report_tz *tz, const char *zone, int64_t from,
    int64_t to)
{
	char *saved;
	int ret;

	memset(tz, 0, sizeof(*tz));
	if (strlen(zone) >= sizeof(tz->name) || !tz_known(zone))
		return -EINVAL;
	strcpy(tz->name, zone);
	if (strcmp(zone, "UTC") == 0)
		return report_tz_add(tz, INT64_MIN, 0);
	pthread_mutex_lock(&report_tz_lock);
	if ((ret = tz_push(zone, &saved)) == 0) {
		/* A day of margin each side: local days reach past UTC's. */
		ret = report_tz_walk(tz, from / 1000000 - 2 * 86400,
		    to / 1000000 + 2 * 86400);
		tz_pop(saved);
	}
	pthread_mutex_unlock(&report_tz_lock);
	return ret;
}

/* The offset at t. */
int32_t
report_tz_offset(const struct report_tz *tz, int64_t t)
{
	int64_t s = t / 1000000;
	size_t i = tz->n;

	while (i > 1 && tz->seg[i - 1].from > s)
		i--;
	return i > 0 ? tz->seg[i - 1].off : 0;
}

/* Floor division of a by 86400 (negative a too). */
static int64_t
report_floor_day(int64_t a)
{
	return a >= 0 ? a / 86400 : -((-a + 86399) / 86400);
}

/* The local day of t. */
int64_t
report_tz_day(const struct report_tz *tz, int64_t t)
{
	int64_t s = (t >= 0 ? t / 1000000 : -((-t + 999999) / 1000000));

	return report_floor_day(s + report_tz_offset(tz, t));
}

/* The local hour of t. */
int
report_tz_hour(const struct report_tz *tz, int64_t t)
{
	int64_t s = (t >= 0 ? t / 1000000 : -((-t + 999999) / 1000000)) +
	    report_tz_offset(tz, t);
	int64_t in_day = s - report_floor_day(s) * 86400;

	return (int)(in_day / 3600);
}

/* The local midnight of a day. */
int64_t
report_tz_midnight(const struct report_tz *tz, int64_t day)
{
	int64_t guess = day * 86400 - report_tz_offset(tz, day * 86400 *
	    1000000);
	int64_t s = day * 86400 - report_tz_offset(tz, guess * 1000000);

	return s * 1000000;
}

/* A day's date. */
void
report_day_text(int64_t day, char out[11])
{
	time_t t = (time_t)(day * 86400);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, 11, "%04u-%02u-%02u",
	    (unsigned)(tm.tm_year + 1900) % 10000,
	    (unsigned)(tm.tm_mon + 1) % 100, (unsigned)tm.tm_mday % 100);
}

/* A local time with its offset. */
void
report_time_text(const struct report_tz *tz, int64_t t, char out[32])
{
	int32_t off = report_tz_offset(tz, t);
	time_t s = (time_t)(t / 1000000 + off);
	struct tm tm;
	unsigned a = (unsigned)(off < 0 ? -off : off);

	gmtime_r(&s, &tm);
	snprintf(out, 32, "%04u-%02u-%02u %02u:%02u %c%02u:%02u",
	    (unsigned)(tm.tm_year + 1900) % 10000,
	    (unsigned)(tm.tm_mon + 1) % 100, (unsigned)tm.tm_mday % 100,
	    (unsigned)tm.tm_hour % 100, (unsigned)tm.tm_min % 100,
	    off < 0 ? '-' : '+', a / 3600 % 24, a / 60 % 60);
}
