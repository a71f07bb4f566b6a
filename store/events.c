/* events.c — scan events, per-code scan summaries and server secrets. */
#include "store/store_internal.h"

#include <errno.h>
#include <stddef.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* The fixed part of an event as stored; ua, lang and raw follow it. */
struct store_event_rec {
	uint64_t id;
	int64_t time;
	uint64_t prev_same_code;
	uint8_t serial[STORE_SERIAL_BYTES];
	uint32_t batch_id;
	uint8_t key_id;
	uint8_t verdict;
	uint8_t flags;
	uint8_t ip_family;
	uint8_t ip[16];
	uint8_t visitor[16];
	double lat;
	double lon;
	float accuracy;
	uint8_t reason;		/* was a zero uint32: 0 reads as none */
	uint8_t reserved[3];
	int64_t location_time;
	uint16_t ua_len;
	uint16_t lang_len;
	uint16_t raw_len;
	uint16_t pad;
};
static_assert(sizeof(struct store_event_rec) == 112, "event layout is schema");

/* The fixed part of a stored event is laid out as struct store_event's
 * fields up to location_time, so that a read copies it whole. */
#define STORE_EVENT_SAME(f) static_assert(offsetof(struct store_event_rec, \
	f) == offsetof(struct store_event, f) && \
	sizeof(((struct store_event_rec *)0)->f) == \
	sizeof(((struct store_event *)0)->f), "event field " #f)
STORE_EVENT_SAME(id);
STORE_EVENT_SAME(time);
STORE_EVENT_SAME(prev_same_code);
STORE_EVENT_SAME(serial);
STORE_EVENT_SAME(batch_id);
STORE_EVENT_SAME(key_id);
STORE_EVENT_SAME(verdict);
STORE_EVENT_SAME(flags);
STORE_EVENT_SAME(ip_family);
STORE_EVENT_SAME(ip);
STORE_EVENT_SAME(visitor);
STORE_EVENT_SAME(lat);
STORE_EVENT_SAME(lon);
STORE_EVENT_SAME(accuracy);
STORE_EVENT_SAME(reason);
STORE_EVENT_SAME(reserved);
STORE_EVENT_SAME(location_time);
static_assert(offsetof(struct store_event_rec, raw_len) ==
    offsetof(struct store_event_rec, ua_len) + 2 * sizeof(uint16_t),
    "the texts' lengths follow each other");
#define STORE_EVENT_FIXED (offsetof(struct store_event, location_time) + \
	sizeof(int64_t))

#define STORE_EVENT_REC_MAX (sizeof(struct store_event_rec) + \
	STORE_EVENT_UA_MAX + STORE_EVENT_LANG_MAX + STORE_EVENT_RAW_MAX)

static const uint8_t store_zero_serial[STORE_SERIAL_BYTES];

/* Length of a string, capped. */
static size_t
store_strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n] != '\0')
		n++;
	return n;
}

/* Serialises an event into buf; returns its length. */
static size_t
store_event_pack(const struct store_event *ev, uint8_t *buf)
{
	struct store_event_rec rec;
	size_t o = sizeof(rec);

	memset(&rec, 0, sizeof(rec));
	rec.id = ev->id;
	rec.time = ev->time;
	rec.prev_same_code = ev->prev_same_code;
	memcpy(rec.serial, ev->serial, sizeof(rec.serial));
	rec.batch_id = ev->batch_id;
	rec.key_id = ev->key_id;
	rec.verdict = ev->verdict;
	rec.flags = ev->flags;
	rec.ip_family = ev->ip_family;
	memcpy(rec.ip, ev->ip, sizeof(rec.ip));
	memcpy(rec.visitor, ev->visitor, sizeof(rec.visitor));
	rec.lat = ev->lat;
	rec.lon = ev->lon;
	rec.accuracy = ev->accuracy;
	rec.reason = ev->reason;
	rec.location_time = ev->location_time;
	rec.ua_len = (uint16_t)store_strnlen(ev->ua, STORE_EVENT_UA_MAX);
	rec.lang_len = (uint16_t)store_strnlen(ev->lang, STORE_EVENT_LANG_MAX);
	rec.raw_len = (uint16_t)store_strnlen(ev->raw, STORE_EVENT_RAW_MAX);
	memcpy(buf, &rec, sizeof(rec));
	memcpy(buf + o, ev->ua, rec.ua_len);
	o += rec.ua_len;
	memcpy(buf + o, ev->lang, rec.lang_len);
	o += rec.lang_len;
	memcpy(buf + o, ev->raw, rec.raw_len);
	o += rec.raw_len;
	return o;
}

/* Deserialises an event; -EIO if the record is damaged. */
static int
store_event_unpack(const uint8_t *buf, size_t len, struct store_event *ev)
{
	size_t o = sizeof(struct store_event_rec);
	uint16_t n[3];		/* ua_len, lang_len, raw_len */

	if (len < o)
		return -EIO;
	memcpy(n, buf + offsetof(struct store_event_rec, ua_len), sizeof(n));
	if (n[0] > STORE_EVENT_UA_MAX || n[1] > STORE_EVENT_LANG_MAX ||
	    n[2] > STORE_EVENT_RAW_MAX || len != o + n[0] + n[1] + n[2])
		return -EIO;
	/* The fixed part, laid out alike, in one copy straight from the
	 * map (through a copy on the stack, it waited on the stores); the
	 * texts are NUL-terminated below (zeroing all 600 bytes of them
	 * cost an export a seventh of its time). */
	memcpy(ev, buf, STORE_EVENT_FIXED);
	if (STORE_EVENT_FIXED < offsetof(struct store_event, ua))
		memset((uint8_t *)ev + STORE_EVENT_FIXED, 0,
		    offsetof(struct store_event, ua) - STORE_EVENT_FIXED);
	memcpy(ev->ua, buf + o, n[0]);
	ev->ua[n[0]] = '\0';
	o += n[0];
	memcpy(ev->lang, buf + o, n[1]);
	ev->lang[n[1]] = '\0';
	o += n[1];
	memcpy(ev->raw, buf + o, n[2]);
	ev->raw[n[2]] = '\0';
	return 0;
}

/* Copies a stored summary: 64 bytes, or 56 of an older store (no draw
 * in it). */
static int
store_code_scans_decode(const MDB_val *v, struct store_code_scans *s)
{
	if (v->mv_size != sizeof(*s) && v->mv_size != STORE_CODE_SCANS_V1)
		return -EIO;
	memset(s, 0, sizeof(*s));
	memcpy(s, v->mv_data, v->mv_size);
	return 0;
}

/* Reads a code's summary. */
int
store_code_scans_get_txn(struct store_txn *t,
    const uint8_t serial[STORE_SERIAL_BYTES], struct store_code_scans *s)
{
	MDB_val v;
	int ret;

	if ((ret = store_lookup_txn(t, STORE_DB_CODE_SCANS, serial,
	    STORE_SERIAL_BYTES, &v)) < 0)
		return ret;
	return store_code_scans_decode(&v, s) < 0 ? store_txn_fail(t, -EIO) :
	    0;
}

/* Applies an event to a summary. */
void
store_code_scans_apply(struct store_code_scans *s, const struct store_event *ev)
{
	s->last_event = ev->id;
	s->total++;
	if ((ev->flags & STORE_EVENT_F_HUMAN) && (ev->flags & STORE_EVENT_F_AUTH)) {
		s->human++;
		if (s->first_event == 0) {
			s->first_event = ev->id;
			s->first_time = ev->time;
			if (ev->flags & STORE_EVENT_F_LOCATION)
				store_code_scans_locate(s, ev);
		}
	}
}

/* Applies an event after the watermark unless the summary holds it. */
void
store_code_scans_replay(struct store_code_scans *s,
    const struct store_event *ev)
{
	/* A code's events are applied in id order, so the summary holds
	 * every one up to its last; a location given later still counts. */
	if (ev->id <= s->last_event)
		store_code_scans_locate(s, ev);
	else
		store_code_scans_apply(s, ev);
}

/* A location for the first human scan goes into the summary. */
void
store_code_scans_locate(struct store_code_scans *s, const struct store_event *ev)
{
	if (s->first_event != ev->id || !(ev->flags & STORE_EVENT_F_LOCATION))
		return;
	s->first_lat = ev->lat;
	s->first_lon = ev->lon;
	s->first_accuracy = ev->accuracy;
	s->first_has_location = 1;
}

/* True if the event names a serial. */
static bool
store_event_has_serial(const struct store_event *ev)
{
	return memcmp(ev->serial, store_zero_serial, STORE_SERIAL_BYTES) != 0;
}

/* Appends an event (ids only grow: MDB_APPEND). */
int
store_event_append_txn(struct store_txn *t, struct store_event *ev)
{
	uint8_t key[8], buf[STORE_EVENT_REC_MAX];
	uint64_t id;
	size_t len;
	int ret;

	if ((ret = store_counter_next_txn(t, "next_event", &id)) < 0)
		return ret;
	ev->id = id;
	store_u64_key(id, key);
	len = store_event_pack(ev, buf);
	return store_put_txn(t, STORE_DB_EVENTS, key, sizeof(key), buf, len,
	    MDB_APPEND);
}

/* Writes a summary. */
int
store_code_scans_put_txn(struct store_txn *t,
    const uint8_t serial[STORE_SERIAL_BYTES], const struct store_code_scans *s)
{
	return store_put_txn(t, STORE_DB_CODE_SCANS, serial, STORE_SERIAL_BYTES,
	    s, sizeof(*s), 0);
}

/* The fold watermark. */
int
store_scans_folded_txn(struct store_txn *t, uint64_t *id)
{
	int ret;

	*id = 0;
	ret = store_get_txn(t, STORE_DB_META, "scans_folded", 12, id,
	    sizeof(*id));
	return ret == -ENOENT ? 0 : ret;
}

/* Moves the fold watermark. */
int
store_scans_set_folded_txn(struct store_txn *t, uint64_t id)
{
	return store_put_txn(t, STORE_DB_META, "scans_folded", 12, &id,
	    sizeof(id), 0);
}

/* Appends an event and updates its summary at once. */
int
store_event_add_txn(struct store_txn *t, struct store_event *ev,
    struct store_code_scans *scans)
{
	uint64_t folded, last;
	int ret;

	memset(scans, 0, sizeof(*scans));
	if ((ret = store_scans_folded_txn(t, &folded)) < 0 ||
	    (ret = store_event_last_id_txn(t, &last)) < 0)
		return ret;
	ev->prev_same_code = 0;
	if (store_event_has_serial(ev)) {
		ret = store_code_scans_current_txn(t, ev->serial, scans);
		if (ret < 0 && ret != -ENOENT)
			return ret;
		ev->prev_same_code = scans->last_event;
	}
	if ((ret = store_event_append_txn(t, ev)) < 0)
		return ret;
	if (store_event_has_serial(ev)) {
		store_code_scans_apply(scans, ev);
		if ((ret = store_code_scans_put_txn(t, ev->serial, scans)) < 0)
			return ret;
	}
	/* Nothing was pending (the newest events may have been pruned,
	 * leaving the watermark above them): the watermark follows. */
	return folded >= last ? store_scans_set_folded_txn(t, ev->id) : 0;
}

struct store_fold_walk {
	const uint8_t *serial;		/* one code, or NULL for all */
	struct store_code_scans *s;	/* for one code */
	struct store_txn *t;		/* for all: read-modify-write */
	uint64_t last;
	size_t n;
	int ret;
};

/* Walk callback: applies events after the watermark. */
static int
store_fold_cb(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct store_fold_walk *w = arg;
	struct store_event ev;
	struct store_code_scans s;
	int ret;

	(void)k;
	if ((ret = store_event_unpack(v->mv_data, v->mv_size, &ev)) < 0)
		return ret;
	w->last = ev.id;
	w->n++;
	if (!store_event_has_serial(&ev))
		return w->serial == NULL && w->n >= STORE_MINT_CHUNK ? 1 : 0;
	if (w->serial != NULL) {
		if (memcmp(ev.serial, w->serial, STORE_SERIAL_BYTES) == 0)
			store_code_scans_replay(w->s, &ev);
		return 0;
	}
	ret = store_code_scans_get_txn(w->t, ev.serial, &s);
	if (ret == -ENOENT)
		memset(&s, 0, sizeof(s));
	else if (ret < 0)
		return ret;
	store_code_scans_replay(&s, &ev);
	if ((ret = store_code_scans_put_txn(w->t, ev.serial, &s)) < 0)
		return ret;
	return w->n >= STORE_MINT_CHUNK ? 1 : 0;
}

/* Walks events with ids greater than after. */
static int
store_walk_events_after(struct store_txn *t, uint64_t after,
    int (*cb)(const MDB_val *, const MDB_val *, void *), void *arg)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint8_t key[8];
	int rc, ret = 0;

	if ((ret = store_cursor_open_txn(t, STORE_DB_EVENTS, &cur)) != 0)
		return ret;
	store_u64_key(after + 1, key);
	k.mv_size = sizeof(key);
	k.mv_data = key;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
		if ((ret = cb(&k, &v, arg)) != 0)
			break;
	mdb_cursor_close(cur);
	if (ret == 0 && rc != 0 && rc != MDB_NOTFOUND)
		ret = store_txn_fail(t, store_error(rc));
	return ret < 0 ? ret : 0;
}

struct store_after_walk {
	int (*cb)(const struct store_event *, void *);
	void *arg;
};

/* Walk callback unpacking events for store_event_foreach_after_txn. */
static int
store_after_cb(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct store_after_walk *w = arg;
	struct store_event ev;
	int ret;

	(void)k;
	if ((ret = store_event_unpack(v->mv_data, v->mv_size, &ev)) < 0)
		return ret;
	return w->cb(&ev, w->arg);
}

/* Walks events after an id. */
int
store_event_foreach_after_txn(struct store_txn *t, uint64_t after,
    int (*cb)(const struct store_event *, void *), void *arg)
{
	struct store_after_walk w = { cb, arg };

	return store_walk_events_after(t, after, store_after_cb, &w);
}

/* A summary with the unfolded tail applied. */
int
store_code_scans_current_txn(struct store_txn *t,
    const uint8_t serial[STORE_SERIAL_BYTES], struct store_code_scans *s)
{
	struct store_fold_walk w;
	uint64_t folded;
	int ret, found;

	ret = store_code_scans_get_txn(t, serial, s);
	if (ret < 0 && ret != -ENOENT)
		return ret;
	found = ret == 0;
	if (!found)
		memset(s, 0, sizeof(*s));
	if ((ret = store_scans_folded_txn(t, &folded)) < 0)
		return ret;
	memset(&w, 0, sizeof(w));
	w.serial = serial;
	w.s = s;
	if ((ret = store_walk_events_after(t, folded, store_fold_cb, &w)) < 0)
		return ret;
	return found || s->total > 0 ? 0 : -ENOENT;
}

/* Folds the unfolded tail into code_scans, a chunk per transaction. */
int
store_scans_fold(struct store *st, uint64_t *folded_events)
{
	struct store_txn t;
	uint64_t folded;
	int ret;

	*folded_events = 0;
	for (;;) {
		struct store_fold_walk w;

		if ((ret = store_txn_begin(st, false, &t)) < 0)
			return ret;
		if ((ret = store_scans_folded_txn(&t, &folded)) < 0)
			goto fail;
		memset(&w, 0, sizeof(w));
		w.t = &t;
		if ((ret = store_walk_events_after(&t, folded, store_fold_cb,
		    &w)) < 0)
			goto fail;
		if (w.n == 0) {
			store_txn_abort(&t);
			return 0;
		}
		if ((ret = store_scans_set_folded_txn(&t, w.last)) < 0)
			goto fail;
		if ((ret = store_txn_commit(&t)) < 0)
			return ret;
		*folded_events += w.n;
	}
fail:
	store_txn_abort(&t);
	return ret;
}

/* Reads an event. */
int
store_event_get_txn(struct store_txn *t, uint64_t id, struct store_event *ev)
{
	MDB_val v;
	uint8_t key[8];
	int ret;

	store_u64_key(id, key);
	if ((ret = store_lookup_txn(t, STORE_DB_EVENTS, key, sizeof(key),
	    &v)) < 0)
		return ret;
	return store_event_unpack(v.mv_data, v.mv_size, ev);
}

/* Attaches a location to an event once. */
int
store_event_set_location_txn(struct store_txn *t, uint64_t id, double lat,
    double lon, float accuracy, int64_t now, struct store_event *ev)
{
	struct store_log_entry located;
	int ret;

	if ((ret = store_event_get_txn(t, id, ev)) < 0)
		return ret;
	if (ev->flags & STORE_EVENT_F_LOCATION)
		return -EEXIST;
	ev->flags |= STORE_EVENT_F_LOCATION;
	ev->lat = lat;
	ev->lon = lon;
	ev->accuracy = accuracy;
	ev->location_time = now;
	if ((ret = store_event_put_txn(t, ev)) < 0)
		return ret;
	/* The event changed after its scan: the outbox sends it again. */
	memset(&located, 0, sizeof(located));
	located.time = now;
	located.event_id = id;
	return store_log_append_txn(t, STORE_LOG_LOCATED, &located);
}

/* Rewrites an event in place. */
int
store_event_put_txn(struct store_txn *t, const struct store_event *ev)
{
	uint8_t key[8], buf[STORE_EVENT_REC_MAX];
	size_t len;

	store_u64_key(ev->id, key);
	len = store_event_pack(ev, buf);
	return store_put_txn(t, STORE_DB_EVENTS, key, sizeof(key), buf, len, 0);
}

/* Deletes an event. */
int
store_event_del_txn(struct store_txn *t, uint64_t id)
{
	uint8_t key[8];

	store_u64_key(id, key);
	return store_del_txn(t, STORE_DB_EVENTS, key, sizeof(key));
}

/* Deletes a code's summary. */
int
store_code_scans_del_txn(struct store_txn *t,
    const uint8_t serial[STORE_SERIAL_BYTES])
{
	return store_del_txn(t, STORE_DB_CODE_SCANS, serial,
	    STORE_SERIAL_BYTES);
}

/* Walks events backwards by id. */
int
store_event_foreach_desc_txn(struct store_txn *t, uint64_t before,
    size_t limit, int (*cb)(const struct store_event *, void *), void *arg)
{
	MDB_cursor *cur;
	MDB_val k, v;
	uint8_t key[8];
	size_t n = 0;
	int rc, ret = 0;

	if ((ret = store_cursor_open_txn(t, STORE_DB_EVENTS, &cur)) != 0)
		return ret;
	if (before == UINT64_MAX)
		rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	else {
		store_u64_key(before, key);
		k.mv_size = sizeof(key);
		k.mv_data = key;
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		if (rc == 0)
			rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
		else if (rc == MDB_NOTFOUND)
			rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	}
	for (; rc == 0 && n < limit; n++) {
		struct store_event ev;

		if ((ret = store_event_unpack(v.mv_data, v.mv_size, &ev)) < 0)
			break;
		if ((ret = cb(&ev, arg)) != 0)
			break;
		rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
	}
	mdb_cursor_close(cur);
	if (ret == 0 && rc != 0 && rc != MDB_NOTFOUND)
		ret = store_txn_fail(t, store_error(rc));
	return ret;
}

/* Follows one code's chain of events. */
int
store_event_foreach_code_txn(struct store_txn *t,
    const uint8_t serial[STORE_SERIAL_BYTES], size_t limit,
    int (*cb)(const struct store_event *, void *), void *arg)
{
	struct store_code_scans s;
	struct store_event ev;
	uint64_t id;
	int ret;

	if ((ret = store_code_scans_current_txn(t, serial, &s)) < 0)
		return ret;
	for (id = s.last_event; id != 0 && limit > 0; limit--) {
		if ((ret = store_event_get_txn(t, id, &ev)) < 0)
			return ret == -ENOENT ? -EIO : ret;
		if ((ret = cb(&ev, arg)) != 0)
			return ret;
		id = ev.prev_same_code;
	}
	return 0;
}

struct store_event_cursor {
	MDB_cursor *cur;
	struct store_txn *t;
	uint64_t after;
	bool started;
	uintptr_t lo, hi;		/* map addresses read since a trim */
	uintptr_t all_lo, all_hi;	/* ... and since the cursor opened */
	uintptr_t page;			/* the page of the last event read */
	uintptr_t page_size;
};

/* Opens an event cursor after an id. */
int
store_event_cursor_open_txn(struct store_txn *t, uint64_t after,
    struct store_event_cursor **out)
{
	struct store_event_cursor *c;
	int ret;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -ENOMEM;
	if ((ret = store_cursor_open_txn(t, STORE_DB_EVENTS, &c->cur)) != 0) {
		free(c);
		return ret;
	}
	c->t = t;
	c->after = after;
	c->page_size = (uintptr_t)sysconf(_SC_PAGESIZE);
	*out = c;
	return 0;
}

/*
 * Asks the CPU for the page an event is on and the page after it, once
 * per page. An export reads events from memory no cache holds, one page
 * after the other (pages of appended events mostly follow each other in
 * the map), and each read used to wait for its cache line: a third of an
 * export's reading. Prefetches never fault, past the map's end neither.
 */
static void
store_event_prefetch(struct store_event_cursor *c, const void *data)
{
	uintptr_t page = (uintptr_t)data & ~(c->page_size - 1);

	if (page == c->page)
		return;
	c->page = page;
	for (uintptr_t a = page; a < page + 2 * c->page_size; a += 64)
		__builtin_prefetch((const void *)a);
}

/* Reads the next event of a cursor. */
int
store_event_cursor_next(struct store_event_cursor *c, struct store_event *ev)
{
	MDB_val k, v;
	uint8_t key[8];
	int rc;

	if (c->t->ret != 0)
		return c->t->ret;
	if (!c->started) {
		c->started = true;
		if (c->after == UINT64_MAX)
			return -ENOENT;
		store_u64_key(c->after + 1, key);
		k.mv_size = sizeof(key);
		k.mv_data = key;
		rc = mdb_cursor_get(c->cur, &k, &v, MDB_SET_RANGE);
	} else
		rc = mdb_cursor_get(c->cur, &k, &v, MDB_NEXT);
	if (rc == MDB_NOTFOUND)
		return -ENOENT;
	if (rc != 0)
		return store_txn_fail(c->t, store_error(rc));
	if (c->lo == 0 || (uintptr_t)v.mv_data < c->lo)
		c->lo = (uintptr_t)v.mv_data;
	if ((uintptr_t)v.mv_data + v.mv_size > c->hi)
		c->hi = (uintptr_t)v.mv_data + v.mv_size;
	store_event_prefetch(c, v.mv_data);
	return store_event_unpack(v.mv_data, v.mv_size, ev);
}

/*
 * LMDB reads through its map, and every page read stays in the process's
 * resident size: an export of a large store would grow by the store's
 * size. The map is read-only (no MDB_WRITEMAP), so the pages read can be
 * dropped from this process (they stay in the page cache; touching one
 * again maps it again, unchanged). The range is what the cursor has read
 * since it opened, page-aligned: inside the map, which is contiguous. Not
 * only since the last trim: the kernel maps the pages around a page read
 * (fault-around), and the cursor reads branch pages too, so pages outside
 * the last stretch would stay, a few per thousand events, and the size
 * would grow with the export after all. Pages already dropped cost the
 * call nearly nothing.
 */
void
store_event_cursor_trim(struct store_event_cursor *c)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), lo, hi;

	if (c->lo == 0 || c->hi <= c->lo)
		return;
	if (c->all_lo == 0 || c->lo < c->all_lo)
		c->all_lo = c->lo;
	if (c->hi > c->all_hi)
		c->all_hi = c->hi;
	lo = c->all_lo & ~(page - 1);
	hi = (c->all_hi + page - 1) & ~(page - 1);
	madvise((void *)lo, hi - lo, MADV_DONTNEED);
	c->lo = c->hi = 0;
}

/* Closes an event cursor. */
void
store_event_cursor_close(struct store_event_cursor *c)
{
	if (c == NULL)
		return;
	mdb_cursor_close(c->cur);
	free(c);
}

struct store_code_scans_walk {
	int (*cb)(const uint8_t *, const struct store_code_scans *, void *);
	void *arg;
};

/* Walk callback for code summaries. */
static int
store_code_scans_walk_cb(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct store_code_scans_walk *w = arg;
	struct store_code_scans s;

	if (k->mv_size != STORE_SERIAL_BYTES ||
	    store_code_scans_decode(v, &s) < 0)
		return -EIO;
	return w->cb(k->mv_data, &s, w->arg);
}

/* Iterates over the stored code summaries. */
int
store_code_scans_foreach_txn(struct store_txn *t,
    int (*cb)(const uint8_t serial[STORE_SERIAL_BYTES],
    const struct store_code_scans *s, void *arg), void *arg)
{
	struct store_code_scans_walk w = { cb, arg };

	return store_walk_txn(t, STORE_DB_CODE_SCANS, NULL, 0, 0,
	    store_code_scans_walk_cb, &w);
}

/* Newest event id. */
int
store_event_last_id_txn(struct store_txn *t, uint64_t *id)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc, ret;

	*id = 0;
	if ((ret = store_cursor_open_txn(t, STORE_DB_EVENTS, &cur)) != 0)
		return ret;
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	if (rc == 0 && k.mv_size == 8)
		for (int i = 0; i < 8; i++)
			*id = *id << 8 | ((uint8_t *)k.mv_data)[i];
	mdb_cursor_close(cur);
	return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_txn_fail(t,
	    store_error(rc));
}

/* Gets or creates a named 32-byte secret in meta. */
int
store_secret_get(struct store *st, const char *name, uint8_t out[32])
{
	char key[64];
	struct store_txn t;
	int ret;

	if (snprintf(key, sizeof(key), "secret:%s", name) >= (int)sizeof(key))
		return -EINVAL;
	if ((ret = store_txn_begin(st, true, &t)) < 0)
		return ret;
	ret = store_get_txn(&t, STORE_DB_META, key, strlen(key), out, 32);
	store_txn_abort(&t);
	if (ret != -ENOENT)
		return ret;
	if ((ret = store_txn_begin(st, false, &t)) < 0)
		return ret;
	ret = store_get_txn(&t, STORE_DB_META, key, strlen(key), out, 32);
	if (ret == -ENOENT) {
		randombytes_buf(out, 32);
		ret = store_put_txn(&t, STORE_DB_META, key, strlen(key), out, 32,
		    0);
		if (ret == 0)
			return store_txn_commit(&t);
	}
	store_txn_abort(&t);
	return ret;
}
