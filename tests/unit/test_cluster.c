/* test_cluster.c — the cluster file, the owner of a serial (rendezvous
 * hashing: balance, and what adding or removing a node moves), the shared
 * secret and the owner's answers (scanner/cluster.h). */
#include "testutil.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "scanner/cluster.h"

#define SERIALS 30000

/* Parses text (NUL-terminated) into *cl; returns the result. */
static int
parse(const char *text, struct cluster *cl, char *why, size_t whylen)
{
	return cluster_parse(text, strlen(text), "/etc/scanloop", cl, why,
	    whylen);
}

/* A cluster of nodes ids[0..n) (any addresses). */
static void
cluster_of(struct cluster *cl, const uint32_t *ids, unsigned n)
{
	char text[4096], why[256];
	size_t off = 0;

	for (unsigned i = 0; i < n; i++)
		off += (size_t)snprintf(text + off, sizeof(text) - off,
		    "node %u 10.0.%u.%u:7100\n", ids[i], ids[i] / 250,
		    ids[i] % 250 + 1);
	snprintf(text + off, sizeof(text) - off, "secret s\n");
	assert_int_equal(parse(text, cl, why, sizeof(why)), 0);
}

/* The i-th test serial (the same on every call). */
static void
serial_at(unsigned i, uint8_t s[8])
{
	uint8_t in[10] = { 's', 'e', 'r', 'i', 'a', 'l' };

	/* Distinct, scattered serials: BLAKE2b of the index. */
	in[6] = (uint8_t)(i >> 24);
	in[7] = (uint8_t)(i >> 16);
	in[8] = (uint8_t)(i >> 8);
	in[9] = (uint8_t)i;
	crypto_generichash(s, 8, in, sizeof(in), NULL, 0);
}

/* A file with nodes, comments, blank lines and a relative secret. */
static void
test_parse_ok(void **state)
{
	struct cluster cl;
	char why[256] = "";

	(void)state;
	assert_int_equal(parse("# three nodes\n"
	    "node 1 10.0.0.1:7100\n"
	    "\n"
	    "node  2\t10.0.0.2:7100   # the second\r\n"
	    "node 65535 [fd00::3]:7100\n"
	    "secret cluster.secret\n", &cl, why, sizeof(why)), 0);
	assert_int_equal(cl.n, 3);
	assert_int_equal(cl.nodes[1].id, 2);
	assert_string_equal(cl.nodes[1].addr, "10.0.0.2:7100");
	assert_string_equal(cl.nodes[2].addr, "[fd00::3]:7100");
	assert_string_equal(cl.secret_path, "/etc/scanloop/cluster.secret");
	assert_int_equal(cluster_find(&cl, 65535), 2);
	assert_int_equal(cluster_find(&cl, 4), -1);
	assert_int_equal(parse("node 1 10.0.0.1:7100\nsecret /run/s\n", &cl,
	    why, sizeof(why)), 0);
	assert_string_equal(cl.secret_path, "/run/s");
}

/* Every malformed file is refused with its line. */
static void
test_parse_errors(void **state)
{
	static const struct {
		const char *text, *why;
	} bad[] = {
		{ "secret s\n", "no node" },
		{ "node 1 10.0.0.1:7100\n", "no 'secret" },
		{ "node 0 10.0.0.1:7100\nsecret s\n", "line 1: a node id" },
		{ "node 65536 10.0.0.1:7100\nsecret s\n", "line 1: a node id" },
		{ "node 01 10.0.0.1:7100\nsecret s\n", "line 1: a node id" },
		{ "node x 10.0.0.1:7100\nsecret s\n", "line 1: a node id" },
		{ "node 1\nsecret s\n", "line 1: 'node' wants" },
		{ "node 1 10.0.0.1:7100 extra\nsecret s\n", "line 1: 'node' takes" },
		{ "node 1 example.com:7100\nsecret s\n", "line 1: a node's address" },
		{ "node 1 10.0.0.1\nsecret s\n", "line 1: a node's address" },
		{ "node 1 10.0.0.1:99999\nsecret s\n", "line 1: a node's address" },
		{ "node 1 *:7100\nsecret s\n", "line 1: a node's address" },
		{ "node 1 10.0.0.1:1\nnode 1 10.0.0.2:1\nsecret s\n",
		    "line 2: a node id is named twice" },
		{ "node 1 10.0.0.1:1\nnode 2 10.0.0.1:1\nsecret s\n",
		    "line 2: two nodes have the same address" },
		{ "node 1 10.0.0.1:1\nsecret s\nsecret t\n",
		    "line 3: 'secret' is named twice" },
		{ "node 1 10.0.0.1:1\nsecret a b\n", "line 2: 'secret' wants" },
		{ "node 1 10.0.0.1:1\nsecret\n", "line 2: 'secret' wants" },
		{ "nodes 1 10.0.0.1:1\nsecret s\n", "line 1: a line is" },
	};
	struct cluster cl;
	char why[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		if (parse(bad[i].text, &cl, why, sizeof(why)) != -EINVAL)
			fail_msg("accepted: %s", bad[i].text);
		if (strncmp(why, bad[i].why, strlen(bad[i].why)) != 0)
			fail_msg("%s: got '%s', want '%s'", bad[i].text, why,
			    bad[i].why);
	}
	/* A NUL byte inside a line. */
	assert_int_equal(cluster_parse("node 1 1\0.0.0.1:1\nsecret s\n", 27,
	    "", &cl, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, "line 1: a NUL byte");
}

/* Every serial has one owner, whatever the file's order, and the nodes
 * share the serials evenly. */
static void
test_owner_balance(void **state)
{
	static const uint32_t ids[] = { 1, 2, 3 }, rev[] = { 3, 2, 1 };
	struct cluster a, b;
	unsigned count[3] = { 0, 0, 0 };
	uint8_t s[8];

	(void)state;
	cluster_of(&a, ids, 3);
	cluster_of(&b, rev, 3);
	for (unsigned i = 0; i < SERIALS; i++) {
		unsigned oa, ob;

		serial_at(i, s);
		oa = cluster_owner(&a, s);
		ob = cluster_owner(&b, s);
		assert_int_equal(a.nodes[oa].id, b.nodes[ob].id);
		assert_int_equal(cluster_owner(&a, s), oa);	/* stable */
		count[oa]++;
	}
	/* A third each: within 3% of 10,000 (the binomial's sigma is 82). */
	for (int k = 0; k < 3; k++)
		if (count[k] < 9700 || count[k] > 10300)
			fail_msg("node %d owns %u of %d serials", k + 1,
			    count[k], SERIALS);
	print_message("owners of %d serials on 3 nodes: %u / %u / %u\n",
	    SERIALS, count[0], count[1], count[2]);
}

/* Adding a node moves about 1/N of the serials, all to it; removing one
 * moves only its own, spread over the others. */
static void
test_owner_moves(void **state)
{
	static const uint32_t three[] = { 1, 2, 3 }, four[] = { 1, 2, 3, 4 };
	static const uint32_t two[] = { 1, 3 };
	struct cluster c3, c4, c2;
	unsigned moved = 0, gone = 0, to[4] = { 0 };
	uint8_t s[8];

	(void)state;
	cluster_of(&c3, three, 3);
	cluster_of(&c4, four, 4);
	cluster_of(&c2, two, 2);
	for (unsigned i = 0; i < SERIALS; i++) {
		uint32_t o3, o4, o2;

		serial_at(i, s);
		o3 = c3.nodes[cluster_owner(&c3, s)].id;
		o4 = c4.nodes[cluster_owner(&c4, s)].id;
		o2 = c2.nodes[cluster_owner(&c2, s)].id;
		if (o4 != o3) {
			assert_int_equal(o4, 4);	/* only to the new node */
			moved++;
		}
		if (o3 == 2) {
			gone++;
			to[o2 - 1]++;
		} else
			assert_int_equal(o2, o3);	/* the rest stay */
	}
	/* 1/4 of 30,000 = 7,500 (sigma 75). */
	if (moved < 7200 || moved > 7800)
		fail_msg("a fourth node moved %u of %d serials", moved,
		    SERIALS);
	/* Node 2's third goes half to node 1, half to node 3. */
	if (to[0] < gone / 2 - 300 || to[2] < gone / 2 - 300)
		fail_msg("node 2's %u serials went %u to 1, %u to 3", gone,
		    to[0], to[2]);
	print_message("adding node 4 moved %u of %d serials (%.1f%%), all "
	    "to it; removing node 2 moved its %u only\n", moved, SERIALS,
	    100.0 * moved / SERIALS, gone);
}

/* The secret: its file's mode and length, and the constant-time check. */
static void
test_secret(void **state)
{
	char dir[TU_PATH_MAX], conf[TU_PATH_MAX], sec[TU_PATH_MAX];
	char why[512];
	static const char text[] = "node 1 127.0.0.1:7100\nsecret s.key\n";
	static const char good[] = "0123456789abcdef0123456789abcdef-x\n";
	struct cluster cl;

	(void)state;
	tu_tmpdir(dir);
	tu_path(conf, dir, "cluster.conf");
	tu_path(sec, dir, "s.key");
	tu_write(conf, text, sizeof(text) - 1);
	assert_int_equal(cluster_load(conf, &cl, why, sizeof(why)), -ENOENT);
	tu_write(sec, good, sizeof(good) - 1);
	assert_int_equal(chmod(sec, 0644), 0);
	assert_int_equal(cluster_load(conf, &cl, why, sizeof(why)), -EPERM);
	assert_non_null(strstr(why, "chmod 600"));
	assert_int_equal(chmod(sec, 0600), 0);
	assert_int_equal(cluster_load(conf, &cl, why, sizeof(why)), 0);
	assert_int_equal(cl.secret_len, sizeof(good) - 2);
	assert_true(cluster_auth(&cl, (struct http_slice){ good,
	    sizeof(good) - 2 }));
	assert_false(cluster_auth(&cl, (struct http_slice){ good,
	    sizeof(good) - 3 }));
	assert_false(cluster_auth(&cl, (struct http_slice){ good,
	    sizeof(good) - 1 }));
	assert_false(cluster_auth(&cl, (struct http_slice){ "", 0 }));
	assert_false(cluster_auth(&cl, (struct http_slice){
	    "1123456789abcdef0123456789abcdef-x", 34 }));
	cluster_wipe(&cl);
	assert_false(cluster_auth(&cl, (struct http_slice){ good,
	    sizeof(good) - 2 }));
	/* Too short, and not one printable line. */
	tu_write(sec, "short\n", 6);
	assert_int_equal(chmod(sec, 0600), 0);
	assert_int_equal(cluster_load(conf, &cl, why, sizeof(why)), -EINVAL);
	tu_write(sec, "0123456789abcdef 0123456789abcdef\n", 34);
	assert_int_equal(chmod(sec, 0600), 0);
	assert_int_equal(cluster_load(conf, &cl, why, sizeof(why)), -EINVAL);
	tu_rmtree(dir);
}

/* An owner's answer: complete, partial, and malformed heads. */
static void
test_reply_parse(void **state)
{
	static const char ok[] = "HTTP/1.1 503 Service Unavailable\r\n"
	    "Date: Mon, 07 Dec 2026 14:00:00 GMT\r\nServer: scanloop\r\n"
	    "Content-Length: 12\r\nContent-Type: application/json\r\n"
	    "Retry-After: 1\r\nSet-Cookie: sl_vid=AB; Path=/\r\n\r\n"
	    "{\"error\":1}\n";
	static const char *const bad[] = {
		"HTTP/1.1 200 OK\r\n\r\n",			/* no length */
		"HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/2 200 OK\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n",
		"HTTP/1.1 200 OK\r\nno colon\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nA: b\rc\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 200OK\r\nContent-Length: 0\r\n\r\n",
	};
	struct cluster_reply r;

	(void)state;
	assert_int_equal(cluster_reply_parse(ok, sizeof(ok) - 1, &r),
	    (int)(strstr(ok, "{") - ok));
	assert_int_equal(r.status, 503);
	assert_int_equal(r.content_length, 12);
	assert_true(r.keep_alive);
	assert_string_equal(r.content_type, "application/json");
	assert_string_equal(r.extra, "Retry-After: 1\r\n"
	    "Set-Cookie: sl_vid=AB; Path=/\r\n");
	for (size_t n = 0; n < (size_t)(strstr(ok, "{") - ok); n++)
		assert_int_equal(cluster_reply_parse(ok, n, &r), 0);
	assert_true(cluster_reply_parse("HTTP/1.1 200 OK\r\nConnection: close"
	    "\r\nContent-Length: 0\r\n\r\n", 57, &r) > 0);
	assert_false(r.keep_alive);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (cluster_reply_parse(bad[i], strlen(bad[i]), &r) != -1)
			fail_msg("accepted: %s", bad[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_owner_balance),
		cmocka_unit_test(test_owner_moves),
		cmocka_unit_test(test_secret),
		cmocka_unit_test(test_reply_parse),
	};

	tu_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
