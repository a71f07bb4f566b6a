/* rewards.c — campaigns, counters, draws, claims, shops, points, draw codes. */
#include "store/store_internal.h"
#include "common/fnv.h"

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

static_assert(sizeof(struct store_points_entry) == 80, "points layout");
static_assert(sizeof(struct store_shop) == 320, "shop layout");

#define STORE_COUNTER_KEY (STORE_ID_MAX + 1 + 16 + 4)

/* The balance record of a visitor. */
struct store_points_balance {
	int64_t balance;
	uint64_t entries;
};

/* Pads an id to its key form; -EINVAL if empty or too long. */
int
store_id_key(const char *id, uint8_t key[STORE_ID_MAX])
{
	size_t n = strlen(id);

	if (n == 0 || n > STORE_ID_MAX)
		return -EINVAL;
	memset(key, 0, STORE_ID_MAX);
	memcpy(key, id, n);
	return 0;
}

/* Writes v big-endian. */
static void
store_be64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* Reads a big-endian u64. */
static uint64_t
store_get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* ---- campaigns ------------------------------------------------------ */

/* Bumps the campaigns generation. */
static int
store_campaigns_bump_txn(struct store_txn *t)
{
	uint64_t gen;

	return store_counter_next_txn(t, "campaigns_gen", &gen);
}

/* Adds a campaign and its configuration. */
int
store_campaign_add_txn(struct store_txn *t, const struct store_campaign *c,
    const char *config, size_t len)
{
	uint8_t key[STORE_ID_MAX];
	struct store_campaign rec;
	int ret;

	if ((ret = store_id_key(c->id, key)) < 0)
		return ret;
	memset(&rec, 0, sizeof(rec));
	memcpy(&rec, c, sizeof(rec));
	if ((ret = store_put_txn(t, STORE_DB_CAMPAIGNS, key, sizeof(key), &rec,
	    sizeof(rec), MDB_NOOVERWRITE)) < 0)
		return ret;
	if ((ret = store_put_txn(t, STORE_DB_CAMPAIGN_CONFIG, key, sizeof(key),
	    config, len, MDB_NOOVERWRITE)) < 0)
		return ret == -EEXIST ? store_txn_fail(t, -EIO) : ret;
	return store_campaigns_bump_txn(t);
}

/* Reads a campaign header. */
int
store_campaign_get_txn(struct store_txn *t, const char *id,
    struct store_campaign *c)
{
	uint8_t key[STORE_ID_MAX];

	if (store_id_key(id, key) < 0)
		return -ENOENT;
	return store_get_txn(t, STORE_DB_CAMPAIGNS, key, sizeof(key), c,
	    sizeof(*c));
}

/* Writes a campaign header. */
int
store_campaign_put_txn(struct store_txn *t, const struct store_campaign *c,
    bool bump)
{
	uint8_t key[STORE_ID_MAX];
	int ret;

	if ((ret = store_id_key(c->id, key)) < 0)
		return ret;
	if ((ret = store_put_txn(t, STORE_DB_CAMPAIGNS, key, sizeof(key), c,
	    sizeof(*c), 0)) < 0)
		return ret;
	return bump ? store_campaigns_bump_txn(t) : 0;
}

/* Reads a campaign's configuration. */
int
store_campaign_config_txn(struct store_txn *t, const char *id, char **config,
    size_t *len)
{
	uint8_t key[STORE_ID_MAX];
	MDB_val k, v;
	int rc;

	if (t->ret != 0)
		return t->ret;
	if (store_id_key(id, key) < 0)
		return -ENOENT;
	k.mv_size = sizeof(key);
	k.mv_data = key;
	rc = mdb_get(store_mdb_txn(t), t->st->dbi[STORE_DB_CAMPAIGN_CONFIG], &k,
	    &v);
	if (rc == MDB_NOTFOUND)
		return -ENOENT;
	if (rc != 0)
		return store_txn_fail(t, store_error(rc));
	if ((*config = malloc(v.mv_size + 1)) == NULL)
		return -ENOMEM;
	memcpy(*config, v.mv_data, v.mv_size);
	(*config)[v.mv_size] = '\0';
	*len = v.mv_size;
	return 0;
}

struct store_campaign_walk {
	int (*cb)(const struct store_campaign *, void *);
	void *arg;
};

/* Walk callback for campaign headers. */
static int
store_campaign_walk_cb(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct store_campaign_walk *w = arg;
	struct store_campaign c;

	(void)k;
	if (v->mv_size != sizeof(c))
		return -EIO;
	memcpy(&c, v->mv_data, sizeof(c));
	return w->cb(&c, w->arg);
}

/* Iterates over campaigns. */
int
store_campaign_foreach_txn(struct store_txn *t,
    int (*cb)(const struct store_campaign *, void *), void *arg)
{
	struct store_campaign_walk w = { cb, arg };

	return store_walk_txn(t, STORE_DB_CAMPAIGNS, NULL, 0, 0,
	    store_campaign_walk_cb, &w);
}

/* The campaigns generation. */
int
store_campaigns_generation_txn(struct store_txn *t, uint64_t *gen)
{
	int ret;

	*gen = 0;
	ret = store_get_txn(t, STORE_DB_META, "campaigns_gen", 13, gen,
	    sizeof(*gen));
	return ret == -ENOENT ? 0 : ret;
}

/* ---- counters ------------------------------------------------------- */

/* Builds a counter key. */
static int
store_counter_key(const char *campaign, int kind, const uint8_t subject[16],
    uint32_t period, uint8_t key[STORE_COUNTER_KEY])
{
	int ret;

	if ((ret = store_id_key(campaign, key)) < 0)
		return ret;
	key[STORE_ID_MAX] = (uint8_t)kind;
	memcpy(key + STORE_ID_MAX + 1, subject, 16);
	key[STORE_ID_MAX + 17] = (uint8_t)(period >> 24);
	key[STORE_ID_MAX + 18] = (uint8_t)(period >> 16);
	key[STORE_ID_MAX + 19] = (uint8_t)(period >> 8);
	key[STORE_ID_MAX + 20] = (uint8_t)period;
	return 0;
}

/* Reads a counter. */
int
store_counter_get_txn(struct store_txn *t, const char *campaign, int kind,
    const uint8_t subject[16], uint32_t period, uint64_t *value)
{
	uint8_t key[STORE_COUNTER_KEY];
	int ret;

	*value = 0;
	if ((ret = store_counter_key(campaign, kind, subject, period, key)) < 0)
		return ret;
	ret = store_get_txn(t, STORE_DB_COUNTERS, key, sizeof(key), value,
	    sizeof(*value));
	return ret == -ENOENT ? 0 : ret;
}

/* Adds to a counter. */
int
store_counter_add_txn(struct store_txn *t, const char *campaign, int kind,
    const uint8_t subject[16], uint32_t period, uint64_t delta)
{
	uint8_t key[STORE_COUNTER_KEY];
	uint64_t v = 0;
	int ret;

	if ((ret = store_counter_key(campaign, kind, subject, period, key)) < 0)
		return ret;
	ret = store_get_txn(t, STORE_DB_COUNTERS, key, sizeof(key), &v,
	    sizeof(v));
	if (ret < 0 && ret != -ENOENT)
		return ret;
	v += delta;
	return store_put_txn(t, STORE_DB_COUNTERS, key, sizeof(key), &v,
	    sizeof(v), 0);
}

/* ---- draws ------------------------------------------------------------ */

/* Appends a draw log entry. */
int
store_draw_append_txn(struct store_txn *t, const char *campaign,
    const struct store_draw *d)
{
	uint8_t key[STORE_ID_MAX + 8];
	struct store_draw rec;
	int ret;

	if ((ret = store_id_key(campaign, key)) < 0)
		return ret;
	store_be64(key + STORE_ID_MAX, d->seq);
	memset(&rec, 0, sizeof(rec));
	memcpy(&rec, d, sizeof(rec));
	/* Sequence numbers only grow: the entry goes at the end. */
	ret = store_put_txn(t, STORE_DB_DRAWS, key, sizeof(key), &rec,
	    sizeof(rec), MDB_NOOVERWRITE);
	return ret == -EEXIST ? store_txn_fail(t, -EIO) : ret;
}

/* Indexes a code's online draw. */
int
store_draw_index_txn(struct store_txn *t, const char *campaign,
    const uint8_t serial[STORE_SERIAL_BYTES], uint64_t seq)
{
	uint8_t key[STORE_ID_MAX + 8], seqbe[8];
	int ret;

	if ((ret = store_id_key(campaign, key)) < 0)
		return ret;
	memcpy(key + STORE_ID_MAX, serial, STORE_SERIAL_BYTES);
	store_be64(seqbe, seq);
	ret = store_put_txn(t, STORE_DB_DRAWS_BY_CODE, key, sizeof(key), seqbe,
	    sizeof(seqbe), MDB_NOOVERWRITE);
	/* A code draws once: callers check first; a second is a bug. */
	return ret == -EEXIST ? store_txn_fail(t, -EIO) : ret;
}

/* Adds a draw log entry, and indexes an online draw by its code. */
int
store_draw_add_txn(struct store_txn *t, const char *campaign,
    const struct store_draw *d)
{
	int ret;

	if ((ret = store_draw_append_txn(t, campaign, d)) < 0)
		return ret;
	if (d->kind != STORE_DRAW_ONLINE)
		return 0;
	return store_draw_index_txn(t, campaign, d->serial, d->seq);
}

/* The meta key of a campaign's index watermark. */
static int
store_draws_indexed_key(const char *campaign, char *key, size_t size)
{
	int n = snprintf(key, size, "draws_indexed/%s", campaign);

	return n < 0 || (size_t)n >= size ? -EINVAL : n;
}

/* Reads the last draw whose index and counters are in the store. */
int
store_draws_indexed_txn(struct store_txn *t, const char *campaign,
    uint64_t *seq)
{
	char key[sizeof("draws_indexed/") + STORE_ID_MAX];
	int n, ret;

	*seq = 0;
	if ((n = store_draws_indexed_key(campaign, key, sizeof(key))) < 0)
		return n;
	ret = store_get_txn(t, STORE_DB_META, key, (size_t)n, seq,
	    sizeof(*seq));
	return ret == -ENOENT ? 0 : ret;
}

/* Moves a campaign's index watermark. */
int
store_draws_set_indexed_txn(struct store_txn *t, const char *campaign,
    uint64_t seq)
{
	char key[sizeof("draws_indexed/") + STORE_ID_MAX];
	int n;

	if ((n = store_draws_indexed_key(campaign, key, sizeof(key))) < 0)
		return n;
	return store_put_txn(t, STORE_DB_META, key, (size_t)n, &seq,
	    sizeof(seq), 0);
}

/* Reads a draw by sequence number. */
int
store_draw_get_txn(struct store_txn *t, const char *campaign, uint64_t seq,
    struct store_draw *d)
{
	uint8_t key[STORE_ID_MAX + 8];

	if (store_id_key(campaign, key) < 0)
		return -ENOENT;
	store_be64(key + STORE_ID_MAX, seq);
	return store_get_txn(t, STORE_DB_DRAWS, key, sizeof(key), d, sizeof(*d));
}

/* A campaign's tag in a summary: 24 bits of FNV-1a over its id, never 0
 * (a tag that matches is checked against the draw record). */
void
store_draw_tag(const char *campaign, uint8_t tag[3])
{
	uint32_t h = fnv1a32(campaign, strlen(campaign));

	h = (h ^ h >> 24) & 0xffffff;
	if (h == 0)
		h = 1;
	tag[0] = (uint8_t)(h >> 16);
	tag[1] = (uint8_t)(h >> 8);
	tag[2] = (uint8_t)h;
}

/* The draw a summary names for campaign, checked against its record. */
int
store_draw_of_summary_txn(struct store_txn *t, const char *campaign,
    const uint8_t serial[STORE_SERIAL_BYTES],
    const struct store_code_scans *s, struct store_draw *d)
{
	uint8_t tag[3];
	int ret;

	store_draw_tag(campaign, tag);
	if (s->draw_seq == 0 || memcmp(s->draw_tag, tag, sizeof(tag)) != 0)
		return -ENOENT;
	/* Another campaign with the same tag: its sequence number names
	 * some other draw here, or none. */
	if ((ret = store_draw_get_txn(t, campaign, s->draw_seq, d)) < 0)
		return ret;
	if (d->kind != STORE_DRAW_ONLINE ||
	    memcmp(d->serial, serial, STORE_SERIAL_BYTES) != 0)
		return -ENOENT;
	return 0;
}

/* Reads a code's online draw: its summary's, else the index's. */
int
store_draw_by_code_txn(struct store_txn *t, const char *campaign,
    const uint8_t serial[STORE_SERIAL_BYTES], struct store_draw *d)
{
	struct store_code_scans s;
	int ret;

	ret = store_code_scans_get_txn(t, serial, &s);
	if (ret == 0 && (ret = store_draw_of_summary_txn(t, campaign, serial,
	    &s, d)) != -ENOENT)
		return ret;
	if (ret < 0 && ret != -ENOENT)
		return ret;
	return store_draw_indexed_code_txn(t, campaign, serial, d);
}

/* Reads a code's online draw from the index. */
int
store_draw_indexed_code_txn(struct store_txn *t, const char *campaign,
    const uint8_t serial[STORE_SERIAL_BYTES], struct store_draw *d)
{
	uint8_t key[STORE_ID_MAX + 8], seqbe[8];
	int ret;

	if (store_id_key(campaign, key) < 0)
		return -ENOENT;
	memcpy(key + STORE_ID_MAX, serial, STORE_SERIAL_BYTES);
	if ((ret = store_get_txn(t, STORE_DB_DRAWS_BY_CODE, key, sizeof(key),
	    seqbe, sizeof(seqbe))) < 0)
		return ret;
	ret = store_draw_get_txn(t, campaign, store_get_be64(seqbe), d);
	return ret == -ENOENT ? store_txn_fail(t, -EIO) : ret;
}

struct store_draw_walk {
	int (*cb)(const struct store_draw *, void *);
	void *arg;
};

/* Walk callback for draws. */
static int
store_draw_walk_cb(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct store_draw_walk *w = arg;
	struct store_draw d;

	(void)k;
	if (v->mv_size != sizeof(d))
		return -EIO;
	memcpy(&d, v->mv_data, sizeof(d));
	return w->cb(&d, w->arg);
}

/* Iterates over a campaign's draws in order. */
int
store_draw_foreach_txn(struct store_txn *t, const char *campaign,
    uint64_t first, int (*cb)(const struct store_draw *, void *), void *arg)
{
	struct store_draw_walk w = { cb, arg };
	uint8_t key[STORE_ID_MAX + 8];
	int ret;

	if ((ret = store_id_key(campaign, key)) < 0)
		return ret;
	store_be64(key + STORE_ID_MAX, first);
	return store_walk_txn(t, STORE_DB_DRAWS, key, sizeof(key), STORE_ID_MAX,
	    store_draw_walk_cb, &w);
}

/* ---- claims ----------------------------------------------------------- */

/* Adds a claim. */
int
store_claim_add_txn(struct store_txn *t, const struct store_claim *c)
{
	return store_put_txn(t, STORE_DB_CLAIMS, c->id, STORE_CLAIM_ID_BYTES, c,
	    sizeof(*c), MDB_NOOVERWRITE);
}

/* Reads a claim. */
int
store_claim_get_txn(struct store_txn *t,
    const uint8_t id[STORE_CLAIM_ID_BYTES], struct store_claim *c)
{
	return store_get_txn(t, STORE_DB_CLAIMS, id, STORE_CLAIM_ID_BYTES, c,
	    sizeof(*c));
}

/* Writes a claim. */
int
store_claim_put_txn(struct store_txn *t, const struct store_claim *c)
{
	return store_put_txn(t, STORE_DB_CLAIMS, c->id, STORE_CLAIM_ID_BYTES, c,
	    sizeof(*c), 0);
}

struct store_claim_walk {
	const char *campaign;
	int (*cb)(const struct store_claim *, void *);
	void *arg;
};

/* Walk callback for claims. */
static int
store_claim_walk_cb(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct store_claim_walk *w = arg;
	struct store_claim c;

	(void)k;
	if (v->mv_size != sizeof(c))
		return -EIO;
	memcpy(&c, v->mv_data, sizeof(c));
	if (w->campaign != NULL && strcmp(c.campaign, w->campaign) != 0)
		return 0;
	return w->cb(&c, w->arg);
}

/* Iterates over claims. */
int
store_claim_foreach_txn(struct store_txn *t, const char *campaign,
    int (*cb)(const struct store_claim *, void *), void *arg)
{
	struct store_claim_walk w = { campaign, cb, arg };

	return store_walk_txn(t, STORE_DB_CLAIMS, NULL, 0, 0, store_claim_walk_cb,
	    &w);
}

/* ---- shops ------------------------------------------------------------ */

/* Adds a shop and its token selector. */
int
store_shop_add_txn(struct store_txn *t, const struct store_shop *s)
{
	uint8_t key[STORE_ID_MAX];
	struct store_shop rec;
	int ret;

	if ((ret = store_id_key(s->id, key)) < 0)
		return ret;
	memset(&rec, 0, sizeof(rec));
	memcpy(&rec, s, sizeof(rec));
	if ((ret = store_put_txn(t, STORE_DB_SHOPS, key, sizeof(key), &rec,
	    sizeof(rec), MDB_NOOVERWRITE)) < 0)
		return ret;
	ret = store_put_txn(t, STORE_DB_SHOP_TOKENS, s->selector,
	    STORE_SHOP_SELECTOR_BYTES, key, sizeof(key), MDB_NOOVERWRITE);
	return ret == -EEXIST ? -EAGAIN : ret;	/* draw another token */
}

/* Reads a shop. */
int
store_shop_get_txn(struct store_txn *t, const char *id, struct store_shop *s)
{
	uint8_t key[STORE_ID_MAX];

	if (store_id_key(id, key) < 0)
		return -ENOENT;
	return store_get_txn(t, STORE_DB_SHOPS, key, sizeof(key), s, sizeof(*s));
}

/* Reads a shop by token selector. */
int
store_shop_by_selector_txn(struct store_txn *t,
    const uint8_t sel[STORE_SHOP_SELECTOR_BYTES], struct store_shop *s)
{
	uint8_t key[STORE_ID_MAX];
	int ret;

	if ((ret = store_get_txn(t, STORE_DB_SHOP_TOKENS, sel,
	    STORE_SHOP_SELECTOR_BYTES, key, sizeof(key))) < 0)
		return ret;
	ret = store_get_txn(t, STORE_DB_SHOPS, key, sizeof(key), s, sizeof(*s));
	return ret == -ENOENT ? store_txn_fail(t, -EIO) : ret;
}

/* Writes a shop. */
int
store_shop_put_txn(struct store_txn *t, const struct store_shop *s)
{
	uint8_t key[STORE_ID_MAX];
	int ret;

	if ((ret = store_id_key(s->id, key)) < 0)
		return ret;
	return store_put_txn(t, STORE_DB_SHOPS, key, sizeof(key), s, sizeof(*s),
	    0);
}

struct store_shop_walk {
	int (*cb)(const struct store_shop *, void *);
	void *arg;
};

/* Walk callback for shops. */
static int
store_shop_walk_cb(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct store_shop_walk *w = arg;
	struct store_shop s;

	(void)k;
	if (v->mv_size != sizeof(s))
		return -EIO;
	memcpy(&s, v->mv_data, sizeof(s));
	return w->cb(&s, w->arg);
}

/* Iterates over shops. */
int
store_shop_foreach_txn(struct store_txn *t,
    int (*cb)(const struct store_shop *, void *), void *arg)
{
	struct store_shop_walk w = { cb, arg };

	return store_walk_txn(t, STORE_DB_SHOPS, NULL, 0, 0, store_shop_walk_cb,
	    &w);
}

/* ---- points ------------------------------------------------------------ */

/*
 * A visitor's balance is entry 0 of its ledger: the key beside its
 * entries, so that a credit changes one leaf page rather than two.
 */

/* The ledger key of a visitor's entry n (0: the balance). */
static void
store_points_key(const uint8_t visitor[STORE_VISITOR_BYTES], uint64_t n,
    uint8_t key[STORE_VISITOR_BYTES + 8])
{
	memcpy(key, visitor, STORE_VISITOR_BYTES);
	store_be64(key + STORE_VISITOR_BYTES, n);
}

/* Reads a balance. */
int
store_points_balance_txn(struct store_txn *t,
    const uint8_t visitor[STORE_VISITOR_BYTES], int64_t *balance,
    uint64_t *entries)
{
	uint8_t key[STORE_VISITOR_BYTES + 8];
	struct store_points_balance b;
	int ret;

	store_points_key(visitor, 0, key);
	ret = store_get_txn(t, STORE_DB_POINTS, key, sizeof(key), &b,
	    sizeof(b));
	if (ret == -ENOENT) {
		memset(&b, 0, sizeof(b));
		ret = 0;
	}
	*balance = b.balance;
	if (entries != NULL)
		*entries = b.entries;
	return ret;
}

/* Credits points. */
int
store_points_add_txn(struct store_txn *t,
    const uint8_t visitor[STORE_VISITOR_BYTES], const char *campaign,
    uint8_t tier, int64_t amount, uint64_t draw_seq, int64_t now,
    int64_t *balance)
{
	struct store_points_balance b;
	struct store_points_entry e;
	uint8_t key[STORE_VISITOR_BYTES + 8];
	int ret;

	if ((ret = store_points_balance_txn(t, visitor, &b.balance,
	    &b.entries)) < 0)
		return ret;
	b.balance += amount;
	b.entries++;
	memset(&e, 0, sizeof(e));
	e.n = b.entries;
	e.time = now;
	snprintf(e.campaign, sizeof(e.campaign), "%s", campaign);
	e.tier = tier;
	e.amount = amount;
	e.balance = b.balance;
	e.draw_seq = draw_seq;
	store_points_key(visitor, e.n, key);
	if ((ret = store_put_txn(t, STORE_DB_POINTS, key, sizeof(key), &e,
	    sizeof(e), 0)) < 0)
		return ret;
	store_points_key(visitor, 0, key);
	if ((ret = store_put_txn(t, STORE_DB_POINTS, key, sizeof(key), &b,
	    sizeof(b), 0)) < 0)
		return ret;
	*balance = b.balance;
	return 0;
}

/* Iterates over a visitor's entries, newest first. */
int
store_points_foreach_txn(struct store_txn *t,
    const uint8_t visitor[STORE_VISITOR_BYTES], size_t limit,
    int (*cb)(const struct store_points_entry *, void *), void *arg)
{
	uint8_t key[STORE_VISITOR_BYTES + 8];
	struct store_points_entry e;
	int64_t balance;
	uint64_t n;
	int ret;

	if ((ret = store_points_balance_txn(t, visitor, &balance, &n)) < 0)
		return ret;
	for (; n > 0 && limit > 0; n--, limit--) {
		store_points_key(visitor, n, key);
		if ((ret = store_get_txn(t, STORE_DB_POINTS, key, sizeof(key), &e,
		    sizeof(e))) < 0)
			return ret == -ENOENT ? -EIO : ret;
		if ((ret = cb(&e, arg)) != 0)
			return ret;
	}
	return 0;
}

/* ---- draw codes -------------------------------------------------------- */

/* The value stored per draw code. */
struct store_drawcode_rec {
	uint8_t serial[STORE_SERIAL_BYTES];
	uint32_t batch_id;
};

/* Finds a draw code. */
int
store_drawcode_get_txn(struct store_txn *t,
    const uint8_t hash[STORE_DRAWCODE_HASH_BYTES],
    uint8_t serial[STORE_SERIAL_BYTES], uint32_t *batch_id)
{
	struct store_drawcode_rec r;
	int ret;

	if ((ret = store_get_txn(t, STORE_DB_DRAWCODES, hash,
	    STORE_DRAWCODE_HASH_BYTES, &r, sizeof(r))) < 0)
		return ret;
	memcpy(serial, r.serial, STORE_SERIAL_BYTES);
	*batch_id = r.batch_id;
	return 0;
}
