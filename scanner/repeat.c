/*
 * repeat.c — whether a person's scan repeats an earlier one of the same
 * code: by the same visitor (the sl_vid cookie: "you scanned this
 * before"), by another (the label may have been copied), or neither.
 *
 * The outer code and its inner draw code are two codes to the consumer:
 * "scan the outer code, then the one inside" is the intended flow, so a
 * scan only repeats earlier scans of the same kind (STORE_EVENT_F_DRAW).
 * The code's events are chained newest to oldest (prev_same_code), so the
 * answer is read from the store after the commit: no scan writes more.
 * The walk stops after SCAN_REPEAT_WALK_MAX events (a code scanned that
 * often is suspect anyway); what is left is judged by the code's first
 * human scan, from its summary.
 */
#include "scanner/scan_internal.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

#define SCAN_REPEAT_WALK_MAX 256

/* True if e counts as a person's scan of the same kind as ev. */
static bool
scan_repeat_same_kind(const struct store_event *e,
    const struct store_event *ev)
{
	uint8_t both = STORE_EVENT_F_HUMAN | STORE_EVENT_F_AUTH;

	return (e->flags & both) == both && (e->flags & STORE_EVENT_F_DRAW) ==
	    (ev->flags & STORE_EVENT_F_DRAW);
}

/* Weighs one earlier scan; returns true once the answer is "other". */
static bool
scan_repeat_weigh(const struct store_event *e, const struct store_event *ev,
    struct scan_repeat *out)
{
	if (!scan_repeat_same_kind(e, ev))
		return false;
	if (sodium_memcmp(e->visitor, ev->visitor, sizeof(ev->visitor)) != 0) {
		out->kind = SCAN_REPEAT_OTHER;
		return true;
	}
	out->kind = SCAN_REPEAT_SELF;
	out->since = e->time;		/* the walk goes back in time */
	return false;
}

/* True if ev may repeat an earlier scan: a person's, not the first. */
static bool
scan_repeat_possible(const struct store_event *ev,
    const struct store_code_scans *s)
{
	return scan_repeat_same_kind(ev, ev) && s->human > 1 &&
	    s->first_event != ev->id;
}

/* Decides whether ev (committed, with its code's summary s) repeats an
 * earlier scan. */
int
scan_repeat_txn(struct store_txn *t, const struct store_event *ev,
    const struct store_code_scans *s, struct scan_repeat *out)
{
	struct store_event e;
	uint64_t id = ev->prev_same_code;
	int ret, steps = 0;

	memset(out, 0, sizeof(*out));
	if (!scan_repeat_possible(ev, s))
		return 0;
	for (; id != 0 && steps < SCAN_REPEAT_WALK_MAX; steps++) {
		if ((ret = store_event_get_txn(t, id, &e)) == -ENOENT)
			return 0;
		if (ret < 0)
			return ret;
		if (scan_repeat_weigh(&e, ev, out))
			return 0;
		id = e.prev_same_code;
	}
	if (id == 0 || s->first_event == 0 || s->first_event >= id)
		return 0;
	/* Not walked to the end: the code's first human scan decides. */
	if ((ret = store_event_get_txn(t, s->first_event, &e)) < 0)
		return ret == -ENOENT ? 0 : ret;
	(void)scan_repeat_weigh(&e, ev, out);
	return 0;
}

/* The same for an operation whose event is committed, in its own read
 * transaction. */
int
scan_repeat_op(struct scan_loop *sl, const struct scan_op *o,
    struct scan_repeat *out)
{
	int ret;

	memset(out, 0, sizeof(*out));
	if (!scan_repeat_possible(&o->ev, &o->scans))
		return 0;	/* a first scan costs no read */
	if ((ret = scan_rtxn_begin(sl)) < 0)
		return ret;
	ret = scan_repeat_txn(&sl->rtxn, &o->ev, &o->scans, out);
	scan_rtxn_end(sl);
	return ret;
}
