/*
 * rawtext.c — the raw text kept with a forged or malformed scan event:
 * what was presented, without the secrets in it.
 *
 * Counterfeit attempts are data the brand wants, but a mistyped inner
 * draw code, or a code whose S= is one character off, is a near-valid
 * secret: whoever reads the store would be 16 × 31 online tries from the
 * real draw code, or a few offline Ed25519 checks from a real signature.
 * So the secret part (the token after any /D/, or the whole text of what
 * may be a typed draw code: no '/' and no longer than one; every S=
 * value) is kept as its first characters,
 * "...", "#" and 12 hex digits of a BLAKE2b hash keyed with a key of
 * server.secret (which the store does not hold): the same attempt, in any
 * letter case, gets the same hash, so repeats still group, and a copy of
 * the store cannot search for the rest.
 */
#include "scanner/scan_internal.h"

#include <sodium.h>
#include <string.h>

#define RAW_KEEP_TOKEN 4	/* of a draw token, as the access log */
#define RAW_KEEP_SIG 6		/* of an S= value, as the access log */
#define RAW_HASH_BYTES 6	/* 12 hex digits */

struct raw_out {
	char *p;
	size_t n, cap;		/* cap counts the NUL */
};

/* Appends len bytes, as many as fit. */
static void
raw_put(struct raw_out *o, const char *s, size_t len)
{
	size_t room = o->cap - 1 - o->n;

	if (len > room)
		len = room;
	memcpy(o->p + o->n, s, len);
	o->n += len;
}

/* Appends the redacted form of the secret s[0..len): its first keep
 * characters, "...#" and the keyed hash of the whole (upper-cased). */
static void
raw_put_secret(struct raw_out *o, const uint8_t key[32], const char *s,
    size_t len, size_t keep)
{
	static const char dom[] = "SCANLOOP-RAW-TEXT";
	crypto_generichash_state st;
	uint8_t h[RAW_HASH_BYTES];
	char hex[2 * RAW_HASH_BYTES + 1];

	crypto_generichash_init(&st, key, 32, sizeof(h));
	crypto_generichash_update(&st, (const uint8_t *)dom, sizeof(dom) - 1);
	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)s[i];

		if (c >= 'a' && c <= 'z')
			c -= 32;
		crypto_generichash_update(&st, &c, 1);
	}
	crypto_generichash_final(&st, h, sizeof(h));
	sodium_bin2hex(hex, sizeof(hex), h, sizeof(h));
	raw_put(o, s, len < keep ? len : keep);
	raw_put(o, "...#", 4);
	raw_put(o, hex, strlen(hex));
}

/* The end of a path segment's value: '?', '#', '&' or the end. */
static size_t
raw_value_end(const char *t, size_t i, size_t len, const char *stops)
{
	while (i < len && strchr(stops, t[i]) == NULL)
		i++;
	return i;
}

/* Writes text with its secrets redacted into out (cap bytes with the NUL,
 * cut to fit); drawcode says the text was presented as an inner draw code
 * (verify_result.drawcode): a bare text is then a token, whatever its
 * length. Returns the length written. */
size_t
scan_raw_redact(const uint8_t key[32], const char *t, size_t len,
    bool drawcode, char *out, size_t cap)
{
	struct raw_out o = { out, 0, cap };
	const char *d = NULL, *q;
	size_t i = 0, qs;

	if (len > 0) {
		d = memmem(t, len, "/D/", 3);
		if (d == NULL)
			d = memmem(t, len, "/d/", 3);
		if (d == NULL && memchr(t, '/', len) == NULL &&
		    (drawcode || len <= CODE_DRAW_TEXT_LEN + 4)) {
			/* A bare typed draw code: all of it is the token. */
			raw_put_secret(&o, key, t, len, RAW_KEEP_TOKEN);
			out[o.n] = '\0';
			return o.n;
		}
	}
	q = len > 0 ? memchr(t, '?', len) : NULL;
	qs = q != NULL ? (size_t)(q - t) + 1 : len;
	while (i < len) {
		size_t end;

		if (d != NULL && i == (size_t)(d - t) + 3) {
			end = raw_value_end(t, i, len, "?#");
			raw_put_secret(&o, key, t + i, end - i, RAW_KEEP_TOKEN);
			/* Once: an empty token ("/d/?S=") leaves i where it is. */
			d = NULL;
			i = end;
			continue;
		}
		if (i >= qs && (i == qs || t[i - 1] == '&') && i + 1 < len &&
		    (t[i] == 'S' || t[i] == 's') && t[i + 1] == '=') {
			raw_put(&o, t + i, 2);
			i += 2;
			end = raw_value_end(t, i, len, "&#");
			raw_put_secret(&o, key, t + i, end - i, RAW_KEEP_SIG);
			i = end;
			continue;
		}
		raw_put(&o, t + i, 1);
		i++;
	}
	out[o.n] = '\0';
	return o.n;
}
