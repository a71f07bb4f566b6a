/* fuzz_fixture_rewards.c — the router target's prize campaign, shops,
 * draw codes and claims. */
#include "fuzz_fixture.h"
#include "fuzz.h"
#include "codegen/base32.h"
#include "common/clock.h"
#include "rewards/campaign.h"
#include "rewards/group.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FX_DAY_US (86400LL * 1000000)
#define FX_HOUR_US (3600LL * 1000000)
#define FX_DRAW_TOKEN_DOMAIN "SCANLOOP-DRAWTOKEN"	/* code_page.c's */
#define FX_SEED_TRIES 10000000

static const char *const fx_shop_id[FX_SHOPS] = {
	[FX_SHOP_OK] = FX_SHOP_ID,
	[FX_SHOP_OTHER] = "fx-other",
	[FX_SHOP_REVOKED] = "fx-revoked",
};

/* The tier each start-up draw must pick (-1: none, a sealed ticket), and
 * the claim it makes (-1: none, points). */
static const int fx_pick[FX_PREDRAWS] = { 0, 1, 2, 3, -1 };
static const int fx_claim_of[FX_PREDRAWS] = { FX_CLAIM_PRIZE, FX_CLAIM_LATER,
    FX_CLAIM_GONE, -1, FX_CLAIM_TICKET };

/* The draw code token of code i of batch b. */
static void
fx_drawcode_token(enum fx_batch b, int i,
    uint8_t token[CODE_DRAW_TOKEN_BYTES])
{
	for (int k = 0; k < CODE_DRAW_TOKEN_BYTES; k++)
		token[k] = (uint8_t)(0xd0 + 0x10 * (int)b + i + 29 * k);
}

/* True for the batches minted with draw codes. */
static bool
fx_has_drawcodes(enum fx_batch b)
{
	return b == FX_ACTIVE_MAC || b == FX_VOID_MAC;
}

/* Orders draw codes by hash. */
static int
fx_drawcode_cmp(const void *a, const void *b)
{
	return memcmp(a, b, STORE_DRAWCODE_HASH_BYTES);
}

/* Inserts batch b's draw codes, as mint --draw-codes does. */
void
fx_drawcodes_insert(struct store_mint *m, enum fx_batch b, uint32_t batch_id,
    const struct keypair *ed, const struct keypair *mac, const uint8_t key[32])
{
	struct store_drawcode_entry e[FX_CODES];
	uint8_t token[CODE_DRAW_TOKEN_BYTES];
	struct code c;

	if (!fx_has_drawcodes(b))
		return;
	memset(e, 0, sizeof(e));
	for (int i = 0; i < FX_CODES; i++) {
		fx_drawcode_token(b, i, token);
		code_draw_hash(key, token, e[i].hash);
		fx_code(ed, mac, b, i, &c);
		memcpy(e[i].serial, c.serial, STORE_SERIAL_BYTES);
		e[i].batch_id = batch_id;
	}
	qsort(e, FX_CODES, sizeof(e[0]), fx_drawcode_cmp);
	FUZZ_CHECK(store_mint_insert_drawcodes(m, e, FX_CODES) == 0);
}

/* The path or typed form of a draw code. */
void
fx_drawcode(enum fx_batch b, int i, bool typed, char *out, size_t cap)
{
	uint8_t token[CODE_DRAW_TOKEN_BYTES];
	char url[CODE_TEXT_MAX];

	FUZZ_CHECK(fx_has_drawcodes(b));
	fx_drawcode_token(b, i, token);
	if (typed) {
		FUZZ_CHECK(cap > CODE_DRAW_TEXT_LEN);
		code_draw_text(token, out);
		return;
	}
	FUZZ_CHECK(code_draw_format(token, "", url, sizeof(url)) > 0);
	FUZZ_CHECK(snprintf(out, cap, "%s", url) < (int)cap);
}

/* As scan_draw_token in scanner/code_page.c. */
void
fx_draw_token(const uint8_t claim_key[32],
    const uint8_t serial[CODE_SERIAL_BYTES], uint64_t event_id,
    char out[FX_TOKEN_CHARS + 1])
{
	crypto_generichash_state st;
	uint8_t mac[16], idbe[8];

	for (int i = 0; i < 8; i++)
		idbe[i] = (uint8_t)(event_id >> (56 - 8 * i));
	crypto_generichash_init(&st, claim_key, 32, sizeof(mac));
	crypto_generichash_update(&st, (const uint8_t *)FX_DRAW_TOKEN_DOMAIN,
	    sizeof(FX_DRAW_TOKEN_DOMAIN) - 1);
	crypto_generichash_update(&st, serial, CODE_SERIAL_BYTES);
	crypto_generichash_update(&st, idbe, sizeof(idbe));
	crypto_generichash_final(&st, mac, sizeof(mac));
	base32_encode(out, mac, sizeof(mac));
}

/* Adds the shops (one revoked), keeping their tokens. */
static void
fx_shops(struct store *st, int64_t now, struct fx_rewards *rw)
{
	struct store_shop sh;
	struct store_txn t;

	FUZZ_CHECK(store_txn_begin(st, false, &t) == 0);
	for (int i = 0; i < FX_SHOPS; i++) {
		memset(&sh, 0, sizeof(sh));
		snprintf(sh.id, sizeof(sh.id), "%s", fx_shop_id[i]);
		snprintf(sh.name, sizeof(sh.name), "Shop <x-fuzz> %d", i);
		sh.created = now;
		token_shop_new(&sh, rw->shop_token[i]);
		if (i == FX_SHOP_OK) {	/* its check-in fence */
			sh.has_location = 1;
			sh.lat = FX_SHOP_LAT;
			sh.lon = FX_SHOP_LON;
			sh.radius_m = 200;
		}
		if (i == FX_SHOP_REVOKED) {
			sh.revoked = 1;
			sh.revoked_at = now;
		}
		FUZZ_CHECK(store_shop_add_txn(&t, &sh) == 0);
	}
	FUZZ_CHECK(store_txn_commit(&t) == 0);
}

/* Loads the campaign as `scanloop campaign load` does (its days
 * resolved), running from a day ago for thirty days. Its texts carry the
 * router oracle's markers: the pages must escape them. */
static struct campaign *
fx_campaign(uint32_t ed_id, uint32_t mac_id, int64_t now)
{
	struct campaign_errors errs = { NULL, 0 };
	struct campaign *c = NULL;
	char start[CLOCK_ISO8601_LEN], end[CLOCK_ISO8601_LEN];
	char later[CLOCK_ISO8601_LEN], gone[CLOCK_ISO8601_LEN], text[4096];
	int n;

	clock_format_iso8601(now - FX_DAY_US, start);
	clock_format_iso8601(now + 30 * FX_DAY_US, end);
	clock_format_iso8601(now + 10 * FX_DAY_US, later);
	clock_format_iso8601(now - FX_HOUR_US, gone);
	n = snprintf(text, sizeof(text), "{\"id\":\"" FX_CAMPAIGN "\","
	    "\"name\":\"Fuzz <x-fuzz> \\\"x-fuzz='x-fuzz prizes\","
	    "\"start\":\"%s\",\"end\":\"%s\",\"time_zone\":\"UTC\","
	    "\"scope\":{\"batches\":[%u,%u]},\"tiers\":["
	    "{\"id\":\"prize\",\"name\":\"A <x-fuzz> mug\","
	    "\"kind\":\"physical\",\"total\":1000,\"odds\":200000},"
	    "{\"id\":\"later\",\"name\":\"5 off, later\",\"kind\":\"coupon\","
	    "\"total\":1000,\"odds\":150000,\"coupon\":{"
	    "\"face_value\":\"5.00\",\"condition\":\"From <x-fuzz> next "
	    "week\",\"valid_from\":\"%s\",\"valid_days\":30}},"
	    "{\"id\":\"gone\",\"name\":\"3 off, gone\",\"kind\":\"coupon\","
	    "\"total\":1000,\"odds\":150000,\"coupon\":{\"face_value\":3,"
	    "\"currency\":\"EUR\",\"condition\":\"Expired\","
	    "\"valid_to\":\"%s\"}},"
	    "{\"id\":\"pts\",\"name\":\"Points\",\"kind\":\"points\","
	    "\"total\":100000,\"odds\":200000,\"points\":25},"
	    "{\"id\":\"box\",\"name\":\"Box\",\"kind\":\"physical\","
	    "\"total\":1000,\"daily_cap\":500,\"odds\":400000,"
	    "\"reveal\":\"at_store\"},"
	    "{\"id\":\"spot\",\"name\":\"Spot points\",\"kind\":\"points\","
	    "\"total\":1000,\"odds\":300000,\"points\":10,"
	    "\"reveal\":\"at_store\"}],"
	    "\"claim\":{\"window_days\":14,\"stores\":[\"%s\",\"%s\"]},"
	    "\"limits\":{\"draws_per_visitor_per_day\":1000,"
	    "\"draws_per_ip_prefix_per_hour\":100000,\"wins_per_visitor\":1},"
	    "\"checkin\":{\"reward\":{\"points\":5,\"draw\":true},"
	    "\"per_store_per_day\":1000,\"streak\":{\"days\":3,"
	    "\"reward\":{\"points\":50}}},"
	    "\"group\":{\"size\":2,\"window_hours\":720}}",
	    start, end, ed_id, mac_id, later, gone, fx_shop_id[FX_SHOP_OK],
	    fx_shop_id[FX_SHOP_REVOKED]);
	FUZZ_CHECK(n > 0 && n < (int)sizeof(text));
	if (campaign_parse(text, (size_t)n, true, &c, &errs) != 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "fx_campaign: %s\n", errs.msgs[i]);
		abort();
	}
	campaign_errors_free(&errs);
	return c;
}

/* The serial of start-up draw k. */
static void
fx_predraw_serial(int k, uint8_t serial[STORE_SERIAL_BYTES])
{
	struct keypair *ed = NULL, *mac = NULL;
	struct code c;

	fx_keys(&ed, &mac);
	fx_code(ed, mac, FX_ACTIVE_ED, FX_PREDRAW_FIRST + k, &c);
	memcpy(serial, c.serial, STORE_SERIAL_BYTES);
	keys_free(ed);
	keys_free(mac);
}

/* True when the start-up draws pick fx_pick under seed (with stock to
 * spare, the pick decides). */
static bool
fx_seed_fits(const struct campaign *c, const uint8_t seed[32],
    uint8_t serial[FX_PREDRAWS][STORE_SERIAL_BYTES])
{
	for (int k = 0; k < FX_PREDRAWS; k++)
		if (draw_pick(c, CAMPAIGN_ONLINE, draw_uniform(draw_random(seed,
		    c->id, serial[k], (uint64_t)k + 1, STORE_DRAW_ONLINE))) !=
		    fx_pick[k])
			return false;
	return true;
}

/* The campaign seed: the first of a fixed sequence that fits. */
static void
fx_campaign_seed(const struct campaign *c, uint8_t seed[32])
{
	uint8_t serial[FX_PREDRAWS][STORE_SERIAL_BYTES];

	for (int k = 0; k < FX_PREDRAWS; k++)
		fx_predraw_serial(k, serial[k]);
	for (uint32_t n = 0;; n++) {
		FUZZ_CHECK(n < FX_SEED_TRIES);
		crypto_generichash(seed, 32, (const uint8_t *)&n, sizeof(n),
		    NULL, 0);
		if (fx_seed_fits(c, seed, serial))
			return;
	}
}

/* Runs the start-up draws, each by its own visitor. */
static void
fx_predraws(struct store *st, struct campaign *c, const uint8_t claim_key[32],
    int64_t now, struct fx_rewards *rw)
{
	struct draw_request rq;
	struct draw_result res;
	struct store_txn t;

	for (int k = 0; k < FX_PREDRAWS; k++) {
		memset(&rq, 0, sizeof(rq));
		rq.c = c;
		fx_predraw_serial(k, rq.serial);
		memcpy(rq.visitor, "fx start-up draw", STORE_VISITOR_BYTES);
		rq.visitor[STORE_VISITOR_BYTES - 1] = (uint8_t)('0' + k);
		rq.net[0] = 4;
		rq.net[1] = 127;
		rq.now = now;
		rq.claim_key = claim_key;
		rq.tallies = &tallies_store;
		FUZZ_CHECK(store_txn_begin(st, false, &t) == 0);
		FUZZ_CHECK(draw_online_txn(&t, &rq, &res) == 0);
		FUZZ_CHECK(store_txn_commit(&t) == 0);
		FUZZ_CHECK(res.status == DRAW_NEW);
		FUZZ_CHECK(res.draw.outcome == (fx_pick[k] < 0 ?
		    STORE_OUTCOME_TICKET : fx_pick[k] + 1));
		FUZZ_CHECK(res.has_claim == (fx_claim_of[k] >= 0));
		if (fx_claim_of[k] >= 0)
			memcpy(rw->claim_token[fx_claim_of[k]], res.claim_token,
			    sizeof(res.claim_token));
		else
			memcpy(rw->points_visitor, rq.visitor,
			    STORE_VISITOR_BYTES);
	}
}

/* Starts group FX_GROUP_ID, its creator the visitor who won pts. */
static void
fx_group(struct store *st, struct campaign *c, const uint8_t claim_key[32],
    int64_t now, const struct fx_rewards *rw)
{
	struct group_request rq;
	struct group_result res;
	struct store_txn t;

	memset(&rq, 0, sizeof(rq));
	rq.c = c;
	memcpy(rq.id, FX_GROUP_ID, STORE_GROUP_ID_BYTES);
	memcpy(rq.visitor, rw->points_visitor, STORE_VISITOR_BYTES);
	rq.net[0] = 4;
	rq.now = now;
	rq.claim_key = claim_key;
	rq.tallies = &tallies_store;
	FUZZ_CHECK(store_txn_begin(st, false, &t) == 0);
	FUZZ_CHECK(group_start_txn(&t, &rq, &res) == 0);
	FUZZ_CHECK(store_txn_commit(&t) == 0);
	FUZZ_CHECK(res.status == GROUP_OPEN);
}

/* Adds the shops and the campaign, then draws. */
void
fx_rewards(struct store *st, const uint8_t claim_key[32], uint32_t ed_id,
    uint32_t mac_id, int64_t now, struct fx_rewards *rw)
{
	struct fx_rewards local;
	struct store_campaign hdr;
	struct store_txn t;
	struct campaign *c;

	if (rw == NULL)
		rw = &local;
	memset(rw, 0, sizeof(*rw));
	memcpy(rw->claim_key, claim_key, 32);
	fx_shops(st, now, rw);
	c = fx_campaign(ed_id, mac_id, now);
	memset(&hdr, 0, sizeof(hdr));
	snprintf(hdr.id, sizeof(hdr.id), "%s", c->id);
	hdr.state = STORE_CAMPAIGN_ACTIVE;
	hdr.loaded = hdr.changed = now;
	hdr.start = c->start;
	hdr.end = c->end;
	fx_campaign_seed(c, hdr.seed);
	crypto_generichash(hdr.commitment, 32, hdr.seed, 32, NULL, 0);
	FUZZ_CHECK(store_txn_begin(st, false, &t) == 0);
	FUZZ_CHECK(store_campaign_add_txn(&t, &hdr, c->config, c->config_len) ==
	    0);
	FUZZ_CHECK(store_txn_commit(&t) == 0);
	c->hdr = hdr;
	fx_predraws(st, c, claim_key, now, rw);
	fx_group(st, c, claim_key, now, rw);
	campaign_unref(c, __func__);
}
