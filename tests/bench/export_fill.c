/*
 * export_fill.c — the export benchmark's fixture writer: adds scan events
 * to a store through the store API, as the server records them (a key, an
 * active batch of 10,000 codes; browser User-Agents, languages, visitors,
 * anonymised addresses, a location on every tenth scan, a forged text on
 * every fiftieth), in write transactions of 10,000 events.
 *
 *   export_fill DB N     adds N events (creating the store, key and batch
 *                        the first time)
 *   export_fill DB N --history
 *                        adds N events as a running server would leave
 *                        them for the report benchmark: spread over the
 *                        60 days before now, each code's events chained
 *                        and its summary kept (store_event_add_txn), and a
 *                        mix of people, apps, bots and HEAD requests, of
 *                        verdicts (forged, malformed, void) and of places
 */
#include "common/clock.h"
#include "store/store.h"
#include "store/verdict.h"

#include <errno.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FILL_CODES 10000
#define FILL_CHUNK 10000

/* Orders code entries by serial. */
static int
fill_cmp(const void *a, const void *b)
{
	return memcmp(((const struct store_code_entry *)a)->serial,
	    ((const struct store_code_entry *)b)->serial, STORE_SERIAL_BYTES);
}

/* Makes key 1 and an active batch of FILL_CODES codes; their serials go
 * to serials. */
static int
fill_batch(struct store *st, uint8_t (*serials)[STORE_SERIAL_BYTES])
{
	static struct store_code_entry e[FILL_CODES];
	uint8_t pub[STORE_KEY_PUBLIC_BYTES];
	struct store_batch b;
	struct store_mint *m;
	int ret;

	randombytes_buf(pub, sizeof(pub));
	if ((ret = store_key_add(st, 1, 1, pub, "HTTPS://S.EXAMPLE.COM",
	    clock_now_us())) < 0)
		return ret;
	memset(&b, 0, sizeof(b));
	b.key_id = 1;
	b.scheme = 1;
	strcpy(b.gtin, "09506000134352");
	strcpy(b.line, "line-1");
	b.count = FILL_CODES;
	if ((ret = store_mint_begin(st, &b, &m)) < 0)
		return ret;
	for (size_t i = 0; i < FILL_CODES; i++) {
		randombytes_buf(e[i].serial, STORE_SERIAL_BYTES);
		e[i].code.batch_id = b.id;
		randombytes_buf(e[i].code.check, STORE_CHECK_BYTES);
	}
	qsort(e, FILL_CODES, sizeof(e[0]), fill_cmp);
	if ((ret = store_mint_insert(m, e, FILL_CODES)) < 0 ||
	    (ret = store_mint_finish(m)) < 0) {
		store_mint_abort(m);
		return ret;
	}
	store_mint_free(m);
	for (size_t i = 0; i < FILL_CODES; i++)
		memcpy(serials[i], e[i].serial, STORE_SERIAL_BYTES);
	return store_batch_activate(st, b.id, clock_now_us(), &b);
}

/* Event i, as the server would record a phone's scan. */
static void
fill_event(uint64_t i, uint8_t (*serials)[STORE_SERIAL_BYTES],
    struct store_event *ev)
{
	static const char *const uas[] = {
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) "
		    "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 "
		    "Mobile/15E148 Safari/604.1",
		"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
		    "(KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
		"Mozilla/5.0 (Linux; U; Android 13; zh-cn; 2201123C) "
		    "AppleWebKit/537.36 (KHTML, like Gecko) MicroMessenger/8.0.43",
	};

	memset(ev, 0, offsetof(struct store_event, ua));
	ev->time = clock_now_us();
	memcpy(ev->serial, serials[i % FILL_CODES], STORE_SERIAL_BYTES);
	ev->batch_id = 1;
	ev->key_id = 1;
	ev->verdict = VERDICT_GENUINE;
	ev->flags = STORE_EVENT_F_HUMAN | STORE_EVENT_F_KNOWN |
	    STORE_EVENT_F_AUTH | STORE_EVENT_F_IP_ANON;
	ev->ip_family = 4;
	ev->ip[0] = 203;
	ev->ip[1] = (uint8_t)(i >> 8);
	ev->ip[2] = (uint8_t)i;
	randombytes_buf(ev->visitor, sizeof(ev->visitor));
	if (i % 10 == 0) {
		ev->flags |= STORE_EVENT_F_LOCATION;
		ev->lat = 31.2304 + (double)(i % 1000) / 10000;
		ev->lon = 121.4737 - (double)(i % 997) / 10000;
		ev->accuracy = 12.5f;
		ev->location_time = ev->time + 3000000;
	}
	snprintf(ev->ua, sizeof(ev->ua), "%s", uas[i % 3]);
	snprintf(ev->lang, sizeof(ev->lang), "zh-CN,zh;q=0.9,en;q=0.8");
	ev->raw[0] = '\0';
	if (i % 50 == 0) {
		ev->verdict = VERDICT_FORGED;
		ev->reason = (uint8_t)verdict_reason_code("bad signature");
		ev->flags &= (uint8_t)~STORE_EVENT_F_AUTH;
		snprintf(ev->raw, sizeof(ev->raw), "HTTPS://S.EXAMPLE.COM/01/"
		    "09506000134352/21/AAAAAAAAAAAAQ?S=CEAXWDASGEIIS4JZJOVEN3L27"
		    "L2PYTVNDD5EEEPZBFGCSKONJWE6Q7JUTWAXAJ34ZIMV3NRPLMYN2CBXND");
	}
}

/* Reshapes event i of n into the report's mix (--history). */
static void
fill_history(uint64_t i, uint64_t n, int64_t now, struct store_event *ev)
{
	static const double cities[][2] = {
		{ 31.23, 121.47 }, { 39.90, 116.40 }, { 23.13, 113.26 },
		{ 30.57, 104.07 }, { 22.54, 114.06 }, { 1.35, 103.82 },
	};
	uint32_t h = (uint32_t)(i * 2654435761u);
	unsigned who = h % 100;

	ev->time = now - 60LL * 86400 * 1000000 + (int64_t)((double)i /
	    (double)n * 60.0 * 86400 * 1000000);
	ev->flags &= (uint8_t)~(STORE_EVENT_F_HUMAN | STORE_EVENT_F_LOCATION);
	if (who < 70)
		ev->flags |= STORE_EVENT_F_HUMAN;
	else if (who < 76)
		ev->flags |= STORE_EVENT_F_HUMAN | STORE_EVENT_F_API;
	else if (who < 79)
		ev->flags |= STORE_EVENT_F_HEAD;
	if (ev->verdict == VERDICT_GENUINE && h % 211 == 0)
		ev->verdict = VERDICT_VOID;
	if (h % 97 == 0) {
		ev->verdict = VERDICT_MALFORMED;
		ev->flags &= (uint8_t)~(STORE_EVENT_F_AUTH |
		    STORE_EVENT_F_KNOWN);
		memset(ev->serial, 0, sizeof(ev->serial));
		ev->batch_id = 0;
		snprintf(ev->raw, sizeof(ev->raw), "https://example.org/%u", h);
	}
	if (who < 76 && h % 7 == 0) {
		const double *c = cities[h / 7 % 6];

		ev->flags |= STORE_EVENT_F_LOCATION;
		ev->lat = c[0] + (double)(h % 200) / 100 - 1;
		ev->lon = c[1] + (double)(h / 200 % 200) / 100 - 1;
		ev->accuracy = 20.0f;
		ev->location_time = ev->time + 3000000;
	}
	ev->ip[1] = (uint8_t)(h >> 8);
	ev->ip[2] = (uint8_t)(h >> 16);
}

int
main(int argc, char **argv)
{
	static uint8_t serials[FILL_CODES][STORE_SERIAL_BYTES];
	struct store *st;
	struct store_txn t;
	struct store_event ev;
	struct store_key k;
	struct store_code_scans scans;
	uint64_t n, done = 0;
	int64_t now = clock_now_us();
	bool history = argc == 4 && strcmp(argv[3], "--history") == 0;
	char *end;
	int ret;

	if ((argc != 3 && !history) || (n = strtoull(argv[2], &end, 10)) == 0 ||
	    *end) {
		fprintf(stderr, "usage: export_fill DB N [--history]\n");
		return 2;
	}
	if (sodium_init() < 0 || (ret = store_open(argv[1], STORE_CREATE,
	    &st)) < 0) {
		fprintf(stderr, "export_fill: cannot open %s\n", argv[1]);
		return 1;
	}
	if ((ret = store_txn_begin(st, true, &t)) == 0) {
		ret = store_key_get_txn(&t, 1, &k);
		store_txn_abort(&t);
	}
	if (ret == -ENOENT)
		ret = fill_batch(st, serials);
	else if (ret == 0)	/* a later fill: the codes' serials are random */
		for (size_t i = 0; i < FILL_CODES; i++)
			randombytes_buf(serials[i], STORE_SERIAL_BYTES);
	while (ret == 0 && done < n) {
		if ((ret = store_txn_begin(st, false, &t)) < 0)
			break;
		for (size_t i = 0; i < FILL_CHUNK && done < n && ret == 0; i++,
		    done++) {
			fill_event(done, serials, &ev);
			if (history) {
				fill_history(done, n, now, &ev);
				ret = store_event_add_txn(&t, &ev, &scans);
			} else
				ret = store_event_append_txn(&t, &ev);
		}
		if (ret == 0)
			ret = store_txn_commit(&t);
		else
			store_txn_abort(&t);
	}
	store_close(st);
	if (ret < 0) {
		fprintf(stderr, "export_fill: %s\n", store_strerror(ret));
		return 1;
	}
	return 0;
}
