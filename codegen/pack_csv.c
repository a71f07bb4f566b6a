/* pack_csv.c — the packing table's CSV: rows of parent and child codes. */
#include "codegen/pack_csv.h"
#include "codegen/sscc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A field: an SSCC, a serial, or the URL of either. */
int
pack_ref_parse(const char *text, size_t len, struct store_pack_ref *out,
    const char **why)
{
	struct sscc_code sc;
	struct code c;

	memset(out, 0, sizeof(*out));
	while (len > 0 && (*text == ' ' || *text == '\t')) {
		text++;
		len--;
	}
	while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
		len--;
	if (len == 0) {
		*why = "empty field";
		return -EINVAL;
	}
	if (len == SSCC_LEN && text[0] >= '0' && text[0] <= '9') {
		if (!sscc_valid(text, len)) {
			*why = "not an SSCC (18 digits, the last its check "
			    "digit)";
			return -EINVAL;
		}
		out->kind = STORE_PACK_AGG;
		sscc_id_from_u64(sscc_to_u64(text), out->id);
		return 0;
	}
	if (len == CODE_SERIAL_CHARS) {
		if (code_serial_parse(text, len, out->id) < 0) {
			*why = "not a serial (13 base32 characters)";
			return -EINVAL;
		}
		out->kind = STORE_PACK_ITEM;
		return 0;
	}
	if (sscc_path_is(text, len)) {
		if (sscc_parse(text, len, &sc, why) < 0)
			return -EINVAL;
		out->kind = STORE_PACK_AGG;
		out->has_check = true;
		sscc_id_from_u64(sscc_to_u64(sc.sscc), out->id);
		sscc_check_digest(&sc, out->check);
		return 0;
	}
	if (code_parse(text, len, &c, why) < 0)
		return -EINVAL;
	out->kind = STORE_PACK_ITEM;
	out->has_check = true;
	memcpy(out->id, c.serial, sizeof(out->id));
	code_check_digest(&c, out->check);
	return 0;
}

/* The SSCC or serial of a reference. */
void
pack_ref_text(const struct store_pack_ref *r, char out[19])
{
	if (r->kind == STORE_PACK_ITEM)
		code_serial_text(r->id, out);
	else
		sscc_from_u64(sscc_id_to_u64(r->id), out);
}

/* The state of a parse: where it is, the line, the fields of a row. */
struct pack_parse {
	const char *p, *end;
	uint64_t line;
	char field[2][PACK_FIELD_MAX];
	size_t flen[2];
	const char **why;
};

/* Reads one field up to ',' or the end of the line; 0, 1 at the end of
 * the row (newline eaten), or -EINVAL. */
static int
pack_field(struct pack_parse *ps, char *f, size_t *flen)
{
	size_t n = 0;
	bool quoted = false;

	if (ps->p < ps->end && *ps->p == '"') {
		quoted = true;
		ps->p++;
	}
	for (;;) {
		char ch;

		if (ps->p == ps->end) {
			*ps->why = quoted ? "a quoted field is not closed" :
			    "the last row has no newline: the file was cut short";
			return -EINVAL;
		}
		ch = *ps->p++;
		if (quoted && ch == '"') {
			if (ps->p < ps->end && *ps->p == '"') {
				ps->p++;
			} else {
				quoted = false;
				if (ps->p < ps->end && *ps->p != ',' &&
				    *ps->p != '\n' && *ps->p != '\r') {
					*ps->why = "text after a quoted field";
					return -EINVAL;
				}
				continue;
			}
		} else if (!quoted && ch == ',') {
			*flen = n;
			return 0;
		} else if (!quoted && (ch == '\n' || ch == '\r')) {
			if (ch == '\r' && (ps->p == ps->end || *ps->p != '\n')) {
				*ps->why = ps->p == ps->end ? "the last row has "
				    "no newline: the file was cut short" :
				    "a carriage return without a newline";
				return -EINVAL;
			}
			if (ch == '\r')
				ps->p++;
			*flen = n;
			return 1;
		} else if (!quoted && ch == '"') {
			*ps->why = "a quote inside an unquoted field";
			return -EINVAL;
		} else if (ch == '\0') {
			*ps->why = "a NUL byte";
			return -EINVAL;
		}
		if (n == PACK_FIELD_MAX) {
			*ps->why = "a field longer than 1024 bytes";
			return -EINVAL;
		}
		f[n++] = ch;
	}
}

/* Reads one row of exactly two fields; 0, or -EINVAL. */
static int
pack_row_read(struct pack_parse *ps)
{
	int ret;

	if ((ret = pack_field(ps, ps->field[0], &ps->flen[0])) < 0)
		return ret;
	if (ret == 1) {
		*ps->why = "a row with one field (parent,child expected)";
		return -EINVAL;
	}
	if ((ret = pack_field(ps, ps->field[1], &ps->flen[1])) < 0)
		return ret;
	if (ret == 0) {
		*ps->why = "a row with more than two fields";
		return -EINVAL;
	}
	return 0;
}

/* True if the row is the header. */
static bool
pack_is_header(const struct pack_parse *ps)
{
	static const char *const names[][2] = {
		{ "parent_serial", "child_serial" }, { "parent", "child" } };

	for (size_t i = 0; i < 2; i++)
		if (ps->flen[0] == strlen(names[i][0]) &&
		    ps->flen[1] == strlen(names[i][1]) &&
		    memcmp(ps->field[0], names[i][0], ps->flen[0]) == 0 &&
		    memcmp(ps->field[1], names[i][1], ps->flen[1]) == 0)
			return true;
	return false;
}

/* Parses every row. */
int
pack_csv_parse(const char *data, size_t len, struct store_pack_row **rows,
    size_t *n, uint64_t *line, const char **why)
{
	struct pack_parse *ps;
	struct store_pack_row *r = NULL, *nr;
	size_t cap = 0, cnt = 0;
	int ret = 0;

	*rows = NULL;
	*n = 0;
	*line = 0;
	if ((ps = calloc(1, sizeof(*ps))) == NULL)
		return -ENOMEM;
	ps->p = data;
	ps->end = data + len;
	ps->why = why;
	while (ps->p < ps->end) {
		ps->line++;
		if (*ps->p == '\n' || (*ps->p == '\r' && ps->p + 1 < ps->end &&
		    ps->p[1] == '\n')) {
			ps->p += *ps->p == '\n' ? 1 : 2;
			continue;
		}
		if ((ret = pack_row_read(ps)) < 0)
			goto fail;
		if (ps->line == 1 && pack_is_header(ps))
			continue;
		if (cnt == PACK_ROWS_MAX) {
			*why = "more than 50,000,000 rows";
			ret = -EINVAL;
			goto fail;
		}
		if (cnt == cap) {
			cap = cap == 0 ? 1024 : cap * 2;
			if ((nr = realloc(r, cap * sizeof(*r))) == NULL) {
				ret = -ENOMEM;
				*why = "out of memory";
				goto fail;
			}
			r = nr;
		}
		if ((ret = pack_ref_parse(ps->field[0], ps->flen[0],
		    &r[cnt].parent, why)) < 0 ||
		    (ret = pack_ref_parse(ps->field[1], ps->flen[1],
		    &r[cnt].child, why)) < 0)
			goto fail;
		if (r[cnt].parent.kind != STORE_PACK_AGG) {
			*why = "a parent that is not a case or pallet code";
			ret = -EINVAL;
			goto fail;
		}
		r[cnt].line = ps->line;
		cnt++;
	}
	if (cnt == 0) {
		*why = "no rows";
		ret = -EINVAL;
		goto fail;
	}
	*rows = r;
	*n = cnt;
	free(ps);
	return 0;
fail:
	*line = ps->line;
	free(ps);
	free(r);
	return ret;
}
