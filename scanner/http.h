/*
 * http.h — the scan server's HTTP/1.1 layer on libevent.
 *
 * N event-loop threads, each with its own event_base and its own
 * SO_REUSEPORT listening socket (http.c). A connection is an explicit
 * state machine (enum http_conn_state in http_internal.h, driven by
 * http_conn.c): reading a head under a deadline, reading a body under a
 * deadline, handling (the handler may answer later, from another
 * callback, e.g. after a group commit), closing. Bounds: head size, body size, open connections (accepting
 * pauses at the cap and on EMFILE), connections per client address.
 *
 * The handler is called on the connection's loop thread and must call
 * http_respond() exactly once per request, on that same thread, now or
 * later. If the client goes away meanwhile the request stays valid until
 * then; http_req_gone() tells.
 */
#ifndef SCANLOOP_HTTP_H
#define SCANLOOP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "scanner/http_parse.h"

/* Event priorities per loop: I/O and timers run at the default (1); work
 * that should follow a whole round of I/O uses HTTP_PRIORITY_LAST. */
#define HTTP_PRIORITIES 3
#define HTTP_PRIORITY_LAST 2

struct event_base;
struct http_server;
struct http_loop;
struct http_conn;

struct http_config {
	const char *listen;		/* "ADDR:PORT", IPv6 as "[::1]:8080" */
	unsigned threads;		/* event loops (0: one per core) */
	unsigned max_conns;		/* open connections, all loops */
	unsigned max_conns_per_ip;	/* 0: unlimited */
	size_t body_max;		/* request body bytes */
	int header_timeout_ms;		/* to receive a whole head */
	int body_timeout_ms;		/* to receive a whole body */
	int idle_timeout_ms;		/* keep-alive wait for the next request */
	int write_timeout_ms;		/* for the client to take the answer */
	int drain_timeout_ms;		/* on shutdown, for requests in flight */
	bool trust_proxy;		/* take the client from X-Forwarded-For */
};

struct http_req {
	struct http_conn *conn;
	struct http_loop *loop;
	struct http_head head;		/* slices point into head_buf */
	char *head_buf;
	uint8_t *body;
	size_t body_len;
	int family;			/* AF_INET or AF_INET6 */
	uint8_t ip[16];			/* client address, 4 or 16 bytes */
	char ip_text[48];
	int64_t start_us;		/* monotonic, head complete */
	int status;			/* set by http_respond */
	size_t bytes_out;
	void *user;			/* handler state */
	uint64_t log_event;		/* for the access log: event id */
	const char *log_verdict;	/* and verdict, if any */
};

struct http_hooks {
	/* Per loop thread, before it runs and after it stops. */
	int (*loop_init)(struct http_loop *loop, void *arg);
	void (*loop_fini)(struct http_loop *loop, void *arg);
	/* Each complete request. */
	void (*handle)(struct http_req *req, void *arg);
	/* After a response went out (or the client left); for logs, metrics. */
	void (*done)(struct http_req *req, void *arg);
	/* Per-address admission of a new connection; true admits. Called on
	 * the loop thread; release is called when an admitted one closes.
	 * May be NULL. */
	bool (*admit_conn)(int family, const uint8_t ip[16], void *arg);
	void (*release_conn)(int family, const uint8_t ip[16], void *arg);
};

/* Binds the listening sockets. *bound receives "ADDR:PORT" actually bound.
 * Returns 0 or a negative errno with *why. */
int http_server_new(const struct http_config *cfg,
    const struct http_hooks *hooks, void *arg, struct http_server **out,
    char *bound, size_t boundlen, const char **why)
    __attribute__((warn_unused_result));
/* Runs every loop (the calling thread runs loop 0) until shutdown has
 * drained them. Returns 0 or a negative errno. */
int http_server_run(struct http_server *srv);
/* Starts a graceful shutdown: stop accepting, answer what is in flight,
 * close idle connections. Async-signal-unsafe; thread-safe. */
void http_server_shutdown(struct http_server *srv);
/* Frees the server after run returned. */
void http_server_free(struct http_server *srv);
/* Open connections now (all loops). */
unsigned http_server_conns(const struct http_server *srv);
/* The number of loops. */
unsigned http_server_threads(const struct http_server *srv);
/* Loop i's event base (for signal events on loop 0). */
struct event_base *http_loop_base_at(struct http_server *srv, unsigned i);
/* The loop's event base. */
struct event_base *http_loop_base(struct http_loop *loop);
/* The loop's index, 0 .. threads-1. */
unsigned http_loop_index(const struct http_loop *loop);
/* Per-loop user pointer. */
void http_loop_set_user(struct http_loop *loop, void *user);
void *http_loop_user(const struct http_loop *loop);

/*
 * A streamed answer (chunked), for answers too long to build in memory:
 * http_stream_begin sends the head, then the connection calls fill each
 * time it can take more (at once, whenever what it queued drained below
 * HTTP_STREAM_LOW bytes, and after http_stream_yield). fill appends with
 * http_stream_write, a bounded amount per call, and returns; it ends the
 * answer with http_stream_end, or with http_stream_abort after an error
 * (the connection closes without the last chunk, so the client sees the
 * answer is incomplete). When the client leaves or the server stops,
 * fill is called once more with http_req_gone() true: it frees what it
 * holds and calls http_stream_end. All on the connection's loop thread.
 */
#define HTTP_STREAM_LOW (64 * 1024)

typedef void (*http_stream_fn)(struct http_req *req, void *arg);

/* Sends a streamed answer's head (Transfer-Encoding: chunked, and
 * trailer, if not NULL, naming the trailer fields in a Trailer header)
 * and starts calling fill. For HEAD, fill is never called: the answer
 * ends with the head (and fill's arg is the caller's to free). */
void http_stream_begin(struct http_req *req, int status,
    const char *content_type, const char *extra_headers, const char *trailer,
    http_stream_fn fill, void *arg);
/* Appends len bytes (one chunk) to a streamed answer. */
void http_stream_write(struct http_req *req, const void *data, size_t len);
/* Asks for fill to be called again soon although nothing was written
 * (a producer that skipped much and wants to go on). */
void http_stream_yield(struct http_req *req);
/* Ends a streamed answer: the last chunk and the trailer fields
 * ("Name: value\r\n" lines, or NULL). */
void http_stream_end(struct http_req *req, const char *trailers);
/* Ends a streamed answer after an error: closes without the last chunk. */
void http_stream_abort(struct http_req *req);

/* Sends the answer: status line, standard headers (Date, Server,
 * Content-Length, Connection), extra_headers (complete "Name: v\r\n"
 * lines, may be NULL), and the body (omitted for HEAD), in one writev.
 * What the socket does not take at once is copied and sent later, so the
 * body need not outlive the call; body_static is kept for callers. */
void http_respond(struct http_req *req, int status, const char *content_type,
    const char *extra_headers, const void *body, size_t len, bool body_static);
/* Pieces of a body http_respondv takes at most. */
#define HTTP_BODY_IOV_MAX 24
/* As http_respond, with the body in nbody pieces (at most
 * HTTP_BODY_IOV_MAX; more is answered 500): head and body leave in one
 * writev, and the pieces must stay valid only until it returns. */
void http_respondv(struct http_req *req, int status, const char *content_type,
    const char *extra_headers, const struct iovec *body, int nbody);
/* True if the client has gone away (the answer would be discarded). */
bool http_req_gone(const struct http_req *req);
/* Reason phrase of a status code. */
const char *http_status_text(int status);

#endif
