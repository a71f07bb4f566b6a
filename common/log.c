/* log.c — stderr logging with a program-name prefix. */
#include "common/log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *log_progname = "scanloop";
static int log_verbose;

/* Sets the prefix and verbosity. */
void
log_init(const char *progname, int verbose)
{
	if (progname != NULL)
		log_progname = progname;
	log_verbose = verbose;
}

/* Returns the verbosity. */
int
log_verbosity(void)
{
	return log_verbose;
}

/* Formats one line to stderr, with strerror(saved errno) when errnum != 0. */
static void
log_vline(int errnum, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (errnum != 0)
		fprintf(stderr, "%s: %s: %s\n", log_progname, msg,
		    strerror(errnum));
	else
		fprintf(stderr, "%s: %s\n", log_progname, msg);
}

/* Logs a warning with strerror(errno). */
void
log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vline(saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

/* Logs a warning. */
void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(0, fmt, ap);
	va_end(ap);
}

/* Logs an informational message when verbosity >= 1. */
void
log_info(const char *fmt, ...)
{
	va_list ap;

	if (log_verbose < 1)
		return;
	va_start(ap, fmt);
	log_vline(0, fmt, ap);
	va_end(ap);
}

/* Logs a debug message when verbosity >= 2. */
void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_verbose < 2)
		return;
	va_start(ap, fmt);
	log_vline(0, fmt, ap);
	va_end(ap);
}

/* Logs with strerror(errno) and exits 1. */
noreturn void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	log_vline(saved, fmt, ap);
	va_end(ap);
	exit(1);
}

/* Logs and exits 1. */
noreturn void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline(0, fmt, ap);
	va_end(ap);
	exit(1);
}
