/*
 * lang.c — the language of a page: ?lang= first, then the Accept-Language
 * header by q-value (RFC 9110, section 12.5.4), else Chinese.
 */
#include "scanner/pages.h"

#include <stdbool.h>
#include <string.h>
#include <strings.h>

/* "zh-CN" or "en". */
const char *
page_lang_tag(enum page_lang lang)
{
	return lang == PAGE_LANG_EN ? "en" : "zh-CN";
}

/* Parses a q-value ("1", "0.8", "0.125") into thousandths; -1 when
 * malformed. */
static int
lang_qvalue(const char *s, size_t len)
{
	int q, scale = 100;
	size_t i;

	if (len == 0 || (s[0] != '0' && s[0] != '1'))
		return -1;
	q = (s[0] - '0') * 1000;
	if (len == 1)
		return q;
	if (s[1] != '.' || len > 5)
		return -1;
	for (i = 2; i < len; i++, scale /= 10) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		q += (s[i] - '0') * scale;
	}
	return q > 1000 ? -1 : q;
}

/* True when range (a language range) names lang or one of its subtags. */
static bool
lang_range_is(const char *r, size_t len, const char *lang)
{
	size_t n = strlen(lang);

	return len >= n && strncasecmp(r, lang, n) == 0 &&
	    (len == n || r[n] == '-' || r[n] == '_');
}

/* The best of two (q, position) candidates: higher q, then earlier. */
struct lang_pick {
	int q; /* thousandths; -1 when not named */
	unsigned pos;
};

/* Keeps the better candidate in *best. */
static void
lang_better(struct lang_pick *best, int q, unsigned pos)
{
	if (q > best->q || (q == best->q && pos < best->pos)) {
		best->q = q;
		best->pos = pos;
	}
}

/* Picks the page language. */
enum page_lang
page_lang_pick(struct http_slice accept_language, struct http_slice query)
{
	struct lang_pick zh = { -1, 0 }, en = { -1, 0 }, star = { -1, 0 };
	struct http_slice v;
	const char *s = accept_language.p;
	size_t len = s != NULL ? accept_language.len : 0, i = 0;
	unsigned pos = 0;

	if (query.p != NULL && http_query_get(query, "lang", &v)) {
		if (v.len == 2 && memcmp(v.p, "zh", 2) == 0)
			return PAGE_LANG_ZH;
		if (v.len == 2 && memcmp(v.p, "en", 2) == 0)
			return PAGE_LANG_EN;
	}
	while (i < len) {
		size_t rs, re, end;
		int q = 1000;

		/* One element: range *(OWS ";" OWS param) up to ','. */
		for (end = i; end < len && s[end] != ','; end++)
			;
		while (i < end && (s[i] == ' ' || s[i] == '\t'))
			i++;
		rs = i;
		while (i < end && s[i] != ';' && s[i] != ' ' && s[i] != '\t')
			i++;
		re = i;
		while (i < end && q >= 0) {
			size_t ps, pe;

			while (i < end &&
			    (s[i] == ' ' || s[i] == '\t' || s[i] == ';'))
				i++;
			ps = i;
			while (i < end && s[i] != ';')
				i++;
			pe = i;
			while (
			    pe > ps && (s[pe - 1] == ' ' || s[pe - 1] == '\t'))
				pe--;
			if (pe - ps >= 2 && (s[ps] == 'q' || s[ps] == 'Q') &&
			    s[ps + 1] == '=')
				q = lang_qvalue(s + ps + 2, pe - ps - 2);
		}
		if (q >= 0 && re > rs) {
			if (lang_range_is(s + rs, re - rs, "zh"))
				lang_better(&zh, q, pos);
			else if (lang_range_is(s + rs, re - rs, "en"))
				lang_better(&en, q, pos);
			else if (re - rs == 1 && s[rs] == '*')
				lang_better(&star, q, pos);
		}
		pos++;
		i = end + 1;
	}
	/* "*" stands for every language not named. */
	if (zh.q < 0)
		zh = star;
	if (en.q < 0)
		en = star;
	if (en.q > 0 && (en.q > zh.q || (en.q == zh.q && en.pos < zh.pos)))
		return PAGE_LANG_EN;
	return PAGE_LANG_ZH;
}
