/* leaser.c — leases of prize stock from PostgreSQL, on a thread of their
 * own (leaser.h). */
#include "scanner/leaser.h"
#include "scanner/scan_internal.h"
#include "common/clock.h"
#include "common/log.h"
#include "pg/pg.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LEASER_ROUND_MS 200		/* a round at least this often */
#define LEASER_RECHECK_US 1000000LL	/* an exhausted tier asked again */
#define LEASER_STOP_US 5000000LL	/* giving back at shutdown, at most */
#define LEASER_WARN_US 60000000LL	/* one warning a minute */
#define LEASER_REPORT_US 5000000LL	/* awards told to the ledger */

/* A ledger row this node leases from: a tier of a campaign in a period. */
struct leaser_key {
	char campaign[STORE_ID_MAX + 1];
	int tier;
	uint32_t period;
	/* Under the leaser's mutex (the writer thread reads and sets them). */
	bool wanted;			/* a draw found none held */
	bool active;			/* draws use it: lease ahead */
	bool exhausted;			/* the ledger had none left */
	int64_t exhausted_at;		/* monotonic µs */
	bool settled;			/* the ledger's lease = the store's */
	int inflight;			/* writer operations not yet back */
	/* The thread's own. */
	uint64_t used_seen;
	int64_t used_at;		/* when used_seen last changed */
	uint64_t reported;		/* used, as the ledger last heard */
	int64_t reported_at;
};

struct leaser {
	struct scan_core *core;
	struct leaser_config cfg;
	char conninfo[1024];
	struct tallies_lease iface;
	struct pg *pg;
	char store_id[LEASER_STORE_ID_CHARS + 1];
	bool ready;			/* connected, schema checked, loaded */
	int64_t warned;			/* the last warning, monotonic µs */
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	bool wake, stop, stopped;
	struct leaser_key keys[LEASER_KEYS_MAX];
	size_t nkeys;
	/* Redemptions waiting for their insert (under mu). */
	struct writer_op *rq_head, *rq_tail;
	size_t rq_n;
};

/* A writer operation that takes a lease into the store or gives the
 * held stock back. */
struct leaser_op {
	struct writer_op op;		/* first */
	struct leaser *l;
	size_t key;
	uint64_t n;			/* a grant: units leased */
};

/* Finds a key, or adds it (active); NULL when the table is full. Mutex
 * held. */
static struct leaser_key *
leaser_key_get(struct leaser *l, const char *campaign, int tier,
    uint32_t period, bool add)
{
	struct leaser_key *k;

	for (size_t i = 0; i < l->nkeys; i++) {
		k = &l->keys[i];
		if (k->tier == tier && k->period == period &&
		    strcmp(k->campaign, campaign) == 0)
			return k;
	}
	if (!add || l->nkeys == LEASER_KEYS_MAX)
		return NULL;
	k = &l->keys[l->nkeys++];
	memset(k, 0, sizeof(*k));
	snprintf(k->campaign, sizeof(k->campaign), "%s", campaign);
	k->tier = tier;
	k->period = period;
	return k;
}

/* Draws (writer thread): none held; asks for a lease unless the ledger
 * has none left. */
static bool
leaser_exhausted_cb(void *arg, const char *campaign, int tier,
    uint32_t period)
{
	struct leaser *l = arg;
	struct leaser_key *k;
	bool ex = false;

	pthread_mutex_lock(&l->mu);
	if ((k = leaser_key_get(l, campaign, tier, period, true)) != NULL) {
		k->wanted = k->active = true;
		ex = k->exhausted;
	}
	l->wake = true;
	pthread_cond_signal(&l->cond);
	pthread_mutex_unlock(&l->mu);
	return ex;
}

/* Reads a counter of a key through the given tallies. */
static int
leaser_count(const struct tallies *tl, struct store_txn *t,
    const struct leaser_key *k, int kind, uint8_t which, uint64_t *n)
{
	uint8_t subject[16] = { (uint8_t)k->tier, which };

	if (kind == STORE_COUNT_STOCK)
		subject[1] = 0;
	return tallies_count_get(tl, t, k->campaign, kind, subject, k->period,
	    n);
}

/* A key's lease and use: taken, returned, awarded. */
static int
leaser_state(const struct tallies *tl, struct store_txn *t,
    const struct leaser_key *k, uint64_t *taken, uint64_t *back,
    uint64_t *used)
{
	int ret;

	if ((ret = leaser_count(tl, t, k, STORE_COUNT_LEASE,
	    STORE_LEASE_TAKEN, taken)) < 0 ||
	    (ret = leaser_count(tl, t, k, STORE_COUNT_LEASE,
	    STORE_LEASE_RETURNED, back)) < 0)
		return ret;
	return leaser_count(tl, t, k, STORE_COUNT_STOCK, 0, used);
}

/* What a node holds of a lease: taken - returned - used, never below 0. */
static uint64_t
leaser_held(uint64_t taken, uint64_t back, uint64_t used)
{
	return taken > back + used ? taken - back - used : 0;
}

/* Writer: a granted lease becomes the node's in this group. */
static int
leaser_grant_apply(struct store_txn *t, struct writer_op *op)
{
	struct leaser_op *o = (struct leaser_op *)op;
	struct leaser_key *k = &o->l->keys[o->key];
	uint8_t subject[16] = { (uint8_t)k->tier, STORE_LEASE_TAKEN };

	return tallies_count_add(&o->l->core->draw_tallies, t, k->campaign,
	    STORE_COUNT_LEASE, subject, k->period, o->n);
}

/* Writer: everything the node holds of a key goes to returned. */
static int
leaser_return_apply(struct store_txn *t, struct writer_op *op)
{
	struct leaser_op *o = (struct leaser_op *)op;
	const struct tallies *tl = &o->l->core->draw_tallies;
	struct leaser_key *k = &o->l->keys[o->key];
	uint8_t subject[16] = { (uint8_t)k->tier, STORE_LEASE_RETURNED };
	uint64_t taken, back, used, held;
	int ret;

	if ((ret = leaser_state(tl, t, k, &taken, &back, &used)) < 0)
		return ret;
	held = leaser_held(taken, back, used);
	if (held == 0)
		return 0;
	return tallies_count_add(tl, t, k->campaign, STORE_COUNT_LEASE,
	    subject, k->period, held);
}

/* Writer, after the group: the key may be settled again. A grant that
 * did not commit leaves the ledger's lease above the store's: the next
 * settle gives it back. */
static void
leaser_op_release(struct writer_op *op)
{
	struct leaser_op *o = (struct leaser_op *)op;
	struct leaser *l = o->l;
	struct leaser_key *k = &l->keys[o->key];

	pthread_mutex_lock(&l->mu);
	k->inflight--;
	if (op->apply != leaser_grant_apply || op->ret != 0)
		k->settled = false;
	l->wake = true;
	pthread_cond_signal(&l->cond);
	pthread_mutex_unlock(&l->mu);
	free(o);
}

/* Hands a grant (n > 0) or a return (apply) of key i to the writer. */
static void
leaser_submit(struct leaser *l, size_t i, writer_apply_fn apply, uint64_t n)
{
	struct leaser_op *o;

	if ((o = calloc(1, sizeof(*o))) == NULL) {
		/* A grant lost here stays in the ledger's lease: settled
		 * back below. */
		pthread_mutex_lock(&l->mu);
		l->keys[i].settled = false;
		pthread_mutex_unlock(&l->mu);
		return;
	}
	o->l = l;
	o->key = i;
	o->n = n;
	o->op.apply = apply;
	o->op.release = leaser_op_release;
	o->op.ret = -EBUSY;		/* if the queue refuses it */
	pthread_mutex_lock(&l->mu);
	l->keys[i].inflight++;
	pthread_mutex_unlock(&l->mu);
	writer_submit_detached(l->core->writer, &o->op);
}

/* Logs a PostgreSQL failure, at most once a minute. */
static void
leaser_warn(struct leaser *l, const char *what)
{
	int64_t now = clock_mono_us();

	if (l->warned != 0 && now - l->warned < LEASER_WARN_US)
		return;
	l->warned = now;
	log_warnx("prize stock: %s: %s; draws of leased tiers answer \"try "
	    "again\" until it answers", what, l->pg != NULL ?
	    pg_error(l->pg) : "out of memory");
}

/* After a failed call: a lost connection is made again before the next
 * one; warns. Returns false (for the callers' own return). */
static bool
leaser_failed(struct leaser *l, int ret, const char *what)
{
	if (ret == -ECONNRESET)
		l->ready = false;
	leaser_warn(l, what);
	return false;
}

/* pg_node_leases callback: a row to settle after a restart. */
static int
leaser_load_cb(const struct pg_key *pk, void *arg)
{
	struct leaser *l = arg;

	pthread_mutex_lock(&l->mu);
	(void)leaser_key_get(l, pk->campaign, pk->tier, pk->period, true);
	pthread_mutex_unlock(&l->mu);
	return 0;
}

/* Connects, checks the schema and learns the rows to settle. */
static bool
leaser_connect(struct leaser *l)
{
	bool mine = false;
	int ret;

	if (l->ready)
		return true;
	if (l->pg == NULL) {
		if ((ret = pg_open(l->conninfo, &l->pg)) < 0) {
			leaser_warn(l, "cannot connect to PostgreSQL");
			pg_close(l->pg);
			l->pg = NULL;
			return false;
		}
	}
	if ((ret = pg_schema_check(l->pg)) < 0 ||
	    (ret = pg_node_bind(l->pg, l->cfg.node, l->store_id, &mine)) <
	    0 || !mine ||
	    (ret = pg_node_leases(l->pg, l->cfg.node, leaser_load_cb, l)) <
	    0) {
		leaser_warn(l, "PostgreSQL");
		return false;
	}
	if (l->warned != 0)
		log_warnx("prize stock: PostgreSQL answers again");
	l->warned = 0;
	l->ready = true;
	return true;
}

/* Queues a redemption for the thread. */
int
leaser_redeem(struct leaser *l, struct writer_port *port, struct scan_op *o)
{
	pthread_mutex_lock(&l->mu);
	if (l->rq_n >= LEASER_REDEEM_MAX || l->stop) {
		pthread_mutex_unlock(&l->mu);
		return -EBUSY;
	}
	o->op.port = port;
	o->op.next = NULL;
	if (l->rq_tail != NULL)
		l->rq_tail->next = &o->op;
	else
		l->rq_head = &o->op;
	l->rq_tail = &o->op;
	l->rq_n++;
	l->wake = true;
	pthread_cond_signal(&l->cond);
	pthread_mutex_unlock(&l->mu);
	return 0;
}

/* Makes the waiting redemptions' inserts and hands each back. */
static void
leaser_redeem_all(struct leaser *l)
{
	struct writer_op *op;

	for (;;) {
		uint8_t key[PG_CLAIM_ID_BYTES];
		struct scan_op *o;

		pthread_mutex_lock(&l->mu);
		if ((op = l->rq_head) != NULL) {
			l->rq_head = op->next;
			if (l->rq_head == NULL)
				l->rq_tail = NULL;
			l->rq_n--;
		}
		pthread_mutex_unlock(&l->mu);
		if (op == NULL)
			return;
		o = (struct scan_op *)op;
		pg_claim_key(o->rres.claim.campaign, o->rres.claim.id,
		    sizeof(o->rres.claim.id), o->rres.claim.hash,
		    sizeof(o->rres.claim.hash), key);
		if (!leaser_connect(l))
			op->ret = -ECONNRESET;
		else if ((op->ret = pg_redeem(l->pg, key,
		    l->cfg.node, o->rres.shop.id, o->rrq.now, &o->pg_won,
		    &o->pg_first)) < 0)
			(void)leaser_failed(l, op->ret,
			    "cannot record a redemption");
		writer_port_hand_back(op->port, op);
	}
}

/* Whether a key's stock should all go back now: its campaign is not
 * running, or its day is over; and its total (stock or daily cap). */
static bool
leaser_closed(struct leaser *l, const struct leaser_key *k, uint64_t *total)
{
	struct campaign *c;
	int64_t now = clock_now_us();
	bool closed = true;

	*total = 0;
	if ((c = registry_get(l->core->registry, k->campaign)) == NULL)
		return true;
	if (k->tier >= 0 && (size_t)k->tier < c->ntiers &&
	    campaign_running(&c->hdr, now)) {
		const struct campaign_tier *ct = &c->tiers[k->tier];

		*total = k->period == 0 ? ct->total : ct->daily_cap;
		closed = k->period != 0 &&
		    (int64_t)k->period - 1 != campaign_day(c, now);
	}
	campaign_unref(c, __func__);
	return closed;
}

/* One key's turn: give back, settle, lease, in that order. Returns true
 * when it holds nothing and the ledger agrees (for the shutdown). */
static bool
leaser_key_round(struct leaser *l, size_t i, bool closing)
{
	struct leaser_key snap, *k = &l->keys[i];
	struct store_txn t;
	uint64_t taken = 0, back = 0, used = 0, held, total, got, left, ret_n;
	int64_t now = clock_mono_us();
	bool give, idle;
	int ret;

	pthread_mutex_lock(&l->mu);
	snap = *k;
	pthread_mutex_unlock(&l->mu);
	if (snap.inflight > 0)
		return false;
	if ((ret = store_txn_begin(l->core->st, true, &t)) < 0)
		return false;
	ret = leaser_state(&tallies_store, &t, &snap, &taken, &back, &used);
	store_txn_abort(&t);
	if (ret < 0)
		return false;
	held = leaser_held(taken, back, used);
	/* Idle: no award since the last lease or award. */
	if (used != k->used_seen || k->used_at == 0 || snap.wanted) {
		k->used_seen = used;
		k->used_at = now;
	}
	give = leaser_closed(l, &snap, &total) || closing;
	idle = now - k->used_at >= (int64_t)l->cfg.idle_s * 1000000;
	if (held > 0 && (give || idle)) {
		/* Leased again only when a draw wants it. */
		pthread_mutex_lock(&l->mu);
		k->active = false;
		pthread_mutex_unlock(&l->mu);
		leaser_submit(l, i, leaser_return_apply, 0);
		return false;
	}
	/* The awards are told to the ledger (for reconcile) every few
	 * seconds while they change, and at shutdown. */
	if (!snap.settled || (used != k->reported && (give ||
	    now - k->reported_at >= LEASER_REPORT_US))) {
		if ((ret = pg_settle(l->pg, &(struct pg_key){ snap.campaign,
		    snap.tier, snap.period }, l->cfg.node, taken - back, used,
		    &ret_n)) < 0)
			return leaser_failed(l, ret, "cannot settle a lease");
		pthread_mutex_lock(&l->mu);
		/* A grant submitted since would have kept inflight > 0. */
		k->settled = true;
		pthread_mutex_unlock(&l->mu);
		k->reported = used;
		k->reported_at = now;
		if (ret_n > 0)
			log_info("prize stock: gave back %" PRIu64 " of %s "
			    "tier %d period %" PRIu32, ret_n, snap.campaign,
			    snap.tier, snap.period);
	}
	if (give)
		return held == 0 && used == k->reported;
	if (!snap.wanted && !(snap.active && held < (l->cfg.block + 1) / 2))
		return false;
	if (snap.exhausted && now - snap.exhausted_at < LEASER_RECHECK_US)
		return false;
	if ((ret = pg_lease(l->pg, &(struct pg_key){ snap.campaign,
	    snap.tier, snap.period }, total, l->cfg.node, l->cfg.block, &got,
	    &left)) < 0)
		return leaser_failed(l, ret, "cannot lease stock");
	pthread_mutex_lock(&l->mu);
	k->wanted = false;
	k->exhausted = got == 0;
	k->exhausted_at = now;
	pthread_mutex_unlock(&l->mu);
	if (got > 0) {
		k->used_at = now;
		leaser_submit(l, i, leaser_grant_apply, got);
	}
	return false;
}

/* One round over every key. Returns true when nothing is held. */
static bool
leaser_round(struct leaser *l, bool closing)
{
	bool clear = true;
	size_t n;

	if (!leaser_connect(l))
		return false;
	pthread_mutex_lock(&l->mu);
	n = l->nkeys;
	pthread_mutex_unlock(&l->mu);
	for (size_t i = 0; i < n && l->ready; i++)
		if (!leaser_key_round(l, i, closing))
			clear = false;
	return clear && l->ready;
}

/* Waits for a wake-up or the round's time. Mutex held. */
static void
leaser_wait(struct leaser *l, int64_t ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	ts.tv_sec += (time_t)(ms / 1000) + ts.tv_nsec / 1000000000L;
	ts.tv_nsec %= 1000000000L;
	while (!l->wake && !l->stop && l->rq_head == NULL)
		if (pthread_cond_timedwait(&l->cond, &l->mu, &ts) != 0)
			break;
	l->wake = false;
}

/* The thread: rounds until stopped, then gives everything back. */
static void *
leaser_main(void *arg)
{
	struct leaser *l = arg;
	int64_t until;

	pthread_mutex_lock(&l->mu);
	while (!l->stop) {
		pthread_mutex_unlock(&l->mu);
		leaser_redeem_all(l);
		(void)leaser_round(l, false);
		pthread_mutex_lock(&l->mu);
		leaser_wait(l, LEASER_ROUND_MS);
	}
	pthread_mutex_unlock(&l->mu);
	leaser_redeem_all(l);
	until = clock_mono_us() + LEASER_STOP_US;
	while (!leaser_round(l, true) && clock_mono_us() < until) {
		pthread_mutex_lock(&l->mu);
		leaser_wait(l, 50);
		pthread_mutex_unlock(&l->mu);
	}
	return NULL;
}

/* The store's name in the ledger. */
int
leaser_store_id(struct store *st, char out[LEASER_STORE_ID_CHARS + 1])
{
	uint8_t secret[32], h[LEASER_STORE_ID_CHARS / 2];
	int ret;

	if ((ret = store_secret_get(st, "pg-node", secret)) < 0)
		return ret;
	crypto_generichash(h, sizeof(h), secret, sizeof(secret), NULL, 0);
	sodium_memzero(secret, sizeof(secret));
	sodium_bin2hex(out, LEASER_STORE_ID_CHARS + 1, h, sizeof(h));
	return 0;
}

/* Starts the leaser. */
int
leaser_start(struct scan_core *core, const struct leaser_config *cfg,
    struct leaser **out)
{
	struct leaser *l;
	int ret;

	*out = NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return -ENOMEM;
	l->core = core;
	l->cfg = *cfg;
	if ((ret = leaser_store_id(core->st, l->store_id)) < 0) {
		free(l);
		return ret;
	}
	if (l->cfg.block == 0)
		l->cfg.block = LEASER_BLOCK_DEFAULT;
	snprintf(l->conninfo, sizeof(l->conninfo), "%s", cfg->conninfo);
	l->cfg.conninfo = l->conninfo;
	l->iface.exhausted = leaser_exhausted_cb;
	l->iface.arg = l;
	pthread_mutex_init(&l->mu, NULL);
	pthread_cond_init(&l->cond, NULL);
	if (pthread_create(&l->thread, NULL, leaser_main, l) != 0) {
		leaser_free(l);
		return -EAGAIN;
	}
	l->started = true;
	*out = l;
	return 0;
}

/* The draws' view. */
const struct tallies_lease *
leaser_lease(struct leaser *l)
{
	return &l->iface;
}

/* Gives back and stops. */
void
leaser_stop(struct leaser *l)
{
	if (l == NULL || !l->started || l->stopped)
		return;
	pthread_mutex_lock(&l->mu);
	l->stop = true;
	pthread_cond_signal(&l->cond);
	pthread_mutex_unlock(&l->mu);
	pthread_join(l->thread, NULL);
	l->stopped = true;
}

/* Frees it. */
void
leaser_free(struct leaser *l)
{
	if (l == NULL)
		return;
	leaser_stop(l);
	pg_close(l->pg);
	pthread_cond_destroy(&l->cond);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

/* Appends each leased tier to /metrics from the store's counters (tl in
 * t): units leased, returned and awarded per campaign, tier and period,
 * for the tiers leased since the start. */
int
leaser_metrics_render(struct leaser *l, struct registry *reg,
    const struct tallies *tl, struct store_txn *t, struct buf *out)
{
	struct leaser_key *keys;
	uint64_t taken, back, used;
	size_t n;
	int ret = 0;

	if ((keys = malloc(sizeof(l->keys))) == NULL)
		return -ENOMEM;
	pthread_mutex_lock(&l->mu);
	n = l->nkeys;
	memcpy(keys, l->keys, n * sizeof(keys[0]));
	pthread_mutex_unlock(&l->mu);
	ret = buf_puts(out, "# HELP scanloop_lease_units Prize stock this "
	    "node leased from PostgreSQL, gave back, and awarded, per tier "
	    "(period 0: the campaign; d + 1: its day d).\n"
	    "# TYPE scanloop_lease_units counter\n");
	for (size_t i = 0; i < n && ret == 0; i++) {
		struct campaign *c = registry_get(reg, keys[i].campaign);
		const char *tier = c != NULL && keys[i].tier >= 0 &&
		    (size_t)keys[i].tier < c->ntiers ?
		    c->tiers[keys[i].tier].id : "?";

		if ((ret = leaser_state(tl, t, &keys[i], &taken, &back,
		    &used)) == 0)
			ret = buf_printf(out,
			    "scanloop_lease_units{campaign=\"%s\",tier=\"%s\","
			    "period=\"%" PRIu32 "\",state=\"leased\"} %" PRIu64
			    "\nscanloop_lease_units{campaign=\"%s\",tier=\"%s\","
			    "period=\"%" PRIu32 "\",state=\"returned\"} %" PRIu64
			    "\nscanloop_lease_units{campaign=\"%s\",tier=\"%s\","
			    "period=\"%" PRIu32 "\",state=\"awarded\"} %" PRIu64
			    "\n", keys[i].campaign, tier, keys[i].period, taken,
			    keys[i].campaign, tier, keys[i].period, back,
			    keys[i].campaign, tier, keys[i].period, used);
		campaign_unref(c, __func__);
	}
	free(keys);
	return ret;
}
