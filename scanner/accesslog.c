/*
 * accesslog.c — one JSON object per line per request.
 *
 * A line is built in a buffer on the stack and written with one write(2)
 * on an O_APPEND descriptor: the kernel appends it whole, so lines of
 * concurrent threads never interleave, and writers take no lock.
 *
 * Reopening (log rotation) opens the path again and dup3()s the new file
 * over the old descriptor number, which the kernel swaps atomically: a
 * write that is already under way finishes in the old file, every later
 * one goes to the new file, and no writer ever sees a closed or reused
 * descriptor.
 *
 * Every line is valid JSON and valid UTF-8 whatever the client sent:
 * quotes, backslashes and control characters are escaped, and bytes that
 * are not part of a well-formed UTF-8 sequence are written as \u00XX of
 * the byte. Strings are capped (by input bytes, at a character boundary);
 * a capped field is followed by "<name>_truncated":true.
 */
#include "scanner/accesslog.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ACCESSLOG_FLAGS (O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC)
#define ACCESSLOG_MODE 0640

/* Input bytes kept of each string field. */
#define ACCESSLOG_IP_MAX 64
#define ACCESSLOG_METHOD_MAX 32
#define ACCESSLOG_PATH_MAX 512
#define ACCESSLOG_UA_MAX 256
#define ACCESSLOG_VERDICT_MAX 32
/* Escaping writes at most 6 bytes per input byte ("\u00XX"). */
#define ACCESSLOG_LINE_MAX (6 * (ACCESSLOG_IP_MAX + ACCESSLOG_METHOD_MAX + \
    ACCESSLOG_PATH_MAX + ACCESSLOG_UA_MAX + ACCESSLOG_VERDICT_MAX) + 512)

struct accesslog {
	int fd;				/* never changes: reopen dup3s over it */
	char *path;
	pthread_mutex_t mu;		/* serializes reopen */
	atomic_llong warned;		/* time of the last write warning */
};

/* A line being built; ACCESSLOG_LINE_MAX bounds what the fields add. */
struct accesslog_line {
	char buf[ACCESSLOG_LINE_MAX];
	size_t len;
};

/* Appends bytes (the caps make overflow impossible; checked anyway). */
static void
accesslog_put(struct accesslog_line *l, const void *p, size_t n)
{
	if (n > sizeof(l->buf) - l->len)
		n = sizeof(l->buf) - l->len;	/* can't happen */
	memcpy(l->buf + l->len, p, n);
	l->len += n;
}

/* Appends formatted text. */
static void __attribute__((format(printf, 2, 3)))
accesslog_printf(struct accesslog_line *l, const char *fmt, ...)
{
	size_t room = sizeof(l->buf) - l->len;
	va_list ap;
	int n;

	if (room == 0)
		return;		/* can't happen: the caps bound a line */
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n < room ? (size_t)n : room - 1;
}

/* Length of the well-formed UTF-8 sequence (RFC 3629: no overlongs, no
 * surrogates, nothing past U+10FFFF) at the start of s, or 0. */
static size_t
accesslog_utf8_len(const uint8_t *s, size_t n)
{
	uint8_t lo = 0x80, hi = 0xbf;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		if (s[0] == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (s[0] == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		if (s[0] == 0xf0)
			lo = 0x90;	/* overlong */
		else if (s[0] == 0xf4)
			hi = 0x8f;	/* past U+10FFFF */
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/* Appends a JSON string of at most max input bytes; true if it was cut. */
static bool
accesslog_string(struct accesslog_line *l, const char *str, size_t n,
    size_t max)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *s = (const uint8_t *)str;
	bool cut = false;
	size_t i = 0;

	if (s == NULL)
		n = 0;
	if (n > max) {
		/* Cut before a character that the cap would split. */
		size_t j = max - 1, len;

		while (j > 0 && max - 1 - j < 3 && (s[j] & 0xc0) == 0x80)
			j--;
		len = accesslog_utf8_len(s + j, n - j);
		n = len != 0 && j + len > max ? j : max;
		cut = true;
	}
	accesslog_put(l, "\"", 1);
	while (i < n) {
		uint8_t c = s[i];
		size_t len;

		if (c == '"' || c == '\\') {
			char esc[2] = { '\\', (char)c };

			accesslog_put(l, esc, 2);
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4],
			    hex[c & 15] };

			switch (c) {
			case '\n':
				accesslog_put(l, "\\n", 2);
				break;
			case '\r':
				accesslog_put(l, "\\r", 2);
				break;
			case '\t':
				accesslog_put(l, "\\t", 2);
				break;
			default:
				accesslog_put(l, esc, 6);
			}
			i++;
		} else if ((len = accesslog_utf8_len(s + i, n - i)) != 0) {
			accesslog_put(l, s + i, len);
			i += len;
		} else {
			char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4],
			    hex[c & 15] };

			accesslog_put(l, esc, 6);
			i++;
		}
	}
	accesslog_put(l, "\"", 1);
	return cut;
}

/* Appends ,"name":"value" and the truncation mark when it was cut. */
static void
accesslog_field(struct accesslog_line *l, const char *name, const char *s,
    size_t n, size_t max)
{
	accesslog_printf(l, ",\"%s\":", name);
	if (accesslog_string(l, s, n, max))
		accesslog_printf(l, ",\"%s_truncated\":true", name);
}

/* Formats Unix µs as "2026-11-23T22:55:00.123456Z". */
static void
accesslog_time(struct accesslog_line *l, int64_t us)
{
	int64_t secs = us / 1000000, frac = us % 1000000;
	char date[32];
	struct tm tm;
	time_t t;

	if (frac < 0) {
		frac += 1000000;
		secs--;
	}
	t = (time_t)secs;
	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
		snprintf(date, sizeof(date), "1970-01-01T00:00:00");
	accesslog_printf(l, "{\"time\":\"%s.%06" PRId64 "Z\"", date, frac);
}

/* Opens the log for appending, creating it with mode 0640. */
int
accesslog_open(const char *path, struct accesslog **out)
{
	struct accesslog *log;
	int ret;

	*out = NULL;
	if ((log = calloc(1, sizeof(*log))) == NULL)
		return -ENOMEM;
	log->fd = -1;
	if ((log->path = strdup(path)) == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	if ((ret = -pthread_mutex_init(&log->mu, NULL)) != 0)
		goto fail;
	if ((log->fd = open(path, ACCESSLOG_FLAGS, ACCESSLOG_MODE)) < 0) {
		ret = -errno;
		pthread_mutex_destroy(&log->mu);
		goto fail;
	}
	atomic_init(&log->warned, 0);
	*out = log;
	return 0;

fail:
	free(log->path);
	free(log);
	return ret;
}

/* Opens the path again and swaps the new file in under the same
 * descriptor number. On failure the old file stays in use. */
int
accesslog_reopen(struct accesslog *log)
{
	int fd, ret = 0;

	pthread_mutex_lock(&log->mu);
	if ((fd = open(log->path, ACCESSLOG_FLAGS, ACCESSLOG_MODE)) < 0) {
		ret = -errno;
		goto out;
	}
	/* dup3, not dup2: dup2 would clear close-on-exec. */
	while (dup3(fd, log->fd, O_CLOEXEC) < 0) {
		if (errno != EINTR && errno != EBUSY) {
			ret = -errno;
			break;
		}
	}
	close(fd);
out:
	pthread_mutex_unlock(&log->mu);
	return ret;
}

/* Builds the line and writes it with one write(2). */
void
accesslog_write(struct accesslog *log, const struct accesslog_entry *e)
{
	struct accesslog_line l;
	ssize_t n;

	l.len = 0;
	accesslog_time(&l, e->time);
	accesslog_field(&l, "ip", e->ip, e->ip ? strlen(e->ip) : 0,
	    ACCESSLOG_IP_MAX);
	accesslog_field(&l, "method", e->method, e->method_len,
	    ACCESSLOG_METHOD_MAX);
	accesslog_field(&l, "path", e->path, e->path_len, ACCESSLOG_PATH_MAX);
	accesslog_printf(&l, ",\"status\":%d,\"bytes\":%zu,\"us\":%" PRId64,
	    e->status, e->bytes, e->duration_us);
	accesslog_field(&l, "ua", e->ua, e->ua_len, ACCESSLOG_UA_MAX);
	if (e->event_id != 0)
		accesslog_printf(&l, ",\"event\":%" PRIu64, e->event_id);
	if (e->verdict != NULL)
		accesslog_field(&l, "verdict", e->verdict, strlen(e->verdict),
		    ACCESSLOG_VERDICT_MAX);
	accesslog_put(&l, "}\n", 2);

	do
		n = write(log->fd, l.buf, l.len);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)l.len) {
		/* Never retry a short write: the rest would not be atomic.
		 * Warn at most once a minute (disk full is not news). */
		long long now = (long long)time(NULL), last;

		last = atomic_load(&log->warned);
		if (now - last >= 60 &&
		    atomic_compare_exchange_strong(&log->warned, &last, now)) {
			if (n < 0)
				log_warn("access log");
			else
				log_warnx("access log: short write");
		}
	}
}

/* Closes the log; no writer may be running. */
void
accesslog_close(struct accesslog *log)
{
	if (log == NULL)
		return;
	close(log->fd);
	pthread_mutex_destroy(&log->mu);
	free(log->path);
	free(log);
}

/* Copies the secret t[i, end) into the log path as its first keep
 * characters and "..."; returns end. The caller leaves room for "..." and
 * the NUL (n + 4 <= cap). */
static size_t
accesslog_redact_span(const char *t, size_t i, size_t end, size_t keep,
    char *out, size_t *n, size_t cap)
{
	for (size_t k = 0; i + k < end && k < keep && *n + 4 < cap; k++)
		out[(*n)++] = t[i + k];
	memcpy(out + *n, "...", 3);
	*n += 3;
	return end;
}

/* Writes the path for the log with secrets cut to their first characters:
 * a code's signature (S=), an inner draw code (/D/{TOKEN}) and a claim
 * token (/C/{TOKEN}, /api/v1/claims/{TOKEN}/redeem, ?claim=). Each of
 * them draws or redeems a prize, so none may reach the log whole. Names
 * match in any letter case (?CLAIM=, ?s=): the server itself reads only
 * some spellings, but a client may send any, and the log keeps them all. */
size_t
accesslog_redact(const char *target, size_t len, char *out, size_t cap)
{
	const char *qp, *sp;
	size_t n = 0, i = 0, q, sa = 0, sb = 0;

	if (len == 0) {
		out[0] = '\0';
		return 0;
	}
	qp = memchr(target, '?', len);
	q = qp != NULL ? (size_t)(qp - target) : len;
	/* The secret segment of the path, if any: [sa, sb). */
	if (q > 3 && target[0] == '/' && target[2] == '/' && (target[1] == 'D' ||
	    target[1] == 'd' || target[1] == 'C' || target[1] == 'c')) {
		sa = 3;
		sb = q;
	} else if (q > 15 && strncasecmp(target, "/api/v1/claims/", 15) == 0) {
		sa = 15;
		sp = memchr(target + sa, '/', q - sa);
		sb = sp != NULL ? (size_t)(sp - target) : q;
	}
	/* Room for the worst step but one: "S=", "..." and the NUL ("claim="
	 * checks its own room below). */
	while (i < len && n + 6 < cap) {
		size_t name = 0, keep = 0, end;

		if (i == sa && sb > sa) {
			i = accesslog_redact_span(target, i, sb, 4, out, &n, cap);
			continue;
		}
		if (i > q && (target[i - 1] == '?' || target[i - 1] == '&')) {
			if ((target[i] == 'S' || target[i] == 's') && i + 1 < len &&
			    target[i + 1] == '=') {
				name = 2;
				keep = 6;
			} else if (len - i >= 6 &&
			    strncasecmp(target + i, "claim=", 6) == 0) {
				name = 6;
				keep = 4;
			}
		}
		if (name == 0) {
			out[n++] = target[i++];
			continue;
		}
		if (n + name + 4 > cap)
			break;
		memcpy(out + n, target + i, name);
		n += name;
		i += name;
		for (end = i; end < len && target[end] != '&'; end++)
			;
		i = accesslog_redact_span(target, i, end, keep, out, &n, cap);
	}
	out[n] = '\0';
	return n;
}
