/*
 * prune.c — retention: forged and malformed events deleted after some
 * days, client addresses dropped from older events, abandoned groups
 * deleted (store/groups.c), in short steps.
 *
 * Events are walked in id order from a watermark per kind in meta
 * ("pruned_forged", "pruned_ip": the last event id looked at), so a step
 * costs what it changes, not the size of the store, and a step that is
 * interrupted (its transaction aborted, the process killed) is simply
 * done again. A deleted event may sit in a code's chain (prev_same_code):
 * its successor is relinked past it and the code's summary loses it, in
 * the same transaction (docs/store.md section 13).
 */
#include "store/group.h"
#include "store/store_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PRUNE_HOUR_US (3600LL * 1000000)
#define PRUNE_COUNT_KEY (4 + STORE_NET_BYTES)

static const uint8_t prune_zero[16];

/* Reads a u64 watermark from meta (0 if absent). */
static int
prune_mark_get(struct store_txn *t, const char *name, uint64_t *v)
{
	int ret;

	*v = 0;
	ret = store_get_txn(t, STORE_DB_META, name, strlen(name), v,
	    sizeof(*v));
	return ret == -ENOENT ? 0 : ret;
}

/* Writes a u64 watermark to meta. */
static int
prune_mark_put(struct store_txn *t, const char *name, uint64_t v)
{
	return store_put_txn(t, STORE_DB_META, name, strlen(name), &v,
	    sizeof(v), 0);
}

/* An event a pass picked: its id and serial. */
struct prune_item {
	uint64_t id;
	uint8_t serial[STORE_SERIAL_BYTES];
};

/* Events a pass picked, and the last id looked at. */
struct prune_pick {
	int64_t before;			/* events from this time on stop */
	bool forged;			/* forged/malformed, else addressed */
	struct prune_item items[STORE_PRUNE_CHANGE];
	size_t n;
	size_t examined;
	uint64_t last;
	bool more;			/* stopped at a limit */
};

/* True if an event is one the forged pass deletes. */
static bool
prune_is_forged(const struct store_event *ev)
{
	return (ev->verdict == STORE_VERDICT_FORGED ||
	    ev->verdict == STORE_VERDICT_MALFORMED) &&
	    !(ev->flags & STORE_EVENT_F_AUTH);
}

/* Walk callback: picks events until the cut-off time or a limit. */
static int
prune_pick_cb(const struct store_event *ev, void *arg)
{
	struct prune_pick *p = arg;
	bool want;

	if (ev->time >= p->before)
		return 1;
	p->examined++;
	p->last = ev->id;
	if (p->forged)
		want = prune_is_forged(ev);
	else
		want = ev->ip_family != 0 ||
		    memcmp(ev->ip, prune_zero, sizeof(ev->ip)) != 0;
	if (want) {
		p->items[p->n].id = ev->id;
		memcpy(p->items[p->n].serial, ev->serial, STORE_SERIAL_BYTES);
		p->n++;
	}
	if (p->examined >= STORE_PRUNE_EXAMINE || p->n >= STORE_PRUNE_CHANGE) {
		p->more = true;
		return 1;
	}
	return 0;
}

/* Picks events after a watermark (a pass's first half). */
static int
prune_pick_txn(struct store_txn *t, const char *mark, struct prune_pick *p)
{
	uint64_t after;
	int ret;

	if ((ret = prune_mark_get(t, mark, &after)) < 0)
		return ret;
	p->last = after;
	return store_event_foreach_after_txn(t, after, prune_pick_cb, p);
}

/* Orders picked events by serial, then id. */
static int
prune_item_cmp(const void *a, const void *b)
{
	const struct prune_item *x = a, *y = b;
	int c = memcmp(x->serial, y->serial, STORE_SERIAL_BYTES);

	if (c != 0)
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* True if id is among the n items (sorted by id). */
static bool
prune_item_has(const struct prune_item *it, size_t n, uint64_t id)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (it[mid].id == id)
			return true;
		if (it[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/*
 * Deletes n events of one code (sorted by id) from its chain: one walk
 * from the newest event down to the oldest of them, in which whatever
 * links to a deleted event (the summary's last_event, or the next newer
 * event kept) is pointed past it. The summary loses their count, and goes
 * when nothing is left of the chain. Events the walk does not meet (a
 * chain damaged before) are deleted all the same.
 */
static int
prune_chain_txn(struct store_txn *t, const struct prune_item *it, size_t n,
    struct store_prune_stats *s)
{
	struct store_code_scans cs;
	struct store_event held, ev;
	uint64_t *link, cur;
	bool have_held = false, dirty = false;
	size_t met = 0;
	int ret;

	if ((ret = store_code_scans_get_txn(t, it[0].serial, &cs)) < 0 &&
	    ret != -ENOENT)
		return ret;
	if (ret == -ENOENT)
		memset(&cs, 0, sizeof(cs));
	link = &cs.last_event;
	for (cur = cs.last_event; cur != 0 && cur >= it[0].id;) {
		if ((ret = store_event_get_txn(t, cur, &ev)) == -ENOENT)
			break;
		if (ret < 0)
			return ret;
		if (prune_item_has(it, n, cur)) {
			*link = ev.prev_same_code;
			dirty = true;
			if ((ret = store_event_del_txn(t, cur)) < 0)
				return ret;
			met++;
			s->deleted++;
		} else {
			if (have_held && dirty) {
				if ((ret = store_event_put_txn(t, &held)) < 0)
					return ret;
				s->relinked++;
			}
			held = ev;
			have_held = true;
			dirty = false;
			link = &held.prev_same_code;
		}
		cur = ev.prev_same_code;
	}
	if (have_held && dirty) {
		if ((ret = store_event_put_txn(t, &held)) < 0)
			return ret;
		s->relinked++;
	}
	for (size_t i = 0; met < n && i < n; i++)
		if ((ret = store_event_del_txn(t, it[i].id)) == 0)
			s->deleted++;
		else if (ret != -ENOENT)
			return ret;
	if (cs.first_event == 0 && cs.total == 0)
		return 0;		/* no summary */
	s->summaries++;
	cs.total = cs.total > met ? cs.total - (uint32_t)met : 0;
	if (cs.total == 0 && cs.last_event == 0 && cs.first_event == 0)
		return store_code_scans_del_txn(t, it[0].serial);
	return store_code_scans_put_txn(t, it[0].serial, &cs);
}

/* Whether a pass has an event to look at: the cut-off, and the answer. */
struct prune_due {
	int64_t before;
	bool due;
};

/* Walk callback: is the first event past a pass's watermark older than
 * the cut-off? */
static int
prune_due_cb(const struct store_event *ev, void *arg)
{
	struct prune_due *d = arg;

	d->due = ev->time < d->before;
	return 1;
}

/* Deletes forged and malformed events older than the cut-off, relinking
 * their chains. Only folded events are deleted, and only when nothing is
 * left to fold: a chain's walk starts from the code's stored summary.
 * With no event old enough to look at, nothing need be folded. */
static int
prune_forged_txn(struct store_txn *t, int64_t before,
    struct store_prune_stats *s, bool *more)
{
	struct prune_due due = { before, false };
	struct prune_pick *p;
	uint64_t folded, last, after;
	size_t i, j;
	int ret;

	*more = false;
	if ((ret = prune_mark_get(t, "pruned_forged", &after)) < 0 ||
	    (ret = store_event_foreach_after_txn(t, after, prune_due_cb,
	    &due)) < 0)
		return ret;
	if (!due.due)
		return 0;
	if ((ret = store_scans_folded_txn(t, &folded)) < 0 ||
	    (ret = store_event_last_id_txn(t, &last)) < 0)
		return ret;
	/* Pruned newest events leave the watermark above the last id. */
	if (last > folded)
		return -EBUSY;		/* the caller folds first */
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -ENOMEM;
	p->before = before;
	p->forged = true;
	if ((ret = prune_pick_txn(t, "pruned_forged", p)) < 0)
		goto fail;
	qsort(p->items, p->n, sizeof(p->items[0]), prune_item_cmp);
	for (i = 0; i < p->n; i = j) {
		for (j = i + 1; j < p->n && memcmp(p->items[j].serial,
		    p->items[i].serial, STORE_SERIAL_BYTES) == 0; j++)
			;
		if (memcmp(p->items[i].serial, prune_zero,
		    STORE_SERIAL_BYTES) != 0)
			ret = prune_chain_txn(t, p->items + i, j - i, s);
		else
			for (size_t k = i; ret == 0 && k < j; k++)
				if ((ret = store_event_del_txn(t,
				    p->items[k].id)) == 0)
					s->deleted++;
		if (ret < 0)
			goto fail;
	}
	s->examined += p->examined;
	*more = p->more;
	ret = prune_mark_put(t, "pruned_forged", p->last);
fail:
	free(p);
	return ret;
}

/* Zeroes the client address of events older than the cut-off. */
static int
prune_ip_txn(struct store_txn *t, int64_t before, struct store_prune_stats *s,
    bool *more)
{
	struct prune_pick *p;
	struct store_event ev;
	int ret;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -ENOMEM;
	p->before = before;
	if ((ret = prune_pick_txn(t, "pruned_ip", p)) < 0)
		goto fail;
	for (size_t i = 0; i < p->n; i++) {
		if ((ret = store_event_get_txn(t, p->items[i].id, &ev)) < 0)
			goto fail;
		ev.ip_family = 0;
		memset(ev.ip, 0, sizeof(ev.ip));
		if ((ret = store_event_put_txn(t, &ev)) < 0)
			goto fail;
		s->addresses++;
	}
	s->examined += p->examined;
	*more = p->more;
	ret = prune_mark_put(t, "pruned_ip", p->last);
fail:
	free(p);
	return ret;
}

/* A network-hour count picked by a counts pass. */
struct prune_count {
	uint8_t key[PRUNE_COUNT_KEY];
	struct store_forged_count c;
};

struct prune_counts {
	uint32_t before;		/* hours from this one on stop it */
	bool drop_net;			/* pick counts naming a network */
	struct prune_count *picked;
	size_t n;
	bool more;
};

/* Walk callback: picks counts of the hours before the cut-off. */
static int
prune_counts_cb(uint32_t hour, const uint8_t net[STORE_NET_BYTES],
    const struct store_forged_count *c, void *arg)
{
	struct prune_counts *w = arg;
	struct prune_count *pc;

	if (hour >= w->before)
		return 1;
	if (w->drop_net && memcmp(net, prune_zero, STORE_NET_BYTES) == 0)
		return 0;
	if (w->n >= STORE_PRUNE_CHANGE) {
		w->more = true;
		return 1;
	}
	pc = &w->picked[w->n++];
	pc->key[0] = (uint8_t)(hour >> 24);
	pc->key[1] = (uint8_t)(hour >> 16);
	pc->key[2] = (uint8_t)(hour >> 8);
	pc->key[3] = (uint8_t)hour;
	memcpy(pc->key + 4, net, STORE_NET_BYTES);
	pc->c = *c;
	return 0;
}

/* The smaller of two ids, 0 meaning none. */
static uint64_t
prune_min_set(uint64_t a, uint64_t b)
{
	return a == 0 || (b != 0 && b < a) ? b : a;
}

/* Adds count b into a: sums, the earliest first (time, event, signal),
 * the latest last. */
static void
prune_count_merge(struct store_forged_count *a,
    const struct store_forged_count *b)
{
	a->forged += b->forged;
	a->malformed += b->malformed;
	a->kept += b->kept;
	if (a->first == 0 || (b->first != 0 && b->first < a->first))
		a->first = b->first;
	if (b->last > a->last)
		a->last = b->last;
	a->first_event = prune_min_set(a->first_event, b->first_event);
	a->signal_id = prune_min_set(a->signal_id, b->signal_id);
}

/* Counts of whole hours before a cut-off: deleted (forged retention), or
 * merged into their hour's count without a network (address retention).
 * The merge goes on from the hour watermark "pruned_ip_hour". */
static int
prune_counts_txn(struct store_txn *t, int64_t before, bool drop_net,
    struct store_prune_stats *s, bool *more)
{
	struct prune_count *picked;
	struct prune_counts w;
	struct store_forged_count z;
	uint64_t from = 0;
	int ret;

	if ((picked = calloc(STORE_PRUNE_CHANGE, sizeof(*picked))) == NULL)
		return -ENOMEM;
	memset(&w, 0, sizeof(w));
	w.before = (uint32_t)(before / PRUNE_HOUR_US);
	w.drop_net = drop_net;
	w.picked = picked;
	if (drop_net && (ret = prune_mark_get(t, "pruned_ip_hour", &from)) < 0)
		goto fail;
	if ((ret = store_forged_count_foreach_txn(t, (uint32_t)from,
	    prune_counts_cb, &w)) < 0)
		goto fail;
	for (size_t i = 0; i < w.n; i++) {
		struct prune_count *pc = &picked[i];
		uint32_t hour = (uint32_t)pc->key[0] << 24 |
		    (uint32_t)pc->key[1] << 16 | (uint32_t)pc->key[2] << 8 |
		    pc->key[3];

		if ((ret = store_del_txn(t, STORE_DB_FORGED_COUNTS, pc->key,
		    sizeof(pc->key))) < 0)
			goto fail;
		if (!drop_net) {
			s->counts_deleted++;
			continue;
		}
		ret = store_forged_count_get_txn(t, hour, prune_zero, &z);
		if (ret == -ENOENT)
			memset(&z, 0, sizeof(z));
		else if (ret < 0)
			goto fail;
		prune_count_merge(&z, &pc->c);
		memset(pc->key + 4, 0, STORE_NET_BYTES);
		if ((ret = store_put_txn(t, STORE_DB_FORGED_COUNTS, pc->key,
		    sizeof(pc->key), &z, sizeof(z), 0)) < 0)
			goto fail;
		s->counts_merged++;
		from = hour;
	}
	*more = w.more;
	ret = 0;
	if (drop_net)
		ret = prune_mark_put(t, "pruned_ip_hour", w.more ? from :
		    w.before);
fail:
	free(picked);
	return ret;
}

/* One step of every kind of pruning the policy asks for. */
static int
prune_step_txn(struct store_txn *t, const struct store_prune_policy *p,
    struct store_prune_stats *s, bool *more)
{
	bool m;
	int ret;

	*more = false;
	if (p->forged_before > 0) {
		if ((ret = prune_forged_txn(t, p->forged_before, s, &m)) < 0)
			return ret;
		*more |= m;
		if ((ret = prune_counts_txn(t, p->forged_before, false, s,
		    &m)) < 0)
			return ret;
		*more |= m;
	}
	if (p->ip_before > 0) {
		if ((ret = prune_ip_txn(t, p->ip_before, s, &m)) < 0)
			return ret;
		*more |= m;
		if ((ret = prune_counts_txn(t, p->ip_before, true, s, &m)) < 0)
			return ret;
		*more |= m;
	}
	if (p->groups_before > 0) {
		if ((ret = store_group_prune_txn(t, p->groups_before,
		    &s->groups, &s->group_members, &m)) < 0)
			return ret;
		*more |= m;
	}
	return 0;
}

/* One step in its own write transaction. */
int
store_prune_step(struct store *st, const struct store_prune_policy *p,
    struct store_prune_stats *s)
{
	struct store_prune_stats d;
	struct store_txn t;
	bool more;
	int ret;

	memset(&d, 0, sizeof(d));
	if ((ret = store_txn_begin(st, false, &t)) < 0)
		return ret;
	if ((ret = prune_step_txn(&t, p, &d, &more)) < 0) {
		store_txn_abort(&t);
		return ret;
	}
	if ((ret = store_txn_commit(&t)) < 0)
		return ret;
	s->examined += d.examined;
	s->deleted += d.deleted;
	s->relinked += d.relinked;
	s->summaries += d.summaries;
	s->addresses += d.addresses;
	s->counts_deleted += d.counts_deleted;
	s->counts_merged += d.counts_merged;
	s->groups += d.groups;
	s->group_members += d.group_members;
	return more ? 1 : 0;
}
