/*
 * accesslog.h — one JSON object per line per request (--log FILE).
 *
 * Lines are built in memory and written with one write(2) on an O_APPEND
 * descriptor, so threads never interleave. SIGHUP reopens the file (for
 * log rotation) by dup2-ing the new descriptor over the old one. Callers
 * must pass paths with secrets (signatures, tokens) already redacted.
 */
#ifndef SCANLOOP_ACCESSLOG_H
#define SCANLOOP_ACCESSLOG_H

#include <stddef.h>
#include <stdint.h>

struct accesslog;

struct accesslog_entry {
	int64_t time;			/* Unix µs */
	const char *ip;
	const char *method;
	size_t method_len;
	const char *path;		/* redacted */
	size_t path_len;
	int status;
	size_t bytes;
	int64_t duration_us;
	const char *ua;
	size_t ua_len;
	uint64_t event_id;		/* 0: none */
	const char *verdict;		/* NULL: none */
};

/* Opens (creating, appending) the log. */
int accesslog_open(const char *path, struct accesslog **out)
    __attribute__((warn_unused_result));
/* Reopens the same path (after rotation). */
int accesslog_reopen(struct accesslog *log);
/* Writes one line; thread-safe. */
void accesslog_write(struct accesslog *log, const struct accesslog_entry *e);
/* Closes the log; NULL is allowed. */
void accesslog_close(struct accesslog *log);
/* Writes a request target for the log with its secrets cut to their
 * first characters and "...": a code's signature (S=), an inner draw code
 * (/D/{TOKEN}) and a claim token (/C/{TOKEN}, /api/v1/claims/{TOKEN}/redeem,
 * ?claim=). Each of them draws or redeems a prize, so none may reach the
 * log whole. Returns the length written (out is NUL-terminated). */
size_t accesslog_redact(const char *target, size_t len, char *out, size_t cap);

#endif
