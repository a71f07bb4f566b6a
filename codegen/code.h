/*
 * code.h — the scanloop code format v1: a signed GS1 Digital Link URI.
 *
 *   {BASE}/01/{GTIN}/21/{SERIAL}?S={SIG}
 *
 * SERIAL is base32 of 8 random bytes; SIG is base32 of header || key_id ||
 * tag, where header = version << 4 | scheme. The tag covers the message
 * "SCANLOOP1" || header || key_id || GTIN (14 ASCII digits) || serial.
 * docs/code-format.md is the normative description.
 */
#ifndef SCANLOOP_CODE_H
#define SCANLOOP_CODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codegen/gtin.h"

#define CODE_VERSION 1
#define CODE_SCHEME_ED25519 1
#define CODE_SCHEME_MAC 2

#define CODE_SERIAL_BYTES 8
#define CODE_SERIAL_CHARS 13
#define CODE_ED25519_TAG_BYTES 64
#define CODE_MAC_TAG_BYTES 10
#define CODE_TAG_MAX 64
#define CODE_MSG_DOMAIN "SCANLOOP1"
#define CODE_MSG_BYTES (9 + 1 + 1 + GTIN_LEN + CODE_SERIAL_BYTES)
/* What the store keeps of each code's tag (see code_check_digest). */
#define CODE_CHECK_BYTES 8
/* Longest code text we format or accept. */
#define CODE_TEXT_MAX 1024
#define CODE_BASE_URL_MAX 128
#define CODE_DEFAULT_BASE_URL "HTTPS://S.EXAMPLE.COM"

struct code {
	char gtin[GTIN_LEN + 1];
	uint8_t serial[CODE_SERIAL_BYTES];
	uint8_t version;
	uint8_t scheme;
	uint8_t key_id;
	uint8_t tag_len;
	uint8_t tag[CODE_TAG_MAX];
	/* Where the host was in the parsed text; host_len is 0 for a path. */
	uint16_t host_off;
	uint16_t host_len;
	bool host_https;		/* the URL's scheme is https */
};

/* Returns the tag length of a scheme, or 0 for an unknown scheme. */
size_t code_tag_len(int scheme);
/* Returns "ed25519", "mac" or NULL. */
const char *code_scheme_name(int scheme);
/* Parses "ed25519" or "mac"; returns the scheme or -EINVAL. */
int code_scheme_parse(const char *name);
/* Builds the signed message from gtin, serial, version, scheme and key_id. */
void code_message(const struct code *c, uint8_t msg[CODE_MSG_BYTES])
    __attribute__((nonnull));
/* Computes the digest the store keeps: BLAKE2b-64 of message || tag. It
 * reveals neither the tag nor, therefore, the code text. */
void code_check_digest(const struct code *c, uint8_t out[CODE_CHECK_BYTES])
    __attribute__((nonnull));
/* The same digest of any signed message and its tag (case codes). */
void code_digest_bytes(const uint8_t *msg, size_t len, const uint8_t *tag,
    size_t taglen, uint8_t out[CODE_CHECK_BYTES]) __attribute__((nonnull));
/* Formats a code's text into out (NUL-terminated). Returns its length,
 * or -ENOSPC when outlen is too small. */
int code_format(const struct code *c, const char *base_url, char *out,
    size_t outlen) __attribute__((nonnull));
/* Parses code text (a URL, or the path-and-query a server receives): a
 * GS1 Digital Link of a GTIN with a serial (codegen/gs1.h) in any of the
 * forms docs/code-format.md section 9 names, with surrounding whitespace.
 * Returns 0; -ENOENT (*why set, out->gtin and the host filled) for a
 * valid Digital Link of a product without a serial; or -EINVAL with *why
 * set to a short reason. */
int code_parse(const char *text, size_t len, struct code *out,
    const char **why) __attribute__((warn_unused_result, nonnull(1, 3)));
/* Reads the signature (the S parameter) of a query string into out's
 * version, scheme, key_id and tag. Returns 0 or -EINVAL with *why. */
int code_parse_query(const char *q, size_t len, struct code *out,
    const char **why) __attribute__((warn_unused_result, nonnull));
/* Formats a serial as its 13 base32 characters. */
void code_serial_text(const uint8_t serial[CODE_SERIAL_BYTES],
    char out[CODE_SERIAL_CHARS + 1]) __attribute__((nonnull));
/* Parses a serial's 13 base32 characters (any case). Returns 0 or -EINVAL. */
int code_serial_parse(const char *text, size_t len,
    uint8_t serial[CODE_SERIAL_BYTES]) __attribute__((warn_unused_result, nonnull));
/* True if a code's host (len bytes, from a URL of scheme https or not)
 * names the host of base_url: letter case, a trailing dot and the
 * scheme's default port do not count. */
bool code_host_is(const char *base_url, const char *host, size_t len,
    bool https) __attribute__((nonnull));
/* Checks and uppercases a base URL ("HTTPS://HOST[:PORT][/PATH]").
 * Returns 0 or -EINVAL with *why set. */
int code_base_url_normalize(const char *in, char out[CODE_BASE_URL_MAX + 1],
    const char **why) __attribute__((warn_unused_result, nonnull(1, 2)));

/*
 * Draw codes: the inner code a package hides (under the cap, a scratch-off
 * layer) that a prize draw takes, so that nobody draws on the shelf. An
 * 80-bit random token, printed as {BASE}/D/{TOKEN} (16 base32 characters)
 * and as "ABCD-EFGH-IJKL-MNOP" for typing. The store keeps only a keyed
 * BLAKE2b-128 hash of the token.
 */
#define CODE_DRAW_TOKEN_BYTES 10
#define CODE_DRAW_TOKEN_CHARS 16
#define CODE_DRAW_TEXT_LEN 19
#define CODE_DRAW_HASH_BYTES 16

/* Formats a draw code's URL. Returns its length or -ENOSPC. */
int code_draw_format(const uint8_t token[CODE_DRAW_TOKEN_BYTES],
    const char *base_url, char *out, size_t outlen) __attribute__((nonnull));
/* Formats the typing form "ABCD-EFGH-IJKL-MNOP". */
void code_draw_text(const uint8_t token[CODE_DRAW_TOKEN_BYTES],
    char out[CODE_DRAW_TEXT_LEN + 1]) __attribute__((nonnull));
/* Parses a draw code: its URL, the path /D/{TOKEN}, or the typed text (any
 * case, spaces and hyphens anywhere, 0/1/8 read as O/I/B: base32_typed).
 * Returns 0 or -EINVAL with *why. */
int code_draw_parse(const char *text, size_t len,
    uint8_t token[CODE_DRAW_TOKEN_BYTES], const char **why)
    __attribute__((warn_unused_result, nonnull(1, 3)));
/* The keyed hash the store keeps of a draw code. */
void code_draw_hash(const uint8_t key[32],
    const uint8_t token[CODE_DRAW_TOKEN_BYTES],
    uint8_t out[CODE_DRAW_HASH_BYTES]) __attribute__((nonnull));

#endif
