/*
 * gs1.h — GS1 Application Identifiers and GS1 Digital Link URIs whose
 * primary key is a GTIN (AI 01), the only key a scanloop code carries.
 *
 * gs1_dl_parse follows the GS1 Digital Link URI syntax (standard 1.x, the
 * rules GS1's own syntax engine applies): the path is a stem, then
 * /01/{GTIN} and the GTIN's key qualifiers in their order (/22/ CPV,
 * /10/ lot, /21/ serial, each optional) or /235/ TPX; every value is
 * percent-decoded and checked against its AI's format; query parameters
 * with all-digit names are AIs (data attributes) that must be known,
 * non-empty, well formed, not repeated and not a key qualifier that
 * belongs in the path; other parameters are left to the caller.
 * docs/code-format.md, section 9, lists what scanloop takes as the same
 * code and where it differs from the syntax engine.
 */
#ifndef SCANLOOP_GS1_H
#define SCANLOOP_GS1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "codegen/gtin.h"

/* Longest AI value (AI 99: X..90). */
#define GS1_VALUE_MAX 90
/* AI 21, the serial: X..20. */
#define GS1_SERIAL_MAX 20
/* Longest text gs1_dl_parse takes. */
#define GS1_DL_MAX 1024

/* What a GS1 Digital Link URI of a GTIN holds. */
struct gs1_dl {
	char gtin[GTIN_LEN + 1];	/* 14 digits */
	bool has_serial;		/* an AI 21 in the path */
	uint8_t serial_len;
	char serial[GS1_SERIAL_MAX + 1];	/* percent-decoded */
	bool https;			/* scheme https (else http) */
	/* Offsets into the text given: host_len 0 for a path alone. */
	uint16_t host_off, host_len;
	/* The query, after '?' and before any '#' (query_len may be 0). */
	uint16_t query_off, query_len;
};

/* Returns true if the all-digit name (len characters) is a GS1 AI. */
bool gs1_ai_known(const char *ai, size_t len) __attribute__((nonnull));
/* Returns true if the AI may be a Digital Link data attribute (in the
 * query). */
bool gs1_ai_is_attribute(const char *ai, size_t len) __attribute__((nonnull));
/* Checks value (decoded, len bytes) against the format of AI ai (a known
 * AI): character set, length, check digits. Returns 0 or -EINVAL with
 * *why set. Content rules beyond these (dates, country codes) are not
 * checked. */
int gs1_ai_value_check(const char *ai, size_t ailen, const char *value,
    size_t len, const char **why) __attribute__((nonnull));
/* Decodes percent-escapes of in (len bytes) into out (cap bytes; the
 * result is never longer than the input). A '%' not followed by two hex
 * digits stays as it is; in a query component '+' is a space. Returns
 * the decoded length, or -EINVAL for an escaped NUL or -ENOSPC. */
ssize_t gs1_unescape(char *out, size_t cap, const char *in, size_t len,
    bool query) __attribute__((nonnull));
/* Parses a GS1 Digital Link URI of a GTIN (or the path and query that an
 * HTTP server receives; whitespace is not trimmed here). Returns 0, or
 * -EINVAL with *why set when the text is not one the standard accepts. */
int gs1_dl_parse(const char *text, size_t len, struct gs1_dl *out,
    const char **why) __attribute__((warn_unused_result, nonnull(1, 3)));

#endif
