/*
 * tz.h — IANA time zones: is one installed, and running code in one.
 *
 * A campaign's local days come from the C library's TZ handling, which is
 * process-wide: tz_push and tz_pop set and restore TZ around a
 * computation. Only the CLI and tests use them (the server reads the
 * local midnights the CLI stored when it loaded the campaign).
 */
#ifndef SCANLOOP_TZ_H
#define SCANLOOP_TZ_H

#include <stdbool.h>

/* True for "UTC" and for a zone name with a file under /usr/share/zoneinfo
 * (no "..", not absolute). */
bool tz_known(const char *tz);
/* Sets TZ to tz and keeps the old value in *saved (NULL if TZ was unset).
 * Returns 0 or -ENOMEM (TZ unchanged). */
int tz_push(const char *tz, char **saved) __attribute__((warn_unused_result));
/* Restores the TZ saved by tz_push and frees the copy. */
void tz_pop(char *saved);

#endif
