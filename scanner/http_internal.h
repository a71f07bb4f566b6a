/*
 * http_internal.h — what http.c (the server, its loops and listeners) and
 * http_conn.c (one connection) share. Not an API: the server uses http.h.
 *
 * A connection belongs to one loop and is touched only on that loop's
 * thread; the server's count of open connections is the only state that
 * loops share (atomic).
 */
#ifndef SCANLOOP_HTTP_INTERNAL_H
#define SCANLOOP_HTTP_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <event2/event.h>

#include "scanner/http.h"

struct bufferevent;
struct evbuffer;
struct evconnlistener;

#define HTTP_LOOP_TIMEOUTS 8	/* distinct connection timeouts per loop */

enum http_conn_state {
	HTTP_CONN_READ_HEAD,	/* waiting for a whole head */
	HTTP_CONN_READ_BODY,	/* waiting for Content-Length bytes */
	HTTP_CONN_HANDLING,	/* the handler owns the request */
	HTTP_CONN_CLOSING,	/* answer queued; close once written */
	HTTP_CONN_LINGER,	/* answer written, our side shut: discard
				 * what the client still sends, so that its
				 * kernel does not reset the answer away */
};

struct http_conn {
	struct http_loop *loop;
	struct bufferevent *bev;	/* the socket and its output */
	struct event *rev;		/* the socket readable (http_conn_recv) */
	struct event *timer;
	enum http_conn_state state;
	bool gone;		/* socket closed while the handler runs */
	bool keep_alive;	/* after the current answer */
	bool head_started;	/* bytes of the next head have arrived */
	bool admitted;		/* counted by admit_conn */
	bool in_process;	/* http_conn_process is on the stack */
	bool keep_alive_broken;	/* closing on an error: input may be unread */
	bool read_paused;	/* input full while handling: not reading */
	/* A streamed answer (http_stream.c): its producer, while it runs. */
	http_stream_fn stream_fill;
	void *stream_arg;
	struct http_req req;
	TAILQ_ENTRY(http_conn) entry;
};

TAILQ_HEAD(http_conn_list, http_conn);

struct http_loop {
	struct http_server *srv;
	unsigned index;
	struct event_base *base;
	struct evconnlistener *lev;
	struct event *resume_ev;	/* re-enables a paused listener */
	struct event *drain_ev;		/* activated by shutdown */
	struct event *deadline_ev;	/* drain deadline */
	struct http_conn_list conns;
	bool paused;
	bool draining;
	pthread_t thread;
	bool thread_started;
	void *user;
	/* libevent's common timeouts, one per duration the connections use:
	 * arming one is a list append, not a heap operation. */
	struct {
		int ms;
		const struct timeval *tv;
	} timeouts[HTTP_LOOP_TIMEOUTS];
	unsigned ntimeouts;
	time_t date_sec;
	char date[40];			/* the Date header of date_sec */
	size_t date_len;
};

struct http_server {
	struct http_config cfg;
	struct http_hooks hooks;
	void *arg;
	struct http_loop *loops;
	unsigned nloops;
	atomic_uint conns;
	atomic_bool shutting_down;
};

/* Milliseconds as a timeval. */
static inline struct timeval
http_tv(int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	return tv;
}

/* Ends a loop that is draining once its last connection is gone. */
static inline void
http_loop_maybe_exit(struct http_loop *l)
{
	if (l->draining && TAILQ_EMPTY(&l->conns))
		event_base_loopexit(l->base, NULL);
}

/* Parses --listen, "ADDR:PORT" or "[V6]:PORT" (http_listen.c). */
int http_listen_parse(const char *s, struct sockaddr_storage *ss,
    socklen_t *len);
/* -EADDRINUSE (or another negative errno) if a socket without
 * SO_REUSEPORT cannot bind the address: something listens there. */
int http_listen_probe(const struct sockaddr_storage *ss, socklen_t len);
/* A listening socket with SO_REUSEPORT, or a negative errno. */
int http_listen_open(const struct sockaddr_storage *ss, socklen_t len);
/* -EADDRINUSE if the kernel shows a listening socket on ss's port and
 * address other than the n fds (ours); 0 otherwise. */
int http_listen_check_alone(const int *fds, unsigned n,
    const struct sockaddr_storage *ss);

/* Takes an accepted socket on loop l (http_conn.c), already counted in the
 * server's conns: makes its connection and waits for a head, or answers
 * 429 when admit_conn refuses it. On failure the socket is closed and the
 * count given back. */
void http_conn_new(struct http_loop *l, evutil_socket_t fd,
    const struct sockaddr *sa);
/* Frees a connection (its socket is closed with the bufferevent), gives
 * back its count and admission, and ends a draining loop left empty. */
void http_conn_free(struct http_conn *c);

/* Closes the connection's socket (its read event and bufferevent). */
void http_conn_drop_socket(struct http_conn *c);
/* Arms the connection's timer for ms (stops it when ms < 0). */
void http_conn_timer(struct http_conn *c, int ms);
/* Appends an answer's head (framing: its Content-Length or
 * Transfer-Encoding line) to out; returns its length. */
size_t http_conn_head(struct http_conn *c, struct evbuffer *out, int status,
    const char *framing, const char *content_type, const char *extra_headers);
/* After an answer: the done hook, then the next request or the close. */
void http_conn_answered(struct http_conn *c);
/* An answer to a client that left: the done hook, then the free. */
void http_conn_answered_gone(struct http_conn *c);

/* Streamed answers (http_stream.c): called by the connection when it can
 * take more (its output fell to the low watermark, or after
 * http_stream_yield), and when the client left or the server stops. */
void http_stream_pump(struct http_conn *c);
void http_stream_cancel(struct http_conn *c);

#endif
