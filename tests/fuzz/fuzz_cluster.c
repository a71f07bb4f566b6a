/*
 * fuzz_cluster.c — the parsers of --cluster (scanner/cluster.h): the
 * cluster file (cluster_parse) and an owner's answer to an internal call
 * as the answering node reads it off the wire (cluster_reply_parse). The
 * internal listener's requests go through the HTTP head parser, fuzzed
 * by fuzz_http_parse (its corpus has requests with X-Scanloop-Cluster).
 *
 * Invariants, on every input (both parsers read the same bytes):
 *   - the file parses (0) or not (-EINVAL with a reason); a parsed
 *     cluster has 1..CLUSTER_NODES_MAX nodes with distinct ids in
 *     1..65535 and distinct addresses, and a secret path; every serial
 *     has an owner among them, the same whatever the nodes' order;
 *   - an answer's head is complete (its length, ending in CRLFCRLF,
 *     within the bytes and CLUSTER_REPLY_HEAD_MAX), incomplete (0) or
 *     refused (-1); a complete one has a status of 100..599, a length
 *     within CLUSTER_REPLY_BODY_MAX, headers to pass on as whole lines;
 *     each prefix shorter than the head is incomplete, and the head
 *     alone parses the same.
 */
#include "fuzz.h"
#include "scanner/cluster.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>

/* Checks a parsed cluster. */
static void
fuzz_cluster_check(const struct cluster *cl, const uint8_t *data, size_t size)
{
	static struct cluster rev;
	uint8_t serial[8];

	FUZZ_CHECK(cl->n >= 1 && cl->n <= CLUSTER_NODES_MAX);
	FUZZ_CHECK(cl->secret_path[0] != '\0');
	for (unsigned i = 0; i < cl->n; i++) {
		FUZZ_CHECK(cl->nodes[i].id >= 1 && cl->nodes[i].id <= 65535);
		FUZZ_CHECK(cl->nodes[i].addr[0] != '\0');
		for (unsigned j = 0; j < i; j++) {
			FUZZ_CHECK(cl->nodes[i].id != cl->nodes[j].id);
			FUZZ_CHECK(strcmp(cl->nodes[i].addr,
			    cl->nodes[j].addr) != 0);
		}
	}
	rev = *cl;
	for (unsigned i = 0; i < cl->n; i++)
		rev.nodes[i] = cl->nodes[cl->n - 1 - i];
	for (unsigned k = 0; k < 4; k++) {
		unsigned o, r;

		crypto_generichash(serial, sizeof(serial), data, size,
		    NULL, 0);
		serial[0] ^= (uint8_t)k;
		o = cluster_owner(cl, serial);
		r = cluster_owner(&rev, serial);
		FUZZ_CHECK(o < cl->n);
		FUZZ_CHECK(cl->nodes[o].id == rev.nodes[r].id);
	}
}

/* Checks an answer's head. */
static void
fuzz_reply_check(const char *buf, size_t size)
{
	struct cluster_reply r, again;
	int n = cluster_reply_parse(buf, size, &r);
	size_t extra;

	FUZZ_CHECK(n >= -1 && (size_t)(n > 0 ? n : 0) <= size);
	if (n <= 0)
		return;
	FUZZ_CHECK(n >= 4 && n <= CLUSTER_REPLY_HEAD_MAX);
	FUZZ_CHECK(memcmp(buf + n - 4, "\r\n\r\n", 4) == 0);
	FUZZ_CHECK(r.status >= 100 && r.status <= 599);
	FUZZ_CHECK(r.content_length <= CLUSTER_REPLY_BODY_MAX);
	FUZZ_CHECK((size_t)n == r.head_len);
	extra = strlen(r.extra);
	FUZZ_CHECK(extra < sizeof(r.extra));
	FUZZ_CHECK(extra == 0 || (extra >= 2 && r.extra[extra - 2] == '\r' &&
	    r.extra[extra - 1] == '\n'));
	FUZZ_CHECK(cluster_reply_parse(buf, (size_t)n - 1, &again) == 0);
	FUZZ_CHECK(cluster_reply_parse(buf, (size_t)n, &again) == n);
	FUZZ_CHECK(again.status == r.status &&
	    again.content_length == r.content_length &&
	    again.keep_alive == r.keep_alive &&
	    strcmp(again.extra, r.extra) == 0 &&
	    strcmp(again.content_type, r.content_type) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cluster cl;
	char why[256] = "";
	char *copy;
	int ret;

	if (size > CLUSTER_FILE_MAX)
		return 0;
	if (sodium_init() < 0)
		abort();
	/* An exact-size copy: a read past the end is ASan's to see. */
	if ((copy = malloc(size ? size : 1)) == NULL)
		abort();
	memcpy(copy, data, size);
	ret = cluster_parse(copy, size, "/etc/scanloop", &cl, why,
	    sizeof(why));
	FUZZ_CHECK(ret == 0 || ret == -EINVAL);
	if (ret == 0)
		fuzz_cluster_check(&cl, data, size);
	else
		FUZZ_CHECK(why[0] != '\0');
	fuzz_reply_check(copy, size);
	free(copy);
	return 0;
}
