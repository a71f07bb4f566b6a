/*
 * ratelimit.c — per-client token buckets and connection counts.
 *
 * The table is split into shards, each a chained hash table under its own
 * mutex. The shard and bucket of a client come from SipHash-2-4
 * (crypto_shorthash) under a random key drawn at start, so a client cannot
 * choose addresses that all land in one shard or one chain.
 *
 * Memory is bounded: a shard holds at most shard_cap entries, and
 * shard_cap * nshards <= max_entries. Entries are dropped lazily:
 *   - an entry with no open connection whose bucket has refilled to the
 *     burst is "idle": it carries no state a fresh entry would not, so
 *     dropping it changes nothing. A shard sweeps its idle entries each
 *     time it has doubled in size since the last sweep (amortized O(1) per
 *     insert), and a closed connection drops its entry at once if idle.
 *   - when a shard is full all the same, the least recently used entry
 *     without open connections is evicted (its client gets a full bucket
 *     when it comes back; it is the one not seen for the longest time).
 *   - when every entry of the shard has open connections (at most as many
 *     as the server admits connections, so never at the default bound), or
 *     malloc fails, the client is let through untracked: no 429 and no
 *     per-address connection cap for it. Failing open keeps the server
 *     serving and its memory bounded; the global connection cap in http.c
 *     still holds. A connection admitted that way is not counted, so a
 *     later close of the same client may uncount another of its
 *     connections (counts never go below zero).
 * Entries without open connections sit on a per-shard LRU list, least
 * recently used first, so eviction is O(1).
 */
#include "scanner/ratelimit.h"
#include "scanner/ratelimit_internal.h"

#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#define RL_KEY_BYTES 9			/* family tag + 8 address bytes */
#define RL_BUCKETS_MIN 16		/* initial buckets per shard */
#define RL_SWEEP_MIN 64			/* first sweep at this many entries */
#define RL_UNSET INT64_MIN		/* bucket full, no time seen yet */

struct rl_entry {
	struct rl_entry *hnext;		/* hash chain */
	struct rl_entry *prev, *next;	/* LRU list, while conns == 0 */
	double tokens;
	int64_t last_us;		/* time of tokens, or RL_UNSET */
	uint32_t hash;			/* bucket bits of the hash */
	uint32_t conns;			/* open connections */
	uint8_t key[RL_KEY_BYTES];
};

struct rl_shard {
	alignas(64) pthread_mutex_t mu;
	struct rl_entry **buckets;
	size_t nbuckets;		/* a power of two */
	size_t count;
	size_t sweep_at;		/* sweep when count reaches it */
	int64_t now_us;			/* latest time seen by allow */
	struct rl_entry *lru_head, *lru_tail;	/* least recent first */
};

struct ratelimit {
	double rate;			/* tokens per second; 0: no limit */
	double burst;
	unsigned max_conns;		/* 0: no limit */
	unsigned nshards;
	size_t shard_cap;
	uint8_t hkey[crypto_shorthash_KEYBYTES];
	struct rl_shard *shards;
};

/* Reduces a client to its key: IPv4 address or IPv6 /64. */
static void
rl_key(int family, const uint8_t ip[16], uint8_t key[RL_KEY_BYTES])
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };

	memset(key, 0, RL_KEY_BYTES);
	if (family == AF_INET6 && memcmp(ip, v4mapped, 12) == 0) {
		key[0] = 4;
		memcpy(key + 1, ip + 12, 4);
	} else if (family == AF_INET) {
		key[0] = 4;
		memcpy(key + 1, ip, 4);
	} else {
		/* AF_INET6 (anything else is keyed the same way, tag 0). */
		key[0] = family == AF_INET6 ? 6 : 0;
		memcpy(key + 1, ip, 8);
	}
}

/* Keyed 64-bit hash of a client key. */
static uint64_t
rl_hash(const struct ratelimit *rl, const uint8_t key[RL_KEY_BYTES])
{
	uint8_t out[crypto_shorthash_BYTES];
	uint64_t h = 0;

	crypto_shorthash(out, key, RL_KEY_BYTES, rl->hkey);
	for (size_t i = 0; i < sizeof(out); i++)
		h |= (uint64_t)out[i] << (8 * i);
	return h;
}

/* The shard of a hash (low bits; the bucket takes the high ones). */
static struct rl_shard *
rl_shard(struct ratelimit *rl, uint64_t h)
{
	return &rl->shards[h & (rl->nshards - 1)];
}

/* Finds a client's entry in a locked shard. */
static struct rl_entry *
rl_find(struct rl_shard *s, const uint8_t key[RL_KEY_BYTES], uint32_t hash)
{
	struct rl_entry *e;

	for (e = s->buckets[hash & (s->nbuckets - 1)]; e != NULL; e = e->hnext)
		if (e->hash == hash && memcmp(e->key, key, RL_KEY_BYTES) == 0)
			return e;
	return NULL;
}

/* Appends an entry to the LRU list (most recent end). */
static void
rl_lru_push(struct rl_shard *s, struct rl_entry *e)
{
	e->next = NULL;
	e->prev = s->lru_tail;
	if (s->lru_tail != NULL)
		s->lru_tail->next = e;
	else
		s->lru_head = e;
	s->lru_tail = e;
}

/* Takes an entry off the LRU list. */
static void
rl_lru_remove(struct rl_shard *s, struct rl_entry *e)
{
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		s->lru_head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		s->lru_tail = e->prev;
	e->prev = e->next = NULL;
}

/* Drops an entry from a locked shard and frees it. */
static void
rl_remove(struct rl_shard *s, struct rl_entry *e)
{
	struct rl_entry **pp = &s->buckets[e->hash & (s->nbuckets - 1)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	if (e->conns == 0)
		rl_lru_remove(s, e);
	s->count--;
	free(e);
}

/* True when dropping the entry loses nothing: no connection and a bucket
 * that has refilled to the burst by the shard's latest time. */
static bool
rl_idle(const struct ratelimit *rl, const struct rl_shard *s,
    const struct rl_entry *e)
{
	double elapsed;

	if (e->conns != 0)
		return false;
	if (!(rl->rate > 0) || e->last_us == RL_UNSET)
		return true;
	elapsed = (double)s->now_us - (double)e->last_us;
	if (elapsed < 0)
		elapsed = 0;
	return e->tokens + rl->rate * elapsed / 1e6 >= rl->burst;
}

/* Drops every idle entry of a locked shard. */
static void
rl_sweep(const struct ratelimit *rl, struct rl_shard *s)
{
	struct rl_entry *e, *next;

	/* Entries with connections are not on the list and are not idle. */
	for (e = s->lru_head; e != NULL; e = next) {
		next = e->next;
		if (rl_idle(rl, s, e))
			rl_remove(s, e);
	}
}

/* Doubles the bucket array; on failure the chains just get longer. */
static void
rl_grow(struct rl_shard *s)
{
	size_t n = s->nbuckets * 2;
	struct rl_entry **b;

	if ((b = calloc(n, sizeof(*b))) == NULL)
		return;
	for (size_t i = 0; i < s->nbuckets; i++) {
		struct rl_entry *e, *next;

		for (e = s->buckets[i]; e != NULL; e = next) {
			next = e->hnext;
			e->hnext = b[e->hash & (n - 1)];
			b[e->hash & (n - 1)] = e;
		}
	}
	free(s->buckets);
	s->buckets = b;
	s->nbuckets = n;
}

/* Adds a client with a full bucket and no connection to a locked shard,
 * making room first. NULL when every entry is busy or malloc fails. */
static struct rl_entry *
rl_insert(struct ratelimit *rl, struct rl_shard *s,
    const uint8_t key[RL_KEY_BYTES], uint32_t hash)
{
	struct rl_entry *e;
	size_t slot;

	if (s->count >= s->sweep_at) {
		rl_sweep(rl, s);
		s->sweep_at = s->count * 2 > RL_SWEEP_MIN ? s->count * 2 :
		    RL_SWEEP_MIN;
	}
	if (s->count >= rl->shard_cap) {
		if (s->lru_head == NULL)
			return NULL;	/* all busy: the caller fails open */
		rl_remove(s, s->lru_head);
	}
	if ((e = malloc(sizeof(*e))) == NULL)
		return NULL;
	memcpy(e->key, key, RL_KEY_BYTES);
	e->hash = hash;
	e->conns = 0;
	e->tokens = rl->burst;
	e->last_us = RL_UNSET;
	slot = hash & (s->nbuckets - 1);
	e->hnext = s->buckets[slot];
	s->buckets[slot] = e;
	rl_lru_push(s, e);
	s->count++;
	if (s->count > s->nbuckets)
		rl_grow(s);
	return e;
}

/* Makes a limiter with the default bound and shard count. */
struct ratelimit *
ratelimit_new(double rate, double burst, unsigned max_conns)
{
	return ratelimit_new_limit(rate, burst, max_conns,
	    RATELIMIT_MAX_ENTRIES, RATELIMIT_SHARDS);
}

/* Makes a limiter; a rate that is not positive means no request limit,
 * and a burst below one token is raised to one. */
struct ratelimit *
ratelimit_new_limit(double rate, double burst, unsigned max_conns,
    size_t max_entries, unsigned nshards)
{
	struct ratelimit *rl;
	unsigned i;

	if (nshards == 0 || nshards > RATELIMIT_SHARDS ||
	    (nshards & (nshards - 1)) != 0 || sodium_init() < 0)
		return NULL;
	if ((rl = calloc(1, sizeof(*rl))) == NULL)
		return NULL;
	rl->rate = rate > 0 ? rate : 0;		/* NaN too */
	rl->burst = burst >= 1 ? burst : 1;
	rl->max_conns = max_conns;
	rl->nshards = nshards;
	rl->shard_cap = max_entries / nshards > 0 ? max_entries / nshards : 1;
	randombytes_buf(rl->hkey, sizeof(rl->hkey));
	rl->shards = aligned_alloc(alignof(struct rl_shard),
	    nshards * sizeof(struct rl_shard));
	if (rl->shards == NULL)
		goto fail;
	for (i = 0; i < nshards; i++) {
		struct rl_shard *s = &rl->shards[i];

		memset(s, 0, sizeof(*s));
		s->nbuckets = RL_BUCKETS_MIN;
		s->sweep_at = RL_SWEEP_MIN;
		s->now_us = INT64_MIN;
		if ((s->buckets = calloc(s->nbuckets, sizeof(*s->buckets))) ==
		    NULL)
			goto fail_shards;
		if (pthread_mutex_init(&s->mu, NULL) != 0) {
			free(s->buckets);
			goto fail_shards;
		}
	}
	return rl;

fail_shards:
	while (i-- > 0) {
		pthread_mutex_destroy(&rl->shards[i].mu);
		free(rl->shards[i].buckets);
	}
	free(rl->shards);
fail:
	sodium_memzero(rl->hkey, sizeof(rl->hkey));
	free(rl);
	return NULL;
}

/* Frees the limiter and every entry. */
void
ratelimit_free(struct ratelimit *rl)
{
	if (rl == NULL)
		return;
	for (unsigned i = 0; i < rl->nshards; i++) {
		struct rl_shard *s = &rl->shards[i];

		for (size_t b = 0; b < s->nbuckets; b++) {
			struct rl_entry *e, *next;

			for (e = s->buckets[b]; e != NULL; e = next) {
				next = e->hnext;
				free(e);
			}
		}
		free(s->buckets);
		pthread_mutex_destroy(&s->mu);
	}
	free(rl->shards);
	sodium_memzero(rl->hkey, sizeof(rl->hkey));
	free(rl);
}

/* Takes one token from the client's bucket, refilled up to now_us. */
bool
ratelimit_allow(struct ratelimit *rl, int family, const uint8_t ip[16],
    int64_t now_us)
{
	uint8_t key[RL_KEY_BYTES];
	struct rl_shard *s;
	struct rl_entry *e;
	uint64_t h;
	bool ok = true;

	if (!(rl->rate > 0))
		return true;
	rl_key(family, ip, key);
	h = rl_hash(rl, key);
	s = rl_shard(rl, h);
	pthread_mutex_lock(&s->mu);
	if (now_us > s->now_us)
		s->now_us = now_us;
	if ((e = rl_find(s, key, (uint32_t)(h >> 32))) == NULL &&
	    (e = rl_insert(rl, s, key, (uint32_t)(h >> 32))) == NULL)
		goto out;	/* untracked: fail open */
	if (e->last_us == RL_UNSET)
		e->last_us = now_us;
	else if (now_us > e->last_us) {
		/* In doubles: no overflow whatever the clock says. */
		e->tokens += rl->rate * ((double)now_us - (double)e->last_us) /
		    1e6;
		if (e->tokens > rl->burst)
			e->tokens = rl->burst;
		e->last_us = now_us;
	}
	/* A clock that went back refills nothing and keeps last_us. */
	if (e->tokens >= 1)
		e->tokens -= 1;
	else
		ok = false;
	if (e->conns == 0) {
		rl_lru_remove(s, e);
		rl_lru_push(s, e);
	}
out:
	pthread_mutex_unlock(&s->mu);
	return ok;
}

/* Counts a connection unless the client has max_conns open. */
bool
ratelimit_conn_open(struct ratelimit *rl, int family, const uint8_t ip[16])
{
	return ratelimit_conn_open_max(rl, family, ip, rl->max_conns);
}

/* Counts a connection unless the client has max (at most max_conns)
 * open. */
bool
ratelimit_conn_open_max(struct ratelimit *rl, int family,
    const uint8_t ip[16], unsigned max)
{
	uint8_t key[RL_KEY_BYTES];
	struct rl_shard *s;
	struct rl_entry *e;
	uint64_t h;
	bool ok = true;

	if (rl->max_conns == 0)
		return true;
	if (max > rl->max_conns)
		max = rl->max_conns;
	rl_key(family, ip, key);
	h = rl_hash(rl, key);
	s = rl_shard(rl, h);
	pthread_mutex_lock(&s->mu);
	if ((e = rl_find(s, key, (uint32_t)(h >> 32))) == NULL &&
	    (e = rl_insert(rl, s, key, (uint32_t)(h >> 32))) == NULL)
		goto out;	/* untracked: fail open */
	if (e->conns >= max)
		ok = false;
	else {
		if (e->conns == 0)
			rl_lru_remove(s, e);
		e->conns++;
	}
out:
	pthread_mutex_unlock(&s->mu);
	return ok;
}

/* Uncounts a connection; drops the entry when nothing is left in it. */
void
ratelimit_conn_close(struct ratelimit *rl, int family, const uint8_t ip[16])
{
	uint8_t key[RL_KEY_BYTES];
	struct rl_shard *s;
	struct rl_entry *e;
	uint64_t h;

	if (rl->max_conns == 0)
		return;
	rl_key(family, ip, key);
	h = rl_hash(rl, key);
	s = rl_shard(rl, h);
	pthread_mutex_lock(&s->mu);
	e = rl_find(s, key, (uint32_t)(h >> 32));
	if (e != NULL && e->conns > 0 && --e->conns == 0) {
		rl_lru_push(s, e);
		if (rl_idle(rl, s, e))
			rl_remove(s, e);
	}
	pthread_mutex_unlock(&s->mu);
}

/* Sums the shards' entry counts. */
size_t
ratelimit_entries(struct ratelimit *rl)
{
	size_t n = 0;

	for (unsigned i = 0; i < rl->nshards; i++) {
		pthread_mutex_lock(&rl->shards[i].mu);
		n += rl->shards[i].count;
		pthread_mutex_unlock(&rl->shards[i].mu);
	}
	return n;
}

/* Shard index of a client. */
unsigned
ratelimit_shard_of(struct ratelimit *rl, int family, const uint8_t ip[16])
{
	uint8_t key[RL_KEY_BYTES];

	rl_key(family, ip, key);
	return (unsigned)(rl_hash(rl, key) & (rl->nshards - 1));
}
