/*
 * fuzz_http_parse.c — the strict HTTP/1.x head parser of the scan server
 * (http_parse_head, http_cookie_get, http_query_get, http_slice_eq).
 *
 * Invariants: a positive return is the head's length, ends with CRLFCRLF,
 * is at most the input and at most HTTP_HEAD_MAX past the tolerated leading
 * empty lines; every slice lies inside the head, path and query inside the
 * target; the head alone parses again to the same fields (the server
 * keeps a copy of just the head). Incremental parsing is consistent: no prefix of a
 * complete or incomplete head is an error or another head: an error stays
 * an error as bytes arrive, so the answer does not depend on how TCP cuts
 * them; also checked on the input extended with endings that complete it.
 * Errors are the documented statuses.
 * Cookie and query look-ups run on exact-size copies (ASan sees one byte
 * too far) and return values that lie inside the input, after "name=".
 */
#include "fuzz.h"
#include "scanner/http_parse.h"

#include <string.h>
#include <strings.h>

/* Prefix lengths checked at most per head (all of them for short heads). */
#define FUZZ_PREFIXES 48
#define FUZZ_ALL_PREFIXES 512

static const char *const fuzz_names[] = {
	"sl_vid", "S", "s", "lang", "a", "", "from", "token",
};

/* True if the slice is empty or lies inside [base, base + len). */
static bool
fuzz_inside(struct http_slice s, const char *base, size_t len)
{
	if (s.len == 0)
		return s.p == NULL || (s.p >= base && s.p <= base + len);
	return s.p != NULL && s.p >= base && s.p + s.len <= base + len;
}

/* True if inner lies inside outer. */
static bool
fuzz_within(struct http_slice inner, struct http_slice outer)
{
	return inner.p >= outer.p && inner.p + inner.len <= outer.p + outer.len;
}

/* Offset of a slice in its buffer, or -1 for an unset one. */
static long
fuzz_off(struct http_slice s, const char *base)
{
	return s.p == NULL ? -1 : (long)(s.p - base);
}

/* Checks that two parses of (copies of) the same head agree. */
static void
fuzz_same_head(const struct http_head *a, const char *abase,
    const struct http_head *b, const char *bbase)
{
#define SAME_SLICE(f)							\
	FUZZ_CHECK(a->f.len == b->f.len &&				\
	    fuzz_off(a->f, abase) == fuzz_off(b->f, bbase))
	SAME_SLICE(method_text);
	SAME_SLICE(target);
	SAME_SLICE(path);
	SAME_SLICE(query);
	SAME_SLICE(host);
	SAME_SLICE(user_agent);
	SAME_SLICE(accept_language);
	SAME_SLICE(accept);
	SAME_SLICE(cookie);
	SAME_SLICE(content_type);
	SAME_SLICE(authorization);
	SAME_SLICE(forwarded_for);
	SAME_SLICE(origin);
	SAME_SLICE(sec_fetch_site);
#undef SAME_SLICE
	FUZZ_CHECK(a->method == b->method);
	FUZZ_CHECK(a->minor == b->minor);
	FUZZ_CHECK(a->keep_alive == b->keep_alive);
	FUZZ_CHECK(a->expect_continue == b->expect_continue);
	FUZZ_CHECK(a->has_length == b->has_length);
	FUZZ_CHECK(a->content_length == b->content_length);
	FUZZ_CHECK(a->head_len == b->head_len);
	FUZZ_CHECK(a->nheaders == b->nheaders);
}

/* Parses len bytes from an exact-size copy, so that ASan sees a read past
 * the end; returns the result and, if h, the head (slices rebased onto
 * data). */
static int
fuzz_parse_copy(const char *data, size_t len, struct http_head *out)
{
	struct http_head h;
	char *copy = malloc(len ? len : 1);
	int r;

	FUZZ_CHECK(copy != NULL);
	memcpy(copy, data, len);
	r = http_parse_head(copy, len, &h);
	if (out != NULL) {
		/* Rebase the slices onto data before the copy goes. */
		struct http_slice *s[] = { &h.method_text, &h.target, &h.path,
		    &h.query, &h.host, &h.user_agent, &h.accept_language,
		    &h.accept, &h.cookie, &h.content_type, &h.authorization,
		    &h.forwarded_for, &h.origin, &h.sec_fetch_site };

		for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
			if (s[i]->p != NULL)
				s[i]->p = data + (s[i]->p - copy);
		*out = h;
	}
	free(copy);
	return r;
}

/* Number of leading bytes made of CRLF pairs (tolerated empty lines). */
static size_t
fuzz_leading(const char *p, size_t len)
{
	size_t i = 0;

	while (i + 1 < len && p[i] == '\r' && p[i + 1] == '\n')
		i += 2;
	return i;
}

/* A negative result must be one of the documented statuses. */
static void
fuzz_check_error(int r)
{
	FUZZ_CHECK(r == -400 || r == -414 || r == -431 || r == -501 ||
	    r == -505);
}

/* Checks what a complete head must satisfy. */
static void
fuzz_check_head(const char *p, size_t len, int r, const struct http_head *h)
{
	size_t lead = fuzz_leading(p, len), n = (size_t)r;
	struct http_slice all = { p, n };

	FUZZ_CHECK(n == h->head_len);
	FUZZ_CHECK(n <= len);
	FUZZ_CHECK(n >= lead + 4 && n - lead <= HTTP_HEAD_MAX);
	FUZZ_CHECK(memcmp(p + n - 4, "\r\n\r\n", 4) == 0);
	/* The head ends at the first CRLFCRLF after the leading lines. */
	for (size_t i = lead; i + 4 < n; i++)
		FUZZ_CHECK(memcmp(p + i, "\r\n\r\n", 4) != 0);
	FUZZ_CHECK(h->minor == 0 || h->minor == 1);
	FUZZ_CHECK(h->nheaders <= HTTP_HEADERS_MAX);
	FUZZ_CHECK(!h->has_length || h->content_length <= 999999999999999ULL);
	FUZZ_CHECK(h->has_length || h->content_length == 0);
	/* Every slice lies inside the head. */
	FUZZ_CHECK(fuzz_inside(h->method_text, p, n));
	FUZZ_CHECK(fuzz_inside(h->target, p, n));
	FUZZ_CHECK(fuzz_inside(h->path, p, n));
	FUZZ_CHECK(fuzz_inside(h->query, p, n));
	FUZZ_CHECK(fuzz_inside(h->host, p, n));
	FUZZ_CHECK(fuzz_inside(h->user_agent, p, n));
	FUZZ_CHECK(fuzz_inside(h->accept_language, p, n));
	FUZZ_CHECK(fuzz_inside(h->accept, p, n));
	FUZZ_CHECK(fuzz_inside(h->cookie, p, n));
	FUZZ_CHECK(fuzz_inside(h->content_type, p, n));
	FUZZ_CHECK(fuzz_inside(h->authorization, p, n));
	FUZZ_CHECK(fuzz_inside(h->forwarded_for, p, n));
	FUZZ_CHECK(fuzz_inside(h->origin, p, n));
	FUZZ_CHECK(fuzz_inside(h->sec_fetch_site, p, n));
	/* The request line: method, an origin-form target, path and query. */
	FUZZ_CHECK(h->method_text.p == p + lead && h->method_text.len > 0);
	FUZZ_CHECK(h->method_text.p[h->method_text.len] == ' ');
	FUZZ_CHECK((h->method == HTTP_METHOD_GET) == (h->method_text.len ==
	    3 && memcmp(h->method_text.p, "GET", 3) == 0));
	FUZZ_CHECK((h->method == HTTP_METHOD_HEAD) == (h->method_text.len ==
	    4 && memcmp(h->method_text.p, "HEAD", 4) == 0));
	FUZZ_CHECK((h->method == HTTP_METHOD_POST) == (h->method_text.len ==
	    4 && memcmp(h->method_text.p, "POST", 4) == 0));
	FUZZ_CHECK(h->target.len > 0 && h->target.len <= HTTP_TARGET_MAX);
	FUZZ_CHECK(h->target.p[0] == '/');
	FUZZ_CHECK(fuzz_within(h->target, all));
	FUZZ_CHECK(fuzz_within(h->path, h->target));
	FUZZ_CHECK(fuzz_within(h->query, h->target));
	FUZZ_CHECK(h->path.p == h->target.p);
	FUZZ_CHECK(memchr(h->path.p, '?', h->path.len) == NULL);
	if (h->path.len < h->target.len) {
		FUZZ_CHECK(h->path.p[h->path.len] == '?');
		FUZZ_CHECK(h->query.p == h->path.p + h->path.len + 1);
		FUZZ_CHECK(h->path.len + 1 + h->query.len == h->target.len);
	} else
		FUZZ_CHECK(h->query.len == 0);
	for (size_t i = 0; i < h->target.len; i++)
		FUZZ_CHECK(h->target.p[i] > 0x20 && h->target.p[i] < 0x7f);
	/* HTTP/1.1 needs Host. */
	FUZZ_CHECK(h->minor == 0 || h->host.p != NULL);
	/* Header values carry no line ends and no NUL. */
	FUZZ_CHECK(memchr(h->user_agent.p ? h->user_agent.p : "", '\n',
	    h->user_agent.len) == NULL);
	FUZZ_CHECK(h->cookie.len == 0 || memchr(h->cookie.p, '\r',
	    h->cookie.len) == NULL);
	FUZZ_CHECK(h->host.len == 0 || memchr(h->host.p, '\0',
	    h->host.len) == NULL);
}

/* Checks that every prefix of n bytes that parse as a complete head, or
 * as an incomplete one, is incomplete: errors never turn back into
 * "wait for more". */
static void
fuzz_check_prefixes(const char *p, size_t n)
{
	if (n <= FUZZ_ALL_PREFIXES) {
		for (size_t k = 0; k < n; k++)
			FUZZ_CHECK(fuzz_parse_copy(p, k, NULL) == 0);
		return;
	}
	/* Long heads: the last bytes, every line end, and an even spread. */
	for (size_t k = n - 8; k < n; k++)
		FUZZ_CHECK(fuzz_parse_copy(p, k, NULL) == 0);
	for (size_t k = 0, lines = 0; k + 1 < n && lines < FUZZ_PREFIXES; k++)
		if (p[k] == '\n') {
			FUZZ_CHECK(fuzz_parse_copy(p, k, NULL) == 0);
			FUZZ_CHECK(fuzz_parse_copy(p, k + 1, NULL) == 0);
			lines++;
		}
	for (size_t i = 0; i < FUZZ_PREFIXES; i++)
		FUZZ_CHECK(fuzz_parse_copy(p, n * i / FUZZ_PREFIXES, NULL) ==
		    0);
}

/* Extends the input with an ending; a head that then completes past the
 * input means the input alone must have been incomplete (0). */
static void
fuzz_check_extended(const char *p, size_t len, int r, const char *ending)
{
	size_t elen = strlen(ending);
	char *x = malloc(len + elen);
	struct http_head h;
	int rx;

	FUZZ_CHECK(x != NULL);
	memcpy(x, p, len);
	memcpy(x + len, ending, elen);
	rx = http_parse_head(x, len + elen, &h);
	if (rx > 0 && (size_t)rx > len)
		FUZZ_CHECK(r == 0);
	if (r > 0)
		FUZZ_CHECK(rx == r);	/* bytes after a head change nothing */
	if (r < 0)
		FUZZ_CHECK(rx < 0);	/* an error stays an error */
	free(x);
}

/* Looks up names in a slice copied to an exact-size buffer. */
static void
fuzz_lookups(const char *p, size_t len)
{
	char *copy = malloc(len ? len : 1);
	struct http_slice s, v;

	FUZZ_CHECK(copy != NULL);
	memcpy(copy, p, len);
	s = (struct http_slice){ copy, len };
	for (size_t i = 0; i < sizeof(fuzz_names) / sizeof(fuzz_names[0]);
	    i++) {
		const char *name = fuzz_names[i];
		size_t nlen = strlen(name);

		if (http_cookie_get(s, name, &v)) {
			const char *start;

			FUZZ_CHECK(fuzz_inside(v, copy, len) && v.p != NULL);
			/* "name=" right before the value, at a pair start. */
			FUZZ_CHECK(v.p >= copy + nlen + 1);
			start = v.p - nlen - 1;
			FUZZ_CHECK(start[nlen] == '=');
			FUZZ_CHECK(memcmp(start, name, nlen) == 0);
			FUZZ_CHECK(start == copy || start[-1] == ' ' ||
			    start[-1] == ';');
			FUZZ_CHECK(memchr(v.p, ';', v.len) == NULL);
		}
		if (http_query_get(s, name, &v)) {
			const char *end = v.p;

			FUZZ_CHECK(fuzz_inside(v, copy, len) && v.p != NULL);
			FUZZ_CHECK(memchr(v.p, '&', v.len) == NULL);
			if (v.len > 0 || (v.p > copy && v.p[-1] == '=')) {
				/* name=value */
				FUZZ_CHECK(v.p >= copy + nlen + 1 &&
				    v.p[-1] == '=');
				end = v.p - 1;
			}
			/* The name ends at end and starts a parameter. */
			FUZZ_CHECK(end >= copy + nlen);
			FUZZ_CHECK(memcmp(end - nlen, name, nlen) == 0);
			FUZZ_CHECK(end - nlen == copy || end[-(long)nlen - 1] ==
			    '&');
		}
	}
	free(copy);
}

/* One input. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	struct http_head h, again;
	int r;

	r = http_parse_head(p, size, &h);
	fuzz_lookups(p, size);
	if (r < 0) {
		fuzz_check_error(r);
	} else if (r == 0) {
		/* Incomplete: no CRLFCRLF within HTTP_HEAD_MAX of the start. */
		size_t lead = fuzz_leading(p, size);

		FUZZ_CHECK(size - lead < HTTP_HEAD_MAX);
		for (size_t i = lead; i + 4 <= size; i++)
			FUZZ_CHECK(memcmp(p + i, "\r\n\r\n", 4) != 0);
		/* An error would have to stay one as bytes arrive. */
		fuzz_check_prefixes(p, size);
	} else {
		fuzz_check_head(p, size, r, &h);
		/* The head is self-contained: its bytes alone (what the
		 * server copies) give the same fields. */
		FUZZ_CHECK(fuzz_parse_copy(p, (size_t)r, &again) == r);
		fuzz_same_head(&h, p, &again, p);
		fuzz_check_prefixes(p, (size_t)r);
		fuzz_lookups(h.cookie.p ? h.cookie.p : "", h.cookie.len);
		fuzz_lookups(h.query.p, h.query.len);
		FUZZ_CHECK(http_slice_eq(h.method_text, "get") ==
		    (h.method_text.len == 3 &&
		    strncasecmp(h.method_text.p, "get", 3) == 0));
	}
	if (size <= 4 * HTTP_HEAD_MAX) {
		fuzz_check_extended(p, size, r, "\r\n\r\n");
		fuzz_check_extended(p, size, r, "\r\nHost: a\r\n\r\n");
		fuzz_check_extended(p, size, r, " HTTP/1.1\r\nHost: a\r\n\r\n");
		fuzz_check_extended(p, size, r, " / HTTP/1.0\r\n\r\n");
	}
	return 0;
}
