/* http_parse.c — strict HTTP/1.x request head parsing.
 *
 * Every byte of a head is looked at once or twice, through a class table
 * rather than chains of comparisons: the parser runs for every request,
 * and a byte-by-byte search for the blank line alone cost more than the
 * rest of the head (measured under tests/bench/scan).
 */
#include "scanner/http_parse.h"

#include <string.h>
#include <strings.h>

/* Byte classes (bits of http_class[c]). */
#define HTTP_C_TCHAR	0x01	/* RFC 9110 tchar */
#define HTTP_C_TARGET	0x02	/* request target: visible ASCII */
#define HTTP_C_VALUE	0x04	/* field value: visible, SP, HTAB, obs-text */
#define HTTP_C_LINE	0x08	/* may stand in a header line before CRLF */

#define HTTP_TCHAR_ALNUM(c) (((c) >= 'a' && (c) <= 'z') || \
	((c) >= 'A' && (c) <= 'Z') || ((c) >= '0' && (c) <= '9'))
#define HTTP_TCHAR_MARK(c) ((c) == '!' || (c) == '#' || (c) == '$' || \
	(c) == '%' || (c) == '&' || (c) == '\'' || (c) == '*' || \
	(c) == '+' || (c) == '-' || (c) == '.' || (c) == '^' || \
	(c) == '_' || (c) == '`' || (c) == '|' || (c) == '~')
#define HTTP_CLASS(c) ( \
	(HTTP_TCHAR_ALNUM(c) || HTTP_TCHAR_MARK(c) ? HTTP_C_TCHAR : 0) | \
	((c) > 0x20 && (c) < 0x7f ? HTTP_C_TARGET : 0) | \
	((c) == '\t' || ((c) >= 0x20 && (c) != 0x7f) ? HTTP_C_VALUE : 0) | \
	((c) != '\r' && (c) != '\n' && (c) != '\0' ? HTTP_C_LINE : 0))
#define HTTP_CLASS4(c) HTTP_CLASS(c), HTTP_CLASS((c) + 1), \
	HTTP_CLASS((c) + 2), HTTP_CLASS((c) + 3)
#define HTTP_CLASS16(c) HTTP_CLASS4(c), HTTP_CLASS4((c) + 4), \
	HTTP_CLASS4((c) + 8), HTTP_CLASS4((c) + 12)
#define HTTP_CLASS64(c) HTTP_CLASS16(c), HTTP_CLASS16((c) + 16), \
	HTTP_CLASS16((c) + 32), HTTP_CLASS16((c) + 48)

static const unsigned char http_class[256] = {
	HTTP_CLASS64(0), HTTP_CLASS64(64), HTTP_CLASS64(128),
	HTTP_CLASS64(192),
};

/* RFC 9110 tchar. */
static inline bool
http_is_tchar(unsigned char c)
{
	return (http_class[c] & HTTP_C_TCHAR) != 0;
}

/* Characters allowed in a request target (visible ASCII). */
static inline bool
http_is_target_char(unsigned char c)
{
	return (http_class[c] & HTTP_C_TARGET) != 0;
}

/* Field value characters: visible ASCII, space, tab, obs-text. */
static inline bool
http_is_value_char(unsigned char c)
{
	return (http_class[c] & HTTP_C_VALUE) != 0;
}

/* Compares a slice with a lowercase literal, ignoring ASCII case (as
 * strncasecmp in the C locale, without its call per header). */
bool
http_slice_eq(struct http_slice s, const char *lower)
{
	size_t i;

	for (i = 0; i < s.len; i++) {
		unsigned char c = (unsigned char)s.p[i];

		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (lower[i] == '\0' || c != (unsigned char)lower[i])
			return false;
	}
	return lower[i] == '\0';
}

/* True if a comma-separated header value lists token (any case). */
static bool
http_list_has(struct http_slice v, const char *token)
{
	size_t i = 0;

	while (i < v.len) {
		size_t start, end;

		while (i < v.len && (v.p[i] == ' ' || v.p[i] == '\t' ||
		    v.p[i] == ','))
			i++;
		start = i;
		while (i < v.len && v.p[i] != ',')
			i++;
		end = i;
		while (end > start && (v.p[end - 1] == ' ' ||
		    v.p[end - 1] == '\t'))
			end--;
		if (http_slice_eq((struct http_slice){ v.p + start,
		    end - start }, token))
			return true;
	}
	return false;
}

/* Parses a decimal Content-Length; false on garbage or overflow. */
static bool
http_parse_length(struct http_slice v, size_t *out)
{
	size_t n = 0;

	if (v.len == 0 || v.len > 15)
		return false;
	for (size_t i = 0; i < v.len; i++) {
		if (v.p[i] < '0' || v.p[i] > '9')
			return false;
		n = n * 10 + (size_t)(v.p[i] - '0');
	}
	*out = n;
	return true;
}

/* Finds the end of the head (CRLFCRLF); returns its length or 0. */
static size_t
http_head_end(const char *buf, size_t len)
{
	const char *p = buf + 3, *end = buf + len, *nl;

	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		if (nl[-1] == '\r' && nl[-2] == '\n' && nl[-3] == '\r')
			return (size_t)(nl - buf) + 1;
		p = nl + 1;
	}
	return 0;
}

/* The first CRLF in [p, end), which the caller knows holds one. */
static const char *
http_crlf(const char *p, const char *end)
{
	while ((p = memchr(p, '\r', (size_t)(end - p))) != NULL &&
	    p[1] != '\n')
		p++;
	return p;
}

/* True if the request line (or what came of it) already has a target
 * longer than HTTP_TARGET_MAX: the bytes after the first space, up to the
 * next. A long method alone is not a long target. */
static bool
http_target_too_long(const char *p, size_t len)
{
	const char *sp = memchr(p, ' ', len), *t, *end;

	if (sp == NULL)
		return false;
	t = sp + 1;
	end = memchr(t, ' ', (size_t)(p + len - t));
	return (size_t)((end != NULL ? end : p + len) - t) > HTTP_TARGET_MAX;
}

/* Parses the request line "METHOD SP target SP HTTP/1.x". */
static int
http_parse_line(const char *p, size_t len, struct http_head *h)
{
	size_t i = 0, start;

	while (i < len && http_is_tchar((unsigned char)p[i]))
		i++;
	if (i == 0 || i == len || p[i] != ' ')
		return -400;
	h->method_text = (struct http_slice){ p, i };
	if (i == 3 && memcmp(p, "GET", 3) == 0)
		h->method = HTTP_METHOD_GET;
	else if (i == 4 && memcmp(p, "HEAD", 4) == 0)
		h->method = HTTP_METHOD_HEAD;
	else if (i == 4 && memcmp(p, "POST", 4) == 0)
		h->method = HTTP_METHOD_POST;
	else
		h->method = HTTP_METHOD_OTHER;
	start = ++i;
	while (i < len && p[i] != ' ') {
		if (!http_is_target_char((unsigned char)p[i]))
			return -400;
		i++;
	}
	if (i == start || i == len)
		return -400;
	if (i - start > HTTP_TARGET_MAX)
		return -414;
	h->target = (struct http_slice){ p + start, i - start };
	i++;
	if (len - i != 8 || memcmp(p + i, "HTTP/1.", 7) != 0) {
		if (len - i >= 5 && memcmp(p + i, "HTTP/", 5) == 0)
			return -505;
		return -400;
	}
	if (p[i + 7] == '0')
		h->minor = 0;
	else if (p[i + 7] == '1')
		h->minor = 1;
	else if (p[i + 7] >= '2' && p[i + 7] <= '9')
		h->minor = 1;	/* a later 1.x speaks 1.1 to us */
	else
		return -400;
	return 0;
}

/* Reduces an absolute-form target to origin-form and splits the query. */
static int
http_split_target(struct http_head *h)
{
	struct http_slice t = h->target;
	const char *q;

	if (t.p[0] != '/') {
		size_t skip;

		if (t.len > 7 && strncasecmp(t.p, "http://", 7) == 0)
			skip = 7;
		else if (t.len > 8 && strncasecmp(t.p, "https://", 8) == 0)
			skip = 8;
		else
			return -400;	/* asterisk- or authority-form */
		q = memchr(t.p + skip, '/', t.len - skip);
		if (q == NULL)
			return -400;
		t.len -= (size_t)(q - t.p);
		t.p = q;
		h->target = t;
	}
	q = memchr(t.p, '?', t.len);
	if (q == NULL) {
		h->path = t;
		h->query = (struct http_slice){ t.p + t.len, 0 };
	} else {
		h->path = (struct http_slice){ t.p, (size_t)(q - t.p) };
		h->query = (struct http_slice){ q + 1, t.len - h->path.len - 1 };
	}
	return 0;
}

/* Parses one header line, at p, into the fields we use; *len receives its
 * length up to its CRLF. The head's blank line stops every scan. */
static int
http_parse_header(const char *p, size_t *len, struct http_head *h,
    bool *saw_length, bool *saw_host, struct http_slice *connection)
{
	struct http_slice name, value;
	size_t i = 0, vs, ve;

	while (http_is_tchar((unsigned char)p[i]))
		i++;
	if (i == 0 || p[i] != ':')
		return -400;	/* also rejects obs-fold and "name :" */
	name = (struct http_slice){ p, i };
	vs = i + 1;
	while (p[vs] == ' ' || p[vs] == '\t')
		vs++;
	ve = vs;
	while (http_is_value_char((unsigned char)p[ve]))
		ve++;
	/* A control character, or a bare CR or LF, inside the line. */
	if (p[ve] != '\r' || p[ve + 1] != '\n')
		return -400;
	*len = ve;
	while (ve > vs && (p[ve - 1] == ' ' || p[ve - 1] == '\t'))
		ve--;
	value = (struct http_slice){ p + vs, ve - vs };

	switch (name.len) {
	case 4:
		if (http_slice_eq(name, "host")) {
			if (*saw_host)
				return -400;
			*saw_host = true;
			h->host = value;
		}
		break;
	case 6:
		if (http_slice_eq(name, "cookie"))
			h->cookie = value;
		else if (http_slice_eq(name, "accept"))
			h->accept = value;
		else if (http_slice_eq(name, "expect"))
			h->expect_continue = http_slice_eq(value, "100-continue");
		else if (http_slice_eq(name, "origin"))
			h->origin = value;
		break;
	case 10:
		if (http_slice_eq(name, "user-agent"))
			h->user_agent = value;
		else if (http_slice_eq(name, "connection"))
			*connection = value;
		break;
	case 12:
		if (http_slice_eq(name, "content-type"))
			h->content_type = value;
		break;
	case 13:
		if (http_slice_eq(name, "authorization"))
			h->authorization = value;
		break;
	case 14:
		if (http_slice_eq(name, "sec-fetch-site"))
			h->sec_fetch_site = value;
		else if (http_slice_eq(name, "content-length")) {
			size_t n;

			if (!http_parse_length(value, &n))
				return -400;
			if (*saw_length && n != h->content_length)
				return -400;
			*saw_length = true;
			h->has_length = true;
			h->content_length = n;
		}
		break;
	case 15:
		if (http_slice_eq(name, "accept-language"))
			h->accept_language = value;
		else if (http_slice_eq(name, "x-forwarded-for"))
			h->forwarded_for = value;
		break;
	case 17:
		if (http_slice_eq(name, "transfer-encoding"))
			return -501;
		break;
	case 18:
		if (http_slice_eq(name, "x-scanloop-cluster"))
			h->cluster = value;
		break;
	default:
		break;
	}
	return 0;
}

/* Parses a request head. */
int
http_parse_head(const char *buf, size_t len, struct http_head *h)
{
	struct http_slice connection = { NULL, 0 };
	bool saw_length = false, saw_host = false;
	size_t end, pos, eol;
	int ret;

	memset(h, 0, sizeof(*h));
	/* Tolerate the empty lines some clients send between requests. */
	pos = 0;
	while (pos + 1 < len && buf[pos] == '\r' && buf[pos + 1] == '\n')
		pos += 2;
	end = http_head_end(buf + pos, len - pos > HTTP_HEAD_MAX ?
	    HTTP_HEAD_MAX : len - pos);
	if (end == 0) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t line = nl != NULL ? (size_t)(nl - buf) - pos : len - pos;

		/* Reject early what can never become a valid head. Every
		 * longer buffer must fail too (so must the complete head), or
		 * the answer would depend on how TCP cut the bytes. */
		if (nl != NULL && (nl == buf + pos || nl[-1] != '\r'))
			return -400;
		if (http_target_too_long(buf + pos, line))
			return -414;
		return len - pos >= HTTP_HEAD_MAX ? -431 : 0;
	}
	end += pos;
	eol = (size_t)(http_crlf(buf + pos, buf + end) - buf);
	if ((ret = http_parse_line(buf + pos, eol - pos, h)) < 0)
		return ret;
	if ((ret = http_split_target(h)) < 0)
		return ret;
	pos = eol + 2;
	while (pos < end - 2) {
		size_t n;

		if (++h->nheaders > HTTP_HEADERS_MAX) {
			/* A bare CR or LF, or a NUL, in the line still says
			 * 400 first. */
			eol = pos;
			while (http_class[(unsigned char)buf[eol]] & HTTP_C_LINE)
				eol++;
			return buf[eol] != '\r' || buf[eol + 1] != '\n' ?
			    -400 : -431;
		}
		if ((ret = http_parse_header(buf + pos, &n, h, &saw_length,
		    &saw_host, &connection)) < 0)
			return ret;
		pos += n + 2;
	}
	if (h->minor == 1 && !saw_host)
		return -400;
	/* RFC 9112, 9.3: "close" wins in every version. */
	if (http_list_has(connection, "close"))
		h->keep_alive = false;
	else if (h->minor == 1)
		h->keep_alive = true;
	else
		h->keep_alive = http_list_has(connection, "keep-alive");
	h->head_len = end;
	return (int)end;
}

/* Finds a cookie by name. */
bool
http_cookie_get(struct http_slice c, const char *name, struct http_slice *value)
{
	size_t nlen = strlen(name), i = 0;

	while (i < c.len) {
		size_t start, eq, end;

		while (i < c.len && (c.p[i] == ' ' || c.p[i] == ';'))
			i++;
		start = i;
		while (i < c.len && c.p[i] != ';')
			i++;
		end = i;
		for (eq = start; eq < end && c.p[eq] != '='; eq++)
			;
		if (eq < end && eq - start == nlen &&
		    memcmp(c.p + start, name, nlen) == 0) {
			*value = (struct http_slice){ c.p + eq + 1, end - eq - 1 };
			return true;
		}
	}
	return false;
}

/* Finds a query parameter by exact name. */
bool
http_query_get(struct http_slice q, const char *name, struct http_slice *value)
{
	size_t nlen = strlen(name), i = 0;

	while (i < q.len) {
		size_t start = i, eq;

		while (i < q.len && q.p[i] != '&')
			i++;
		for (eq = start; eq < i && q.p[eq] != '='; eq++)
			;
		if (eq - start == nlen && memcmp(q.p + start, name, nlen) == 0) {
			*value = eq < i ? (struct http_slice){ q.p + eq + 1,
			    i - eq - 1 } : (struct http_slice){ q.p + i, 0 };
			return true;
		}
		i++;
	}
	return false;
}
