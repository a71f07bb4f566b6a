/* signals.c — signals, settings and batch sales regions. */
#include "store/store_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* The fixed part of a signal as stored; the detail text follows it. */
struct store_signal_rec {
	uint64_t id;
	int64_t time;
	uint8_t kind;
	uint8_t flags;
	uint8_t ip_family;
	uint8_t prefix_len;
	uint32_t batch_id;
	uint8_t serial[STORE_SERIAL_BYTES];
	uint8_t nevents;
	uint8_t dealer_len;		/* the dealer's id follows the detail */
	uint8_t pad[4];
	uint16_t detail_len;
	uint64_t event_ids[STORE_SIGNAL_EVENTS_MAX];
	double lat;
	double lon;
	uint8_t ip[16];
};
static_assert(sizeof(struct store_signal_rec) == 104, "signal layout");

#define STORE_REGION_PREFIX "region/"
#define STORE_REGION_KEY_LEN (sizeof(STORE_REGION_PREFIX) - 1 + 4)
#define STORE_CONFIG_PREFIX "config/"

/* Serialises a signal into buf; returns its length. */
static size_t
store_signal_pack(const struct store_signal *s, uint8_t *buf)
{
	struct store_signal_rec rec;
	size_t n = strnlen(s->detail, STORE_SIGNAL_DETAIL_MAX);
	size_t dn = strnlen(s->dealer, STORE_ID_MAX);

	memset(&rec, 0, sizeof(rec));
	rec.id = s->id;
	rec.time = s->time;
	rec.kind = s->kind;
	rec.flags = s->flags;
	rec.ip_family = s->ip_family;
	rec.prefix_len = s->prefix_len;
	rec.batch_id = s->batch_id;
	memcpy(rec.serial, s->serial, sizeof(rec.serial));
	rec.nevents = s->nevents > STORE_SIGNAL_EVENTS_MAX ?
	    STORE_SIGNAL_EVENTS_MAX : s->nevents;
	rec.detail_len = (uint16_t)n;
	rec.dealer_len = (uint8_t)dn;
	memcpy(rec.event_ids, s->event_ids, sizeof(rec.event_ids));
	rec.lat = s->lat;
	rec.lon = s->lon;
	memcpy(rec.ip, s->ip, sizeof(rec.ip));
	memcpy(buf, &rec, sizeof(rec));
	memcpy(buf + sizeof(rec), s->detail, n);
	memcpy(buf + sizeof(rec) + n, s->dealer, dn);
	return sizeof(rec) + n + dn;
}

/* Deserialises a signal; -EIO if the record is damaged. */
static int
store_signal_unpack(const uint8_t *buf, size_t len, struct store_signal *s)
{
	struct store_signal_rec rec;

	if (len < sizeof(rec))
		return -EIO;
	memcpy(&rec, buf, sizeof(rec));
	if (rec.detail_len > STORE_SIGNAL_DETAIL_MAX ||
	    rec.dealer_len > STORE_ID_MAX ||
	    len != sizeof(rec) + rec.detail_len + rec.dealer_len ||
	    rec.nevents > STORE_SIGNAL_EVENTS_MAX)
		return -EIO;
	memset(s, 0, sizeof(*s));
	s->id = rec.id;
	s->time = rec.time;
	s->kind = rec.kind;
	s->flags = rec.flags;
	s->ip_family = rec.ip_family;
	s->prefix_len = rec.prefix_len;
	s->batch_id = rec.batch_id;
	memcpy(s->serial, rec.serial, sizeof(s->serial));
	s->nevents = rec.nevents;
	memcpy(s->event_ids, rec.event_ids, sizeof(s->event_ids));
	s->lat = rec.lat;
	s->lon = rec.lon;
	memcpy(s->ip, rec.ip, sizeof(s->ip));
	memcpy(s->detail, buf + sizeof(rec), rec.detail_len);
	s->detail[rec.detail_len] = '\0';
	memcpy(s->dealer, buf + sizeof(rec) + rec.detail_len, rec.dealer_len);
	s->dealer[rec.dealer_len] = '\0';
	return 0;
}

/* Appends a signal (ids only grow: MDB_APPEND). */
int
store_signal_add_txn(struct store_txn *t, struct store_signal *s)
{
	uint8_t key[8], buf[sizeof(struct store_signal_rec) +
	    STORE_SIGNAL_DETAIL_MAX + STORE_ID_MAX];
	uint64_t id;
	size_t len;
	int ret;

	if ((ret = store_counter_next_txn(t, "next_signal", &id)) < 0)
		return ret;
	s->id = id;
	store_u64_key(id, key);
	len = store_signal_pack(s, buf);
	return store_put_txn(t, STORE_DB_SIGNALS, key, sizeof(key), buf, len,
	    MDB_APPEND);
}

/* Reads a signal. */
int
store_signal_get_txn(struct store_txn *t, uint64_t id, struct store_signal *s)
{
	MDB_val v;
	uint8_t key[8];
	int ret;

	store_u64_key(id, key);
	if ((ret = store_lookup_txn(t, STORE_DB_SIGNALS, key, sizeof(key),
	    &v)) < 0)
		return ret;
	return store_signal_unpack(v.mv_data, v.mv_size, s);
}

struct store_signal_walk {
	int (*cb)(const struct store_signal *, void *);
	void *arg;
};

/* Walk callback unpacking signals. */
static int
store_signal_walk_cb(const MDB_val *k, const MDB_val *v, void *arg)
{
	struct store_signal_walk *w = arg;
	struct store_signal s;
	int ret;

	if (k->mv_size != 8)
		return -EIO;
	if ((ret = store_signal_unpack(v->mv_data, v->mv_size, &s)) < 0)
		return ret;
	return w->cb(&s, w->arg);
}

/* Walks the signals after an id. */
int
store_signal_foreach_txn(struct store_txn *t, uint64_t after,
    int (*cb)(const struct store_signal *, void *), void *arg)
{
	struct store_signal_walk w = { cb, arg };
	uint8_t key[8];

	if (after == UINT64_MAX)
		return 0;
	store_u64_key(after + 1, key);
	return store_walk_txn(t, STORE_DB_SIGNALS, key, sizeof(key), 0,
	    store_signal_walk_cb, &w);
}

/* The newest signal id, from the counter (0 if none). */
int
store_signal_last_id_txn(struct store_txn *t, uint64_t *id)
{
	int ret;

	*id = 0;
	ret = store_get_txn(t, STORE_DB_META, "next_signal", 11, id,
	    sizeof(*id));
	return ret == -ENOENT ? 0 : ret;
}

/* The meta key of a setting; -EINVAL for a name too long. */
static int
store_config_key(const char *name, char key[sizeof(STORE_CONFIG_PREFIX) +
    STORE_CONFIG_NAME_MAX])
{
	size_t n = strlen(name);

	if (n == 0 || n > STORE_CONFIG_NAME_MAX)
		return -EINVAL;
	memcpy(key, STORE_CONFIG_PREFIX, sizeof(STORE_CONFIG_PREFIX) - 1);
	memcpy(key + sizeof(STORE_CONFIG_PREFIX) - 1, name, n + 1);
	return 0;
}

/* Reads a setting's text. */
int
store_config_get_txn(struct store_txn *t, const char *name, char *value,
    size_t cap)
{
	char key[sizeof(STORE_CONFIG_PREFIX) + STORE_CONFIG_NAME_MAX];
	MDB_val v;
	int ret;

	if (store_config_key(name, key) < 0)
		return -EINVAL;
	if ((ret = store_lookup_txn(t, STORE_DB_META, key, strlen(key),
	    &v)) < 0)
		return ret;
	if (v.mv_size >= cap || v.mv_size > STORE_CONFIG_VALUE_MAX)
		return store_txn_fail(t, -EIO);
	memcpy(value, v.mv_data, v.mv_size);
	value[v.mv_size] = '\0';
	return 0;
}

/* Sets or removes a setting. */
int
store_config_put_txn(struct store_txn *t, const char *name, const char *value)
{
	char key[sizeof(STORE_CONFIG_PREFIX) + STORE_CONFIG_NAME_MAX];

	if (store_config_key(name, key) < 0 || (value != NULL &&
	    (value[0] == '\0' || strlen(value) > STORE_CONFIG_VALUE_MAX)))
		return -EINVAL;
	if (value == NULL)
		return store_del_txn(t, STORE_DB_META, key, strlen(key));
	return store_put_txn(t, STORE_DB_META, key, strlen(key), value,
	    strlen(value), 0);
}

/* The meta key of a batch's region. */
static void
store_region_key(uint32_t batch_id, uint8_t key[STORE_REGION_KEY_LEN])
{
	memcpy(key, STORE_REGION_PREFIX, sizeof(STORE_REGION_PREFIX) - 1);
	store_batch_key(batch_id, key + sizeof(STORE_REGION_PREFIX) - 1);
}

/* Reads a batch's region. */
int
store_region_get_txn(struct store_txn *t, uint32_t batch_id,
    struct store_circle *c, size_t *n)
{
	uint8_t key[STORE_REGION_KEY_LEN];
	MDB_val v;
	int ret;

	*n = 0;
	store_region_key(batch_id, key);
	if ((ret = store_lookup_txn(t, STORE_DB_META, key, sizeof(key),
	    &v)) < 0)
		return ret;
	if (v.mv_size == 0 || v.mv_size % sizeof(*c) != 0 ||
	    v.mv_size / sizeof(*c) > STORE_REGION_MAX)
		return store_txn_fail(t, -EIO);
	*n = v.mv_size / sizeof(*c);
	memcpy(c, v.mv_data, v.mv_size);
	return 0;
}

/* Sets or clears a batch's region. */
int
store_region_put_txn(struct store_txn *t, uint32_t batch_id,
    const struct store_circle *c, size_t n)
{
	uint8_t key[STORE_REGION_KEY_LEN];

	if (n > STORE_REGION_MAX)
		return -EINVAL;
	store_region_key(batch_id, key);
	if (n == 0)
		return store_del_txn(t, STORE_DB_META, key, sizeof(key));
	return store_put_txn(t, STORE_DB_META, key, sizeof(key), c,
	    n * sizeof(*c), 0);
}
