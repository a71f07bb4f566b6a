/* statement.c — settlement statements written as JSON and CSV, signed. */
#include "analytics/statement.h"
#include "analytics/output.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* The JSON member and the CSV row that end a statement. */
#define STATEMENT_JSON_SIG ",\n  \"signature\": \""
#define STATEMENT_CSV_SIG "signature,"

static const char *const statement_kinds[] = { "store", "dealer", "brand" };

/* The columns of the CSV lines table. */
static const char *const statement_columns[SETTLE_FIELDS + 2] = {
	"seq", "time", "claim", "campaign", "tier", "prize", "store",
	"dealer", "face_value", "currency", "prev", "hash",
};

/* A kind's name. */
const char *
statement_kind_name(int kind)
{
	return kind >= 0 && kind <= STATEMENT_BRAND ? statement_kinds[kind] :
	    "?";
}

/* A kind by name. */
int
statement_kind_parse(const char *name)
{
	for (int i = 0; i <= STATEMENT_BRAND; i++)
		if (strcmp(name, statement_kinds[i]) == 0)
			return i;
	return -1;
}

/* A line's dealer group. */
const char *
statement_line_dealer(const struct store_settle_line *l)
{
	return l->dealer[0] != '\0' ? l->dealer : SETTLE_NO_DEALER;
}

/* Orders totals by group, then currency. */
static int
statement_total_cmp(const void *a, const void *b)
{
	const struct statement_total *x = a, *y = b;
	int c = strcmp(x->group, y->group);

	return c != 0 ? c : strcmp(x->currency, y->currency);
}

/* Adds a line to the row of (group, currency), making it if new. */
static int
statement_total_add(struct statement_total **rows, size_t *n, size_t *cap,
    const char *group, const struct store_settle_line *l)
{
	struct statement_total *r = NULL, *grown;

	for (size_t i = *n; i-- > 0;)
		if (strcmp((*rows)[i].group, group) == 0 &&
		    strcmp((*rows)[i].currency, l->currency) == 0) {
			r = &(*rows)[i];
			break;
		}
	if (r == NULL) {
		if (*n == *cap) {
			*cap = *cap == 0 ? 8 : *cap * 2;
			if ((grown = realloc(*rows, *cap * sizeof(**rows))) ==
			    NULL)
				return -ENOMEM;
			*rows = grown;
		}
		r = &(*rows)[(*n)++];
		memset(r, 0, sizeof(*r));
		snprintf(r->group, sizeof(r->group), "%s", group);
		snprintf(r->currency, sizeof(r->currency), "%s", l->currency);
	}
	r->count++;
	r->amount += l->face;
	return 0;
}

/* A statement's totals. */
int
statement_totals(int kind, const struct store_settle_line *lines, size_t n,
    struct statement_total **out, size_t *nout)
{
	struct statement_total *rows = NULL;
	size_t nrows = 0, cap = 0;
	int ret = 0;

	for (size_t i = 0; i < n && ret == 0; i++) {
		const struct store_settle_line *l = &lines[i];

		ret = statement_total_add(&rows, &nrows, &cap, "*", l);
		if (ret == 0 && kind == STATEMENT_DEALER)
			ret = statement_total_add(&rows, &nrows, &cap, l->shop,
			    l);
		else if (ret == 0 && kind == STATEMENT_BRAND)
			ret = statement_total_add(&rows, &nrows, &cap,
			    statement_line_dealer(l), l);
	}
	if (ret < 0) {
		free(rows);
		return ret;
	}
	if (nrows > 0)
		qsort(rows, nrows, sizeof(*rows), statement_total_cmp);
	*out = rows;
	*nout = nrows;
	return 0;
}

/* Appends the signature of what out holds, then the end of the file. */
static int
statement_sign(struct buf *out, bool csv, const uint8_t secret[64])
{
	uint8_t sig[crypto_sign_BYTES];
	char hex[2 * crypto_sign_BYTES + 1];

	crypto_sign_detached(sig, NULL, out->data, out->len, secret);
	sodium_bin2hex(hex, sizeof(hex), sig, sizeof(sig));
	if (csv)
		return buf_printf(out, STATEMENT_CSV_SIG "%s\r\n", hex);
	return buf_printf(out, STATEMENT_JSON_SIG "%s\"\n}\n", hex);
}

/* Sets a string member; -ENOMEM when it cannot. */
static int
statement_set(json_t *o, const char *key, json_t *v)
{
	return v != NULL && json_object_set_new(o, key, v) == 0 ? 0 : -ENOMEM;
}

/* The period as a JSON object. */
static json_t *
statement_period_json(const struct store_settle_period *p)
{
	struct settle_period_text tx;
	json_t *o = json_object();
	int ret = o == NULL ? -ENOMEM : 0;

	settle_period_text(p, &tx);
	for (size_t i = 0; i < SETTLE_PERIOD_FIELDS && ret == 0; i++) {
		const char *k = settle_period_names[i];
		bool num = strcmp(k, "after") == 0 || strcmp(k, "through") == 0
		    || strcmp(k, "lines") == 0 || strcmp(k, "key") == 0;

		ret = statement_set(o, k, num ? json_integer((json_int_t)
		    strtoull(tx.v[i], NULL, 10)) : json_string(tx.v[i]));
	}
	if (ret == 0)
		ret = statement_set(o, "seal", json_string(tx.seal));
	if (ret < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* A line as a JSON object. */
static json_t *
statement_line_json(const struct store_settle_line *l)
{
	struct settle_text tx;
	char prev[SETTLE_HEX_LEN], hash[SETTLE_HEX_LEN];
	json_t *o = json_object();
	int ret = o == NULL ? -ENOMEM : 0;

	settle_line_text(l, &tx);
	settle_hex(l->prev, sizeof(l->prev), prev, sizeof(prev));
	settle_hex(l->hash, sizeof(l->hash), hash, sizeof(hash));
	ret = ret < 0 ? ret : statement_set(o, "seq",
	    json_integer((json_int_t)l->seq));
	for (size_t i = 1; i < SETTLE_FIELDS && ret == 0; i++)
		ret = statement_set(o, settle_field_names[i],
		    json_string(tx.v[i]));
	if (ret == 0)
		ret = statement_set(o, "prev", json_string(prev));
	if (ret == 0)
		ret = statement_set(o, "hash", json_string(hash));
	if (ret < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The totals as a JSON array. */
static json_t *
statement_totals_json(const struct statement_total *t, size_t n)
{
	char amount[SETTLE_AMOUNT_LEN];
	json_t *a = json_array(), *o;

	for (size_t i = 0; a != NULL && i < n; i++) {
		settle_amount_text(t[i].amount, amount);
		o = json_pack("{s:s, s:s, s:I, s:s}", "group", t[i].group,
		    "currency", t[i].currency, "count", (json_int_t)t[i].count,
		    "amount", amount);
		if (o == NULL || json_array_append_new(a, o) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* The JSON statement, without its signature. */
static int
statement_json(const struct statement *s, const struct statement_total *t,
    size_t nt, struct buf *out)
{
	json_t *doc = json_object(), *lines = json_array();
	char *text = NULL;
	size_t len;
	int ret = doc == NULL || lines == NULL ? -ENOMEM : 0;

	ret = ret < 0 ? ret : statement_set(doc, "scanloop_settlement",
	    json_integer(1));
	ret = ret < 0 ? ret : statement_set(doc, "statement",
	    json_string(statement_kind_name(s->kind)));
	ret = ret < 0 ? ret : statement_set(doc, "subject",
	    json_string(s->subject));
	ret = ret < 0 ? ret : statement_set(doc, "name", json_string(s->name));
	ret = ret < 0 ? ret : statement_set(doc, "period",
	    statement_period_json(s->period));
	ret = ret < 0 ? ret : statement_set(doc, "totals",
	    statement_totals_json(t, nt));
	for (size_t i = 0; i < s->nlines && ret == 0; i++) {
		json_t *o = statement_line_json(&s->lines[i]);

		if (o == NULL || json_array_append_new(lines, o) != 0)
			ret = -ENOMEM;
	}
	if (ret == 0) {
		ret = statement_set(doc, "lines", lines);
		lines = NULL;
	}
	if (ret == 0 && (text = json_dumps(doc, JSON_INDENT(2) |
	    JSON_PRESERVE_ORDER)) == NULL)
		ret = -ENOMEM;
	/* The signature member goes where the closing brace was. */
	if (ret == 0 && ((len = strlen(text)) < 2 ||
	    strcmp(text + len - 2, "\n}") != 0))
		ret = -EINVAL;
	if (ret == 0)
		ret = buf_append(out, text, len - 2);
	free(text);
	json_decref(lines);
	json_decref(doc);
	return ret;
}

/* The sink of the CSV writer: the statement's buffer. */
static int
statement_csv_sink(void *arg, const void *data, size_t len)
{
	return buf_append(arg, data, len);
}

/* A "name,value" row of the CSV head. */
static void
statement_csv_pair(struct output *o, const char *name, const char *value)
{
	output_str(o, name);
	output_str(o, value);
	output_row_end(o);
}

/* The CSV head: the statement, its period, its totals, a blank line. */
static int
statement_csv_head(const struct statement *s,
    const struct statement_total *t, size_t nt, struct buf *out)
{
	static const char *const pair[] = { "name", "value" };
	static const char *const total[] = { "total", "group", "currency",
	    "count", "amount" };
	struct settle_period_text tx;
	char amount[SETTLE_AMOUNT_LEN];
	struct output o;
	int ret;

	settle_period_text(s->period, &tx);
	if ((ret = output_init(&o, OUTPUT_CSV, pair, 2, statement_csv_sink,
	    out)) < 0)
		return ret;
	statement_csv_pair(&o, "scanloop_settlement", "1");
	statement_csv_pair(&o, "statement", statement_kind_name(s->kind));
	statement_csv_pair(&o, "subject", s->subject);
	statement_csv_pair(&o, "name", s->name);
	for (size_t i = 0; i < SETTLE_PERIOD_FIELDS; i++)
		statement_csv_pair(&o, settle_period_names[i], tx.v[i]);
	statement_csv_pair(&o, "seal", tx.seal);
	ret = output_flush(&o);
	output_deinit(&o);
	if (ret < 0 || (ret = output_init(&o, OUTPUT_CSV, total, 5,
	    statement_csv_sink, out)) < 0)
		return ret;
	for (size_t i = 0; i < nt; i++) {
		settle_amount_text(t[i].amount, amount);
		output_str(&o, "total");
		output_str(&o, t[i].group);
		output_str(&o, t[i].currency);
		output_u64(&o, t[i].count);
		output_str(&o, amount);
		output_row_end(&o);
	}
	output_raw(&o, "\r\n", 2);
	ret = output_flush(&o);
	output_deinit(&o);
	return ret;
}

/* The CSV statement, without its signature. */
static int
statement_csv(const struct statement *s, const struct statement_total *t,
    size_t nt, struct buf *out)
{
	char prev[SETTLE_HEX_LEN], hash[SETTLE_HEX_LEN];
	struct settle_text tx;
	struct output o;
	int ret;

	if ((ret = statement_csv_head(s, t, nt, out)) < 0 ||
	    (ret = output_init(&o, OUTPUT_CSV, statement_columns,
	    SETTLE_FIELDS + 2, statement_csv_sink, out)) < 0)
		return ret;
	output_header(&o);
	for (size_t i = 0; i < s->nlines; i++) {
		const struct store_settle_line *l = &s->lines[i];

		settle_line_text(l, &tx);
		settle_hex(l->prev, sizeof(l->prev), prev, sizeof(prev));
		settle_hex(l->hash, sizeof(l->hash), hash, sizeof(hash));
		for (size_t k = 0; k < SETTLE_FIELDS; k++)
			output_str(&o, tx.v[k]);
		output_str(&o, prev);
		output_str(&o, hash);
		output_row_end(&o);
	}
	ret = output_flush(&o);
	output_deinit(&o);
	return ret;
}

/* Formats a signed statement. */
int
statement_format(const struct statement *s, bool csv,
    const uint8_t secret[64], struct buf *out)
{
	struct statement_total *t = NULL;
	size_t nt = 0;
	int ret;

	if ((ret = statement_totals(s->kind, s->lines, s->nlines, &t,
	    &nt)) < 0)
		return ret;
	ret = csv ? statement_csv(s, t, nt, out) :
	    statement_json(s, t, nt, out);
	free(t);
	return ret < 0 ? ret : statement_sign(out, csv, secret);
}
