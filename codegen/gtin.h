/*
 * gtin.h — GS1 Global Trade Item Numbers.
 *
 * GTIN-8, -12, -13 and -14 are accepted and left-padded with zeros to the
 * 14 digits that GS1 Digital Link and the signed message use.
 */
#ifndef SCANLOOP_GTIN_H
#define SCANLOOP_GTIN_H

#include <stddef.h>

#define GTIN_LEN 14

/* Computes the GS1 check digit ('0'..'9') of the first n digits. */
char gtin_check_digit(const char *digits, size_t n) __attribute__((nonnull));
/* Normalizes text of len characters to 14 digits plus a NUL.
 * Returns 0, -EINVAL (not 8/12/13/14 digits) or -EBADMSG (check digit). */
int gtin_normalize(const char *text, size_t len, char out[GTIN_LEN + 1])
    __attribute__((warn_unused_result, nonnull));

#endif
