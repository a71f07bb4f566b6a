/*
 * log.h — logging for the CLI and the server, after OpenBSD's log.c.
 *
 * Messages go to stderr, prefixed with the program name. log_warn appends
 * strerror(errno); the x variants do not. fatal/fatalx log and exit(1).
 * Never pass secrets to these functions.
 */
#ifndef SCANLOOP_LOG_H
#define SCANLOOP_LOG_H

#include <stdarg.h>
#include <stdnoreturn.h>

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Sets the program name used as a prefix and the verbosity (0 = warnings). */
void log_init(const char *progname, int verbose);
/* Returns the verbosity set by log_init. */
int log_verbosity(void);

void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
noreturn void fatal(const char *fmt, ...) LOG_PRINTF(1, 2);
noreturn void fatalx(const char *fmt, ...) LOG_PRINTF(1, 2);

#endif
