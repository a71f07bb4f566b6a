/*
 * http_parse.h — a strict parser for HTTP/1.x request heads.
 *
 * The scan server speaks a small subset of HTTP/1.1: GET, HEAD and POST,
 * origin-form targets (absolute-form is accepted and reduced), bodies
 * with Content-Length only (no chunked uploads: Transfer-Encoding is
 * refused, which also closes the door on request smuggling), CRLF line
 * ends, no obsolete line folding. The parser is a pure function over a
 * buffer, so it is fuzzed on its own (tests/fuzz/fuzz_http.c).
 */
#ifndef SCANLOOP_HTTP_PARSE_H
#define SCANLOOP_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#define HTTP_HEAD_MAX 8192		/* request line and headers */
#define HTTP_TARGET_MAX 2048		/* request target */
#define HTTP_HEADERS_MAX 64		/* header lines */

enum http_method {
	HTTP_METHOD_GET,
	HTTP_METHOD_HEAD,
	HTTP_METHOD_POST,
	HTTP_METHOD_OTHER,		/* a well-formed token we do not serve */
};

/* A piece of the parsed buffer (not NUL-terminated). */
struct http_slice {
	const char *p;
	size_t len;
};

struct http_head {
	enum http_method method;
	int minor;			/* HTTP/1.<minor>: 0 or 1 */
	struct http_slice method_text;
	struct http_slice target;	/* path and query, origin-form */
	struct http_slice path;
	struct http_slice query;	/* after '?', may be empty */
	struct http_slice host;
	struct http_slice user_agent;
	struct http_slice accept_language;
	struct http_slice accept;
	struct http_slice cookie;
	struct http_slice content_type;
	struct http_slice authorization;
	struct http_slice forwarded_for;	/* X-Forwarded-For */
	struct http_slice origin;		/* Origin */
	struct http_slice sec_fetch_site;	/* Sec-Fetch-Site */
	struct http_slice cluster;		/* X-Scanloop-Cluster */
	bool keep_alive;		/* after Connection and the version */
	bool expect_continue;
	bool has_length;
	size_t content_length;
	size_t head_len;		/* bytes up to and including CRLFCRLF */
	unsigned nheaders;
};

/* Parses a request head at the start of buf. Returns the head's length
 * (> 0) when complete, 0 when more bytes are needed, or a negative HTTP
 * status: -400 malformed, -414 target too long, -431 head too large,
 * -501 Transfer-Encoding, -505 version. Slices point into buf. */
int http_parse_head(const char *buf, size_t len, struct http_head *h)
    __attribute__((warn_unused_result, nonnull));
/* Case-insensitive comparison of a slice with a lowercase literal. */
bool http_slice_eq(struct http_slice s, const char *lower)
    __attribute__((nonnull));
/* Finds a cookie's value in a Cookie header. */
bool http_cookie_get(struct http_slice cookie, const char *name,
    struct http_slice *value) __attribute__((nonnull));
/* Finds a query parameter's raw value (no percent-decoding). */
bool http_query_get(struct http_slice query, const char *name,
    struct http_slice *value) __attribute__((nonnull));

#endif
