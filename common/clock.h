/* clock.h — wall-clock time in microseconds and its ISO 8601 form. */
#ifndef SCANLOOP_CLOCK_H
#define SCANLOOP_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#define CLOCK_ISO8601_LEN 32
#define CLOCK_ISO8601_US_LEN 28		/* "2026-06-01T00:00:00.000000Z" */

/* Returns the current Unix time in microseconds. */
int64_t clock_now_us(void);
/* Returns a monotonic time in microseconds (for durations). */
int64_t clock_mono_us(void);
/* Formats Unix microseconds as "2026-11-23T22:55:00Z" (UTC, seconds). */
void clock_format_iso8601(int64_t us, char buf[CLOCK_ISO8601_LEN]);
/* Formats Unix microseconds as "2026-11-23T22:55:00.123456Z" (UTC). */
void clock_format_iso8601_us(int64_t us, char buf[CLOCK_ISO8601_US_LEN]);

#endif
