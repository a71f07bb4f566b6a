/* test_ratelimit.c — token buckets, /64 grouping, connection counts, the
 * entry bound and its eviction, and many threads at once. */
#include "testutil.h"

#include <arpa/inet.h>
#include <pthread.h>
#include <string.h>

#include "scanner/ratelimit.h"
#include "scanner/ratelimit_internal.h"

#define T_THREADS 8
#define T_OPS 100000
#define T_CLIENTS 1000

/* An IPv4 client as the server passes it (4 bytes, the rest zero). */
static void
v4(uint8_t ip[16], const char *text)
{
	memset(ip, 0, 16);
	if (inet_pton(AF_INET, text, ip) != 1)
		fail_msg("bad IPv4 %s", text);
}

/* An IPv6 client. */
static void
v6(uint8_t ip[16], const char *text)
{
	if (inet_pton(AF_INET6, text, ip) != 1)
		fail_msg("bad IPv6 %s", text);
}

/* The i-th of many distinct IPv4 clients. */
static void
v4n(uint8_t ip[16], uint32_t i)
{
	memset(ip, 0, 16);
	ip[0] = (uint8_t)(10 + (i >> 24));
	ip[1] = (uint8_t)(i >> 16);
	ip[2] = (uint8_t)(i >> 8);
	ip[3] = (uint8_t)i;
}

/* Counts how many requests in a row the client gets at now_us. */
static unsigned
drain(struct ratelimit *rl, int family, const uint8_t ip[16], int64_t now)
{
	unsigned n = 0;

	while (ratelimit_allow(rl, family, ip, now)) {
		if (++n > 1000)
			fail_msg("bucket never empties");
	}
	return n;
}

/* Refill is rate × elapsed, capped at the burst, and a clock that goes
 * back refills nothing. */
static void
test_bucket_arithmetic(void **state)
{
	struct ratelimit *rl;
	uint8_t ip[16];

	(void)state;
	assert_non_null(rl = ratelimit_new(10, 5, 0));	/* 10/s, burst 5 */
	v4(ip, "192.0.2.1");
	assert_int_equal(drain(rl, AF_INET, ip, 0), 5);
	/* 0.1 s: one token. */
	assert_int_equal(drain(rl, AF_INET, ip, 100000), 1);
	/* 0.25 s later: 2.5 tokens, two requests, half a token left. */
	assert_int_equal(drain(rl, AF_INET, ip, 350000), 2);
	/* 0.05 s: the half grows to one. */
	assert_int_equal(drain(rl, AF_INET, ip, 400000), 1);
	assert_false(ratelimit_allow(rl, AF_INET, ip, 400000));
	/* A long pause fills the bucket to the burst, not beyond. */
	assert_int_equal(drain(rl, AF_INET, ip, 100000000), 5);
	/* Time going back: nothing comes back, and the bucket keeps its
	 * time, so 0.1 s after the latest time gives exactly one. */
	assert_int_equal(drain(rl, AF_INET, ip, 50000000), 0);
	assert_int_equal(drain(rl, AF_INET, ip, 100100000), 1);
	/* Another client has its own bucket. */
	v4(ip, "192.0.2.2");
	assert_int_equal(drain(rl, AF_INET, ip, 100100000), 5);
	assert_int_equal(ratelimit_entries(rl), 2);
	ratelimit_free(rl);

	/* A fractional rate: 0.5/s, burst 1. */
	assert_non_null(rl = ratelimit_new(0.5, 1, 0));
	assert_int_equal(drain(rl, AF_INET, ip, 0), 1);
	assert_int_equal(drain(rl, AF_INET, ip, 1000000), 0);	/* 0.5 */
	assert_int_equal(drain(rl, AF_INET, ip, 2000000), 1);	/* 1.0 */
	ratelimit_free(rl);

	/* A burst below one token is raised to one. */
	assert_non_null(rl = ratelimit_new(1, 0.25, 0));
	assert_int_equal(drain(rl, AF_INET, ip, 0), 1);
	ratelimit_free(rl);
}

/* Rate 0 and max_conns 0 mean no limit and no table at all. */
static void
test_unlimited(void **state)
{
	struct ratelimit *rl;
	uint8_t ip[16];

	(void)state;
	assert_non_null(rl = ratelimit_new(0, 0, 0));
	v4(ip, "198.51.100.7");
	for (int i = 0; i < 10000; i++) {
		assert_true(ratelimit_allow(rl, AF_INET, ip, 0));
		assert_true(ratelimit_conn_open(rl, AF_INET, ip));
	}
	for (int i = 0; i < 10000; i++)
		ratelimit_conn_close(rl, AF_INET, ip);
	assert_int_equal(ratelimit_entries(rl), 0);
	ratelimit_free(rl);
	ratelimit_free(NULL);
}

/* An IPv6 client is its /64; IPv4 is the 4 bytes alone, and a v4-mapped
 * IPv6 address is the IPv4 client. */
static void
test_grouping(void **state)
{
	struct ratelimit *rl;
	uint8_t a[16], b[16];

	(void)state;
	assert_non_null(rl = ratelimit_new(1, 2, 0));
	v6(a, "2001:db8:1:2::1");
	v6(b, "2001:db8:1:2:ffff:ffff:ffff:ffff");
	assert_true(ratelimit_allow(rl, AF_INET6, a, 0));
	assert_true(ratelimit_allow(rl, AF_INET6, b, 0));
	assert_false(ratelimit_allow(rl, AF_INET6, a, 0));	/* shared */
	v6(b, "2001:db8:1:3::1");	/* the next /64: last prefix bit */
	assert_true(ratelimit_allow(rl, AF_INET6, b, 0));
	v6(b, "2001:db8:1:2:8000::");		/* bit 64 set: same /64 */
	assert_false(ratelimit_allow(rl, AF_INET6, b, 0));
	v6(b, "2001:db8:1:2::1");
	b[0] ^= 0x80;			/* first prefix bit: another /64 */
	assert_true(ratelimit_allow(rl, AF_INET6, b, 0));
	assert_int_equal(ratelimit_entries(rl), 3);

	v4(a, "203.0.113.9");
	assert_true(ratelimit_allow(rl, AF_INET, a, 0));
	memset(a + 4, 0xa5, 12);	/* bytes past the address are ignored */
	assert_true(ratelimit_allow(rl, AF_INET, a, 0));
	v6(b, "::ffff:203.0.113.9");
	assert_false(ratelimit_allow(rl, AF_INET6, b, 0));
	v4(a, "203.0.113.10");
	assert_true(ratelimit_allow(rl, AF_INET, a, 0));
	/* The same leading bytes under another family: another client. */
	v6(b, "cb00:7109::");
	assert_true(ratelimit_allow(rl, AF_INET6, b, 0));
	assert_int_equal(ratelimit_entries(rl), 6);
	ratelimit_free(rl);
}

/* Connections are counted per client up to max_conns. */
static void
test_conn_count(void **state)
{
	struct ratelimit *rl;
	uint8_t a[16], b[16];

	(void)state;
	assert_non_null(rl = ratelimit_new(0, 0, 2));
	v4(a, "192.0.2.10");
	v4(b, "192.0.2.11");
	assert_true(ratelimit_conn_open(rl, AF_INET, a));
	assert_true(ratelimit_conn_open(rl, AF_INET, a));
	assert_false(ratelimit_conn_open(rl, AF_INET, a));
	assert_true(ratelimit_conn_open(rl, AF_INET, b));
	assert_int_equal(ratelimit_entries(rl), 2);
	ratelimit_conn_close(rl, AF_INET, a);
	assert_true(ratelimit_conn_open(rl, AF_INET, a));
	assert_false(ratelimit_conn_open(rl, AF_INET, a));
	ratelimit_conn_close(rl, AF_INET, a);
	ratelimit_conn_close(rl, AF_INET, a);
	ratelimit_conn_close(rl, AF_INET, b);
	/* Without a rate there is nothing left to remember. */
	assert_int_equal(ratelimit_entries(rl), 0);
	/* A close too many neither goes negative nor creates anything. */
	ratelimit_conn_close(rl, AF_INET, a);
	assert_int_equal(ratelimit_entries(rl), 0);
	assert_true(ratelimit_conn_open(rl, AF_INET, a));
	assert_true(ratelimit_conn_open(rl, AF_INET, a));
	assert_false(ratelimit_conn_open(rl, AF_INET, a));
	ratelimit_free(rl);		/* frees entries still in use */

	/* A lower bound per connection (the server's reserved slots): a
	 * client holding max is refused, one below it admitted; a bound
	 * above max_conns counts as max_conns. */
	assert_non_null(rl = ratelimit_new(0, 0, 4));
	assert_true(ratelimit_conn_open_max(rl, AF_INET, a, 1));
	assert_false(ratelimit_conn_open_max(rl, AF_INET, a, 1));
	assert_true(ratelimit_conn_open_max(rl, AF_INET, a, 100));
	assert_true(ratelimit_conn_open(rl, AF_INET, a));
	assert_true(ratelimit_conn_open(rl, AF_INET, a));
	assert_false(ratelimit_conn_open_max(rl, AF_INET, a, 100));
	assert_true(ratelimit_conn_open_max(rl, AF_INET, b, 1));
	ratelimit_conn_close(rl, AF_INET, a);
	assert_false(ratelimit_conn_open_max(rl, AF_INET, a, 3));
	assert_true(ratelimit_conn_open_max(rl, AF_INET, a, 4));
	ratelimit_free(rl);
	/* Without a per-client cap nothing is counted or refused. */
	assert_non_null(rl = ratelimit_new(0, 0, 0));
	assert_true(ratelimit_conn_open_max(rl, AF_INET, a, 0));
	assert_true(ratelimit_conn_open_max(rl, AF_INET, a, 1));
	assert_int_equal(ratelimit_entries(rl), 0);
	ratelimit_free(rl);

	/* With a rate, an entry whose bucket is not full outlives its
	 * connections; one whose bucket is full does not. */
	assert_non_null(rl = ratelimit_new(1, 3, 1));
	assert_true(ratelimit_conn_open(rl, AF_INET, a));
	assert_true(ratelimit_allow(rl, AF_INET, a, 0));
	ratelimit_conn_close(rl, AF_INET, a);
	assert_int_equal(ratelimit_entries(rl), 1);
	assert_true(ratelimit_conn_open(rl, AF_INET, b));
	ratelimit_conn_close(rl, AF_INET, b);
	assert_int_equal(ratelimit_entries(rl), 1);
	/* Its bucket state survived the connection. */
	assert_int_equal(drain(rl, AF_INET, a, 0), 2);
	ratelimit_free(rl);
}

/* Past the bound the least recently used idle entry goes. */
static void
test_lru_eviction(void **state)
{
	struct ratelimit *rl;
	uint8_t a[16], b[16], c[16];

	(void)state;
	/* One shard of two entries; 0.001/s never refills during the test. */
	assert_non_null(rl = ratelimit_new_limit(0.001, 2, 0, 2, 1));
	v4(a, "192.0.2.1");
	v4(b, "192.0.2.2");
	v4(c, "192.0.2.3");
	assert_int_equal(drain(rl, AF_INET, a, 0), 2);
	assert_int_equal(drain(rl, AF_INET, b, 0), 2);
	/* Touch a: b is now the least recently used. */
	assert_false(ratelimit_allow(rl, AF_INET, a, 0));
	assert_true(ratelimit_allow(rl, AF_INET, c, 0));	/* evicts b */
	assert_int_equal(ratelimit_entries(rl), 2);
	assert_false(ratelimit_allow(rl, AF_INET, a, 0));	/* kept */
	/* b comes back with a fresh bucket, evicting c (a was touched). */
	assert_true(ratelimit_allow(rl, AF_INET, b, 0));
	assert_int_equal(ratelimit_entries(rl), 2);
	assert_false(ratelimit_allow(rl, AF_INET, a, 0));
	assert_true(ratelimit_allow(rl, AF_INET, b, 0));	/* b's second */
	assert_int_equal(drain(rl, AF_INET, c, 0), 2);		/* c fresh */
	ratelimit_free(rl);

	/* An entry with an open connection is never evicted. */
	assert_non_null(rl = ratelimit_new_limit(0.001, 1, 1, 2, 1));
	assert_true(ratelimit_conn_open(rl, AF_INET, a));
	assert_true(ratelimit_allow(rl, AF_INET, a, 0));
	assert_true(ratelimit_allow(rl, AF_INET, b, 0));
	assert_true(ratelimit_allow(rl, AF_INET, c, 0));	/* evicts b */
	assert_false(ratelimit_allow(rl, AF_INET, a, 0));
	assert_false(ratelimit_conn_open(rl, AF_INET, a));
	assert_true(ratelimit_allow(rl, AF_INET, b, 0));	/* evicts c */
	assert_false(ratelimit_allow(rl, AF_INET, a, 0));
	assert_int_equal(ratelimit_entries(rl), 2);
	ratelimit_free(rl);
}

/* When every entry has open connections, new clients are let through
 * untracked (fail open) and the table does not grow. */
static void
test_all_busy_fails_open(void **state)
{
	struct ratelimit *rl;
	uint8_t a[16], b[16], c[16];

	(void)state;
	assert_non_null(rl = ratelimit_new_limit(0.001, 1, 1, 2, 1));
	v4(a, "192.0.2.1");
	v4(b, "192.0.2.2");
	v4(c, "192.0.2.3");
	assert_true(ratelimit_conn_open(rl, AF_INET, a));
	assert_true(ratelimit_conn_open(rl, AF_INET, b));
	for (int i = 0; i < 5; i++) {
		assert_true(ratelimit_conn_open(rl, AF_INET, c));
		assert_true(ratelimit_allow(rl, AF_INET, c, 0));
	}
	assert_int_equal(ratelimit_entries(rl), 2);
	ratelimit_conn_close(rl, AF_INET, c);	/* not tracked: no-op */
	assert_false(ratelimit_conn_open(rl, AF_INET, a));
	assert_false(ratelimit_conn_open(rl, AF_INET, b));
	/* Once a slot frees up, c is tracked again. */
	ratelimit_conn_close(rl, AF_INET, b);
	assert_true(ratelimit_allow(rl, AF_INET, c, 0));
	assert_false(ratelimit_allow(rl, AF_INET, c, 0));
	assert_int_equal(ratelimit_entries(rl), 2);
	ratelimit_free(rl);
}

/* Entries whose buckets have refilled are swept as the shard grows. */
static void
test_sweep_idle(void **state)
{
	struct ratelimit *rl;
	uint8_t ip[16];
	size_t n;

	(void)state;
	assert_non_null(rl = ratelimit_new_limit(1000, 1, 0, 100000, 1));
	for (uint32_t i = 0; i < 1000; i++) {
		v4n(ip, i);
		assert_true(ratelimit_allow(rl, AF_INET, ip, 0));
	}
	assert_int_equal(ratelimit_entries(rl), 1000);	/* none idle yet */
	/* 10 s later the first thousand are full again, hence idle. */
	for (uint32_t i = 1000; i < 2000; i++) {
		v4n(ip, i);
		assert_true(ratelimit_allow(rl, AF_INET, ip, 10000000));
	}
	n = ratelimit_entries(rl);
	if (n < 1000 || n >= 2000)
		fail_msg("%zu entries after the sweep", n);
	/* The new ones were not idle and are kept (their buckets empty). */
	for (uint32_t i = 1000; i < 2000; i++) {
		v4n(ip, i);
		assert_false(ratelimit_allow(rl, AF_INET, ip, 10000000));
	}
	ratelimit_free(rl);
}

/* More distinct clients than RATELIMIT_MAX_ENTRIES: the table stays
 * within the bound and keeps the most recent clients. */
static void
test_entry_bound(void **state)
{
	const uint32_t total = RATELIMIT_MAX_ENTRIES + RATELIMIT_MAX_ENTRIES / 8;
	struct ratelimit *rl;
	uint8_t ip[16];
	size_t n;

	(void)state;
	/* Nothing refills during the test: no entry is ever idle. */
	assert_non_null(rl = ratelimit_new(1e-6, 1, 0));
	for (uint32_t i = 0; i < total; i++) {
		v4n(ip, i);
		if (!ratelimit_allow(rl, AF_INET, ip, 0))
			fail_msg("client %u refused", i);
	}
	n = ratelimit_entries(rl);
	if (n > RATELIMIT_MAX_ENTRIES || n < RATELIMIT_MAX_ENTRIES / 2)
		fail_msg("%zu entries, bound %u", n, RATELIMIT_MAX_ENTRIES);
	/* The latest clients are still there (and their buckets empty). */
	for (uint32_t i = total - 1000; i < total; i++) {
		v4n(ip, i);
		assert_false(ratelimit_allow(rl, AF_INET, ip, 0));
	}
	ratelimit_free(rl);

	/* The same with a small bound over 64 shards. */
	assert_non_null(rl = ratelimit_new_limit(1e-6, 1, 0, 1024, 64));
	for (uint32_t i = 0; i < 50000; i++) {
		v4n(ip, i);
		assert_true(ratelimit_allow(rl, AF_INET, ip, 0));
		if (i % 1000 == 0 && ratelimit_entries(rl) > 1024)
			fail_msg("%zu entries", ratelimit_entries(rl));
	}
	n = ratelimit_entries(rl);
	if (n > 1024 || n < 512)
		fail_msg("%zu entries, bound 1024", n);
	ratelimit_free(rl);
}

/* The shard of a client depends on a per-limiter random key. */
static void
test_keyed_hash(void **state)
{
	struct ratelimit *r1, *r2;
	unsigned same = 0;
	uint64_t seen = 0;
	uint8_t ip[16];

	(void)state;
	assert_non_null(r1 = ratelimit_new(1, 1, 0));
	assert_non_null(r2 = ratelimit_new(1, 1, 0));
	for (uint32_t i = 0; i < 256; i++) {
		unsigned s1, s2;

		v4n(ip, i);
		s1 = ratelimit_shard_of(r1, AF_INET, ip);
		s2 = ratelimit_shard_of(r2, AF_INET, ip);
		assert_true(s1 < RATELIMIT_SHARDS && s2 < RATELIMIT_SHARDS);
		same += s1 == s2;
		seen |= (uint64_t)1 << s1;
		/* Stable for one limiter. */
		assert_int_equal(ratelimit_shard_of(r1, AF_INET, ip), s1);
	}
	/* Two keys agreeing on 256 clients: probability 64^-256. */
	assert_true(same < 256);
	/* 256 clients spread over most of the 64 shards (~63 expected). */
	assert_true(__builtin_popcountll(seen) > 32);
	ratelimit_free(r1);
	ratelimit_free(r2);
	assert_null(ratelimit_new_limit(1, 1, 0, 10, 3));	/* not 2^k */
	assert_null(ratelimit_new_limit(1, 1, 0, 10, 0));
	assert_null(ratelimit_new_limit(1, 1, 0, 10, 128));
}

struct hammer {
	struct ratelimit *rl;
	unsigned id;
	bool small;			/* many distinct clients, small table */
	uint64_t allowed;
	uint64_t failed_close;
};

/* One thread's share of the load. */
static void *
hammer_main(void *arg)
{
	struct hammer *h = arg;
	uint32_t x = 2463534242u ^ (h->id * 0x9e3779b9u);
	uint8_t ip[16], held[16];
	bool holding = false;

	for (uint32_t i = 0; i < T_OPS; i++) {
		/* xorshift32: a thread-local stream of clients. */
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		if (h->small) {
			v6(ip, "2001:db8::");
			memcpy(ip + 4, &x, 4);	/* inside the /64 prefix */
		} else
			v4n(ip, x % T_CLIENTS);
		if (ratelimit_allow(h->rl, h->small ? AF_INET6 : AF_INET, ip, 0))
			h->allowed++;
		if (ratelimit_conn_open(h->rl, h->small ? AF_INET6 : AF_INET,
		    ip)) {
			if (holding)
				ratelimit_conn_close(h->rl,
				    h->small ? AF_INET6 : AF_INET, held);
			memcpy(held, ip, 16);
			holding = true;
		}
		if (h->small && i % 4096 == 0)
			(void)ratelimit_entries(h->rl);
	}
	if (holding)
		ratelimit_conn_close(h->rl, h->small ? AF_INET6 : AF_INET, held);
	return NULL;
}

/* Runs T_THREADS hammer threads on one limiter. */
static void
hammer_run(struct ratelimit *rl, bool small, uint64_t *allowed)
{
	pthread_t th[T_THREADS];
	struct hammer h[T_THREADS];

	*allowed = 0;
	for (unsigned i = 0; i < T_THREADS; i++) {
		h[i] = (struct hammer){ .rl = rl, .id = i + 1, .small = small };
		if (pthread_create(&th[i], NULL, hammer_main, &h[i]) != 0)
			fail_msg("pthread_create");
	}
	for (unsigned i = 0; i < T_THREADS; i++) {
		pthread_join(th[i], NULL);
		*allowed += h[i].allowed;
	}
}

/* Threads at once: every token is handed out exactly once and every
 * connection count comes back to zero. */
static void
test_threads(void **state)
{
	struct ratelimit *rl;
	uint64_t allowed;
	uint8_t ip[16];

	(void)state;
	/* 1000 clients with 50 tokens each, refilling never. */
	assert_non_null(rl = ratelimit_new(1e-9, 50, 3));
	hammer_run(rl, false, &allowed);
	assert_int_equal(allowed, (uint64_t)T_CLIENTS * 50);
	assert_int_equal(ratelimit_entries(rl), T_CLIENTS);
	for (uint32_t i = 0; i < T_CLIENTS; i++) {
		v4n(ip, i);
		for (int k = 0; k < 3; k++)
			if (!ratelimit_conn_open(rl, AF_INET, ip))
				fail_msg("client %u: %d connections left "
				    "counted", i, 3 - k);
		assert_false(ratelimit_conn_open(rl, AF_INET, ip));
	}
	ratelimit_free(rl);

	/* Distinct clients through a small table: eviction under load. */
	assert_non_null(rl = ratelimit_new_limit(1e-9, 1, 2, 256, 64));
	hammer_run(rl, true, &allowed);
	assert_true(ratelimit_entries(rl) <= 256);
	assert_true(allowed >= 256);
	ratelimit_free(rl);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bucket_arithmetic),
		cmocka_unit_test(test_unlimited),
		cmocka_unit_test(test_grouping),
		cmocka_unit_test(test_conn_count),
		cmocka_unit_test(test_lru_eviction),
		cmocka_unit_test(test_all_busy_fails_open),
		cmocka_unit_test(test_sweep_idle),
		cmocka_unit_test(test_entry_bound),
		cmocka_unit_test(test_keyed_hash),
		cmocka_unit_test(test_threads),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
