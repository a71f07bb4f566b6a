/* serial_list.c — a list of serials or code URLs, one a line. */
#include "codegen/serial_list.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* Reads the list. */
int
serial_list_read(FILE *f, uint8_t (**out)[CODE_SERIAL_BYTES], size_t *n,
    size_t *lineno, const char **why)
{
	uint8_t (*v)[CODE_SERIAL_BYTES] = NULL, (*nv)[CODE_SERIAL_BYTES];
	size_t cap = 0, len = 0, linecap = 0;
	char *line = NULL;
	ssize_t got;
	int ret = 0;

	*lineno = 0;
	*why = NULL;
	while ((got = getline(&line, &linecap, f)) >= 0) {
		char *s = line, *e = line + got;
		struct code c;

		(*lineno)++;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == '\n' || e[-1] == '\r' ||
		    e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (s == e || *s == '#')
			continue;
		if (len == cap) {
			cap = cap ? cap * 2 : 1024;
			if ((nv = reallocarray(v, cap, sizeof(*v))) == NULL) {
				ret = -ENOMEM;
				goto fail;
			}
			v = nv;
		}
		if (memchr(s, '/', (size_t)(e - s)) != NULL) {
			if (code_parse(s, (size_t)(e - s), &c, why) < 0) {
				ret = -EINVAL;
				goto fail;
			}
			memcpy(v[len], c.serial, CODE_SERIAL_BYTES);
		} else if (code_serial_parse(s, (size_t)(e - s), v[len]) < 0) {
			*why = "not a serial (13 base32 characters)";
			ret = -EINVAL;
			goto fail;
		}
		len++;
	}
	if (ferror(f)) {
		ret = -EIO;
		goto fail;
	}
	free(line);
	*out = v;
	*n = len;
	return 0;
fail:
	free(line);
	free(v);
	return ret;
}
