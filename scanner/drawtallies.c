/*
 * drawtallies.c — the scan server's draw cache as the tallies back end of
 * rewards/draw.c and rewards/redeem.c, and the replay of what a crash left
 * out of it.
 */
#include "scanner/drawcache.h"
#include "scanner/summaries.h"
#include "rewards/draw.h"

#include <assert.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

/* True for the counters a group keeps (stock, leases, summaries); the
 * others (risk counters) are written back once a second. */
static bool
dt_group_kind(int kind)
{
	return kind == STORE_COUNT_STOCK || kind == STORE_COUNT_SUMMARY ||
	    kind == STORE_COUNT_LEASE;
}

/* A header: as the writer's group sees it, or as the store has it. */
static int
dt_header_get(const struct tallies *tl, struct store_txn *t,
    const char *campaign, struct store_campaign *hdr)
{
	if (!tl->writer)
		return store_campaign_get_txn(t, campaign, hdr);
	return drawcache_header_txn(tl->be, t, campaign, hdr);
}

/* Writer: a header written at the group's flush. */
static int
dt_header_put(const struct tallies *tl, struct store_txn *t,
    const struct store_campaign *hdr)
{
	(void)t;
	assert(tl->writer);
	return drawcache_header_put(tl->be, hdr);
}

/* A counter: the group's, or the store's plus the cache's delta (a reader
 * sees the store's folded values). */
static int
dt_count_get(const struct tallies *tl, struct store_txn *t,
    const char *campaign, int kind, const uint8_t subject[16],
    uint32_t period, uint64_t *n)
{
	int ret;

	if (tl->writer && dt_group_kind(kind))
		return drawcache_tally_txn(tl->be, t, campaign, kind, subject,
		    period, n);
	if ((ret = store_counter_get_txn(t, campaign, kind, subject, period,
	    n)) < 0)
		return ret;
	if (tl->writer)
		*n += drawcache_counter(tl->be, campaign, kind, subject,
		    period);
	return 0;
}

/* Writer: adds to a counter in the group or the write-back. */
static int
dt_count_add(const struct tallies *tl, struct store_txn *t,
    const char *campaign, int kind, const uint8_t subject[16],
    uint32_t period, uint64_t delta)
{
	(void)t;
	assert(tl->writer);
	if (dt_group_kind(kind))
		return drawcache_tally_add(tl->be, campaign, kind, subject,
		    period, delta);
	return drawcache_count(tl->be, campaign, kind, subject, period, delta);
}

/* Finds a code's draw: the cache's index first (the writer sees its
 * group's draws, a reader committed ones), then the code's summary, then
 * the store's index. */
static int
dt_draw_find(const struct tallies *tl, struct store_txn *t,
    const char *campaign, const uint8_t serial[STORE_SERIAL_BYTES],
    struct store_draw *d)
{
	struct summaries *sm = drawcache_summaries(tl->be);
	uint64_t seq = drawcache_draw_seq(tl->be, campaign, serial,
	    tl->writer);
	int ret;

	if (seq != 0) {
		ret = store_draw_get_txn(t, campaign, seq, d);
		/* The writer's transaction holds every draw it indexed; a
		 * loop's read transaction may predate the commit: not yet. */
		return ret == -ENOENT && tl->writer ? -EIO : ret;
	}
	if (sm != NULL && (ret = summaries_find_draw_txn(sm, t, campaign,
	    serial, tl->writer, d)) != -ENOENT)
		return ret;
	return store_draw_indexed_code_txn(t, campaign, serial, d);
}

/* Writer: appends a draw; an online draw is kept in its code's summary
 * when it can be, and waits here for its counts (and, if not kept there,
 * its index entry) to be folded. */
static int
dt_draw_add(const struct tallies *tl, struct store_txn *t,
    const char *campaign, const struct store_draw *d)
{
	struct summaries *sm = drawcache_summaries(tl->be);
	bool kept = false;
	int ret;

	assert(tl->writer);
	if ((ret = store_draw_append_txn(t, campaign, d)) < 0)
		return ret;
	if (d->kind != STORE_DRAW_ONLINE)
		return 0;
	if (sm != NULL && (ret = summaries_keep_draw_txn(sm, t, campaign,
	    d->serial, d->seq, &kept)) < 0)
		return ret;
	return drawcache_add_draw(tl->be, campaign, d->serial, d->seq, kept);
}

static const struct tallies_ops dt_ops = {
	.header_get = dt_header_get,
	.header_put = dt_header_put,
	.count_get = dt_count_get,
	.count_add = dt_count_add,
	.draw_find = dt_draw_find,
	.draw_add = dt_draw_add,
};

/* The writer's tallies. */
struct tallies
drawcache_tallies(struct drawcache *dc)
{
	return (struct tallies){ .ops = &dt_ops, .be = dc, .writer = true };
}

/* The loops' view. */
struct tallies
drawcache_reader(struct drawcache *dc)
{
	return (struct tallies){ .ops = &dt_ops, .be = dc, .writer = false };
}

struct dt_replay {
	struct store_txn *t;
	struct campaign *c;
	struct drawcache *dc;
	struct tallies tl;
	size_t n;
};

/* Replays one logged draw into the cache, unless the index holds it. */
static int
dt_replay_cb(const struct store_draw *d, void *arg)
{
	struct dt_replay *w = arg;
	struct store_draw indexed;
	struct store_event ev;
	uint8_t net[16] = { 0 };
	int ret;

	if (d->kind != STORE_DRAW_ONLINE)
		return 0;
	/* In the index: written with its counts, in one transaction (a
	 * fold's slice, or a process that writes straight). Not the code's
	 * summary: a fold may have written it before the draw's counts. */
	ret = store_draw_indexed_code_txn(w->t, w->c->id, d->serial,
	    &indexed);
	if (ret != -ENOENT)
		return ret;
	/* The event keeps the client's address (anonymised, but within the
	 * prefix the hourly limit counts). */
	if (w->c->lim_ip_hour != 0) {
		ret = store_event_get_txn(w->t, d->event_id, &ev);
		if (ret < 0 && ret != -ENOENT)
			return ret;
		if (ret == 0)
			draw_net_of(ev.ip_family == 4 ? AF_INET : AF_INET6,
			    ev.ip, net);
	}
	/* The counts first: drawcache_add_draw gives them to the draw. */
	if ((ret = draw_count_txn(w->t, &w->tl, w->c, d, net)) < 0 ||
	    (ret = drawcache_add_draw(w->dc, w->c->id, d->serial,
	    d->seq, false)) < 0)
		return ret;
	w->n++;
	return 0;
}

/* Replays one campaign's draws after its watermark. */
static int
dt_recover_cb(struct campaign *c, void *arg)
{
	struct dt_replay *w = arg;
	uint64_t seq;
	int ret;

	w->c = c;
	if ((ret = store_draws_indexed_txn(w->t, c->id, &seq)) < 0)
		return ret;
	return store_draw_foreach_txn(w->t, c->id, seq + 1, dt_replay_cb, w);
}

/* Puts the unindexed online draws into the cache. */
int
drawcache_recover_txn(struct store_txn *t, struct registry *r,
    struct drawcache *dc)
{
	struct dt_replay w = { t, NULL, dc, drawcache_tallies(dc), 0 };
	int ret;

	ret = registry_foreach(r, dt_recover_cb, &w);
	/* They are on disk: what they add counts as committed. */
	drawcache_group_end(dc, ret == 0);
	return ret < 0 ? ret : (int)(w.n > INT32_MAX ? INT32_MAX : w.n);
}
