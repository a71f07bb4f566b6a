/*
 * output.h — the record writer of the exports: rows of named fields as
 * RFC 4180 CSV (a header row, CRLF, quotes where needed) or JSON Lines
 * (one object per line, the field names as keys, numbers as numbers,
 * absent values as null).
 *
 * It is the inner loop of every export, so it formats by hand (no printf
 * family, no JSON library per row) into its own buffer, which goes to the
 * sink in blocks of OUTPUT_BLOCK bytes or more. Text fields are UTF-8:
 * a byte that is not part of valid UTF-8 is written as U+FFFD. Errors are
 * sticky: after a sink failure nothing more is written and output_flush
 * returns the error.
 */
#ifndef SCANLOOP_OUTPUT_H
#define SCANLOOP_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OUTPUT_BLOCK (128 * 1024)

enum output_format {
	OUTPUT_CSV,
	OUTPUT_JSONL,
};

/* Takes len bytes; returns 0 or a negative errno. */
typedef int (*output_sink_fn)(void *arg, const void *data, size_t len);

struct output {
	enum output_format format;
	size_t nfields;
	char **prefix;			/* per field: "," or ",\"name\":" */
	size_t *prefix_len;
	const char *const *names;
	size_t col;			/* fields written in this row */
	uint8_t *buf;
	size_t len, cap;
	output_sink_fn sink;
	void *sink_arg;
	int err;
	uint64_t bytes;			/* given to the sink so far */
	uint64_t rows;
	int64_t time_sec;		/* the cached date and time */
	char time_text[20];		/* "2026-06-01T12:00:00" */
};

/* Starts a writer of rows of the n fields names (which must outlive it).
 * Returns 0 or -ENOMEM. */
int output_init(struct output *o, enum output_format format,
    const char *const *names, size_t n, output_sink_fn sink, void *arg)
    __attribute__((warn_unused_result));
/* Frees the buffer (without flushing). */
void output_deinit(struct output *o);
/* Writes the header row (CSV; nothing for JSON Lines). */
void output_header(struct output *o);
/* Field writers: each writes the next field of the row. */
void output_str(struct output *o, const char *s);	/* NULL: absent */
void output_strn(struct output *o, const char *s, size_t len);
void output_u64(struct output *o, uint64_t v);
void output_i64(struct output *o, int64_t v);
/* Texts joined by sep ("a;b"): a JSON array of strings, or one CSV
 * field as it is; "" is [] or an empty field. */
void output_str_list(struct output *o, const char *joined, char sep);
/* Numbers as a JSON array, or one CSV field separated by spaces. */
void output_u64_list(struct output *o, const uint64_t *v, size_t n);
/* The shortest decimal that reads back as v (as a double, or as a float
 * with is_float). */
void output_double(struct output *o, double v, bool is_float);
/* Unix microseconds as ISO 8601 UTC: "2026-06-01T12:00:00.000001Z". */
void output_time(struct output *o, int64_t us);
/* An absent value: an empty CSV field, JSON null. */
void output_null(struct output *o);
/* Ends the row; hands the buffer to the sink once it holds a block. */
void output_row_end(struct output *o);
/* Appends bytes as they are (a line made elsewhere, e.g. with jansson). */
void output_raw(struct output *o, const void *data, size_t len);
/* Hands everything buffered to the sink. Returns 0 or the first error. */
int output_flush(struct output *o);
/*
 * Rows written directly (the scan export's inner loop, export_row.c):
 * output_row_reserve gives room for a row of at most n bytes at the end
 * of the buffer (NULL after an error), the pieces below write into it,
 * and output_row_commit ends the row at end. Each piece returns the end
 * of what it wrote.
 */
uint8_t *output_row_reserve(struct output *o, size_t n);
void output_row_commit(struct output *o, uint8_t *end);
/* A string field's value as a row holds it (quoted, escaped, UTF-8
 * repaired): at most 6 * len + 2 bytes. */
uint8_t *output_text_put(enum output_format f, uint8_t *d, const char *s,
    size_t len);
/* True if a JSON string holds a text as it is (no byte to escape, no
 * byte above 0x7f), checked a word or 16 bytes at a time. */
bool output_json_plain(const char *s, size_t len);
/* At most 20 bytes. */
uint8_t *output_u64_put(uint8_t *d, uint64_t v);
/* A finite v as output_double writes it: at most 40 bytes. */
uint8_t *output_double_put(uint8_t *d, double v, bool is_float);
/* What snprintf writes for v with "%.17g" ("%.9g" with is_float), for
 * output_double's numbers that no shorter text reads back as: out holds
 * 48 bytes; returns the length. */
size_t output_format_g(double v, bool is_float, char *out);
/* What snprintf(out, size, "%.*f", digits, v) writes, digits 0 to 9 and
 * size at least 32; returns the length written. */
size_t output_format_f(double v, int digits, char *out, size_t size);
/* A time as output_time writes it, without quotes: 27 bytes. */
uint8_t *output_time_put(struct output *o, int64_t us, uint8_t *d);
/* Formats Unix microseconds as output_time does (28 bytes with NUL). */
void output_format_time(int64_t us, char out[28]);

#endif
