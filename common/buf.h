/*
 * buf.h — a growable byte buffer. Functions return 0 or -ENOMEM, so the
 * server can answer 503 instead of exiting when memory runs out.
 */
#ifndef SCANLOOP_BUF_H
#define SCANLOOP_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t *data;
	size_t len;
	size_t cap;
};

/* Makes room for at least extra more bytes. */
int buf_reserve(struct buf *b, size_t extra) __attribute__((warn_unused_result));
/* Appends len bytes. */
int buf_append(struct buf *b, const void *data, size_t len);
/* Appends a NUL-terminated string (without its NUL). */
int buf_puts(struct buf *b, const char *s);
/* Appends formatted text. */
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes the decimal digits of v to out (at most 20, no NUL); returns
 * their count. For hot paths that format numbers without printf. */
size_t buf_dec(char out[20], uint64_t v);
/* Empties the buffer, keeping its memory. */
void buf_reset(struct buf *b);
/* Frees the memory; the buffer is empty afterwards. */
void buf_free(struct buf *b);

#endif
