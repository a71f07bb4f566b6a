/*
 * epcis_hash.c — the EPCIS event hash of CBV 2.0 (section 8.9).
 *
 * The algorithm and its test vectors are those of the GS1 reference
 * implementation, github.com/RalphTro/epcis-event-hash-generator: a
 * pre-hash string of "key=value" pieces in a canonical property order,
 * concatenated without separators, hashed with SHA-256 and written as an
 * RFC 6920 "ni" URI. tests/unit/test_epcis_hash.c checks this file
 * against that project's published example events and hashes.
 */
#include "analytics/epcis.h"

#include <ctype.h>
#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <pthread.h>

#include "analytics/output.h"
#include "codegen/gtin.h"

#define CBV_WEB "https://ref.gs1.org/cbv/"
#define DL_CANON "https://id.gs1.org"

/* A span of text: what canonicalising looks at without copying. */
struct span {
	const char *p;
	size_t n;
};

/* Old CBV URN prefixes and the web URI prefixes that replace them. */
static const struct {
	const char *urn;
	const char *web;
} cbv_urns[] = {
	{ "urn:epcglobal:cbv:bizstep:", CBV_WEB "BizStep-" },
	{ "urn:epcglobal:cbv:disp:", CBV_WEB "Disp-" },
	{ "urn:epcglobal:cbv:btt:", CBV_WEB "BTT-" },
	{ "urn:epcglobal:cbv:sdt:", CBV_WEB "SDT-" },
	{ "urn:epcglobal:cbv:er:", CBV_WEB "ER-" },
};

/* True when s starts with the NUL-terminated prefix. */
static bool
span_starts(struct span s, const char *prefix)
{
	size_t n;

	/* Most values differ at once: no strlen, no memcmp then. */
	if (s.n == 0 || s.p[0] != prefix[0])
		return prefix[0] == '\0';
	n = strlen(prefix);
	return s.n >= n && memcmp(s.p, prefix, n) == 0;
}

/* True for what canonicalising trims: space, tab, CR, LF (and NUL, which
 * strchr(" \t\r\n", c) used to find too). */
static inline bool
span_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\0';
}

/* Counts the ASCII digits at the start of s. */
static size_t
span_digits(struct span s)
{
	size_t i = 0;

	while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9')
		i++;
	return i;
}

/* True for the characters a key qualifier value of the reference's
 * canonical GS1 Digital Link URI may hold. */
static bool
dl_value_char(char c)
{
	return c == '"' || c == '\'' || c == '-' || c == '.' ||
	    (c >= '0' && c <= '9') || (c >= ';' && c <= '?') ||
	    (c >= 'A' && c <= 'Z') || c == '_' || (c >= 'a' && c <= 'z');
}

/* True when s is 0..max characters that dl_value_char accepts. */
static bool
dl_value_ok(struct span s, size_t max)
{
	if (s.n > max)
		return false;
	for (size_t i = 0; i < s.n; i++)
		if (!dl_value_char(s.p[i]))
			return false;
	return true;
}

/* Appends an EPC URI component, percent-encoding what GS1 Digital Link
 * does not allow bare (the reference's encoder: ! ( ) * + , :). */
static int
append_encoded(struct buf *out, struct span s)
{
	static const char hex[] = "0123456789ABCDEF";
	int ret = 0;

	for (size_t i = 0; i < s.n && ret == 0; i++) {
		char c = s.p[i];

		if (strchr("!()*+,:", c) != NULL && c != '\0') {
			char e[3] = { '%', hex[(unsigned char)c >> 4],
			    hex[(unsigned char)c & 15] };

			ret = buf_append(out, e, 3);
		} else
			ret = buf_append(out, &c, 1);
	}
	return ret;
}

/* Splits "CP.REF" (company prefix of 6..12 digits, total digits
 * cp + ref == total) at the start of s; returns the length consumed or 0.
 * ref may be empty only when allow_empty. */
static size_t
urn_split(struct span s, size_t total, bool allow_empty, struct span *cp,
    struct span *ref)
{
	size_t a = span_digits(s), b;
	struct span rest;

	if (a < 6 || a > 12 || a >= s.n || s.p[a] != '.')
		return 0;
	rest = (struct span){ s.p + a + 1, s.n - a - 1 };
	b = span_digits(rest);
	if (a + b != total || (b == 0 && !allow_empty))
		return 0;
	*cp = (struct span){ s.p, a };
	*ref = (struct span){ rest.p, b };
	return a + 1 + b;
}

/* True for an EPC URI serial or extension: 1..max characters of
 * [!'()*+,.0-9:;=A-Za-z_-] or %XX escapes. */
static bool
urn_serial_ok(struct span s, size_t max)
{
	size_t count = 0;

	for (size_t i = 0; i < s.n; count++) {
		char c = s.p[i];

		if (c == '%') {
			if (i + 2 >= s.n || !isxdigit((unsigned char)s.p[i + 1]) ||
			    !isxdigit((unsigned char)s.p[i + 2]))
				return false;
			i += 3;
			continue;
		}
		if (!(strchr("!'()*+,.:;=_-", c) != NULL ||
		    (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') ||
		    (c >= 'a' && c <= 'z')) || c == '\0')
			return false;
		i++;
	}
	return count >= 1 && count <= max;
}

/* Appends digits and their GS1 check digit. */
static int
append_with_check(struct buf *out, const char *digits, size_t n)
{
	char cd = gtin_check_digit(digits, n);
	int ret;

	if ((ret = buf_append(out, digits, n)) < 0)
		return ret;
	return buf_append(out, &cd, 1);
}

/* Converts an EPC URI (sgtin, sscc, sgln) to its canonical GS1 Digital
 * Link URI. Returns 1 if it did, 0 if s is none of them, or -ENOMEM. */
static int
canon_epc_urn(struct span s, struct buf *out)
{
	struct span cp, ref, tail;
	char key[20];
	size_t used;
	int ret;

	if (span_starts(s, "urn:epc:id:sgtin:")) {
		s.p += 17, s.n -= 17;
		if ((used = urn_split(s, 13, false, &cp, &ref)) == 0 ||
		    used >= s.n || s.p[used] != '.')
			return 0;
		tail = (struct span){ s.p + used + 1, s.n - used - 1 };
		if (!urn_serial_ok(tail, 20))
			return 0;
		key[0] = ref.p[0];
		memcpy(key + 1, cp.p, cp.n);
		memcpy(key + 1 + cp.n, ref.p + 1, ref.n - 1);
		if ((ret = buf_puts(out, DL_CANON "/01/")) < 0 ||
		    (ret = append_with_check(out, key, 13)) < 0 ||
		    (ret = buf_puts(out, "/21/")) < 0 ||
		    (ret = append_encoded(out, tail)) < 0)
			return ret;
		return 1;
	}
	if (span_starts(s, "urn:epc:id:sscc:")) {
		s.p += 16, s.n -= 16;
		if ((used = urn_split(s, 17, false, &cp, &ref)) == 0 ||
		    used != s.n)
			return 0;
		key[0] = ref.p[0];
		memcpy(key + 1, cp.p, cp.n);
		memcpy(key + 1 + cp.n, ref.p + 1, ref.n - 1);
		if ((ret = buf_puts(out, DL_CANON "/00/")) < 0 ||
		    (ret = append_with_check(out, key, 17)) < 0)
			return ret;
		return 1;
	}
	if (span_starts(s, "urn:epc:id:sgln:")) {
		s.p += 16, s.n -= 16;
		if ((used = urn_split(s, 12, true, &cp, &ref)) == 0 ||
		    used >= s.n || s.p[used] != '.')
			return 0;
		tail = (struct span){ s.p + used + 1, s.n - used - 1 };
		if (!urn_serial_ok(tail, 20))
			return 0;
		memcpy(key, cp.p, cp.n);
		memcpy(key + cp.n, ref.p, ref.n);
		if ((ret = buf_puts(out, DL_CANON "/414/")) < 0 ||
		    (ret = append_with_check(out, key, 12)) < 0)
			return ret;
		if (tail.n == 1 && tail.p[0] == '0')
			return 1;
		if ((ret = buf_puts(out, "/254/")) < 0 ||
		    (ret = append_encoded(out, tail)) < 0)
			return ret;
		return 1;
	}
	return 0;
}

/* The first pat (n bytes, starting with '/') in s, or NULL: from slash
 * to slash, quicker than memmem on these short URIs. */
static const char *
span_find_slashed(struct span s, const char *pat, size_t n)
{
	const char *end = s.p + s.n, *at = s.p;

	while ((at = memchr(at, '/', (size_t)(end - at))) != NULL) {
		if ((size_t)(end - at) < n)
			return NULL;
		if (at[1] == pat[1] && memcmp(at, pat, n) == 0)
			return at;
		at++;
	}
	return NULL;
}

/* Finds the first "/AI/" or "/NAME/" in s; returns the offset after it
 * or 0. */
static size_t
dl_find_key(struct span s, const char *ai, const char *name)
{
	const char *pat[2] = { ai, name };
	size_t best = 0;

	for (int k = 0; k < 2; k++) {
		size_t n = strlen(pat[k]);
		const char *at = span_find_slashed(s, pat[k], n);

		if (at != NULL && (best == 0 || (size_t)(at - s.p) + n < best))
			best = (size_t)(at - s.p) + n;
	}
	return best;
}

/* Reads "/Q/VALUE" pairs after a primary key: qualifiers 10 (lot),
 * 21 (serial), 22 (CPV, dropped), 235 (TPX), 254 (GLN extension), by AI
 * or short name. Returns false on anything else. */
static bool
dl_qualifiers(struct span s, struct span q[5])
{
	static const char *const names[5][2] = {
		{ "10", "lot" }, { "21", "ser" }, { "22", "cpv" },
		{ "235", NULL }, { "254", NULL },
	};

	memset(q, 0, 5 * sizeof(*q));
	while (s.n > 0) {
		const char *slash;
		struct span k, v;
		int which = -1;

		if (s.n == 1 && s.p[0] == '/')
			break;
		if (s.p[0] != '/' ||
		    (slash = memchr(s.p + 1, '/', s.n - 1)) == NULL)
			return false;
		k = (struct span){ s.p + 1, (size_t)(slash - s.p - 1) };
		v.p = slash + 1;
		v.n = s.n - (size_t)(v.p - s.p);
		if ((slash = memchr(v.p, '/', v.n)) != NULL)
			v.n = (size_t)(slash - v.p);
		for (int i = 0; i < 5; i++)
			for (int j = 0; j < 2; j++)
				if (names[i][j] != NULL &&
				    strlen(names[i][j]) == k.n &&
				    memcmp(names[i][j], k.p, k.n) == 0)
					which = i;
		if (which < 0 || q[which].p != NULL)
			return false;
		q[which] = v;
		s.n -= (size_t)(v.p + v.n - s.p);
		s.p = v.p + v.n;
	}
	return true;
}

/* Converts a GS1 Digital Link URI with key 00, 01 or 414 to its
 * constrained canonical form (id.gs1.org, no query, the finest key
 * qualifier only). Returns 1 if it did, 0 if s is not such a URI (the
 * reference then leaves it as it is), or -ENOMEM. */
static int
canon_dl(struct span s, struct buf *out)
{
	struct span q[5], key, rest;
	const char *end;
	size_t at, d;
	char gtin[GTIN_LEN];
	int ret;

	if (!span_starts(s, "http://") && !span_starts(s, "https://"))
		return 0;
	if ((end = memchr(s.p, '?', s.n)) != NULL)
		s.n = (size_t)(end - s.p);
	if ((end = memchr(s.p, '#', s.n)) != NULL)
		s.n = (size_t)(end - s.p);
	if ((at = dl_find_key(s, "/00/", "/sscc/")) > 0) {
		key = (struct span){ s.p + at, s.n - at };
		if (span_digits(key) != 18 || key.n != 18)
			return 0;
		if ((ret = buf_puts(out, DL_CANON "/00/")) < 0 ||
		    (ret = buf_append(out, key.p, 18)) < 0)
			return ret;
		return 1;
	}
	if ((at = dl_find_key(s, "/01/", "/gtin/")) > 0) {
		key = (struct span){ s.p + at, s.n - at };
		d = span_digits(key);
		if (d != 8 && d != 12 && d != 13 && d != 14)
			return 0;
		rest = (struct span){ key.p + d, key.n - d };
		if (!dl_qualifiers(rest, q) || q[4].p != NULL)
			return 0;
		memset(gtin, '0', GTIN_LEN - d);
		memcpy(gtin + GTIN_LEN - d, key.p, d);
		if ((ret = buf_puts(out, DL_CANON "/01/")) < 0 ||
		    (ret = buf_append(out, gtin, GTIN_LEN)) < 0)
			return ret;
		if (q[1].p != NULL && dl_value_ok(q[1], 20))
			ret = buf_puts(out, "/21/") ||
			    buf_append(out, q[1].p, q[1].n);
		else if (q[3].p != NULL && dl_value_ok(q[3], 28))
			ret = buf_puts(out, "/235/") ||
			    buf_append(out, q[3].p, q[3].n);
		else if (q[0].p != NULL && dl_value_ok(q[0], 20))
			ret = buf_puts(out, "/10/") ||
			    buf_append(out, q[0].p, q[0].n);
		else if (q[0].p != NULL || q[1].p != NULL || q[3].p != NULL)
			return 0;
		return ret ? -ENOMEM : 1;
	}
	if ((at = dl_find_key(s, "/414/", "/gln/")) > 0) {
		key = (struct span){ s.p + at, s.n - at };
		if (span_digits(key) != 13)
			return 0;
		rest = (struct span){ key.p + 13, key.n - 13 };
		if (!dl_qualifiers(rest, q) || q[0].p || q[1].p || q[2].p ||
		    q[3].p || (q[4].p != NULL && !dl_value_ok(q[4], 20)))
			return 0;
		if ((ret = buf_puts(out, DL_CANON "/414/")) < 0 ||
		    (ret = buf_append(out, key.p, 13)) < 0)
			return ret;
		if (q[4].p != NULL && ((ret = buf_puts(out, "/254/")) < 0 ||
		    (ret = buf_append(out, q[4].p, q[4].n)) < 0))
			return ret;
		return 1;
	}
	return 0;
}

/* Appends a number the way the reference does (Python's float, then int
 * when integral, then str): "2.50" is "2.5", "4711.0" is "4711". Returns
 * 1 if s was a decimal number, 0 if not, or -ENOMEM. */
static int
canon_number(struct span s, struct buf *out)
{
	char text[64], num[40];
	size_t i = 0, digits = 0;
	double x;

	if (s.n == 0 || s.n >= sizeof(text) ||
	    strchr("+-.0123456789", s.p[0]) == NULL)
		return 0;
	/* Digits alone, exact in a double: the integer without leading
	 * zeros, as Python's int(float()) writes it. */
	if (s.n <= 15 && span_digits(s) == s.n) {
		while (s.n > 1 && s.p[0] == '0')
			s.p++, s.n--;
		return buf_append(out, s.p, s.n) < 0 ? -ENOMEM : 1;
	}
	if (s.p[i] == '+' || s.p[i] == '-')
		i++;
	while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9')
		i++, digits++;
	if (i < s.n && s.p[i] == '.')
		for (i++; i < s.n && s.p[i] >= '0' && s.p[i] <= '9'; i++)
			digits++;
	if (digits == 0)
		return 0;
	if (i < s.n && (s.p[i] == 'e' || s.p[i] == 'E')) {
		size_t e = 0;

		if (++i < s.n && (s.p[i] == '+' || s.p[i] == '-'))
			i++;
		for (; i < s.n && s.p[i] >= '0' && s.p[i] <= '9'; i++)
			e++;
		if (e == 0)
			return 0;
	}
	if (i != s.n)
		return 0;
	memcpy(text, s.p, s.n);
	text[s.n] = '\0';
	x = strtod(text, NULL);
	if (!isfinite(x))
		return 0;
	if (x == floor(x))
		snprintf(num, sizeof(num), "%.0f", x == 0 ? 0.0 : x);
	else
		for (int prec = 1; prec <= 17; prec++) {
			snprintf(num, sizeof(num), "%.*g", prec, x);
			if (strtod(num, NULL) == x)
				break;
		}
	return buf_puts(out, num) < 0 ? -ENOMEM : 1;
}

/* Appends the canonical form of s (see epcis_hash_canon_value). */
static int
canon_span(struct span s, struct buf *out)
{
	size_t mark;
	int ret;

	while (s.n > 0 && span_blank(s.p[0]))
		s.p++, s.n--;
	while (s.n > 0 && span_blank(s.p[s.n - 1]))
		s.n--;
	for (size_t i = 0; i < sizeof(cbv_urns) / sizeof(cbv_urns[0]); i++)
		if (span_starts(s, cbv_urns[i].urn)) {
			size_t n = strlen(cbv_urns[i].urn);

			if ((ret = buf_puts(out, cbv_urns[i].web)) < 0)
				return ret;
			return buf_append(out, s.p + n, s.n - n);
		}
	/* A converter that gives up part way leaves its output behind. */
	mark = out->len;
	if ((ret = canon_number(s, out)) != 0 ||
	    (ret = canon_epc_urn(s, out)) != 0 ||
	    (out->len = mark, ret = canon_dl(s, out)) != 0)
		return ret < 0 ? ret : 0;
	out->len = mark;
	return buf_append(out, s.p, s.n);
}

/* Appends the canonical form of one value. */
int
epcis_hash_canon_value(const char *value, struct buf *out)
{
	return canon_span((struct span){ value, strlen(value) }, out);
}

/* Appends "key=canonical value", or nothing when value is absent or its
 * canonical form is empty. */
static int
put_field(struct buf *out, const char *key, const char *value)
{
	size_t mark = out->len;
	int ret;

	if (value == NULL)
		return 0;
	if ((ret = buf_puts(out, key)) < 0 || (ret = buf_puts(out, "=")) < 0)
		return ret;
	size_t start = out->len;
	if ((ret = canon_span((struct span){ value, strlen(value) }, out)) < 0)
		return ret;
	if (out->len == start)
		out->len = mark;
	return 0;
}

/* Appends a CBV field: a bare word is expanded to its web URI. */
static int
put_vocab(struct buf *out, const char *key, const char *prefix,
    const char *value)
{
	char uri[160];

	if (value != NULL && strchr(value, ':') == NULL && *value != '\0' &&
	    strlen(value) < sizeof(uri) - 40) {
		snprintf(uri, sizeof(uri), CBV_WEB "%s%s", prefix, value);
		return put_field(out, key, uri);
	}
	return put_field(out, key, value);
}

/* Compares two pieces of text by bytes (UTF-8 order is code point order,
 * as the reference sorts). */
static int
piece_cmp(const void *a, const void *b, void *arg)
{
	const size_t *x = a, *y = b;
	const char *base = arg;
	size_t nx = x[1] - x[0], ny = y[1] - y[0];
	int c = memcmp(base + x[0], base + y[0], nx < ny ? nx : ny);

	return c != 0 ? c : (nx > ny) - (nx < ny);
}

/* Sorts the n pieces [offs[i][0], offs[i][1]) that out holds, one after
 * the other up to its end, in place. */
static int
sort_pieces(struct buf *out, size_t (*offs)[2], size_t n)
{
	size_t from = offs[0][0], len = out->len - from, at = from;
	char stack[2048], *copy = stack;

	if (n < 2)
		return 0;
	if (len > sizeof(stack) && (copy = malloc(len)) == NULL)
		return -ENOMEM;
	memcpy(copy, out->data + from, len);
	for (size_t i = 0; i < n; i++) {
		offs[i][0] -= from;
		offs[i][1] -= from;
	}
	qsort_r(offs, n, sizeof(*offs), piece_cmp, copy);
	for (size_t i = 0; i < n; i++) {
		memcpy(out->data + at, copy + offs[i][0], offs[i][1] - offs[i][0]);
		at += offs[i][1] - offs[i][0];
	}
	if (copy != stack)
		free(copy);
	return 0;
}

/* Offsets of up to this many pieces live on the stack. */
#define PIECES_ON_STACK 16

static int put_ext_list(struct buf *out, const struct epcis_ext *ext,
    size_t n);

/* Appends one extension element: "{ns}name", "=value" and its children
 * sorted. */
static int
put_ext(struct buf *out, const struct epcis_ext *e)
{
	int ret;

	if ((ret = buf_puts(out, "{")) < 0 || (ret = buf_puts(out, e->ns)) < 0 ||
	    (ret = buf_puts(out, "}")) < 0 || (ret = buf_puts(out, e->name)) < 0)
		return ret;
	if (e->value != NULL) {
		size_t mark = out->len;

		if ((ret = buf_puts(out, "=")) < 0)
			return ret;
		if ((ret = epcis_hash_canon_value(e->value, out)) < 0)
			return ret;
		if (out->len == mark + 1)
			out->len = mark;
	}
	return put_ext_list(out, e->children, e->n_children);
}

/* Appends extension elements, each as put_ext writes it, sorted. */
static int
put_ext_list(struct buf *out, const struct epcis_ext *ext, size_t n)
{
	size_t stack[PIECES_ON_STACK][2], (*offs)[2] = stack;
	int ret = 0;

	if (n == 0)
		return 0;
	if (n > PIECES_ON_STACK && (offs = calloc(n, sizeof(*offs))) == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < n && ret == 0; i++) {
		offs[i][0] = out->len;
		ret = put_ext(out, &ext[i]);
		offs[i][1] = out->len;
	}
	if (ret == 0)
		ret = sort_pieces(out, offs, n);
	if (offs != stack)
		free(offs);
	return ret;
}

/* Appends "epcList" and its sorted "epc=" pieces (nothing without any). */
static int
put_epcs(struct buf *out, const struct epcis_hash_event *ev)
{
	size_t stack[PIECES_ON_STACK][2], (*offs)[2] = stack, n = 0;
	size_t mark = out->len;
	int ret;

	if (ev->n_epcs == 0)
		return 0;
	if (ev->n_epcs > PIECES_ON_STACK &&
	    (offs = calloc(ev->n_epcs, sizeof(*offs))) == NULL)
		return -ENOMEM;
	ret = buf_puts(out, "epcList");
	for (size_t i = 0; i < ev->n_epcs && ret == 0; i++) {
		offs[n][0] = out->len;
		ret = put_field(out, "epc", ev->epcs[i]);
		offs[n][1] = out->len;
		if (offs[n][1] > offs[n][0])
			n++;
	}
	if (ret == 0 && n == 0)
		out->len = mark;
	else if (ret == 0)
		ret = sort_pieces(out, offs, n);
	if (offs != stack)
		free(offs);
	return ret;
}

/* Appends "name" + "id=" piece of readPoint or bizLocation. */
static int
put_location(struct buf *out, const char *name, const char *id)
{
	size_t mark = out->len, start;
	int ret;

	if (id == NULL)
		return 0;
	if ((ret = buf_puts(out, name)) < 0)
		return ret;
	start = out->len;
	if ((ret = put_field(out, "id", id)) < 0)
		return ret;
	if (out->len == start)
		out->len = mark;
	return 0;
}

/* Formats Unix microseconds as UTC with milliseconds, the 4th decimal
 * rounding the 3rd half up. */
static void
format_time_ms(int64_t us, char out[64])
{
	int64_t ms = us >= 0 ? (us + 500) / 1000 : -((-us + 499) / 1000);
	int64_t sec = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
	time_t t = (time_t)sec;
	struct tm tm;

	/* Years 1970 to 9999 as the exports write times (no printf). */
	if (sec >= 0 && sec < INT64_C(253402300800)) {
		output_format_time(ms * 1000, out);
		out[23] = 'Z';
		out[24] = '\0';
		return;
	}
	gmtime_r(&t, &tm);
	snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ms - sec * 1000));
}

/* Appends the pre-hash string. */
int
epcis_prehash(const struct epcis_hash_event *ev, struct buf *out)
{
	char when[64];
	int ret;

	format_time_ms(ev->time_us, when);
	if ((ret = buf_puts(out, "eventType=")) < 0 ||
	    (ret = buf_puts(out, ev->type)) < 0 ||
	    (ret = buf_puts(out, "eventTime=")) < 0 ||
	    (ret = buf_puts(out, when)) < 0 ||
	    (ret = put_field(out, "eventTimeZoneOffset", ev->tz_offset)) < 0 ||
	    (ret = put_epcs(out, ev)) < 0 ||
	    (ret = put_field(out, "action", ev->action)) < 0 ||
	    (ret = put_vocab(out, "bizStep", "BizStep-", ev->biz_step)) < 0 ||
	    (ret = put_vocab(out, "disposition", "Disp-",
	    ev->disposition)) < 0 ||
	    (ret = put_location(out, "readPoint", ev->read_point)) < 0 ||
	    (ret = put_location(out, "bizLocation", ev->biz_location)) < 0)
		return ret;
	return put_ext_list(out, ev->ext, ev->n_ext);
}

/* SHA-256 as libcrypto implements it, fetched once (an implicit fetch on
 * every digest costs a lookup under a lock). */
static EVP_MD *epcis_sha256;
static pthread_once_t epcis_sha256_once = PTHREAD_ONCE_INIT;

/* Fetches epcis_sha256. */
static void
epcis_sha256_fetch(void)
{
	epcis_sha256 = EVP_MD_fetch(NULL, "SHA2-256", NULL);
}

/*
 * Hashes the pre-hash string with SHA-256 into an ni URI. libcrypto's
 * SHA-256, not libsodium's: it uses the CPU's SHA extensions (SHA-NI,
 * ARMv8 SHA2) where there are, libsodium's portable code never does, and
 * the digest was a third of an EPCIS export's time.
 */
int
epcis_event_hash(const struct epcis_hash_event *ev, struct buf *scratch,
    char out[EPCIS_HASH_LEN])
{
	int ret;

	buf_reset(scratch);
	if ((ret = epcis_prehash(ev, scratch)) < 0)
		return ret;
	return epcis_hash_text(NULL, scratch->data, scratch->len, out);
}

/* A SHA-256 context kept between hashes (a one-shot digest allocates and
 * frees one each time). */
struct epcis_sha {
	EVP_MD_CTX *ctx;
};

/* Frees a kept context. */
void
epcis_sha_free(struct epcis_sha *sha)
{
	if (sha == NULL)
		return;
	EVP_MD_CTX_free(sha->ctx);
	free(sha);
}

/* Hashes a pre-hash string into an ni URI (lowercase hex: the digest is
 * no secret, no need for a constant-time encoder). */
int
epcis_hash_text(struct epcis_sha **keep, const void *pre, size_t len,
    char out[EPCIS_HASH_LEN])
{
	static const char head[] = "ni:///sha-256;", tail[] = "?ver=CBV2.0";
	static const char hex[] = "0123456789abcdef";
	static_assert(sizeof(head) - 1 + 64 + sizeof(tail) == EPCIS_HASH_LEN,
	    "an event id is always EPCIS_HASH_LEN - 1 characters");
	uint8_t digest[32];
	char *o = out + sizeof(head) - 1;
	struct epcis_sha *sha = keep != NULL ? *keep : NULL;
	int ok;

	pthread_once(&epcis_sha256_once, epcis_sha256_fetch);
	if (epcis_sha256 == NULL)
		return -ENOMEM;
	if (keep != NULL && sha == NULL) {
		if ((sha = calloc(1, sizeof(*sha))) == NULL ||
		    (sha->ctx = EVP_MD_CTX_new()) == NULL) {
			free(sha);
			return -ENOMEM;
		}
		*keep = sha;
	}
	if (sha != NULL)
		ok = EVP_DigestInit_ex2(sha->ctx, epcis_sha256, NULL) &&
		    EVP_DigestUpdate(sha->ctx, pre, len) &&
		    EVP_DigestFinal_ex(sha->ctx, digest, NULL);
	else
		ok = EVP_Digest(pre, len, digest, NULL, epcis_sha256, NULL);
	if (!ok)
		return -ENOMEM;
	memcpy(out, head, sizeof(head) - 1);
	for (size_t i = 0; i < sizeof(digest); i++) {
		*o++ = hex[digest[i] >> 4];
		*o++ = hex[digest[i] & 15];
	}
	memcpy(o, tail, sizeof(tail));
	return 0;
}

/* One "key=value" piece as epcis_prehash writes it. */
int
epcis_prehash_field(struct buf *out, const char *key, const char *prefix,
    const char *value)
{
	return prefix != NULL ? put_vocab(out, key, prefix, value) :
	    put_field(out, key, value);
}

/* One extension element as epcis_prehash writes it. */
int
epcis_prehash_ext(struct buf *out, const struct epcis_ext *e)
{
	return put_ext(out, e);
}
