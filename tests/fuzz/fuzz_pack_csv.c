/*
 * fuzz_pack_csv.c — the packing table of `scanloop pack load FILE.csv`
 * (pack_csv_parse), a file a packing line hands in.
 *
 * Invariants: the parse returns 0, -EINVAL (with a reason and a line
 * within the file) or -ENOMEM; a success names at least one row, every
 * parent a case or pallet, line numbers increasing within the file, and
 * the file ends with a newline (a file cut short is refused); every
 * reference formats (pack_ref_text) to text that parses back to it. For
 * inputs without quotes, NUL bytes, lone CRs or over-long fields, a
 * reference splits the lines itself (LF, an optional CR before it, blank
 * lines skipped, the header only as the first line) into exactly two
 * fields each, parses them with pack_ref_parse, and must agree: success
 * exactly when every row parses, with the same rows.
 */
#include "fuzz.h"
#include "codegen/pack_csv.h"
#include "store/dealer.h"

#include <errno.h>
#include <string.h>

/* True if the reference applies to the input. */
static bool
fuzz_plain(const char *p, size_t n)
{
	size_t field = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '"' || p[i] == '\0')
			return false;
		if (p[i] == '\r' && (i + 1 == n || p[i + 1] != '\n'))
			return false;
		field = p[i] == ',' || p[i] == '\n' ? 0 : field + 1;
		if (field > PACK_FIELD_MAX)
			return false;
	}
	return true;
}

/* The reference over plain inputs: 0 (the rows it finds compared to
 * rows[0..n) unless rows is NULL), or -1 where it refuses. */
static int
fuzz_reference(const char *p, size_t size, const struct store_pack_row *rows,
    size_t n)
{
	const char *end = p + size, *why;
	struct store_pack_ref a, b;
	size_t k = 0, line = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *e, *c;

		if (nl == NULL)
			return -1;
		line++;
		e = nl > p && nl[-1] == '\r' ? nl - 1 : nl;
		if (e == p) {
			p = nl + 1;
			continue;
		}
		c = memchr(p, ',', (size_t)(e - p));
		if (c == NULL || memchr(c + 1, ',', (size_t)(e - c - 1)) != NULL)
			return -1;
		if (line == 1 && ((e - p == 26 &&
		    memcmp(p, "parent_serial,child_serial", 26) == 0) ||
		    (e - p == 12 && memcmp(p, "parent,child", 12) == 0))) {
			p = nl + 1;
			continue;
		}
		if (pack_ref_parse(p, (size_t)(c - p), &a, &why) < 0 ||
		    pack_ref_parse(c + 1, (size_t)(e - c - 1), &b, &why) < 0 ||
		    a.kind != STORE_PACK_AGG)
			return -1;
		if (rows != NULL) {
			FUZZ_CHECK(k < n);
			FUZZ_CHECK(memcmp(&a, &rows[k].parent, sizeof(a)) == 0);
			FUZZ_CHECK(memcmp(&b, &rows[k].child, sizeof(b)) == 0);
			FUZZ_CHECK(rows[k].line == line);
		}
		k++;
		p = nl + 1;
	}
	if (k == 0)
		return -1;
	FUZZ_CHECK(rows == NULL || k == n);
	return 0;
}

/* A reference formats to text that parses back to the same code. */
static void
fuzz_roundtrip(const struct store_pack_ref *r)
{
	struct store_pack_ref back;
	const char *why;
	char text[19];

	pack_ref_text(r, text);
	FUZZ_CHECK(pack_ref_parse(text, strlen(text), &back, &why) == 0);
	FUZZ_CHECK(back.kind == r->kind);
	FUZZ_CHECK(memcmp(back.id, r->id, sizeof(back.id)) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct store_pack_row *rows = NULL;
	const char *p = (const char *)data, *why = NULL;
	uint64_t line = 0, lines = 1;
	size_t n = 0;
	int ret;

	/* An exact-size copy: a read past the end is ASan's to see. */
	char *copy = malloc(size > 0 ? size : 1);

	FUZZ_CHECK(copy != NULL);
	memcpy(copy, p, size);
	for (size_t i = 0; i < size; i++)
		lines += p[i] == '\n';
	ret = pack_csv_parse(copy, size, &rows, &n, &line, &why);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL || ret == -ENOMEM);
	if (ret < 0) {
		FUZZ_CHECK(rows == NULL && n == 0);
		FUZZ_CHECK(why != NULL && why[0] != '\0');
		FUZZ_CHECK(line <= lines);
		if (ret == -EINVAL && fuzz_plain(p, size))
			FUZZ_CHECK(fuzz_reference(p, size, NULL, 0) < 0);
		free(copy);
		return 0;
	}
	FUZZ_CHECK(n >= 1 && rows != NULL);
	FUZZ_CHECK(size > 0 && p[size - 1] == '\n');
	for (size_t i = 0; i < n; i++) {
		FUZZ_CHECK(rows[i].parent.kind == STORE_PACK_AGG);
		FUZZ_CHECK(rows[i].child.kind == STORE_PACK_AGG ||
		    rows[i].child.kind == STORE_PACK_ITEM);
		FUZZ_CHECK(rows[i].line >= 1 && rows[i].line < lines);
		FUZZ_CHECK(i == 0 || rows[i].line > rows[i - 1].line);
		fuzz_roundtrip(&rows[i].parent);
		fuzz_roundtrip(&rows[i].child);
	}
	if (fuzz_plain(p, size))
		FUZZ_CHECK(fuzz_reference(p, size, rows, n) == 0);
	free(rows);
	free(copy);
	return 0;
}
