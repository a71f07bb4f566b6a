/* output.c — rows of fields as CSV or JSON Lines, formatted by hand. */
#include "analytics/output.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* What a byte needs inside a string: 0 nothing, 1 escaping (JSON: a
 * control character, '"' or '\\'; CSV: a quote, doubled), 2 UTF-8
 * checking. Constants, so that the text writers need no set-up. */
static const uint8_t output_json_class[256] = {
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};
static const uint8_t output_csv_class[256] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

/* Starts a writer. */
int
output_init(struct output *o, enum output_format format,
    const char *const *names, size_t n, output_sink_fn sink, void *arg)
{
	memset(o, 0, sizeof(*o));
	o->format = format;
	o->names = names;
	o->nfields = n;
	o->sink = sink;
	o->sink_arg = arg;
	o->time_sec = INT64_MIN;
	o->cap = OUTPUT_BLOCK * 2;
	if ((o->buf = malloc(o->cap)) == NULL ||
	    (o->prefix = calloc(n, sizeof(*o->prefix))) == NULL ||
	    (o->prefix_len = calloc(n, sizeof(*o->prefix_len))) == NULL)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]) + 5;

		if ((o->prefix[i] = malloc(len)) == NULL)
			goto fail;
		if (format == OUTPUT_CSV)
			strcpy(o->prefix[i], i == 0 ? "" : ",");
		else {
			o->prefix[i][0] = i == 0 ? '{' : ',';
			o->prefix[i][1] = '"';
			strcpy(o->prefix[i] + 2, names[i]);
			strcat(o->prefix[i], "\":");
		}
		o->prefix_len[i] = strlen(o->prefix[i]);
	}
	return 0;
fail:
	output_deinit(o);
	return -ENOMEM;
}

/* Frees the writer. */
void
output_deinit(struct output *o)
{
	if (o->prefix != NULL)
		for (size_t i = 0; i < o->nfields; i++)
			free(o->prefix[i]);
	free(o->prefix);
	free(o->prefix_len);
	free(o->buf);
	o->prefix = NULL;
	o->prefix_len = NULL;
	o->buf = NULL;
}

/* Makes room for n more bytes; false (error set) if impossible. */
static bool
output_room(struct output *o, size_t n)
{
	uint8_t *nb;
	size_t cap;

	if (o->err != 0)
		return false;
	if (o->len + n <= o->cap)
		return true;
	cap = o->cap;
	while (cap < o->len + n)
		cap *= 2;
	if ((nb = realloc(o->buf, cap)) == NULL) {
		o->err = -ENOMEM;
		return false;
	}
	o->buf = nb;
	o->cap = cap;
	return true;
}

/* Appends bytes known to fit. */
static inline void
output_put(struct output *o, const void *p, size_t n)
{
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

/* Starts the next field: its separator or key. Returns false after an
 * error or past the last field (a bug: assert in debug builds). */
static bool
output_field(struct output *o, size_t room)
{
	size_t n;

	if (o->col >= o->nfields) {
		o->err = o->err ? o->err : -EINVAL;
		return false;
	}
	n = o->prefix_len[o->col];
	if (!output_room(o, n + room))
		return false;
	output_put(o, o->prefix[o->col++], n);
	return true;
}

/* Length of the valid UTF-8 sequence at p (1 to 4), 0 if invalid. */
static size_t
output_utf8(const uint8_t *p, const uint8_t *end)
{
	uint8_t c = p[0];
	size_t need;
	uint8_t lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c < 0xc2 || c > 0xf4)
		return 0;
	if (c < 0xe0)
		need = 1;
	else if (c < 0xf0) {
		need = 2;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else {
		need = 3;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	}
	if ((size_t)(end - p) <= need || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i <= need; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return need + 1;
}

/*
 * Word-at-a-time scanning: 8 bytes at once, a whole word of plain bytes
 * skipped with a few operations instead of 8 table lookups. OUTPUT_ANY(v)
 * is nonzero if a byte of v is zero (exact, as a test: a false flag only
 * ever sits above a true one); OUTPUT_BELOW(v, n) is nonzero if a byte
 * below 0x80 is below n.
 */
#define OUTPUT_ONES UINT64_C(0x0101010101010101)
#define OUTPUT_HIGHS UINT64_C(0x8080808080808080)
#define OUTPUT_ANY(v) (((v) - OUTPUT_ONES) & ~(v) & OUTPUT_HIGHS)
#define OUTPUT_BYTE(v, c) OUTPUT_ANY((v) ^ (OUTPUT_ONES * (uint8_t)(c)))
#define OUTPUT_BELOW(v, n) (((v) - OUTPUT_ONES * (n)) & ~(v) & OUTPUT_HIGHS)

/* The 8 bytes at p. */
static inline uint64_t
output_word(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Nonzero if a word holds a byte that JSON escapes or that needs UTF-8
 * checking. */
static inline uint64_t
output_json_word(uint64_t v)
{
	return (v & OUTPUT_HIGHS) | OUTPUT_BELOW(v, 0x20) |
	    OUTPUT_BYTE(v, '"') | OUTPUT_BYTE(v, '\\');
}

/* Nonzero if a word holds a byte that makes CSV quote its field. */
static inline uint64_t
output_csv_quote_word(uint64_t v)
{
	return OUTPUT_BYTE(v, ',') | OUTPUT_BYTE(v, '"') |
	    OUTPUT_BYTE(v, '\r') | OUTPUT_BYTE(v, '\n');
}

/* Nonzero if a word holds a byte that CSV doubles (a quote) or that needs
 * UTF-8 checking. */
static inline uint64_t
output_csv_word(uint64_t v)
{
	return (v & OUTPUT_HIGHS) | OUTPUT_BYTE(v, '"');
}

#if defined(__SSE2__)
/* The byte mask of a 16-byte block: which bytes JSON escapes or need
 * UTF-8 checking (json), or which CSV doubles or checks; in CSV, *q gets
 * those that make it quote its field. */
static inline unsigned
output_block16(const uint8_t *p, bool json, unsigned *q)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));

	if (json) {
		/* Signed: bytes from 0x80 count as below 0x20 too (they
		 * need checking anyway). */
		__m128i low = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
		__m128i bs = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));

		return (unsigned)_mm_movemask_epi8(_mm_or_si128(low,
		    _mm_or_si128(quote, bs)));
	}
	*q |= (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote,
	    _mm_cmpeq_epi8(v, _mm_set1_epi8(','))),
	    _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')),
	    _mm_cmpeq_epi8(v, _mm_set1_epi8('\n')))));
	return (unsigned)_mm_movemask_epi8(_mm_or_si128(v, quote));
}

/* output_plain for 16 bytes or more: 16 at a time, the last block
 * overlapping the one before. */
static inline bool
output_plain16(const uint8_t *p, size_t len, bool json, bool *quote)
{
	unsigned stop = 0, q = 0;
	size_t i;

	for (i = 0; i + 16 <= len; i += 16)
		stop |= output_block16(p + i, json, &q);
	if (i < len)
		stop |= output_block16(p + len - 16, json, &q);
	*quote = q != 0;
	return stop == 0;
}
#endif

/* Whether a text holds bytes that need more than copying (JSON: escapes
 * or UTF-8 checking; CSV: doubled quotes or UTF-8 checking), and in CSV
 * (*quote) whether its field needs quotes; whole words at a time (the
 * last one overlapping the one before). */
static inline bool
output_plain(const uint8_t *p, size_t len, bool json, bool *quote)
{
	uint64_t stop = 0, q = 0, v;
	size_t i;

#if defined(__SSE2__)
	if (len >= 16)
		return output_plain16(p, len, json, quote);
#endif
	if (len < 8) {
		/* Byte by byte: a short text copied into a word would make the
		 * load wait for the bytes stored. */
		for (i = 0; i < len; i++) {
			stop |= json ? output_json_class[p[i]] :
			    output_csv_class[p[i]];
			q |= p[i] == ',' || p[i] == '"' || p[i] == '\r' ||
			    p[i] == '\n';
		}
		*quote = q != 0;
		return stop == 0;
	}
	for (i = 0; i + 8 <= len; i += 8) {
		v = output_word(p + i);
		if (json)
			stop |= output_json_word(v);
		else {
			stop |= output_csv_word(v);
			q |= output_csv_quote_word(v);
		}
	}
	if (i < len) {
		v = output_word(p + len - 8);
		if (json)
			stop |= output_json_word(v);
		else {
			stop |= output_csv_word(v);
			q |= output_csv_quote_word(v);
		}
	}
	*quote = q != 0;
	return stop == 0;
}

/* True if JSON takes a text as it is: no byte to escape, none above
 * 0x7f. */
bool
output_json_plain(const char *s, size_t len)
{
	bool quote;

	return output_plain((const uint8_t *)s, len, true, &quote);
}

/* The first byte from p on (before end) whose class is not 0. */
static inline const uint8_t *
output_plain_run(const uint8_t *p, const uint8_t *end, const uint8_t *cls,
    bool json)
{
	while (end - p >= 8 && (json ? output_json_word(output_word(p)) :
	    output_csv_word(output_word(p))) == 0)
		p += 8;
	while (p < end && cls[*p] == 0)
		p++;
	return p;
}

/* Copies text to d, keeping valid UTF-8 and writing U+FFFD for other
 * bytes; json says what class-1 bytes become (escapes, or themselves
 * with a quote doubled). Returns the end of what it wrote. */
static uint8_t *
output_text(uint8_t *d, const uint8_t *p, size_t len, const uint8_t *cls,
    bool json)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *end = p + len;

	while (p < end) {
		const uint8_t *run = p;
		size_t n;

		p = output_plain_run(p, end, cls, json);
		memcpy(d, run, (size_t)(p - run));
		d += p - run;
		if (p == end)
			break;
		if (cls[*p] == 2) {
			if ((n = output_utf8(p, end)) == 0) {
				memcpy(d, "\xef\xbf\xbd", 3);
				d += 3;
				p++;
			} else {
				memcpy(d, p, n);
				d += n;
				p += n;
			}
			continue;
		}
		if (!json) {
			if (*p == '"')
				*d++ = '"';
			*d++ = *p++;
			continue;
		}
		*d++ = '\\';
		switch (*p) {
		case '"': *d++ = '"'; break;
		case '\\': *d++ = '\\'; break;
		case '\n': *d++ = 'n'; break;
		case '\r': *d++ = 'r'; break;
		case '\t': *d++ = 't'; break;
		default:
			memcpy(d, "u00", 3);
			d[3] = (uint8_t)hex[*p >> 4];
			d[4] = (uint8_t)hex[*p & 15];
			d += 5;
		}
		p++;
	}
	return d;
}

/* Writes a string field's value as it appears in a row. */
uint8_t *
output_text_put(enum output_format f, uint8_t *d, const char *s, size_t len)
{
	const uint8_t *p = (const uint8_t *)s;
	bool json = f == OUTPUT_JSONL, quote, plain;

	/* Most fields are plain (copied whole); in CSV, the quotes are there
	 * if the field holds a comma, quote, CR or LF. */
	plain = output_plain(p, len, json, &quote);
	quote = quote || json;
	if (quote)
		*d++ = '"';
	if (plain) {
		memcpy(d, p, len);
		d += len;
	} else
		d = output_text(d, p, len, json ? output_json_class :
		    output_csv_class, json);
	if (quote)
		*d++ = '"';
	return d;
}

/* A string field of len bytes. */
void
output_strn(struct output *o, const char *s, size_t len)
{
	if (output_field(o, 6 * len + 2))
		o->len = (size_t)(output_text_put(o->format, o->buf + o->len,
		    s, len) - o->buf);
}

/* Texts joined by sep: a JSON array of strings, or one CSV field as it
 * is (a text holding sep would split in JSON: the caller's to avoid). */
void
output_str_list(struct output *o, const char *joined, char sep)
{
	const char *p = joined, *end = joined + strlen(joined);

	if (o->format != OUTPUT_JSONL) {
		output_strn(o, joined, (size_t)(end - joined));
		return;
	}
	/* Escapes, and per part its quotes and a comma at most. */
	if (!output_field(o, 9 * (size_t)(end - joined) + 8))
		return;
	output_put(o, "[", 1);
	/* Every part, empty ones too ("a;" is two), but none of "". */
	while (*joined != '\0') {
		const char *q = memchr(p, sep, (size_t)(end - p));

		if (q == NULL)
			q = end;
		if (p != joined)
			output_put(o, ",", 1);
		o->len = (size_t)(output_text_put(OUTPUT_JSONL,
		    o->buf + o->len, p, (size_t)(q - p)) - o->buf);
		if (q == end)
			break;
		p = q + 1;
	}
	output_put(o, "]", 1);
}

/* A NUL-terminated string field, or absent for NULL. */
void
output_str(struct output *o, const char *s)
{
	if (s == NULL)
		output_null(o);
	else
		output_strn(o, s, strlen(s));
}

/* An absent value. */
void
output_null(struct output *o)
{
	if (output_field(o, 4) && o->format == OUTPUT_JSONL)
		output_put(o, "null", 4);
}

/* Writes v in decimal at d; returns the end. */
uint8_t *
output_u64_put(uint8_t *d, uint64_t v)
{
	uint8_t tmp[20];
	size_t n = 0;

	do {
		tmp[sizeof(tmp) - ++n] = (uint8_t)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	memcpy(d, tmp + sizeof(tmp) - n, n);
	return d + n;
}

/* Writes v in decimal at the end of the buffer (room made). */
static void
output_digits(struct output *o, uint64_t v)
{
	o->len = (size_t)(output_u64_put(o->buf + o->len, v) - o->buf);
}

/* An unsigned number. */
void
output_u64(struct output *o, uint64_t v)
{
	if (output_field(o, 20))
		output_digits(o, v);
}

/* A list of unsigned numbers: a JSON array, or in CSV one field with the
 * numbers separated by spaces. */
void
output_u64_list(struct output *o, const uint64_t *v, size_t n)
{
	bool json = o->format == OUTPUT_JSONL;

	if (!output_field(o, 2 + 21 * n))
		return;
	if (json)
		output_put(o, "[", 1);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			output_put(o, json ? "," : " ", 1);
		output_digits(o, v[i]);
	}
	if (json)
		output_put(o, "]", 1);
}

/* A signed number. */
void
output_i64(struct output *o, int64_t v)
{
	if (!output_field(o, 21))
		return;
	if (v < 0) {
		output_put(o, "-", 1);
		output_digits(o, (uint64_t)0 - (uint64_t)v);
	} else
		output_digits(o, (uint64_t)v);
}

/*
 * The shortest fixed-point decimal of a number that reads back as itself:
 * n / 10^p for the smallest p where that quotient, rounded as a reader
 * rounds it, is v again. n and 10^p are exact doubles (n < 2^53, p < 23),
 * so their quotient is correctly rounded, just as strtod rounds the text.
 * Coordinates, accuracies and the like take this path; anything else
 * (huge, tiny) falls back to %.17g. v is finite; at most 40 bytes.
 */
uint8_t *
output_double_put(uint8_t *d, double v, bool is_float)
{
	static const double pow10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6,
	    1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17 };
	static const uint64_t ipow10[] = { 1ULL, 10ULL, 100ULL, 1000ULL,
	    10000ULL, 100000ULL, 1000000ULL, 10000000ULL, 100000000ULL,
	    1000000000ULL, 10000000000ULL, 100000000000ULL, 1000000000000ULL,
	    10000000000000ULL, 100000000000000ULL, 1000000000000000ULL,
	    10000000000000000ULL, 100000000000000000ULL };
	double a = fabs(v);
	char text[48];
	int n;

	if (a == 0) {
		*d = '0';
		return d + 1;
	}
	for (size_t p = 0; a < 1e15 && p < sizeof(pow10) / sizeof(pow10[0]);
	    p++) {
		double s = a * pow10[p], back;
		uint64_t m, ip, fp;
		size_t fl;

		if (s >= 9007199254740992.0)
			break;
		m = (uint64_t)llround(s);
		back = (double)m / pow10[p];
		if (is_float ? (float)back != (float)a : back != a)
			continue;
		if (v < 0)
			*d++ = '-';
		ip = m / ipow10[p];
		fp = m % ipow10[p];
		d = output_u64_put(d, ip);
		if (p == 0)
			return d;
		*d++ = '.';
		for (fl = p; fl > 0; fl--, fp /= 10)
			d[fl - 1] = (uint8_t)('0' + fp % 10);
		for (fl = p; fl > 1 && d[fl - 1] == '0'; fl--)
			;
		return d + fl;
	}
	n = (int)output_format_g(v, is_float, text);
	memcpy(d, text, (size_t)n);
	return d + n;
}

/* A number with a fraction, absent if not finite. */
void
output_double(struct output *o, double v, bool is_float)
{
	if (!isfinite(v)) {
		output_null(o);
		return;
	}
	if (output_field(o, 40))
		o->len = (size_t)(output_double_put(o->buf + o->len, v,
		    is_float) - o->buf);
}

/* The civil date of a day count since 1970-01-01 (H. Hinnant's
 * days_from_civil inverse). */
static void
output_civil(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, yy;
	unsigned doe, yoe, doy, mp;

	days += 719468;
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = (unsigned)(days - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = yy + (*m <= 2);
}

/* Writes n as exactly width digits. */
static void
output_fixed(char *p, uint64_t n, int width)
{
	for (int i = width - 1; i >= 0; i--, n /= 10)
		p[i] = (char)('0' + n % 10);
}

/* "YYYY-MM-DDTHH:MM:SS" of a Unix second (years 0 to 9999). */
static void
output_second(int64_t sec, char out[20])
{
	int64_t days = sec >= 0 ? sec / 86400 : -((-sec + 86399) / 86400);
	int64_t rem = sec - days * 86400, y;
	unsigned m, d;

	output_civil(days, &y, &m, &d);
	if (y < 0)
		y = 0;
	else if (y > 9999)
		y = 9999;
	output_fixed(out, (uint64_t)y, 4);
	out[4] = '-';
	output_fixed(out + 5, m, 2);
	out[7] = '-';
	output_fixed(out + 8, d, 2);
	out[10] = 'T';
	output_fixed(out + 11, (uint64_t)(rem / 3600), 2);
	out[13] = ':';
	output_fixed(out + 14, (uint64_t)(rem / 60 % 60), 2);
	out[16] = ':';
	output_fixed(out + 17, (uint64_t)(rem % 60), 2);
	out[19] = '\0';
}

/* Formats a time as output_time writes it. */
void
output_format_time(int64_t us, char out[28])
{
	int64_t sec = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);

	output_second(sec, out);
	out[19] = '.';
	output_fixed(out + 20, (uint64_t)(us - sec * 1000000), 6);
	out[26] = 'Z';
	out[27] = '\0';
}

/* Writes a time as output_time does, without quotes (27 bytes); the
 * date and time of the last second are cached, since consecutive events
 * mostly share it. */
uint8_t *
output_time_put(struct output *o, int64_t us, uint8_t *d)
{
	int64_t sec = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);

	if (sec != o->time_sec) {
		output_second(sec, o->time_text);
		o->time_sec = sec;
	}
	memcpy(d, o->time_text, 19);
	d[19] = '.';
	output_fixed((char *)d + 20, (uint64_t)(us - sec * 1000000), 6);
	d[26] = 'Z';
	return d + 27;
}

/* A time field. */
void
output_time(struct output *o, int64_t us)
{
	bool json = o->format == OUTPUT_JSONL;
	uint8_t *d;

	if (!output_field(o, 30))
		return;
	d = o->buf + o->len;
	if (json)
		*d++ = '"';
	d = output_time_put(o, us, d);
	if (json)
		*d++ = '"';
	o->len = (size_t)(d - o->buf);
}

/* Ends a row. */
void
output_row_end(struct output *o)
{
	if (o->err != 0)
		return;
	if (o->col != o->nfields) {
		o->err = -EINVAL;
		return;
	}
	o->col = 0;
	o->rows++;
	if (!output_room(o, 2))
		return;
	if (o->format == OUTPUT_JSONL)
		output_put(o, "}\n", 2);
	else
		output_put(o, "\r\n", 2);
	if (o->len >= OUTPUT_BLOCK)
		output_flush(o);
}

/* Room for a row of at most n bytes written directly. */
uint8_t *
output_row_reserve(struct output *o, size_t n)
{
	if (o->col != 0) {
		o->err = o->err ? o->err : -EINVAL;
		return NULL;
	}
	return output_room(o, n) ? o->buf + o->len : NULL;
}

/* Ends a row written directly up to end. */
void
output_row_commit(struct output *o, uint8_t *end)
{
	o->len = (size_t)(end - o->buf);
	o->rows++;
	if (o->len >= OUTPUT_BLOCK)
		output_flush(o);
}

/* The header row. */
void
output_header(struct output *o)
{
	if (o->format != OUTPUT_CSV)
		return;
	for (size_t i = 0; i < o->nfields; i++)
		output_str(o, o->names[i]);
	output_row_end(o);
	o->rows--;
}

/* Bytes made elsewhere. */
void
output_raw(struct output *o, const void *data, size_t len)
{
	if (!output_room(o, len))
		return;
	output_put(o, data, len);
	if (o->len >= OUTPUT_BLOCK)
		output_flush(o);
}

/* Hands the buffer to the sink. */
int
output_flush(struct output *o)
{
	int ret;

	if (o->err != 0)
		return o->err;
	if (o->len == 0)
		return 0;
	if ((ret = o->sink(o->sink_arg, o->buf, o->len)) < 0) {
		o->err = ret;
		return ret;
	}
	o->bytes += o->len;
	o->len = 0;
	return 0;
}
