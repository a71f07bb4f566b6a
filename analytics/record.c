/* record.c — a stored scan event decoded into a struct scan_record. */
#include "analytics/record.h"
#include "codegen/code.h"
#include "codegen/gs1.h"
#include "store/verdict.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

static const uint8_t record_zero[16];

/* Starts a decoder. */
void
record_decoder_init(struct record_decoder *d, struct store_txn *t)
{
	memset(d, 0, sizeof(*d));
	d->t = t;
	/* Looked up once here, not by a search per event. */
	for (int i = 0; i < 256; i++)
		d->reasons[i] = verdict_reason_name(i);
}

/* Frees the cached keys. */
void
record_decoder_deinit(struct record_decoder *d)
{
	for (size_t i = 0; i < 256; i++)
		free(d->keys[i]);
	memset(d->keys, 0, sizeof(d->keys));
}

/* A batch through the cache. */
int
record_batch_txn(struct record_decoder *d, uint32_t id,
    const struct store_batch **b)
{
	unsigned slot = id % RECORD_BATCH_CACHE;
	int ret;

	*b = NULL;
	if (!d->batches[slot].used || d->batches[slot].b.id != id) {
		ret = store_batch_get_txn(d->t, id, &d->batches[slot].b);
		if (ret < 0 && ret != -ENOENT)
			return ret;
		d->batches[slot].b.id = id;
		d->batches[slot].found = ret == 0 &&
		    d->batches[slot].b.state != STORE_BATCH_MINTING;
		d->batches[slot].used = true;
	}
	if (!d->batches[slot].found)
		return -ENOENT;
	*b = &d->batches[slot].b;
	return 0;
}

/* A key through the cache, or NULL when the store has none. */
static int
record_key_txn(struct record_decoder *d, uint8_t id, const struct store_key **k)
{
	int ret;

	*k = NULL;
	if (d->key_missing[id])
		return 0;
	if (d->keys[id] == NULL) {
		struct store_key *nk = calloc(1, sizeof(*nk));

		if (nk == NULL)
			return -ENOMEM;
		if ((ret = store_key_get_txn(d->t, id, nk)) < 0) {
			free(nk);
			if (ret != -ENOENT)
				return ret;
			d->key_missing[id] = true;
			return 0;
		}
		d->keys[id] = nk;
	}
	*k = d->keys[id];
	return 0;
}

/* Who scanned, from the event's flags. */
const char *
record_who(uint8_t flags)
{
	if (flags & STORE_EVENT_F_HEAD)
		return "head";
	if (!(flags & STORE_EVENT_F_HUMAN))
		return "bot";
	if (flags & STORE_EVENT_F_API)
		return "api";
	return "human";
}

/* Writes 16 bytes as 32 lowercase hex digits and a NUL. */
static void
record_hex16(const uint8_t in[16], char out[33])
{
#if defined(__SSE2__)
	/* Each nibble to '0' + nibble, plus 'a' - '0' - 10 above 9. */
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)in);
	__m128i mask = _mm_set1_epi8(0x0f);
	__m128i hi = _mm_and_si128(_mm_srli_epi16(v, 4), mask);
	__m128i lo = _mm_and_si128(v, mask);
	__m128i a = _mm_unpacklo_epi8(hi, lo), b = _mm_unpackhi_epi8(hi, lo);
	__m128i nine = _mm_set1_epi8(9), zero = _mm_set1_epi8('0');
	__m128i gap = _mm_set1_epi8('a' - '0' - 10);

	a = _mm_add_epi8(_mm_add_epi8(a, zero),
	    _mm_and_si128(_mm_cmpgt_epi8(a, nine), gap));
	b = _mm_add_epi8(_mm_add_epi8(b, zero),
	    _mm_and_si128(_mm_cmpgt_epi8(b, nine), gap));
	_mm_storeu_si128((__m128i *)(void *)out, a);
	_mm_storeu_si128((__m128i *)(void *)(out + 16), b);
#else
	static const char hex[] = "0123456789abcdef";

	for (int i = 0; i < 16; i++) {
		out[2 * i] = hex[in[i] >> 4];
		out[2 * i + 1] = hex[in[i] & 15];
	}
#endif
	out[32] = '\0';
}

/* Writes an unsigned number below 1000 in decimal. */
static char *
record_dec(char *o, unsigned v)
{
	if (v >= 100)
		*o++ = (char)('0' + v / 100);
	if (v >= 10)
		*o++ = (char)('0' + v / 10 % 10);
	*o++ = (char)('0' + v % 10);
	return o;
}

/* The stored address as text: dotted IPv4 without inet_ntop's locale
 * work, IPv6 through it. */
static void
record_ip(const struct store_event *ev, char out[RECORD_IP_MAX])
{
	char *o = out;

	if (ev->ip_family == 4) {
		for (int i = 0; i < 4; i++) {
			if (i > 0)
				*o++ = '.';
			o = record_dec(o, ev->ip[i]);
		}
		*o = '\0';
	} else if (ev->ip_family == 6) {
		if (inet_ntop(AF_INET6, ev->ip, out, RECORD_IP_MAX) == NULL)
			out[0] = '\0';
	} else
		out[0] = '\0';
}

/* The GTIN a forged or malformed code's text names, if it is a GS1
 * Digital Link (its signature may be cut short in the stored text: see
 * scanner/rawtext.c). */
static void
record_raw_gtin(const char *raw, char gtin[STORE_GTIN_LEN + 1])
{
	struct gs1_dl dl;
	const char *why;

	gtin[0] = '\0';
	if (raw[0] == '\0' || gs1_dl_parse(raw, strlen(raw), &dl, &why) < 0)
		return;
	memcpy(gtin, dl.gtin, STORE_GTIN_LEN);
	gtin[STORE_GTIN_LEN] = '\0';
}

/* Decodes one event. */
int
record_decode_txn(struct record_decoder *d, const struct store_event *ev,
    struct scan_record *r)
{
	const struct store_batch *b = NULL;
	const struct store_key *k = NULL;
	bool parsed = memcmp(ev->serial, record_zero, STORE_SERIAL_BYTES) != 0;
	int ret;

	r->event_id = ev->id;
	r->time = ev->time;
	r->verdict = verdict_name(ev->verdict);
	r->reason = d->reasons[ev->reason];
	if (parsed)
		code_serial_text(ev->serial, r->serial);
	else
		r->serial[0] = '\0';
	r->batch_id = ev->batch_id;
	r->line = NULL;
	if (ev->batch_id != 0) {
		ret = record_batch_txn(d, ev->batch_id, &b);
		if (ret < 0 && ret != -ENOENT)
			return ret;
	}
	if (b != NULL) {
		memcpy(r->gtin, b->gtin, sizeof(r->gtin));
		r->gtin[STORE_GTIN_LEN] = '\0';
		memcpy(d->line, b->line, sizeof(d->line));
		d->line[STORE_LINE_MAX] = '\0';
		r->line = d->line;
	} else
		record_raw_gtin(ev->raw, r->gtin);
	r->who = record_who(ev->flags);
	r->drawcode = (ev->flags & STORE_EVENT_F_DRAW) != 0;
	record_ip(ev, r->ip);
	if (memcmp(ev->visitor, record_zero, 16) != 0) {
		record_hex16(ev->visitor, r->visitor);
	} else
		r->visitor[0] = '\0';
	r->has_location = (ev->flags & STORE_EVENT_F_LOCATION) != 0;
	r->lat = ev->lat;
	r->lon = ev->lon;
	r->accuracy = ev->accuracy;
	r->location_time = ev->location_time;
	r->lang = ev->lang;
	r->ua = ev->ua;
	r->raw = ev->raw;
	r->prev_event_id = ev->prev_same_code;
	r->base_url = NULL;
	if (parsed) {
		if ((ret = record_key_txn(d, ev->key_id, &k)) < 0)
			return ret;
		if (k != NULL && k->base_url[0] != '\0')
			r->base_url = k->base_url;
	}
	return 0;
}
