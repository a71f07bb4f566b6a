/*
 * gs1_dl.c — parsing a GS1 Digital Link URI whose primary key is a GTIN:
 * the host, the key and its qualifiers in the path, the data attributes
 * in the query. The rules are those of the GS1 Digital Link URI syntax;
 * docs/code-format.md (section 9) says where scanloop is more lenient.
 */
#include "codegen/gs1.h"

#include <errno.h>
#include <string.h>
#include <strings.h>

/* Query AIs kept for the duplicate check. */
#define GS1_QUERY_AIS_MAX 32

/* The GTIN's key qualifiers in their order; 235 stands alone. */
enum gs1_qual { GS1_Q_CPV, GS1_Q_LOT, GS1_Q_SERIAL, GS1_Q_TPX, GS1_Q_NONE };

/* A path or query element "AI" / "value" (raw, not yet decoded). */
struct gs1_pair {
	const char *ai;
	size_t ailen;
	const char *val;
	size_t vlen;
};

/* True if ch may appear in a URI (RFC 3986 reserved, unreserved, '%'). */
static bool
gs1_uri_char(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	    (ch >= '0' && ch <= '9') || (ch != '\0' &&
	    strchr("-._~:/?#[]@!$&'()*+,;=%", ch) != NULL);
}

/* True if ch may appear in a host: a name, an IPv4 or IPv6 literal, a
 * port. */
static bool
gs1_host_char(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == ':' ||
	    ch == '[' || ch == ']';
}

/* Value of a hex digit, or -1. */
static int
gs1_hex(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* Percent-decoding. */
ssize_t
gs1_unescape(char *out, size_t cap, const char *in, size_t len, bool query)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char ch = in[i];

		if (ch == '%' && i + 2 < len && gs1_hex(in[i + 1]) >= 0 &&
		    gs1_hex(in[i + 2]) >= 0) {
			ch = (char)(gs1_hex(in[i + 1]) << 4 | gs1_hex(in[i + 2]));
			if (ch == '\0')
				return -EINVAL;
			i += 2;
		} else if (query && ch == '+')
			ch = ' ';
		if (o == cap)
			return -ENOSPC;
		out[o++] = ch;
	}
	return (ssize_t)o;
}

/* The qualifier an AI names, or GS1_Q_NONE. */
static enum gs1_qual
gs1_qualifier(const char *ai, size_t len)
{
	if (len == 2 && memcmp(ai, "22", 2) == 0)
		return GS1_Q_CPV;
	if (len == 2 && memcmp(ai, "10", 2) == 0)
		return GS1_Q_LOT;
	if (len == 2 && memcmp(ai, "21", 2) == 0)
		return GS1_Q_SERIAL;
	if (len == 3 && memcmp(ai, "235", 3) == 0)
		return GS1_Q_TPX;
	return GS1_Q_NONE;
}

/* Splits the path into its /AI/value pairs from the end back to /01/.
 * pairs[0] is /01/{GTIN}; returns the number of pairs or -EINVAL. */
static int
gs1_path_pairs(const char *p, size_t len, struct gs1_pair pairs[4],
    const char **why)
{
	struct gs1_pair rev[4];
	size_t e = len;
	int n = 0;

	for (;;) {
		size_t vs = e, a0;

		while (vs > 0 && p[vs - 1] != '/')
			vs--;
		if (vs == 0)
			goto nokey;
		for (a0 = vs - 1; a0 > 0 && p[a0 - 1] != '/'; a0--)
			;
		if (a0 == 0)
			goto nokey;
		rev[n] = (struct gs1_pair){ p + a0, vs - 1 - a0, p + vs,
		    e - vs };
		if (rev[n].ailen == 2 && memcmp(rev[n].ai, "01", 2) == 0)
			break;
		if (gs1_qualifier(rev[n].ai, rev[n].ailen) == GS1_Q_NONE ||
		    n == 3)
			goto nokey;
		e = a0 - 1;
		n++;
	}
	for (int i = 0; i <= n; i++)
		pairs[i] = rev[n - i];
	return n + 1;
nokey:
	*why = memmem(p, len, "/01/", 4) != NULL ? "the path after the GTIN "
	    "is not /22/, /10/, /21/ in this order, or /235/" :
	    "not a GS1 Digital Link of a product (no /01/{GTIN})";
	return -EINVAL;
}

/* Decodes a value into out (GS1_VALUE_MAX + 1 bytes, NUL-terminated). */
static int
gs1_value(const struct gs1_pair *pr, bool query, char *out, size_t *olen,
    const char **why)
{
	ssize_t n;

	if (pr->vlen == 0) {
		*why = "a GS1 value is empty";
		return -EINVAL;
	}
	n = gs1_unescape(out, GS1_VALUE_MAX + 1, pr->val, pr->vlen, query);
	if (n == -EINVAL) {
		*why = "a GS1 value holds an encoded NUL byte";
		return -EINVAL;
	}
	if (n < 0 || n > GS1_VALUE_MAX) {
		*why = "a GS1 value has the wrong length for its AI";
		return -EINVAL;
	}
	out[n] = '\0';
	*olen = (size_t)n;
	return 0;
}

/* Checks the path's key and qualifiers and fills out. */
static int
gs1_path(const char *p, size_t len, struct gs1_dl *out, unsigned *quals,
    const char **why)
{
	struct gs1_pair pairs[4];
	char v[GS1_VALUE_MAX + 1];
	int n, ret, last = -1;
	size_t vlen;

	if ((n = gs1_path_pairs(p, len, pairs, why)) < 0)
		return n;
	*quals = 0;
	for (int i = 0; i < n; i++) {
		enum gs1_qual q = gs1_qualifier(pairs[i].ai, pairs[i].ailen);

		if ((ret = gs1_value(&pairs[i], false, v, &vlen, why)) < 0)
			return ret;
		if (i == 0) {
			ret = gtin_normalize(v, vlen, out->gtin);
			if (ret < 0) {
				*why = ret == -EBADMSG ?
				    "GTIN check digit is wrong" :
				    "GTIN is not 8, 12, 13 or 14 digits";
				return -EINVAL;
			}
			continue;
		}
		/* 22, 10, 21 in this order, each once; or 235 alone. */
		if ((int)q <= last || (q == GS1_Q_TPX && n != 2)) {
			*why = "the path after the GTIN is not /22/, /10/, "
			    "/21/ in this order, or /235/";
			return -EINVAL;
		}
		last = (int)q;
		*quals |= 1U << q;
		if ((ret = gs1_ai_value_check(pairs[i].ai, pairs[i].ailen, v,
		    vlen, why)) < 0)
			return ret;
		if (q == GS1_Q_SERIAL) {
			out->has_serial = true;
			out->serial_len = (uint8_t)vlen;
			memcpy(out->serial, v, vlen + 1);
		}
	}
	return 0;
}

/* Checks the query's AIs (all-digit names); other parameters are the
 * caller's. quals: the qualifiers the path holds. */
static int
gs1_query(const char *q, size_t len, unsigned quals, const char **why)
{
	struct gs1_pair seen[GS1_QUERY_AIS_MAX];
	char v[GS1_VALUE_MAX + 1];
	size_t i = 0, nseen = 0, vlen;
	int ret;

	while (i < len) {
		size_t s = i, eq;
		struct gs1_pair pr;
		enum gs1_qual qual;
		bool singleton;

		while (i < len && q[i] != '&')
			i++;
		for (eq = s; eq < i && q[eq] != '='; eq++)
			;
		singleton = eq == i;
		pr = (struct gs1_pair){ q + s, eq - s, q + eq + 1,
		    singleton ? 0 : i - eq - 1 };
		i++;
		if (singleton || pr.ailen == 0 ||
		    strspn(pr.ai, "0123456789") < pr.ailen)
			continue;	/* a singleton or not an AI */
		if (!gs1_ai_known(pr.ai, pr.ailen)) {
			*why = "unknown GS1 Application Identifier";
			return -EINVAL;
		}
		if ((ret = gs1_value(&pr, true, v, &vlen, why)) < 0)
			return ret;
		qual = gs1_qualifier(pr.ai, pr.ailen);
		for (size_t k = 0; k < nseen; k++)
			if (seen[k].ailen == pr.ailen &&
			    memcmp(seen[k].ai, pr.ai, pr.ailen) == 0)
				goto twice;
		if ((pr.ailen == 2 && memcmp(pr.ai, "01", 2) == 0) ||
		    (qual != GS1_Q_NONE && (quals & 1U << qual)))
			goto twice;
		if (!gs1_ai_is_attribute(pr.ai, pr.ailen)) {
			*why = "a GS1 AI in the query is not a data attribute";
			return -EINVAL;
		}
		/* A qualifier the path could hold belongs there. */
		if (qual != GS1_Q_NONE && (qual == GS1_Q_TPX ? quals == 0 :
		    !(quals & 1U << GS1_Q_TPX))) {
			*why = "a GS1 AI in the query belongs in the path";
			return -EINVAL;
		}
		if ((ret = gs1_ai_value_check(pr.ai, pr.ailen, v, vlen,
		    why)) < 0)
			return ret;
		if (nseen == GS1_QUERY_AIS_MAX) {
			*why = "too many GS1 AIs";
			return -EINVAL;
		}
		seen[nseen++] = pr;
	}
	return 0;
twice:
	*why = "a GS1 AI appears twice";
	return -EINVAL;
}

/* Parses a Digital Link URI of a GTIN. */
int
gs1_dl_parse(const char *text, size_t len, struct gs1_dl *out,
    const char **why)
{
	const char *dummy, *path, *q, *hash;
	size_t plen, skip = 0;
	unsigned quals;
	int ret;

	if (why == NULL)
		why = &dummy;
	memset(out, 0, sizeof(*out));
	if (len > GS1_DL_MAX) {
		*why = "too long";
		return -EINVAL;
	}
	if ((hash = memchr(text, '#', len)) != NULL)
		len = (size_t)(hash - text);
	for (size_t i = 0; i < len; i++)
		if (!gs1_uri_char(text[i])) {
			*why = "a character that a URL may not hold";
			return -EINVAL;
		}
	/* RFC 3986: the scheme is case-insensitive. */
	if (len >= 8 && strncasecmp(text, "https://", 8) == 0) {
		skip = 8;
		out->https = true;
	} else if (len >= 7 && strncasecmp(text, "http://", 7) == 0)
		skip = 7;
	path = text;
	if (skip > 0) {
		const char *h = text + skip;
		const char *slash = memchr(h, '/', len - skip);

		if (slash == NULL || slash == h) {
			*why = "URL has no host or path";
			return -EINVAL;
		}
		for (const char *c = h; c < slash; c++)
			if (!gs1_host_char(*c)) {
				*why = "unexpected character in host";
				return -EINVAL;
			}
		out->host_off = (uint16_t)skip;
		out->host_len = (uint16_t)(slash - h);
		path = slash;
	} else if (len == 0 || text[0] != '/') {
		*why = "not an http(s) URL or a path";
		return -EINVAL;
	}
	plen = len - (size_t)(path - text);
	if ((q = memchr(path, '?', plen)) != NULL) {
		out->query_off = (uint16_t)(q + 1 - text);
		out->query_len = (uint16_t)(plen - (size_t)(q - path) - 1);
		plen = (size_t)(q - path);
	}
	if ((ret = gs1_path(path, plen, out, &quals, why)) < 0)
		return ret;
	return gs1_query(text + out->query_off, out->query_len, quals, why);
}
