/*
 * fuzz_serial_list.c — the list of serials or code URLs of `scanloop batch
 * void --serials FILE` (serial_list_read), a file anyone may hand in.
 *
 * Invariants: the list is read from a file with the input's bytes; a
 * reference splits the same bytes into lines itself (LF ends a line, the
 * last may have none), trims spaces, tabs and CRs, skips blank and '#'
 * lines, and parses each other line with code_parse (it holds a '/') or
 * code_serial_parse. The list succeeds exactly when every such line
 * parses, and then holds their serials in order; else it fails at the
 * first line that does not, with a reason. Each serial formats to 13
 * characters that parse back to it.
 */
#include "fuzz.h"
#include "codegen/serial_list.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

/* The reference: the serial of line [s, e) after trimming, 1 for a line
 * to skip, -1 for a bad one. */
static int
fuzz_ref_line(const char *s, const char *e, uint8_t serial[CODE_SERIAL_BYTES])
{
	struct code c;
	const char *why;

	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (s == e || *s == '#')
		return 1;
	if (memchr(s, '/', (size_t)(e - s)) != NULL) {
		if (code_parse(s, (size_t)(e - s), &c, &why) < 0)
			return -1;
		memcpy(serial, c.serial, CODE_SERIAL_BYTES);
		return 0;
	}
	return code_serial_parse(s, (size_t)(e - s), serial) < 0 ? -1 : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t (*list)[CODE_SERIAL_BYTES] = NULL, serial[CODE_SERIAL_BYTES];
	const char *p = (const char *)data, *end = p + size, *why;
	char path[PATH_MAX], text[CODE_SERIAL_CHARS + 1];
	size_t n = 0, lineno = 0, k = 0, line = 0;
	int ret, bad_line = 0;
	FILE *f;

	fuzz_path(path, fuzz_tmpdir(), "serials.txt");
	fuzz_write_file(path, data, size);
	FUZZ_CHECK((f = fopen(path, "r")) != NULL);
	ret = serial_list_read(f, &list, &n, &lineno, &why);
	fclose(f);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL);
	while (p < end && bad_line == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl != NULL ? nl : end;
		int r = fuzz_ref_line(p, e, serial);

		line++;
		if (r < 0)
			bad_line = (int)line;
		else if (r == 0) {
			FUZZ_CHECK(ret != 0 || k < n);
			if (ret == 0)
				FUZZ_CHECK(memcmp(list[k], serial,
				    CODE_SERIAL_BYTES) == 0);
			k++;
		}
		p = nl != NULL ? nl + 1 : end;
	}
	if (bad_line != 0) {
		FUZZ_CHECK(ret == -EINVAL);
		FUZZ_CHECK(lineno == (size_t)bad_line);
		FUZZ_CHECK(why != NULL && why[0] != '\0');
		FUZZ_CHECK(list == NULL);
		return 0;
	}
	FUZZ_CHECK(ret == 0);
	FUZZ_CHECK(n == k);
	FUZZ_CHECK((n == 0) == (list == NULL));
	for (size_t i = 0; i < n; i++) {
		code_serial_text(list[i], text);
		FUZZ_CHECK(strlen(text) == CODE_SERIAL_CHARS);
		FUZZ_CHECK(code_serial_parse(text, CODE_SERIAL_CHARS,
		    serial) == 0);
		FUZZ_CHECK(memcmp(serial, list[i], CODE_SERIAL_BYTES) == 0);
	}
	free(list);
	return 0;
}
