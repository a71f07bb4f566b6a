/* settle.c — the settlement lines' hash chain and the closing of a month. */
#include "rewards/settle.h"

#include <errno.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codegen/base32.h"
#include "common/clock.h"
#include "common/tz.h"
#include "store/dealer.h"

static_assert(CAMPAIGN_TEXT_MAX <= STORE_SETTLE_PRIZE_MAX,
    "a prize's name fits a settlement line");

const char *const settle_field_names[SETTLE_FIELDS] = {
	"seq", "time", "claim", "campaign", "tier", "prize", "store",
	"dealer", "face_value", "currency",
};

const char *const settle_period_names[SETTLE_PERIOD_FIELDS] = {
	"period", "time_zone", "start", "end", "after", "through", "lines",
	"prev_head", "head", "closed", "key", "public_key",
};

/* Hex of bytes, lower case. */
void
settle_hex(const uint8_t *bin, size_t len, char *out, size_t cap)
{
	sodium_bin2hex(out, cap, bin, len);
}

/* The text of a line's fields. */
void
settle_line_text(const struct store_settle_line *l, struct settle_text *tx)
{
	snprintf(tx->seq, sizeof(tx->seq), "%" PRIu64, l->seq);
	clock_format_iso8601_us(l->time, tx->time);
	base32_encode(tx->claim, l->claim_id, STORE_CLAIM_ID_BYTES);
	settle_amount_text(l->face, tx->face);
	tx->v[0] = tx->seq;
	tx->v[1] = tx->time;
	tx->v[2] = tx->claim;
	tx->v[3] = l->campaign;
	tx->v[4] = l->tier_id;
	tx->v[5] = l->prize;
	tx->v[6] = l->shop;
	tx->v[7] = l->dealer;
	tx->v[8] = tx->face;
	tx->v[9] = l->currency;
}

/* SHA-256 of prev and the fields as netstrings. */
void
settle_hash_fields(const uint8_t prev[STORE_SETTLE_HASH_BYTES],
    const char *const v[SETTLE_FIELDS], uint8_t out[STORE_SETTLE_HASH_BYTES])
{
	crypto_hash_sha256_state h;
	char len[24];

	crypto_hash_sha256_init(&h);
	crypto_hash_sha256_update(&h, prev, STORE_SETTLE_HASH_BYTES);
	for (size_t i = 0; i < SETTLE_FIELDS; i++) {
		size_t n = strlen(v[i]);

		snprintf(len, sizeof(len), "%zu:", n);
		crypto_hash_sha256_update(&h, (const uint8_t *)len, strlen(len));
		crypto_hash_sha256_update(&h, (const uint8_t *)v[i], n);
		crypto_hash_sha256_update(&h, (const uint8_t *)",", 1);
	}
	crypto_hash_sha256_final(&h, out);
}

/* Appends a redemption's settlement line to the chain. */
int
settle_append_txn(struct store_txn *t, const struct store_claim *cl,
    const struct campaign *c, const struct store_shop *s,
    struct store_log_entry *e)
{
	struct store_settle_line l;
	struct settle_text tx;
	uint64_t last;
	int ret;

	memset(&l, 0, sizeof(l));
	if ((ret = store_settle_head_txn(t, &last, l.prev)) < 0)
		return ret;
	l.seq = last + 1;
	l.time = e->time;
	memcpy(l.claim_id, e->claim_id, sizeof(l.claim_id));
	l.tier = cl->tier;
	snprintf(l.campaign, sizeof(l.campaign), "%s", cl->campaign);
	snprintf(l.shop, sizeof(l.shop), "%s", s->id);
	if ((ret = store_shop_dealer_get_txn(t, s->id, l.dealer)) == -ENOENT)
		l.dealer[0] = '\0';	/* a store of no dealer */
	else if (ret < 0)
		return ret;
	if (cl->tier > 0 && cl->tier <= c->ntiers) {
		const struct campaign_tier *tr = &c->tiers[cl->tier - 1];

		snprintf(l.tier_id, sizeof(l.tier_id), "%s", tr->id);
		snprintf(l.prize, sizeof(l.prize), "%s", tr->name);
		snprintf(l.currency, sizeof(l.currency), "%s", tr->currency);
		l.face = tr->face;
	}
	settle_line_text(&l, &tx);
	settle_hash_fields(l.prev, tx.v, l.hash);
	return store_settle_append_txn(t, e, &l);
}

/* Hundredths as text. */
void
settle_amount_text(int64_t v, char out[SETTLE_AMOUNT_LEN])
{
	uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	snprintf(out, SETTLE_AMOUNT_LEN, "%s%" PRIu64 ".%02u", v < 0 ? "-" : "",
	    a / 100, (unsigned)(a % 100));
}

/* A face value into hundredths, rounding half up. */
int
settle_amount_parse(const char *s, int64_t *out)
{
	size_t n = strspn(s, "0123456789"), f = 0;
	int64_t v = 0;

	*out = 0;
	if (*s == '\0')
		return 0;
	if (n > SETTLE_AMOUNT_DIGITS)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	v *= 100;
	if (s[n] == '.') {
		f = strspn(s + n + 1, "0123456789");
		if (s[n + 1 + f] != '\0')
			return -EINVAL;
		if (f > 0)
			v += (s[n + 1] - '0') * 10;
		if (f > 1)
			v += s[n + 2] - '0';
		if (f > 2 && s[n + 3] >= '5')
			v++;
	} else if (s[n] != '\0')
		return -EINVAL;
	if (n == 0 && f == 0)
		return -EINVAL;
	*out = v;
	return 0;
}

/* A period id: "YYYY-MM", 1970-01 to 9999-12. */
bool
settle_period_ok(const char *id)
{
	int y, m;

	if (strlen(id) != STORE_SETTLE_PERIOD_LEN || id[4] != '-' ||
	    strspn(id, "0123456789") != 4 || strspn(id + 5, "0123456789") != 2)
		return false;
	y = atoi(id);
	m = atoi(id + 5);
	return y >= 1970 && m >= 1 && m <= 12;
}

/* Formats a year and month as a period id. */
static void
settle_period_format(int y, int m, char out[STORE_SETTLE_PERIOD_LEN + 1])
{
	char text[32];

	snprintf(text, sizeof(text), "%04d-%02d", y, m);
	snprintf(out, STORE_SETTLE_PERIOD_LEN + 1, "%.7s", text);
}

/* The month after. */
void
settle_period_next(const char *id, char out[STORE_SETTLE_PERIOD_LEN + 1])
{
	int y = atoi(id), m = atoi(id + 5);

	if (++m > 12) {
		m = 1;
		y++;
	}
	settle_period_format(y % 10000, m, out);
}

/* The month that holds t in zone tz. */
int
settle_period_of(int64_t t, const char *tz,
    char out[STORE_SETTLE_PERIOD_LEN + 1])
{
	time_t s = (time_t)(t / 1000000);
	char *saved;
	struct tm tm;
	bool ok;

	if (!tz_known(tz) || tz_push(tz, &saved) < 0)
		return -EINVAL;
	tzset();
	ok = localtime_r(&s, &tm) != NULL;
	tz_pop(saved);
	tzset();
	if (!ok || tm.tm_year + 1900 < 1970 || tm.tm_year + 1900 > 9999)
		return -EINVAL;
	settle_period_format(tm.tm_year + 1900, tm.tm_mon + 1, out);
	return 0;
}

/* Local midnight of the first of a month in the zone TZ is set to. */
static int64_t
settle_month_start(int y, int m)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = 1;
	tm.tm_isdst = -1;
	return (int64_t)mktime(&tm) * 1000000;
}

/* A period's start and end. */
int
settle_period_bounds(const char *id, const char *tz, int64_t *start,
    int64_t *end)
{
	char next[STORE_SETTLE_PERIOD_LEN + 1], *saved;

	if (!settle_period_ok(id) || !tz_known(tz))
		return -EINVAL;
	if (tz_push(tz, &saved) < 0)
		return -ENOMEM;
	tzset();
	settle_period_next(id, next);
	*start = settle_month_start(atoi(id), atoi(id + 5));
	*end = settle_month_start(atoi(next), atoi(next + 5));
	tz_pop(saved);
	tzset();
	return 0;
}

struct settle_close {
	struct store_settle_period *p;
	bool first;			/* no period was closed before */
	struct settle_why *why;
};

/* Takes the next line into the period while it is dated before its end. */
static int
settle_close_cb(const struct store_settle_line *l, void *arg)
{
	struct settle_close *sc = arg;
	struct store_settle_period *p = sc->p;
	uint8_t hash[STORE_SETTLE_HASH_BYTES];
	char month[STORE_SETTLE_PERIOD_LEN + 1];
	struct settle_text tx;

	if (l->time >= p->end)
		return 1;
	if (sc->first && l->time < p->start) {
		if (settle_period_of(l->time, p->tz, month) < 0)
			snprintf(month, sizeof(month), "?");
		snprintf(sc->why->text, sizeof(sc->why->text), "redemptions of "
		    "%s are not settled: settle --period %s first", month,
		    month);
		return -EINVAL;
	}
	settle_line_text(l, &tx);
	settle_hash_fields(l->prev, tx.v, hash);
	if (memcmp(l->prev, p->head, sizeof(hash)) != 0 ||
	    memcmp(hash, l->hash, sizeof(hash)) != 0) {
		snprintf(sc->why->text, sizeof(sc->why->text), "the redemption "
		    "log's chain is broken at line %" PRIu64 " (the store is "
		    "damaged or was changed)", l->seq);
		return -EBADMSG;
	}
	memcpy(p->head, hash, sizeof(hash));
	p->through = l->seq;
	p->lines++;
	return 0;
}

/* Prepares the closing of a period. */
int
settle_close_txn(struct store_txn *t, const char *id, const char *tz,
    int64_t now, struct store_settle_period *p, struct settle_why *why)
{
	struct store_settle_period last;
	struct settle_close sc = { p, true, why };
	char next[STORE_SETTLE_PERIOD_LEN + 1], when[CLOCK_ISO8601_LEN];
	const char *zone;
	int ret;

	why->text[0] = '\0';
	if ((ret = store_settle_period_get_txn(t, id, p)) != -ENOENT)
		return ret == 0 ? 1 : ret;
	memset(p, 0, sizeof(*p));
	if ((ret = store_settle_period_last_txn(t, &last)) < 0 &&
	    ret != -ENOENT)
		return ret;
	sc.first = ret == -ENOENT;
	zone = tz != NULL ? tz : sc.first ? "UTC" : last.tz;
	if (!sc.first && strcmp(zone, last.tz) != 0) {
		snprintf(why->text, sizeof(why->text), "the periods closed so "
		    "far are months of %s, not %s", last.tz, zone);
		return -EINVAL;
	}
	if (strlen(zone) > STORE_SETTLE_TZ_MAX || !tz_known(zone)) {
		snprintf(why->text, sizeof(why->text), "unknown time zone %s",
		    zone);
		return -EINVAL;
	}
	snprintf(p->id, sizeof(p->id), "%s", id);
	snprintf(p->tz, sizeof(p->tz), "%s", zone);
	if ((ret = settle_period_bounds(id, zone, &p->start, &p->end)) < 0) {
		snprintf(why->text, sizeof(why->text), "not a period: %s", id);
		return ret;
	}
	if (!sc.first) {
		settle_period_next(last.id, next);
		if (strcmp(id, next) != 0) {
			snprintf(why->text, sizeof(why->text), strcmp(id,
			    last.id) < 0 ? "%s lies before %s, the last closed "
			    "period: it can no longer be closed" : "settle "
			    "--period %s first", strcmp(id, last.id) < 0 ? id :
			    next, last.id);
			return -EINVAL;
		}
		p->after = last.through;
		memcpy(p->prev_head, last.head, sizeof(p->prev_head));
	}
	if (p->end > now) {
		clock_format_iso8601(p->end, when);
		snprintf(why->text, sizeof(why->text), "%s has not ended yet "
		    "(it ends at %s)", id, when);
		return -EINVAL;
	}
	p->through = p->after;
	memcpy(p->head, p->prev_head, sizeof(p->head));
	p->closed = now;
	return store_settle_foreach_txn(t, p->after, UINT64_MAX,
	    settle_close_cb, &sc);
}

/* The text of a period's fields. */
void
settle_period_text(const struct store_settle_period *p,
    struct settle_period_text *tx)
{
	clock_format_iso8601_us(p->start, tx->start);
	clock_format_iso8601_us(p->end, tx->end);
	clock_format_iso8601_us(p->closed, tx->closed);
	snprintf(tx->after, sizeof(tx->after), "%" PRIu64, p->after);
	snprintf(tx->through, sizeof(tx->through), "%" PRIu64, p->through);
	snprintf(tx->lines, sizeof(tx->lines), "%" PRIu64, p->lines);
	settle_hex(p->prev_head, sizeof(p->prev_head), tx->prev_head,
	    sizeof(tx->prev_head));
	settle_hex(p->head, sizeof(p->head), tx->head, sizeof(tx->head));
	snprintf(tx->key, sizeof(tx->key), "%u", p->key_id);
	settle_hex(p->public_key, sizeof(p->public_key), tx->public_key,
	    sizeof(tx->public_key));
	settle_hex(p->seal, sizeof(p->seal), tx->seal, sizeof(tx->seal));
	tx->v[0] = p->id;
	tx->v[1] = p->tz;
	tx->v[2] = tx->start;
	tx->v[3] = tx->end;
	tx->v[4] = tx->after;
	tx->v[5] = tx->through;
	tx->v[6] = tx->lines;
	tx->v[7] = tx->prev_head;
	tx->v[8] = tx->head;
	tx->v[9] = tx->closed;
	tx->v[10] = tx->key;
	tx->v[11] = tx->public_key;
}

/* The text a seal signs: a title line, then "name: value" lines. */
size_t
settle_period_message(const char *const v[SETTLE_PERIOD_FIELDS],
    char out[SETTLE_PERIOD_MESSAGE_MAX])
{
	size_t n = (size_t)snprintf(out, SETTLE_PERIOD_MESSAGE_MAX,
	    "scanloop settlement period 1\n");

	for (size_t i = 0; i < SETTLE_PERIOD_FIELDS &&
	    n < SETTLE_PERIOD_MESSAGE_MAX; i++)
		n += (size_t)snprintf(out + n, SETTLE_PERIOD_MESSAGE_MAX - n,
		    "%s: %s\n", settle_period_names[i], v[i]);
	return n < SETTLE_PERIOD_MESSAGE_MAX ? n : SETTLE_PERIOD_MESSAGE_MAX - 1;
}

/* Seals a period. */
void
settle_period_seal(struct store_settle_period *p, uint8_t key_id,
    const uint8_t public_key[32], const uint8_t secret[64])
{
	struct settle_period_text tx;
	char msg[SETTLE_PERIOD_MESSAGE_MAX];
	size_t n;

	p->key_id = key_id;
	memcpy(p->public_key, public_key, sizeof(p->public_key));
	settle_period_text(p, &tx);
	n = settle_period_message(tx.v, msg);
	crypto_sign_detached(p->seal, NULL, (const uint8_t *)msg, n, secret);
}

/* Checks a period's seal. */
int
settle_period_check(const struct store_settle_period *p,
    const uint8_t public_key[32])
{
	struct settle_period_text tx;
	char msg[SETTLE_PERIOD_MESSAGE_MAX];
	size_t n;

	settle_period_text(p, &tx);
	n = settle_period_message(tx.v, msg);
	return crypto_sign_verify_detached(p->seal, (const uint8_t *)msg, n,
	    public_key) == 0 ? 0 : -EBADMSG;
}
