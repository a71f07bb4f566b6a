/*
 * cluster.h — several nodes that share the work of one brand's codes
 * (serve --node ID --cluster FILE; docs/scale-out.md).
 *
 * The cluster file names every node, its internal address, and the file
 * of the cluster's shared secret:
 *
 *	# id  internal address
 *	node 1 10.0.0.1:7100
 *	node 2 10.0.0.2:7100
 *	secret cluster.secret	# relative to this file; mode 0600
 *
 * Each serial has one owner among the nodes, by rendezvous (highest
 * random weight) hashing: the node whose SipHash of (serial, node id)
 * is highest. It depends on the serial and the set of node ids only, so
 * every node computes the same owner, and adding a node moves to it the
 * serials it now wins (about 1/N of them) and no other.
 *
 * Internal calls carry the secret in the X-Scanloop-Cluster header; the
 * owner compares it in constant time.
 */
#ifndef SCANLOOP_CLUSTER_H
#define SCANLOOP_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scanner/http_parse.h"

#define CLUSTER_NODES_MAX 256
#define CLUSTER_FILE_MAX (64 * 1024)	/* bytes of a cluster file */
#define CLUSTER_ADDR_MAX 64		/* "[v6]:port" */
#define CLUSTER_SECRET_MIN 32		/* characters of the secret */
#define CLUSTER_SECRET_MAX 256
#define CLUSTER_HEADER "X-Scanloop-Cluster"

struct cluster_node {
	uint32_t id;			/* 1 .. 65535, as --node */
	char addr[CLUSTER_ADDR_MAX];	/* internal "ADDR:PORT" */
};

struct cluster {
	struct cluster_node nodes[CLUSTER_NODES_MAX];
	unsigned n;
	char secret_path[4096];		/* as the file names it, resolved */
	char secret[CLUSTER_SECRET_MAX + 1];	/* loaded by cluster_load */
	size_t secret_len;
};

/* Parses a cluster file's text; dir is the file's folder (for a relative
 * secret path). Returns 0, or -EINVAL with the reason (and its line) in
 * why. Loads no secret. */
int cluster_parse(const char *text, size_t len, const char *dir,
    struct cluster *cl, char *why, size_t whylen)
    __attribute__((warn_unused_result, nonnull));
/* Reads a cluster file and its secret (which must be a regular file that
 * only its owner may read or write, with at least CLUSTER_SECRET_MIN
 * characters). Returns 0 or a negative errno with why. */
int cluster_load(const char *path, struct cluster *cl, char *why,
    size_t whylen) __attribute__((warn_unused_result, nonnull));
/* Wipes the secret. */
void cluster_wipe(struct cluster *cl);
/* The index in cl->nodes of node id, or -1. */
int cluster_find(const struct cluster *cl, uint32_t id);
/* The index in cl->nodes of the serial's owner. */
unsigned cluster_owner(const struct cluster *cl, const uint8_t serial[8])
    __attribute__((nonnull));
/* True if a request's X-Scanloop-Cluster value is the secret (constant
 * time in the value and the secret). */
bool cluster_auth(const struct cluster *cl, struct http_slice value);

/* An owner's answer to an internal call, as parsed off its connection. */
struct cluster_reply {
	int status;
	size_t head_len;		/* bytes up to and including CRLFCRLF */
	size_t content_length;
	bool keep_alive;
	char content_type[128];
	char extra[2048];		/* the headers to pass on, "Name: v\r\n"... */
};

#define CLUSTER_REPLY_HEAD_MAX 8192
#define CLUSTER_REPLY_BODY_MAX (1024 * 1024)

/* Parses the head of an HTTP/1.1 answer at the start of buf: the head's
 * length (> 0) when complete, 0 when more bytes are needed, -1 when it is
 * malformed or past its bounds. */
int cluster_reply_parse(const char *buf, size_t len, struct cluster_reply *r)
    __attribute__((warn_unused_result, nonnull));

#endif
