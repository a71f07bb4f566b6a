/* statement_verify.c — checking a settlement statement (JSON or CSV): its
 * signature, its period's seal, its lines' chain and its totals. */
#include "analytics/statement.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codegen/base32.h"
#include "rewards/campaign.h"

#define SV_JSON_SIG ",\n  \"signature\": \""
#define SV_CSV_SIG "signature,"
#define SV_SIG_HEX (2 * crypto_sign_BYTES)
#define SV_LINE_COLUMNS (SETTLE_FIELDS + 2)
#define SV_HEAD_FIELDS (SETTLE_PERIOD_FIELDS + 5)

/* The names of the head's fields in order: the statement, then the
 * period's fields and its seal. */
static const char *const sv_head_names[4] = {
	"scanloop_settlement", "statement", "subject", "name",
};

/* A statement's text, before it is checked. */
struct sv_doc {
	char *head[SV_HEAD_FIELDS];	/* sv_head_names, period, seal */
	char *(*totals)[4];		/* group, currency, count, amount */
	size_t ntotals, captotals;
	char *(*lines)[SV_LINE_COLUMNS];
	size_t nlines, caplines;
};

/* The name of head field i. */
static const char *
sv_head_name(size_t i)
{
	if (i < 4)
		return sv_head_names[i];
	return i < SV_HEAD_FIELDS - 1 ? settle_period_names[i - 4] : "seal";
}

/* Records why the check failed; returns -EBADMSG. */
static int __attribute__((format(printf, 2, 3)))
sv_fail(struct statement_check *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	return -EBADMSG;
}

/* Frees a document's text. */
static void
sv_doc_free(struct sv_doc *d)
{
	for (size_t i = 0; i < SV_HEAD_FIELDS; i++)
		free(d->head[i]);
	for (size_t i = 0; i < d->ntotals; i++)
		for (size_t k = 0; k < 4; k++)
			free(d->totals[i][k]);
	for (size_t i = 0; i < d->nlines; i++)
		for (size_t k = 0; k < SV_LINE_COLUMNS; k++)
			free(d->lines[i][k]);
	free(d->totals);
	free(d->lines);
	memset(d, 0, sizeof(*d));
}

/* Makes room in an array of n elements of size sz for one more, zeroed,
 * doubling its capacity *cap when full. Returns the array, NULL when out
 * of memory (a is then still valid). */
static void *
sv_grow(void *a, size_t n, size_t *cap, size_t sz)
{
	uint8_t *p = a;

	if (n == *cap) {
		if ((p = reallocarray(a, *cap == 0 ? 16 : *cap * 2, sz)) ==
		    NULL)
			return NULL;
		*cap = *cap == 0 ? 16 : *cap * 2;
	}
	memset(p + n * sz, 0, sz);
	return p;
}

/* ---- JSON ------------------------------------------------------------ */

/* A JSON string or integer as text (malloc'd), or NULL. */
static char *
sv_json_text(json_t *v)
{
	char num[32];

	if (json_is_string(v))
		return strdup(json_string_value(v));
	if (!json_is_integer(v))
		return NULL;
	snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
	    json_integer_value(v));
	return strdup(num);
}

/* Copies n members of object o named names into out; -EBADMSG if one is
 * missing or neither a string nor an integer. */
static int
sv_json_members(json_t *o, const char *const *names, size_t n, char **out)
{
	if (!json_is_object(o))
		return -EBADMSG;
	for (size_t i = 0; i < n; i++)
		if ((out[i] = sv_json_text(json_object_get(o, names[i]))) ==
		    NULL)
			return -EBADMSG;
	return 0;
}

/* Reads a JSON statement's text. */
static int
sv_json(const char *data, size_t len, struct sv_doc *d,
    struct statement_check *c)
{
	static const char *const tnames[] = { "group", "currency", "count",
	    "amount" };
	static const char *const seal[] = { "seal" };
	const char *lnames[SV_LINE_COLUMNS];
	json_t *doc, *v, *per;
	json_error_t err;
	void *grown;
	size_t i;
	int ret = 0;

	if ((doc = json_loadb(data, len, JSON_REJECT_DUPLICATES, &err)) ==
	    NULL)
		return sv_fail(c, "not JSON: %s (line %d)", err.text, err.line);
	for (i = 0; i < SETTLE_FIELDS; i++)
		lnames[i] = settle_field_names[i];
	lnames[SETTLE_FIELDS] = "prev";
	lnames[SETTLE_FIELDS + 1] = "hash";
	per = json_object_get(doc, "period");
	if (sv_json_members(doc, sv_head_names, 4, d->head) < 0 ||
	    sv_json_members(per, settle_period_names, SETTLE_PERIOD_FIELDS,
	    d->head + 4) < 0 ||
	    sv_json_members(per, seal, 1, d->head + SV_HEAD_FIELDS - 1) < 0) {
		ret = sv_fail(c, "the statement's head or period lacks a field");
		goto out;
	}
	json_array_foreach(json_object_get(doc, "totals"), i, v) {
		if ((grown = sv_grow(d->totals, d->ntotals, &d->captotals,
		    sizeof(*d->totals))) == NULL) {
			ret = -ENOMEM;
			goto out;
		}
		d->totals = grown;
		if (sv_json_members(v, tnames, 4, d->totals[d->ntotals++]) < 0) {
			ret = sv_fail(c, "totals[%zu] lacks a field", i);
			goto out;
		}
	}
	json_array_foreach(json_object_get(doc, "lines"), i, v) {
		if ((grown = sv_grow(d->lines, d->nlines, &d->caplines,
		    sizeof(*d->lines))) == NULL) {
			ret = -ENOMEM;
			goto out;
		}
		d->lines = grown;
		if (sv_json_members(v, lnames, SV_LINE_COLUMNS,
		    d->lines[d->nlines++]) < 0) {
			ret = sv_fail(c, "lines[%zu] lacks a field", i);
			goto out;
		}
	}
	if (!json_is_array(json_object_get(doc, "totals")) ||
	    !json_is_array(json_object_get(doc, "lines")))
		ret = sv_fail(c, "the statement has no totals or lines array");
out:
	json_decref(doc);
	return ret;
}

/* ---- CSV ------------------------------------------------------------- */

/* Frees a row. */
static void
sv_row_free(char **fields, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(fields[i]);
	free(fields);
}

/* Reads one RFC 4180 row at *p (CRLF or LF ends it) into malloc'd
 * fields (none after an error). Returns 0, -EBADMSG or -ENOMEM. */
static int
sv_csv_row(const char **p, const char *end, char ***fields, size_t *n)
{
	const char *s = *p;
	char *f = NULL, **grown;
	size_t len = 0;

	*fields = NULL;
	*n = 0;
	if (s < end && (*s == '\n' || (*s == '\r' && s + 1 < end &&
	    s[1] == '\n'))) {
		*p = s + (*s == '\r' ? 2 : 1);
		return 0;	/* a blank row: no field */
	}
	for (;;) {
		bool quoted = s < end && *s == '"';
		const char *q = s + (quoted ? 1 : 0);

		/* The field's end and length first, then a copy of it. */
		len = 0;
		if (quoted) {
			for (;; q++, len++) {
				if (q >= end)
					goto bad;
				if (*q == '"' && (q + 1 >= end || q[1] != '"'))
					break;
				if (*q == '"')
					q++;
			}
		} else
			while (q < end && *q != ',' && *q != '\r' && *q != '\n'
			    && *q != '"')
				q++, len++;
		if ((f = malloc(len + 1)) == NULL)
			goto nomem;
		if (quoted)
			for (size_t i = 0, k = 1; i < len; i++, k++) {
				if (s[k] == '"')
					k++;
				f[i] = s[k];
			}
		else
			memcpy(f, s, len);
		s = quoted ? q + 1 : q;
		f[len] = '\0';
		if ((grown = realloc(*fields, (*n + 1) * sizeof(*grown))) ==
		    NULL)
			goto nomem;
		*fields = grown;
		(*fields)[(*n)++] = f;
		f = NULL;
		if (s < end && *s == ',') {
			s++;
			continue;
		}
		if (s < end && *s == '\r')
			s++;
		if (s >= end || *s != '\n')
			goto bad;
		*p = s + 1;
		return 0;
	}
bad:
	free(f);
	sv_row_free(*fields, *n);
	*fields = NULL;
	*n = 0;
	return -EBADMSG;
nomem:
	free(f);
	sv_row_free(*fields, *n);
	*fields = NULL;
	*n = 0;
	return -ENOMEM;
}

/* Reads a CSV statement's text: the head's name,value rows, the total
 * rows and a blank row, then the lines table with its header. */
static int
sv_csv(const char *data, size_t len, struct sv_doc *d,
    struct statement_check *c)
{
	enum { HEAD, TOTALS, HEADER, LINES } state = HEAD;
	const char *p = data, *end = data + len;
	void *grown;
	char **f = NULL;
	size_t nf = 0, row = 0;
	int ret = 0;

	for (; p < end && ret == 0; row++) {
		if ((ret = sv_csv_row(&p, end, &f, &nf)) < 0)
			return ret == -ENOMEM ? ret :
			    sv_fail(c, "row %zu is not CSV", row + 1);
		if (state == HEAD) {
			if (nf == 2 && strcmp(f[0], sv_head_name(row)) == 0) {
				d->head[row] = f[1];
				f[1] = NULL;
				state = row + 1 < SV_HEAD_FIELDS ? HEAD : TOTALS;
			} else
				ret = sv_fail(c, "row %zu: want %s,VALUE",
				    row + 1, sv_head_name(row));
		} else if (state == TOTALS && nf == 0)
			state = HEADER;
		else if (state == TOTALS) {
			if ((grown = sv_grow(d->totals, d->ntotals,
			    &d->captotals, sizeof(*d->totals))) == NULL)
				ret = -ENOMEM;
			else if (nf == 5 && strcmp(f[0], "total") == 0) {
				d->totals = grown;
				for (size_t k = 0; k < 4; k++) {
					d->totals[d->ntotals][k] = f[k + 1];
					f[k + 1] = NULL;
				}
				d->ntotals++;
			} else {
				d->totals = grown;
				ret = sv_fail(c, "row %zu: want a total",
				    row + 1);
			}
		} else if (state == HEADER) {
			state = LINES;
			for (size_t k = 0; k < SV_LINE_COLUMNS && ret == 0; k++)
				if (nf != SV_LINE_COLUMNS || strcmp(f[k], k <
				    SETTLE_FIELDS ? settle_field_names[k] : k ==
				    SETTLE_FIELDS ? "prev" : "hash") != 0)
					ret = sv_fail(c, "row %zu: want the "
					    "lines' header", row + 1);
		} else {
			if ((grown = sv_grow(d->lines, d->nlines,
			    &d->caplines, sizeof(*d->lines))) == NULL)
				ret = -ENOMEM;
			else if (nf == SV_LINE_COLUMNS) {
				d->lines = grown;
				for (size_t k = 0; k < nf; k++) {
					d->lines[d->nlines][k] = f[k];
					f[k] = NULL;
				}
				d->nlines++;
			} else {
				d->lines = grown;
				ret = sv_fail(c, "row %zu: want a line of %d "
				    "fields", row + 1, SV_LINE_COLUMNS);
			}
		}
		sv_row_free(f, nf);
		f = NULL;
	}
	if (ret == 0 && state != LINES)
		ret = sv_fail(c, "the statement is cut short");
	return ret;
}

/* ---- checks ---------------------------------------------------------- */

/* A decimal u64: digits only, no leading zero. */
static bool
sv_u64(const char *s, uint64_t *v)
{
	uint64_t n = 0;

	if (s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || n > (UINT64_MAX - 9) / 10)
			return false;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	*v = n;
	return true;
}

/* Lower-case hex of exactly len bytes. */
static bool
sv_hex(const char *s, uint8_t *out, size_t len)
{
	size_t n;

	return strlen(s) == 2 * len && strspn(s, "0123456789abcdef") ==
	    2 * len && sodium_hex2bin(out, len, s, 2 * len, NULL, &n, NULL) ==
	    0 && n == len;
}

/* Copies text that must fit cap bytes with its NUL. */
static bool
sv_copy(char *out, size_t cap, const char *s)
{
	if (strlen(s) >= cap)
		return false;
	memcpy(out, s, strlen(s) + 1);
	return true;
}

/* Reads the period from its text and checks that it reads back the same
 * and that its seal is the key's. */
static int
sv_period(char *const *v, const uint8_t public[32],
    struct store_settle_period *p, struct statement_check *c)
{
	struct settle_period_text tx;
	uint64_t key;

	memset(p, 0, sizeof(*p));
	if (!settle_period_ok(v[0]) || !sv_copy(p->id, sizeof(p->id), v[0]) ||
	    !sv_copy(p->tz, sizeof(p->tz), v[1]) ||
	    campaign_parse_time(v[2], &p->start) < 0 ||
	    campaign_parse_time(v[3], &p->end) < 0 ||
	    !sv_u64(v[4], &p->after) || !sv_u64(v[5], &p->through) ||
	    !sv_u64(v[6], &p->lines) ||
	    !sv_hex(v[7], p->prev_head, sizeof(p->prev_head)) ||
	    !sv_hex(v[8], p->head, sizeof(p->head)) ||
	    campaign_parse_time(v[9], &p->closed) < 0 ||
	    !sv_u64(v[10], &key) || key > 255 ||
	    !sv_hex(v[11], p->public_key, sizeof(p->public_key)) ||
	    !sv_hex(v[12], p->seal, sizeof(p->seal)))
		return sv_fail(c, "the period's fields are malformed");
	p->key_id = (uint8_t)key;
	settle_period_text(p, &tx);
	for (size_t i = 0; i < SETTLE_PERIOD_FIELDS; i++)
		if (strcmp(tx.v[i], v[i]) != 0)
			return sv_fail(c, "period field %s is not in its "
			    "canonical form", settle_period_names[i]);
	if (memcmp(p->public_key, public, 32) != 0)
		return sv_fail(c, "the period was sealed with another key "
		    "(%s)", v[11]);
	if (settle_period_check(p, public) < 0)
		return sv_fail(c, "the period's seal does not verify");
	if (p->through < p->after || p->lines > p->through - p->after)
		return sv_fail(c, "the period's range is impossible");
	return 0;
}

/* Reads a line from its text and checks that it reads back the same and
 * that its hash is its fields' after its prev. */
static int
sv_line(char *const *v, struct store_settle_line *l, size_t i,
    struct statement_check *c)
{
	uint8_t hash[STORE_SETTLE_HASH_BYTES];
	struct settle_text tx;

	memset(l, 0, sizeof(*l));
	if (!sv_u64(v[0], &l->seq) || campaign_parse_time(v[1], &l->time) < 0 ||
	    strlen(v[2]) != BASE32_LEN(STORE_CLAIM_ID_BYTES) ||
	    base32_decode(l->claim_id, sizeof(l->claim_id), v[2],
	    strlen(v[2])) < 0 ||
	    !sv_copy(l->campaign, sizeof(l->campaign), v[3]) ||
	    !sv_copy(l->tier_id, sizeof(l->tier_id), v[4]) ||
	    !sv_copy(l->prize, sizeof(l->prize), v[5]) ||
	    !sv_copy(l->shop, sizeof(l->shop), v[6]) ||
	    !sv_copy(l->dealer, sizeof(l->dealer), v[7]) ||
	    settle_amount_parse(v[8], &l->face) < 0 ||
	    !sv_copy(l->currency, sizeof(l->currency), v[9]) ||
	    !sv_hex(v[10], l->prev, sizeof(l->prev)) ||
	    !sv_hex(v[11], l->hash, sizeof(l->hash)))
		return sv_fail(c, "line %zu is malformed", i + 1);
	settle_line_text(l, &tx);
	for (size_t k = 0; k < SETTLE_FIELDS; k++)
		if (strcmp(tx.v[k], v[k]) != 0)
			return sv_fail(c, "line %zu: %s is not in its canonical "
			    "form", i + 1, settle_field_names[k]);
	settle_hash_fields(l->prev, tx.v, hash);
	if (memcmp(hash, l->hash, sizeof(hash)) != 0)
		return sv_fail(c, "line %zu (seq %s): its hash does not match "
		    "its fields", i + 1, v[0]);
	return 0;
}

/* Checks the lines' places: in the period, in order, the subject's, and
 * linked where they follow each other; the brand's, the whole chain. */
static int
sv_chain(const struct store_settle_line *l, size_t n,
    const struct store_settle_period *p, struct statement_check *c)
{
	for (size_t i = 0; i < n; i++) {
		const char *who = c->kind == STATEMENT_STORE ? l[i].shop :
		    c->kind == STATEMENT_DEALER ?
		    statement_line_dealer(&l[i]) : c->subject;

		if (l[i].seq <= p->after || l[i].seq > p->through ||
		    (i > 0 && l[i].seq <= l[i - 1].seq))
			return sv_fail(c, "line %zu: seq %" PRIu64 " is out of "
			    "order or outside the period", i + 1, l[i].seq);
		if (strcmp(who, c->subject) != 0)
			return sv_fail(c, "line %zu belongs to %s, not %s",
			    i + 1, who, c->subject);
		if (i > 0 && (c->kind == STATEMENT_BRAND ||
		    l[i].seq == l[i - 1].seq + 1) &&
		    memcmp(l[i].prev, l[i - 1].hash, sizeof(l[i].prev)) != 0)
			return sv_fail(c, "line %zu does not follow line %zu "
			    "in the chain", i + 1, i);
	}
	if (n > p->lines)
		return sv_fail(c, "more lines than the period holds");
	if (c->kind != STATEMENT_BRAND)
		return 0;
	if (n != p->lines)
		return sv_fail(c, "the brand's statement holds %zu of the "
		    "period's %" PRIu64 " lines", n, p->lines);
	if (memcmp(n > 0 ? l[0].prev : p->prev_head, p->prev_head, 32) != 0 ||
	    memcmp(n > 0 ? l[n - 1].hash : p->prev_head, p->head, 32) != 0)
		return sv_fail(c, "the lines do not lead from the period's "
		    "prev_head to its head");
	return 0;
}

/* Checks the stated totals against the lines'. */
static int
sv_totals(const struct sv_doc *d, struct statement_check *c)
{
	char count[24], amount[SETTLE_AMOUNT_LEN];

	if (d->ntotals != c->ntotals)
		return sv_fail(c, "%zu totals stated, the lines make %zu",
		    d->ntotals, c->ntotals);
	for (size_t i = 0; i < c->ntotals; i++) {
		const struct statement_total *t = &c->totals[i];

		snprintf(count, sizeof(count), "%" PRIu64, t->count);
		settle_amount_text(t->amount, amount);
		if (strcmp(d->totals[i][0], t->group) != 0 ||
		    strcmp(d->totals[i][1], t->currency) != 0 ||
		    strcmp(d->totals[i][2], count) != 0 ||
		    strcmp(d->totals[i][3], amount) != 0)
			return sv_fail(c, "total %zu (%s %s) is not what the "
			    "lines add up to (%s, %s %s)", i + 1,
			    d->totals[i][0], d->totals[i][1], t->group, count,
			    amount);
	}
	return 0;
}

/* Checks a statement's text. */
static int
sv_check(const struct sv_doc *d, const uint8_t public[32],
    struct statement_check *c)
{
	struct store_settle_line *lines = NULL;
	int ret;

	if (strcmp(d->head[0], "1") != 0)
		return sv_fail(c, "not a version 1 statement");
	if ((c->kind = statement_kind_parse(d->head[1])) < 0 ||
	    !sv_copy(c->subject, sizeof(c->subject), d->head[2]) ||
	    (c->kind == STATEMENT_BRAND) != (strcmp(c->subject, "brand") == 0))
		return sv_fail(c, "not a store, dealer or brand statement");
	if ((ret = sv_period(d->head + 4, public, &c->period, c)) < 0)
		return ret;
	if (d->nlines > 0 && (lines = calloc(d->nlines, sizeof(*lines))) ==
	    NULL)
		return -ENOMEM;
	for (size_t i = 0; i < d->nlines && ret == 0; i++)
		ret = sv_line(d->lines[i], &lines[i], i, c);
	if (ret == 0)
		ret = sv_chain(lines, d->nlines, &c->period, c);
	if (ret == 0)
		ret = statement_totals(c->kind, lines, d->nlines, &c->totals,
		    &c->ntotals);
	if (ret == 0)
		ret = sv_totals(d, c);
	c->lines = d->nlines;
	free(lines);
	return ret;
}

/* Finds the signature at the end of a statement: the length of what it
 * signs, or 0 if there is none where it must be. */
static size_t
sv_signed_len(const char *data, size_t len, bool json,
    uint8_t sig[crypto_sign_BYTES])
{
	const char *mark = json ? SV_JSON_SIG : SV_CSV_SIG;
	const char *tail = json ? "\"\n}\n" : "\r\n";
	size_t ml = strlen(mark), tl = strlen(tail), at;
	char hex[SV_SIG_HEX + 1];

	if (len < ml + SV_SIG_HEX + tl)
		return 0;
	at = len - ml - SV_SIG_HEX - tl;
	if (memcmp(data + at, mark, ml) != 0 ||
	    memcmp(data + len - tl, tail, tl) != 0 ||
	    (!json && at > 0 && data[at - 1] != '\n'))
		return 0;
	memcpy(hex, data + at + ml, SV_SIG_HEX);
	hex[SV_SIG_HEX] = '\0';
	return sv_hex(hex, sig, crypto_sign_BYTES) ? at : 0;
}

/* Checks a statement. */
int
statement_verify(const char *data, size_t len, const uint8_t public[32],
    struct statement_check *c)
{
	uint8_t sig[crypto_sign_BYTES];
	struct sv_doc d;
	bool json = len > 0 && data[0] == '{';
	size_t at;
	int ret;

	memset(c, 0, sizeof(*c));
	memset(&d, 0, sizeof(d));
	if ((at = sv_signed_len(data, len, json, sig)) == 0)
		return sv_fail(c, "no signature at the end of the statement");
	if (crypto_sign_verify_detached(sig, (const uint8_t *)data, at,
	    public) != 0)
		return sv_fail(c, "the signature does not verify: the statement "
		    "was changed, or signed with another key");
	ret = json ? sv_json(data, len, &d, c) : sv_csv(data, at, &d, c);
	if (ret == 0)
		ret = sv_check(&d, public, c);
	sv_doc_free(&d);
	return ret;
}

/* Frees a check's totals. */
void
statement_check_free(struct statement_check *c)
{
	free(c->totals);
	c->totals = NULL;
	c->ntotals = 0;
}
