/* test_http_parse.c — the HTTP/1.x head parser (scanner/http_parse.h). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scanner/http_parse.h"

#define OK 1			/* expected: the whole text is the head */

/* Parses len bytes from an exact-size heap copy (so that ASan sees any read
 * past the end); *copy keeps the copy for slice checks, freed by caller. */
static int
parse(const char *text, size_t len, struct http_head *h, char **copy)
{
	char *buf = malloc(len ? len : 1);
	int r;

	assert_non_null(buf);
	memcpy(buf, text, len);
	r = http_parse_head(buf, len, h);
	if (copy != NULL)
		*copy = buf;
	else
		free(buf);
	return r;
}

/* Parses a NUL-terminated head. */
static int
parse_str(const char *text, struct http_head *h, char **copy)
{
	return parse(text, strlen(text), h, copy);
}

/* Asserts that a slice holds exactly want. */
static void
assert_slice(struct http_slice s, const char *want)
{
	size_t n = strlen(want);

	if (s.len != n || (n > 0 && memcmp(s.p, want, n) != 0))
		fail_msg("slice \"%.*s\" (%zu bytes), want \"%s\"", (int)s.len,
		    s.p ? s.p : "", s.len, want);
}

/* ---- accept or refuse: the table ------------------------------------ */

struct verdict_case {
	const char *name;
	const char *text;
	int want;		/* OK, or a negative status */
};

static const struct verdict_case verdict_cases[] = {
	{ "simple get", "GET / HTTP/1.1\r\nHost: a\r\n\r\n", OK },
	{ "http/1.0 without host", "GET / HTTP/1.0\r\n\r\n", OK },
	{ "missing host on 1.1", "GET / HTTP/1.1\r\n\r\n", -400 },
	{ "empty host value", "GET / HTTP/1.1\r\nHost:\r\n\r\n", OK },
	{ "two hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", -400 },
	{ "later minor speaks 1.1", "GET / HTTP/1.7\r\nHost: a\r\n\r\n", OK },
	{ "version 2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", -505 },
	{ "version 1.10", "GET / HTTP/1.10\r\nHost: a\r\n\r\n", -505 },
	{ "version 1.x", "GET / HTTP/1.x\r\nHost: a\r\n\r\n", -400 },
	{ "lowercase version", "GET / http/1.1\r\nHost: a\r\n\r\n", -400 },
	{ "no version", "GET /\r\n\r\n", -400 },
	{ "double space", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
	{ "empty method", " / HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
	{ "method with slash", "GE/T / HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
	{ "control in target", "GET /a\x01 HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
	{ "utf-8 in target", "GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n",
	    -400 },
	{ "asterisk form", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
	{ "authority form", "CONNECT a.b:443 HTTP/1.1\r\nHost: a\r\n\r\n",
	    -400 },
	{ "absolute without path", "GET http://a.b HTTP/1.1\r\nHost: a\r\n\r\n",
	    -400 },
	{ "other scheme", "GET ftp://a.b/c HTTP/1.1\r\nHost: a\r\n\r\n", -400 },
	{ "bare lf line ends", "GET / HTTP/1.1\nHost: a\n\n", -400 },
	{ "bare lf in a header", "GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n",
	    -400 },
	{ "bare lf ending the head", "GET / HTTP/1.1\r\nHost: a\r\n\n\r\n\r\n",
	    -400 },
	{ "bare cr in a header", "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", -400 },
	{ "obs-fold", "GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n\r\n", -400 },
	{ "obs-fold with tab",
	    "GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n\tc\r\n\r\n", -400 },
	{ "space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", -400 },
	{ "empty header name", "GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n",
	    -400 },
	{ "header without colon", "GET / HTTP/1.1\r\nHost: a\r\nX\r\n\r\n",
	    -400 },
	{ "del in a value", "GET / HTTP/1.1\r\nHost: a\r\nX: \x7f\r\n\r\n",
	    -400 },
	{ "obs-text in a value", "GET / HTTP/1.1\r\nHost: a\r\n"
	    "User-Agent: \xe6\x89\xab\r\n\r\n", OK },
	{ "content-length", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 10\r\n\r\n", OK },
	{ "content-length twice, equal", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 3\r\ncontent-length: 003\r\n\r\n", OK },
	{ "content-length twice, unequal", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 3\r\nContent-Length: 4\r\n\r\n", -400 },
	{ "content-length list", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 3, 3\r\n\r\n", -400 },
	{ "content-length garbage", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 3x\r\n\r\n", -400 },
	{ "content-length empty", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length:\r\n\r\n", -400 },
	{ "content-length negative", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: -1\r\n\r\n", -400 },
	{ "content-length plus", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: +1\r\n\r\n", -400 },
	{ "content-length hex", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 0x10\r\n\r\n", -400 },
	{ "content-length 15 digits", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 999999999999999\r\n\r\n", OK },
	{ "content-length overflow", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 18446744073709551617\r\n\r\n", -400 },
	{ "transfer-encoding chunked", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", -501 },
	{ "transfer-encoding identity", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "transfer-encoding: identity\r\n\r\n", -501 },
	{ "te and length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", -501 },
};

/* Every accept/refuse case of the table. */
static void
test_verdicts(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(verdict_cases) /
	    sizeof(verdict_cases[0]); i++) {
		const struct verdict_case *c = &verdict_cases[i];
		size_t len = strlen(c->text);
		struct http_head h;
		int r;

		r = parse(c->text, len, &h, NULL);
		if (c->want == OK && r != (int)len)
			fail_msg("%s: got %d, want %zu", c->name, r, len);
		if (c->want != OK && r != c->want)
			fail_msg("%s: got %d, want %d", c->name, r, c->want);
	}
}

/* A NUL byte in a header line (not expressible in the table). */
static void
test_nul(void **state)
{
	static const char text[] = "GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n";
	static const char line[] = "GET /\0 HTTP/1.1\r\nHost: a\r\n\r\n";
	struct http_head h;

	(void)state;
	assert_int_equal(parse(text, sizeof(text) - 1, &h, NULL), -400);
	assert_int_equal(parse(line, sizeof(line) - 1, &h, NULL), -400);
}

/* ---- fields -------------------------------------------------------------- */

/* Methods: exact, case-sensitive tokens. */
static void
test_methods(void **state)
{
	static const struct {
		const char *text;
		enum http_method m;
		const char *token;
	} cases[] = {
		{ "GET / HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_METHOD_GET, "GET" },
		{ "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_METHOD_HEAD,
		    "HEAD" },
		{ "POST / HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_METHOD_POST,
		    "POST" },
		{ "PUT / HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_METHOD_OTHER,
		    "PUT" },
		{ "get / HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_METHOD_OTHER,
		    "get" },
		{ "GETS / HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_METHOD_OTHER,
		    "GETS" },
		{ "M-SEARCH / HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_METHOD_OTHER,
		    "M-SEARCH" },
	};
	struct http_head h;
	char *copy;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse_str(cases[i].text, &h, &copy),
		    (int)strlen(cases[i].text));
		assert_int_equal(h.method, cases[i].m);
		assert_slice(h.method_text, cases[i].token);
		free(copy);
	}
}

/* Target, path and query; absolute-form reduced to origin-form. */
static void
test_targets(void **state)
{
	static const struct {
		const char *target, *want_target, *path, *query;
	} cases[] = {
		{ "/", "/", "/", "" },
		{ "/a/b?x=1&y", "/a/b?x=1&y", "/a/b", "x=1&y" },
		{ "/?", "/?", "/", "" },
		{ "/a?b?c", "/a?b?c", "/a", "b?c" },
		{ "/01/09506000134352/21/ABC?S=XYZ&from=t",
		    "/01/09506000134352/21/ABC?S=XYZ&from=t",
		    "/01/09506000134352/21/ABC", "S=XYZ&from=t" },
		{ "http://s.example.com/x?y", "/x?y", "/x", "y" },
		{ "HTTPS://S.EXAMPLE.COM:8443/p/q", "/p/q", "/p/q", "" },
		{ "http://h/", "/", "/", "" },
		{ "/%00%ff#frag", "/%00%ff#frag", "/%00%ff#frag", "" },
	};
	char text[256], *copy;
	struct http_head h;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text),
		    "GET %s HTTP/1.1\r\nHost: a\r\n\r\n", cases[i].target);
		assert_int_equal(parse_str(text, &h, &copy), (int)strlen(text));
		assert_slice(h.target, cases[i].want_target);
		assert_slice(h.path, cases[i].path);
		assert_slice(h.query, cases[i].query);
		/* An empty query still points inside the target. */
		assert_true(h.query.p >= h.target.p &&
		    h.query.p <= h.target.p + h.target.len);
		free(copy);
	}
}

/* Keep-alive after the version and the Connection tokens. */
static void
test_keep_alive(void **state)
{
	static const struct {
		const char *version, *connection;
		bool keep_alive;
	} cases[] = {
		{ "1.1", NULL, true },
		{ "1.1", "close", false },
		{ "1.1", "Close", false },
		{ "1.1", "keep-alive, close", false },
		{ "1.1", " Upgrade ,\tCLOSE\t", false },
		{ "1.1", "closed", true },
		{ "1.1", "keep-alive", true },
		{ "1.1", "", true },
		{ "1.0", NULL, false },
		{ "1.0", "keep-alive", true },
		{ "1.0", "Upgrade, Keep-Alive", true },
		{ "1.0", "keep-alive, close", false },
		{ "1.0", "keep-alived", false },
		{ "1.0", "close", false },
	};
	char text[256], conn[128];
	struct http_head h;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		conn[0] = '\0';
		if (cases[i].connection != NULL)
			snprintf(conn, sizeof(conn), "Connection: %s\r\n",
			    cases[i].connection);
		snprintf(text, sizeof(text),
		    "GET / HTTP/%s\r\nHost: a\r\n%s\r\n", cases[i].version,
		    conn);
		assert_int_equal(parse_str(text, &h, NULL), (int)strlen(text));
		if (h.keep_alive != cases[i].keep_alive)
			fail_msg("HTTP/%s, Connection: %s: keep_alive %d",
			    cases[i].version, cases[i].connection ?
			    cases[i].connection : "(none)", h.keep_alive);
		assert_int_equal(h.minor, cases[i].version[2] - '0');
	}
}

/* The headers the server uses, names in any case, values trimmed. */
static void
test_headers(void **state)
{
	static const char text[] =
	    "POST /api/v1/scans HTTP/1.1\r\n"
	    "hOsT:  s.example.com \r\n"
	    "User-Agent:\tMozilla/5.0 (iPhone)\t\r\n"
	    "ACCEPT-LANGUAGE: zh-CN,zh;q=0.9\r\n"
	    "Accept: */*\r\n"
	    "Cookie: a=1; sl_vid=ABC\r\n"
	    "Content-Type: application/json\r\n"
	    "Authorization: Bearer x\r\n"
	    "X-Forwarded-For: 198.51.100.7, 203.0.113.9\r\n"
	    "origin: https://s.example.com\r\n"
	    "Sec-Fetch-Site:  same-origin\r\n"
	    "Expect: 100-Continue\r\n"
	    "X-Unknown: ignored\r\n"
	    "Content-Length: 42\r\n"
	    "\r\n";
	struct http_head h;
	char *copy;

	(void)state;
	assert_int_equal(parse_str(text, &h, &copy), (int)strlen(text));
	assert_int_equal(h.head_len, strlen(text));
	assert_int_equal(h.nheaders, 13);
	assert_slice(h.host, "s.example.com");
	assert_slice(h.user_agent, "Mozilla/5.0 (iPhone)");
	assert_slice(h.accept_language, "zh-CN,zh;q=0.9");
	assert_slice(h.accept, "*/*");
	assert_slice(h.cookie, "a=1; sl_vid=ABC");
	assert_slice(h.content_type, "application/json");
	assert_slice(h.authorization, "Bearer x");
	assert_slice(h.forwarded_for, "198.51.100.7, 203.0.113.9");
	assert_slice(h.origin, "https://s.example.com");
	assert_slice(h.sec_fetch_site, "same-origin");
	assert_true(h.expect_continue);
	assert_true(h.has_length);
	assert_int_equal(h.content_length, 42);
	assert_true(h.keep_alive);
	/* Every slice points into the parsed buffer. */
	assert_true(h.host.p > copy && h.host.p < copy + h.head_len);
	free(copy);

	/* Absent headers are empty; no length means none. */
	assert_int_equal(parse_str("GET / HTTP/1.0\r\n\r\n", &h, NULL), 18);
	assert_int_equal(h.user_agent.len, 0);
	assert_null(h.user_agent.p);
	assert_false(h.has_length);
	assert_false(h.expect_continue);
	assert_int_equal(h.nheaders, 0);
	{
		static const char other[] = "GET / HTTP/1.0\r\n"
		    "Expect: 100-continue-x\r\n\r\n";

		assert_int_equal(parse_str(other, &h, NULL),
		    (int)strlen(other));
		assert_false(h.expect_continue);
	}
}

/* Header count and head size limits answer 431. */
static void
test_limits(void **state)
{
	char *text = malloc(2 * HTTP_HEAD_MAX + 64), *p;
	struct http_head h;
	size_t len, fill;

	(void)state;
	assert_non_null(text);
	/* HTTP_HEADERS_MAX header lines pass, one more is refused. */
	for (int extra = 0; extra <= 1; extra++) {
		p = text + sprintf(text, "GET / HTTP/1.1\r\nHost: a\r\n");
		for (int i = 1; i < HTTP_HEADERS_MAX + extra; i++)
			p += sprintf(p, "X-%d: v\r\n", i);
		p += sprintf(p, "\r\n");
		len = (size_t)(p - text);
		if (extra == 0) {
			assert_int_equal(parse(text, len, &h, NULL), (int)len);
			assert_int_equal(h.nheaders, HTTP_HEADERS_MAX);
		} else
			assert_int_equal(parse(text, len, &h, NULL), -431);
	}
	/* A head of exactly HTTP_HEAD_MAX bytes passes; one more does not. */
	for (int extra = 0; extra <= 1; extra++) {
		static const char pre[] = "GET / HTTP/1.1\r\nHost: a\r\nX: ";

		fill = HTTP_HEAD_MAX + (size_t)extra - (sizeof(pre) - 1) - 4;
		memcpy(text, pre, sizeof(pre) - 1);
		memset(text + sizeof(pre) - 1, 'v', fill);
		memcpy(text + sizeof(pre) - 1 + fill, "\r\n\r\n", 4);
		len = sizeof(pre) - 1 + fill + 4;
		assert_int_equal(len, HTTP_HEAD_MAX + (size_t)extra);
		assert_int_equal(parse(text, len, &h, NULL), extra ? -431 :
		    HTTP_HEAD_MAX);
		/* Unfinished: waits below the limit, refuses at it. */
		assert_int_equal(parse(text, HTTP_HEAD_MAX - 1, &h, NULL), 0);
		if (extra)
			assert_int_equal(parse(text, HTTP_HEAD_MAX, &h, NULL),
			    -431);
	}
	free(text);
}

/* Targets longer than HTTP_TARGET_MAX answer 414, early if need be; a long
 * method with a short target is not a long target. */
static void
test_target_length(void **state)
{
	char *text = malloc(HTTP_HEAD_MAX), target[HTTP_TARGET_MAX + 2];
	char method[201];
	struct http_head h;
	int n;

	(void)state;
	assert_non_null(text);
	target[0] = '/';
	memset(target + 1, 'a', HTTP_TARGET_MAX);
	target[HTTP_TARGET_MAX] = '\0';		/* exactly the maximum */
	n = sprintf(text, "GET %s HTTP/1.1\r\nHost: a\r\n\r\n", target);
	assert_int_equal(parse(text, (size_t)n, &h, NULL), n);
	assert_int_equal(h.target.len, HTTP_TARGET_MAX);
	target[HTTP_TARGET_MAX] = 'a';
	target[HTTP_TARGET_MAX + 1] = '\0';	/* one more */
	n = sprintf(text, "GET %s HTTP/1.1\r\nHost: a\r\n\r\n", target);
	assert_int_equal(parse(text, (size_t)n, &h, NULL), -414);
	/* Unfinished, the request line already too long: 414 at once, and
	 * still 414 once its line ends (an error stays an error). */
	n = sprintf(text, "GET %s", target);
	assert_int_equal(parse(text, (size_t)n, &h, NULL), -414);
	n = sprintf(text, "GET %s\r\nX", target);
	assert_int_equal(parse(text, (size_t)n, &h, NULL), -414);
	n = sprintf(text, "GET %.*s", HTTP_TARGET_MAX, target);
	assert_int_equal(parse(text, (size_t)n, &h, NULL), 0);
	/* A 200-character method and a 2000-character target: a request
	 * line longer than HTTP_TARGET_MAX + 64, but no long target. */
	memset(method, 'M', sizeof(method) - 1);
	method[sizeof(method) - 1] = '\0';
	n = sprintf(text, "%s /%.1999s HTTP/1.1\r\nHost: a\r\n\r\n",
	    method, target + 1);
	assert_int_equal(parse(text, (size_t)n, &h, NULL), n);
	assert_int_equal(h.method, HTTP_METHOD_OTHER);
	for (int k = 0; k < n; k++)
		assert_int_equal(parse(text, (size_t)k, &h, NULL), 0);
	free(text);
}

/* Empty lines before a request are skipped and counted in its length. */
static void
test_leading_empty_lines(void **state)
{
	static const char text[] = "\r\n\r\nGET /x HTTP/1.1\r\nHost: a\r\n\r\n";
	struct http_head h;
	char *copy;

	(void)state;
	assert_int_equal(parse_str(text, &h, &copy), (int)strlen(text));
	assert_int_equal(h.head_len, strlen(text));
	assert_ptr_equal(h.method_text.p, copy + 4);
	assert_slice(h.path, "/x");
	free(copy);
	/* Only empty lines: wait. A lone LF is no empty line. */
	assert_int_equal(parse_str("\r\n\r\n\r\n", &h, NULL), 0);
	assert_int_equal(parse_str("\r\n\nGET / HTTP/1.0\r\n\r\n", &h, NULL),
	    -400);
}

/* Fed one byte at a time, a head is incomplete until its last byte, and
 * bytes after it (a pipelined request, a body) change nothing. */
static void
test_incremental(void **state)
{
	static const char *const heads[] = {
		"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		"\r\nHEAD /01/09506000134352 HTTP/1.0\r\n\r\n",
		"POST /api/v1/scans HTTP/1.1\r\nHost: s\r\nContent-Type: "
		    "application/json\r\nContent-Length: 2\r\n"
		    "Connection: close\r\n\r\n",
		"GET http://a/b?c=d HTTP/1.1\r\nHost: a\r\nCookie: x=\r\n\r\n",
	};
	struct http_head h, full;
	char buf[512];

	(void)state;
	for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
		size_t n = strlen(heads[i]);

		for (size_t k = 0; k < n; k++)
			if (parse(heads[i], k, &h, NULL) != 0)
				fail_msg("head %zu: %zu of %zu bytes gave %d", i,
				    k, n, parse(heads[i], k, &h, NULL));
		assert_int_equal(parse(heads[i], n, &full, NULL), (int)n);
		snprintf(buf, sizeof(buf), "%s{}GET / HTTP/1.1\r\n", heads[i]);
		assert_int_equal(parse_str(buf, &h, NULL), (int)n);
		assert_int_equal(h.method, full.method);
		assert_int_equal(h.keep_alive, full.keep_alive);
		assert_int_equal(h.content_length, full.content_length);
	}
}

/* Cookies by exact name. */
static void
test_cookie_get(void **state)
{
	static const struct {
		const char *cookie, *name, *want;	/* want NULL: absent */
	} cases[] = {
		{ "a=1; sl_vid=XYZ; b=2", "sl_vid", "XYZ" },
		{ "sl_vid=XYZ", "sl_vid", "XYZ" },
		{ "sl_vid=", "sl_vid", "" },
		{ " ; ;sl_vid=Q", "sl_vid", "Q" },
		{ "a=b=c", "a", "b=c" },
		{ "sl_vid=1; sl_vid=2", "sl_vid", "1" },
		{ "sl_vidx=1", "sl_vid", NULL },
		{ "x_sl_vid=1", "sl_vid", NULL },
		{ "SL_VID=1", "sl_vid", NULL },
		{ "sl_vid", "sl_vid", NULL },
		{ "", "sl_vid", NULL },
		{ "a=1;", "a", "1" },
	};
	struct http_slice v;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = strlen(cases[i].cookie);
		char *copy = malloc(len ? len : 1);
		bool found;

		assert_non_null(copy);
		memcpy(copy, cases[i].cookie, len);
		found = http_cookie_get((struct http_slice){ copy, len },
		    cases[i].name, &v);
		if (found != (cases[i].want != NULL))
			fail_msg("cookie \"%s\", %s: found %d", cases[i].cookie,
			    cases[i].name, found);
		if (found)
			assert_slice(v, cases[i].want);
		free(copy);
	}
}

/* Query parameters by exact name, raw values. */
static void
test_query_get(void **state)
{
	static const struct {
		const char *query, *name, *want;
	} cases[] = {
		{ "S=ABC&lang=en", "S", "ABC" },
		{ "S=ABC&lang=en", "lang", "en" },
		{ "s=abc", "S", NULL },
		{ "a&S", "S", "" },
		{ "S=", "S", "" },
		{ "SS=1", "S", NULL },
		{ "&&S=1", "S", "1" },
		{ "x=S=1", "S", NULL },
		{ "S=1&S=2", "S", "1" },
		{ "S=%41", "S", "%41" },
		{ "", "S", NULL },
		{ "lang=zh&", "lang", "zh" },
	};
	struct http_slice v;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = strlen(cases[i].query);
		char *copy = malloc(len ? len : 1);
		bool found;

		assert_non_null(copy);
		memcpy(copy, cases[i].query, len);
		found = http_query_get((struct http_slice){ copy, len },
		    cases[i].name, &v);
		if (found != (cases[i].want != NULL))
			fail_msg("query \"%s\", %s: found %d", cases[i].query,
			    cases[i].name, found);
		if (found)
			assert_slice(v, cases[i].want);
		free(copy);
	}
}

/* Case-insensitive comparison with a lowercase literal. */
static void
test_slice_eq(void **state)
{
	(void)state;
	assert_true(http_slice_eq((struct http_slice){ "Close", 5 }, "close"));
	assert_true(http_slice_eq((struct http_slice){ "CLOSE", 5 }, "close"));
	assert_false(http_slice_eq((struct http_slice){ "closed", 6 },
	    "close"));
	assert_false(http_slice_eq((struct http_slice){ "clos", 4 }, "close"));
	assert_true(http_slice_eq((struct http_slice){ "x", 0 }, ""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdicts),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_methods),
		cmocka_unit_test(test_targets),
		cmocka_unit_test(test_keep_alive),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_target_length),
		cmocka_unit_test(test_leading_empty_lines),
		cmocka_unit_test(test_incremental),
		cmocka_unit_test(test_cookie_get),
		cmocka_unit_test(test_query_get),
		cmocka_unit_test(test_slice_eq),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
