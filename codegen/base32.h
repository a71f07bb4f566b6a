/*
 * base32.h — RFC 4648 base32, uppercase, without padding.
 *
 * The decoder is strict, so that each value has exactly one spelling: it
 * accepts either letter case but rejects any other character, a length that
 * does not match, and non-zero bits after the last whole byte.
 */
#ifndef SCANLOOP_BASE32_H
#define SCANLOOP_BASE32_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Characters needed for n bytes (no padding). */
#define BASE32_LEN(n) (((n) * 8 + 4) / 5)

/* Encodes len bytes as BASE32_LEN(len) uppercase characters and a NUL. */
void base32_encode(char *out, const uint8_t *in, size_t len)
    __attribute__((nonnull));
/* Decodes exactly BASE32_LEN(outlen) characters into outlen bytes.
 * Returns 0 or -EINVAL. */
int base32_decode(uint8_t *out, size_t outlen, const char *in, size_t inlen)
    __attribute__((warn_unused_result, nonnull));
/*
 * Reads base32 that a person typed (or a scanner passed on) into out: drops
 * spaces and hyphens anywhere (also the ideographic space, full-width and
 * Unicode hyphens and dashes a Chinese keyboard gives), folds full-width
 * letters and digits to ASCII, and reads the look-alikes that are not in the
 * alphabet as the letter they resemble: 0 as O, 1 as I, 8 as B. Characters
 * of the alphabet (either case) are kept as they are, so no two valid
 * spellings become the same. Returns the number of characters written, -EINVAL
 * for a character that is none of these, or -ENOSPC past cap.
 */
ssize_t base32_typed(const char *in, size_t len, char *out, size_t cap)
    __attribute__((warn_unused_result, nonnull));

#endif
