/*
 * handle_cluster.c — several nodes, one owner per code (--cluster;
 * cluster.h, docs/scale-out.md).
 *
 * Any node answers any scan. It verifies the code itself (the signature
 * and the store it shares with the others); a code it does not own goes
 * to the owner, which records the scan, or makes the draw, in its own
 * store's single writer, exactly as if the phone had reached it: the
 * request is sent on as it came (its method, target, body and the headers
 * the handlers read), with the client's address in X-Forwarded-For and the
 * cluster's secret, to the owner's internal listener; the owner's answer
 * is relayed as it is. So a code's state (its scans, its first scan, its
 * draw, its claim) lives in one store, and one node decides it.
 *
 * When the owner is down (its connection refused, or no answer within
 * the call's short bounds: cluster_call.h), a scan is recorded in this
 * node's store and answered from it (genuine, with this node's view of
 * the code), and a draw answers 503 "try again shortly", since only the
 * owner may decide it.
 */
#include "scanner/scan_internal.h"
#include "scanner/cluster.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCAN_FWD_RETRY_AFTER "1"	/* seconds, for a draw to retry */

/* Appends "Name: value\r\n" to the request if the value is there. */
static int
scan_fwd_header(struct buf *b, const char *name, struct http_slice v)
{
	if (v.len == 0)
		return 0;
	return buf_puts(b, name) | buf_puts(b, ": ") | buf_append(b, v.p,
	    v.len) | buf_puts(b, "\r\n");
}

/* Builds the owner's request from the phone's: its request line, the
 * headers the handlers read, the client, the secret and the body. */
static int
scan_fwd_request(const struct scan_server *srv, const struct http_req *req,
    struct cluster_call *c)
{
	const struct http_head *h = &req->head;
	const struct cluster *cl = srv->cfg.cluster;
	struct buf b = { NULL, 0, 0 };
	char len[32];
	int ret;

	ret = buf_append(&b, h->method_text.p, h->method_text.len) |
	    buf_puts(&b, " ") | buf_append(&b, h->target.p, h->target.len) |
	    buf_puts(&b, " HTTP/1.1\r\n") |
	    scan_fwd_header(&b, "Host", h->host) |
	    scan_fwd_header(&b, "User-Agent", h->user_agent) |
	    scan_fwd_header(&b, "Accept-Language", h->accept_language) |
	    scan_fwd_header(&b, "Accept", h->accept) |
	    scan_fwd_header(&b, "Cookie", h->cookie) |
	    scan_fwd_header(&b, "Content-Type", h->content_type) |
	    scan_fwd_header(&b, "Authorization", h->authorization) |
	    scan_fwd_header(&b, "Origin", h->origin) |
	    scan_fwd_header(&b, "Sec-Fetch-Site", h->sec_fetch_site) |
	    scan_fwd_header(&b, "X-Forwarded-For", (struct http_slice){
	    req->ip_text, strlen(req->ip_text) }) |
	    scan_fwd_header(&b, CLUSTER_HEADER, (struct http_slice){
	    cl->secret, cl->secret_len });
	snprintf(len, sizeof(len), "Content-Length: %zu\r\n\r\n",
	    req->body_len);
	ret |= buf_puts(&b, len);
	if (req->body_len > 0)
		ret |= buf_append(&b, req->body, req->body_len);
	if (ret != 0) {
		buf_free(&b);
		return -ENOMEM;
	}
	c->request = (char *)b.data;
	c->request_len = b.len;
	c->head_only = h->method == HTTP_METHOD_HEAD;
	return 0;
}

/* The owner's answer, relayed; or, with the owner down, what this node
 * does alone. */
static void
scan_fwd_done(struct scan_loop *sl, struct scan_op *o)
{
	struct cluster_call *c = o->call;
	struct http_req *req = o->req;

	if (c->replied) {
		req->log_verdict = "relayed";
		/* A HEAD's answer says the length of the body it omits. */
		http_respond(req, c->reply.status, c->reply.content_type[0] ?
		    c->reply.content_type : NULL, c->reply.extra, c->body,
		    c->head_only ? c->reply.content_length : c->body_len, false);
		return;
	}
	if (o->fwd_kind == SCAN_FWD_PROBE) {
		scan_json(req, 503, json_pack("{s:s, s:s}", "error",
		    "unavailable", "message", "a node that may hold this is "
		    "not reachable; try again in a moment"),
		    "Retry-After: 5\r\n");
		return;
	}
	if (o->fwd_kind == SCAN_FWD_SCAN) {
		/* Recorded here: a scan is never lost to an owner's outage. */
		scan_op_submit(sl, req, o, o->fwd_apply, o->fwd_done,
		    o->fwd_api);
		return;
	}
	if (o->fwd_api)
		scan_json(req, 503, json_pack("{s:s, s:s}", "error",
		    "try_again", "message", "the node that draws this code "
		    "is not reachable; draw again in a moment"),
		    "Retry-After: " SCAN_FWD_RETRY_AFTER "\r\n");
	else
		scan_error_page(sl, req, 503, "Retry-After: "
		    SCAN_FWD_RETRY_AFTER "\r\n");
}

/* Queues o's call (its targets set); answers as if they were down when
 * too many calls wait. */
static void
scan_fwd_submit(struct scan_loop *sl, struct http_req *req, struct scan_op *o,
    struct cluster_call *c)
{
	c->op = &o->op;
	c->port = sl->port;
	o->call = c;
	o->done = scan_fwd_done;
	req->user = o;
	if (cluster_calls_submit(sl->srv->calls, c) == 0)
		return;
	req->user = NULL;
	c->replied = false;
	scan_fwd_done(sl, o);
	if (req->user != o)
		scan_op_free(o);
}

/* Asks the other nodes in turn for what this node does not hold. */
bool
scan_cluster_probe(struct scan_loop *sl, struct http_req *req,
    struct scan_op *o, int pass_status)
{
	struct scan_server *srv = sl->srv;
	const struct cluster *cl = srv->cfg.cluster;
	struct cluster_call *c;
	int self;

	if (srv->calls == NULL || (self = cluster_find(cl, srv->cfg.node)) < 0)
		return false;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    scan_fwd_request(srv, req, c) < 0) {
		free(c);
		return false;
	}
	for (unsigned k = 1; k < cl->n && c->ntargets < CLUSTER_TARGETS_MAX;
	    k++)
		c->targets[c->ntargets++] = ((unsigned)self + k) % cl->n;
	c->pass_status = pass_status;
	o->fwd_kind = SCAN_FWD_PROBE;
	o->fwd_api = true;
	scan_fwd_submit(sl, req, o, c);
	return true;
}

/* Hands a request to its code's owner, unless this node owns it. */
bool
scan_cluster_forward(struct scan_loop *sl, struct http_req *req,
    struct scan_op *o, enum scan_fwd_kind kind, bool api,
    writer_apply_fn apply, scan_done_fn done)
{
	struct scan_server *srv = sl->srv;
	const struct cluster *cl = srv->cfg.cluster;
	struct cluster_call *c;
	unsigned owner;

	if (srv->calls == NULL || !o->vr.parsed)
		return false;
	owner = cluster_owner(cl, o->vr.code.serial);
	if (cl->nodes[owner].id == srv->cfg.node)
		return false;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    scan_fwd_request(srv, req, c) < 0) {
		free(c);
		return false;	/* answered here: better than not at all */
	}
	c->targets[0] = owner;
	c->ntargets = 1;
	o->fwd_kind = (int)kind;
	o->fwd_api = api;
	o->fwd_apply = apply;
	o->fwd_done = done;
	scan_fwd_submit(sl, req, o, c);
	return true;
}

/* The internal listener: the cluster's secret, or nothing. */
void
scan_cluster_handle(struct http_req *req, void *arg)
{
	struct scan_server *srv = arg;
	static const char refused[] = "{\"error\": \"forbidden\", "
	    "\"message\": \"an internal listener\"}";

	if (!cluster_auth(srv->cfg.cluster, req->head.cluster)) {
		http_respond(req, 403, "application/json", NULL, refused,
		    sizeof(refused) - 1, true);
		return;
	}
	scan_handle(req, arg);
}

/* The calls to owners, for /metrics. */
int
scan_cluster_metrics(struct scan_server *srv, struct buf *out)
{
	struct cluster_call_stats st;

	cluster_calls_stats(srv->calls, &st);
	return buf_printf(out,
	    "# HELP scanloop_cluster_calls_total Internal calls to owners, "
	    "by outcome.\n"
	    "# TYPE scanloop_cluster_calls_total counter\n"
	    "scanloop_cluster_calls_total{outcome=\"answered\"} %llu\n"
	    "scanloop_cluster_calls_total{outcome=\"owner_down\"} %llu\n"
	    "scanloop_cluster_calls_total{outcome=\"queue_full\"} %llu\n"
	    "# HELP scanloop_cluster_nodes Nodes in the cluster file.\n"
	    "# TYPE scanloop_cluster_nodes gauge\n"
	    "scanloop_cluster_nodes %u\n",
	    (unsigned long long)st.replied, (unsigned long long)st.down,
	    (unsigned long long)st.refused, srv->cfg.cluster->n);
}
