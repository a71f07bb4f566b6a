/*
 * sscc.h — aggregation codes: a case or pallet as a signed GS1 Digital
 * Link of its Serial Shipping Container Code.
 *
 *   {BASE}/00/{SSCC}?S={SIG}
 *
 * SSCC is 18 digits: an extension digit, the brand's GS1 company prefix,
 * a serial reference and the GS1 check digit. SIG is base32 of header ||
 * key_id || tag, as for item codes (code.h), but the tag covers the
 * message "SCANLOOP1SSCC" || header || key_id || SSCC (18 ASCII digits),
 * so that no item code's signature is ever a case code's.
 * docs/code-format.md section 10 is the normative description.
 */
#ifndef SCANLOOP_SSCC_H
#define SCANLOOP_SSCC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codegen/code.h"
#include "codegen/keys.h"
#include "store/dealer.h"

#define SSCC_LEN 18
#define SSCC_PREFIX_MIN 6		/* GS1 company prefix digits */
#define SSCC_PREFIX_MAX 12
#define SSCC_MSG_DOMAIN "SCANLOOP1SSCC"
#define SSCC_MSG_BYTES (13 + 1 + 1 + SSCC_LEN)

/* A signed aggregation code. */
struct sscc_code {
	char sscc[SSCC_LEN + 1];
	uint8_t version;
	uint8_t scheme;
	uint8_t key_id;
	uint8_t tag_len;
	uint8_t tag[CODE_TAG_MAX];
};

/* Checks a GS1 company prefix (6 to 12 digits). 0 or -EINVAL. */
int sscc_prefix_check(const char *prefix) __attribute__((warn_unused_result));
/* How many SSCCs a company prefix numbers: 10^(17 - its length). */
uint64_t sscc_capacity(const char *prefix) __attribute__((nonnull));
/* Makes the n-th SSCC of a prefix (n < sscc_capacity): the extension
 * digit and serial reference count n, then the check digit. */
void sscc_make(const char *prefix, uint64_t n, char out[SSCC_LEN + 1])
    __attribute__((nonnull));
/* True if text is 18 digits whose last is their GS1 check digit. */
bool sscc_valid(const char *text, size_t len) __attribute__((nonnull));
/* The 18 digits as a number (for store keys), and back. */
uint64_t sscc_to_u64(const char sscc[SSCC_LEN]) __attribute__((nonnull));
void sscc_from_u64(uint64_t v, char out[SSCC_LEN + 1])
    __attribute__((nonnull));

/* An SSCC's number as the 8-byte big-endian id of the store's records
 * (struct store_pack_ref), and back. */
void sscc_id_from_u64(uint64_t v, uint8_t id[8]) __attribute__((nonnull));
uint64_t sscc_id_to_u64(const uint8_t id[8]) __attribute__((nonnull));

/* Signs c->sscc with a key (sets version, scheme, key_id, tag). */
void sscc_sign(const struct keypair *kp, struct sscc_code *c)
    __attribute__((nonnull));
/* What the store keeps of a case code: BLAKE2b-64 of message || tag. */
void sscc_check_digest(const struct sscc_code *c,
    uint8_t out[CODE_CHECK_BYTES]) __attribute__((nonnull));
/* Formats the URL; returns its length or -ENOSPC. */
int sscc_format(const struct sscc_code *c, const char *base_url, char *out,
    size_t outlen) __attribute__((nonnull));
/* Parses an aggregation code: a URL or path holding /00/{SSCC}?S=SIG
 * (other query parameters allowed). Returns 0, or -EINVAL with *why. */
int sscc_parse(const char *text, size_t len, struct sscc_code *out,
    const char **why) __attribute__((warn_unused_result, nonnull(1, 3, 4)));
/* True if a path holds "/00/": an aggregation code's link. */
bool sscc_path_is(const char *path, size_t len) __attribute__((nonnull));

#endif
