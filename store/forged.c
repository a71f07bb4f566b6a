/*
 * forged.c — forged and malformed scans counted per client network and
 * UTC hour, and the budget of them stored one by one.
 *
 * The count is written in the scan's own transaction, so that a count and
 * the events it let through commit together: after a crash the budget
 * still says how many of the hour's events are stored.
 */
#include "store/store_internal.h"

#include <errno.h>
#include <string.h>

#define FORGED_KEY_BYTES (4 + STORE_NET_BYTES)
#define FORGED_HOUR_US (3600LL * 1000000)

/* The key of a network-hour: the hour big-endian, then the network, so
 * that counts sort by time. */
static void
forged_key(uint32_t hour, const uint8_t net[STORE_NET_BYTES],
    uint8_t key[FORGED_KEY_BYTES])
{
	key[0] = (uint8_t)(hour >> 24);
	key[1] = (uint8_t)(hour >> 16);
	key[2] = (uint8_t)(hour >> 8);
	key[3] = (uint8_t)hour;
	memcpy(key + 4, net, STORE_NET_BYTES);
}

/* The hour of a time (UTC hours since 1970; 0 before it). */
static uint32_t
forged_hour(int64_t us)
{
	return us <= 0 ? 0 : (uint32_t)(us / FORGED_HOUR_US);
}

/* The client network of an event. */
void
store_event_net(const struct store_event *ev, uint8_t net[STORE_NET_BYTES])
{
	memset(net, 0, STORE_NET_BYTES);
	if (ev->ip_family == 4) {
		net[0] = 4;
		memcpy(net + 1, ev->ip, 3);
	} else if (ev->ip_family == 6) {
		net[0] = 6;
		memcpy(net + 1, ev->ip, 6);
	}
}

/* Reads one network-hour's count. */
int
store_forged_count_get_txn(struct store_txn *t, uint32_t hour,
    const uint8_t net[STORE_NET_BYTES], struct store_forged_count *c)
{
	uint8_t key[FORGED_KEY_BYTES];

	forged_key(hour, net, key);
	return store_get_txn(t, STORE_DB_FORGED_COUNTS, key, sizeof(key), c,
	    sizeof(*c));
}

/* Counts a forged or malformed event; *keep: store it. */
int
store_forged_count_txn(struct store_txn *t, const struct store_event *ev,
    uint64_t budget, bool *keep)
{
	struct store_forged_count c;
	uint8_t net[STORE_NET_BYTES], key[FORGED_KEY_BYTES];
	int ret;

	*keep = true;
	if (ev->verdict != STORE_VERDICT_FORGED &&
	    ev->verdict != STORE_VERDICT_MALFORMED)
		return 0;
	store_event_net(ev, net);
	forged_key(forged_hour(ev->time), net, key);
	ret = store_get_txn(t, STORE_DB_FORGED_COUNTS, key, sizeof(key), &c,
	    sizeof(c));
	if (ret == -ENOENT) {
		memset(&c, 0, sizeof(c));
		c.first = ev->time;
	} else if (ret < 0)
		return ret;
	if (ev->verdict == STORE_VERDICT_FORGED)
		c.forged++;
	else
		c.malformed++;
	c.last = ev->time;
	*keep = c.kept < budget;
	if (*keep)
		c.kept++;
	return store_put_txn(t, STORE_DB_FORGED_COUNTS, key, sizeof(key), &c,
	    sizeof(c), 0);
}

/* Walks the counts from an hour on. */
int
store_forged_count_foreach_txn(struct store_txn *t, uint32_t first,
    int (*cb)(uint32_t hour, const uint8_t net[STORE_NET_BYTES],
    const struct store_forged_count *, void *), void *arg)
{
	static const uint8_t zero[STORE_NET_BYTES];
	struct store_forged_count c;
	MDB_cursor *cur;
	MDB_val k, v;
	uint8_t key[FORGED_KEY_BYTES];
	int rc, ret;

	if ((ret = store_cursor_open_txn(t, STORE_DB_FORGED_COUNTS, &cur)) != 0)
		return ret;
	forged_key(first, zero, key);
	k.mv_size = sizeof(key);
	k.mv_data = key;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
	    rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		const uint8_t *p = k.mv_data;

		if (k.mv_size != FORGED_KEY_BYTES || v.mv_size != sizeof(c)) {
			ret = -EIO;
			break;
		}
		memcpy(&c, v.mv_data, sizeof(c));
		if ((ret = cb((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
		    (uint32_t)p[2] << 8 | p[3], p + 4, &c, arg)) != 0)
			break;
	}
	mdb_cursor_close(cur);
	if (ret == 0 && rc != 0 && rc != MDB_NOTFOUND)
		ret = store_txn_fail(t, store_error(rc));
	return ret < 0 ? ret : 0;
}
