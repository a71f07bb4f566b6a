/*
 * http.c — the server: listening sockets, event loops and their threads,
 * accepting (paused at the connection cap and on EMFILE), graceful drain
 * and shutdown. One connection, from its first byte to its close, is in
 * http_conn.c.
 *
 * libevent's own evhttp (2.1) gives no hook per connection: no count of
 * open connections, no cap, no deadline for a whole request head (a client
 * trickling one byte at a time keeps it forever). So the server takes
 * sockets from an evconnlistener and drives each connection itself with a
 * bufferevent and the strict parser of http_parse.c.
 */
#include "scanner/http.h"
#include "scanner/http_internal.h"
#include "common/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>
#include <unistd.h>

#define HTTP_RESUME_MS 50		/* re-check a paused listener */
#define HTTP_EMFILE_PAUSE_MS 200	/* after EMFILE/ENFILE */

/* Re-enables listeners below the cap. */
static void
http_loop_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_loop *l = arg;
	struct http_server *srv = l->srv;
	struct timeval tv = http_tv(HTTP_RESUME_MS);

	(void)fd;
	(void)what;
	if (!l->paused || l->draining)
		return;
	if (atomic_load(&srv->conns) < srv->cfg.max_conns) {
		l->paused = false;
		evconnlistener_enable(l->lev);
	} else
		evtimer_add(l->resume_ev, &tv);
}

/* Stops accepting for a while. */
static void
http_loop_pause(struct http_loop *l, int ms)
{
	struct timeval tv = http_tv(ms);

	if (l->lev == NULL)
		return;
	if (!l->paused) {
		l->paused = true;
		evconnlistener_disable(l->lev);
	}
	evtimer_add(l->resume_ev, &tv);
}

/* A new connection. */
static void
http_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct http_loop *l = arg;
	struct http_server *srv = l->srv;
	unsigned open;

	(void)lev;
	(void)salen;
	if (l->draining) {
		evutil_closesocket(fd);
		return;
	}
	open = atomic_fetch_add(&srv->conns, 1) + 1;
	if (open >= srv->cfg.max_conns)
		http_loop_pause(l, HTTP_RESUME_MS);
	http_conn_new(l, fd, sa);
}

/* accept() failed: on EMFILE/ENFILE pause instead of spinning. */
static void
http_accept_error_cb(struct evconnlistener *lev, void *arg)
{
	struct http_loop *l = arg;
	static atomic_long last_log;
	int err = EVUTIL_SOCKET_ERROR();
	long now = (long)time(NULL);

	(void)lev;
	if (err == EMFILE || err == ENFILE || err == ENOBUFS || err == ENOMEM) {
		http_loop_pause(l, HTTP_EMFILE_PAUSE_MS);
		if (atomic_exchange(&last_log, now) != now)
			log_warnx("accept: %s; pausing for %d ms", strerror(err),
			    HTTP_EMFILE_PAUSE_MS);
		return;
	}
	if (atomic_exchange(&last_log, now) != now)
		log_warnx("accept: %s", strerror(err));
}

/* Drain deadline passed: close everything left. */
static void
http_loop_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_loop *l = arg;
	struct http_conn *c, *next;

	(void)fd;
	(void)what;
	for (c = TAILQ_FIRST(&l->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->state != HTTP_CONN_HANDLING)
			http_conn_free(c);
		else if (c->stream_fill != NULL)
			http_stream_cancel(c);	/* an export: cut it */
	}
	/* Requests still with the handler end when it answers. */
	http_loop_maybe_exit(l);
}

/* Shutdown reached this loop: stop accepting, close idle connections. */
static void
http_loop_drain_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_loop *l = arg;
	struct http_conn *c, *next;
	struct timeval tv = http_tv(l->srv->cfg.drain_timeout_ms);

	(void)fd;
	(void)what;
	if (l->draining)
		return;
	l->draining = true;
	if (l->lev != NULL)
		evconnlistener_disable(l->lev);
	evtimer_del(l->resume_ev);
	for (c = TAILQ_FIRST(&l->conns); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		c->keep_alive = false;
		if (c->state == HTTP_CONN_READ_HEAD && !c->head_started)
			http_conn_free(c);
	}
	evtimer_add(l->deadline_ev, &tv);
	http_loop_maybe_exit(l);
}

/* A loop thread's body. */
static void *
http_loop_main(void *arg)
{
	struct http_loop *l = arg;
	struct http_server *srv = l->srv;

	if (srv->hooks.loop_init != NULL && srv->hooks.loop_init(l, srv->arg) < 0)
		fatalx("cannot start event loop %u", l->index);
	event_base_dispatch(l->base);
	if (srv->hooks.loop_fini != NULL)
		srv->hooks.loop_fini(l, srv->arg);
	return NULL;
}

/* -EADDRINUSE if a socket that is not one of the loops' listens on the
 * loops' address and port. */
static int
http_server_check_alone(struct http_server *srv,
    const struct sockaddr_storage *ss)
{
	int *fds, ret;

	if ((fds = calloc(srv->nloops, sizeof(*fds))) == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < srv->nloops; i++)
		fds[i] = evconnlistener_get_fd(srv->loops[i].lev);
	ret = http_listen_check_alone(fds, srv->nloops, ss);
	free(fds);
	return ret;
}

/* Binds sockets and makes the loops. */
int
http_server_new(const struct http_config *cfg, const struct http_hooks *hooks,
    void *arg, struct http_server **out, char *bound, size_t boundlen,
    const char **why)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct http_server *srv;
	int ret;

	*out = NULL;
	*why = NULL;
	if (http_listen_parse(cfg->listen, &ss, &sslen) < 0) {
		*why = "--listen must be ADDR:PORT (IPv6: [ADDR]:PORT)";
		return -EINVAL;
	}
	/* Refuse to join another process's listeners (http_listen.c). */
	if ((ret = http_listen_probe(&ss, sslen)) < 0) {
		*why = ret == -EADDRINUSE ? "another process listens on the "
		    "address" : "cannot listen on the address";
		return ret;
	}
	if (evthread_use_pthreads() < 0) {
		*why = "libevent has no thread support";
		return -ENOSYS;
	}
	if ((srv = calloc(1, sizeof(*srv))) == NULL)
		return -ENOMEM;
	srv->cfg = *cfg;
	srv->hooks = *hooks;
	srv->arg = arg;
	srv->nloops = cfg->threads;
	if (srv->nloops == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		srv->nloops = n > 0 ? (unsigned)n : 1;
	}
	if (srv->cfg.max_conns == 0)
		srv->cfg.max_conns = 1;
	if ((srv->loops = calloc(srv->nloops, sizeof(*srv->loops))) == NULL) {
		free(srv);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < srv->nloops; i++) {
		struct http_loop *l = &srv->loops[i];
		int fd;

		l->srv = srv;
		l->index = i;
		TAILQ_INIT(&l->conns);
		if ((fd = http_listen_open(&ss, sslen)) < 0) {
			ret = fd;
			*why = "cannot listen on the address";
			goto fail;
		}
		if (i == 0) {
			/* Port 0: the others bind to the port we got. */
			socklen_t l2 = sizeof(ss);

			getsockname(fd, (struct sockaddr *)&ss, &l2);
		}
		l->base = event_base_new();
		if (l->base == NULL) {
			close(fd);
			ret = -ENOMEM;
			goto fail;
		}
		event_base_priority_init(l->base, HTTP_PRIORITIES);
		l->lev = evconnlistener_new(l->base, http_accept_cb, l,
		    LEV_OPT_CLOSE_ON_FREE, -1, fd);
		l->resume_ev = evtimer_new(l->base, http_loop_resume_cb, l);
		l->drain_ev = event_new(l->base, -1, 0, http_loop_drain_cb, l);
		l->deadline_ev = evtimer_new(l->base, http_loop_deadline_cb, l);
		if (l->lev == NULL || l->resume_ev == NULL ||
		    l->drain_ev == NULL || l->deadline_ev == NULL) {
			if (l->lev == NULL)
				close(fd);
			ret = -ENOMEM;
			goto fail;
		}
		evconnlistener_set_error_cb(l->lev, http_accept_error_cb);
	}
	if ((ret = http_server_check_alone(srv, &ss)) < 0) {
		*why = "another process listens on the address too";
		goto fail;
	}
	if (bound != NULL) {
		char host[64];
		unsigned port;

		if (ss.ss_family == AF_INET6) {
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr,
			    host, sizeof(host));
			port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
			snprintf(bound, boundlen, "[%s]:%u", host, port);
		} else {
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr,
			    host, sizeof(host));
			port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
			snprintf(bound, boundlen, "%s:%u", host, port);
		}
	}
	*out = srv;
	return 0;
fail:
	http_server_free(srv);
	return ret;
}

/* Runs the loops. */
int
http_server_run(struct http_server *srv)
{
	int ret = 0;

	for (unsigned i = 1; i < srv->nloops; i++) {
		struct http_loop *l = &srv->loops[i];

		if (pthread_create(&l->thread, NULL, http_loop_main, l) != 0) {
			ret = -EAGAIN;
			http_server_shutdown(srv);
			break;
		}
		l->thread_started = true;
	}
	http_loop_main(&srv->loops[0]);
	for (unsigned i = 1; i < srv->nloops; i++)
		if (srv->loops[i].thread_started)
			pthread_join(srv->loops[i].thread, NULL);
	return ret;
}

/* Asks every loop to drain. */
void
http_server_shutdown(struct http_server *srv)
{
	atomic_store(&srv->shutting_down, true);
	for (unsigned i = 0; i < srv->nloops; i++)
		if (srv->loops[i].drain_ev != NULL)
			event_active(srv->loops[i].drain_ev, 0, 0);
}

/* Frees everything. */
void
http_server_free(struct http_server *srv)
{
	if (srv == NULL)
		return;
	for (unsigned i = 0; i < srv->nloops; i++) {
		struct http_loop *l = &srv->loops[i];

		while (!TAILQ_EMPTY(&l->conns)) {
			struct http_conn *c = TAILQ_FIRST(&l->conns);

			c->state = HTTP_CONN_CLOSING;
			http_conn_free(c);
		}
		if (l->lev != NULL)
			evconnlistener_free(l->lev);
		if (l->resume_ev != NULL)
			event_free(l->resume_ev);
		if (l->drain_ev != NULL)
			event_free(l->drain_ev);
		if (l->deadline_ev != NULL)
			event_free(l->deadline_ev);
		if (l->base != NULL)
			event_base_free(l->base);
	}
	free(srv->loops);
	free(srv);
}

/* Open connections. */
unsigned
http_server_conns(const struct http_server *srv)
{
	return atomic_load(&((struct http_server *)srv)->conns);
}

/* Number of loops. */
unsigned
http_server_threads(const struct http_server *srv)
{
	return srv->nloops;
}

/* Loop i's base. */
struct event_base *
http_loop_base_at(struct http_server *srv, unsigned i)
{
	return i < srv->nloops ? srv->loops[i].base : NULL;
}

/* The loop's base. */
struct event_base *
http_loop_base(struct http_loop *l)
{
	return l->base;
}

/* The loop's index. */
unsigned
http_loop_index(const struct http_loop *l)
{
	return l->index;
}

/* Sets the per-loop user pointer. */
void
http_loop_set_user(struct http_loop *l, void *user)
{
	l->user = user;
}

/* Gets the per-loop user pointer. */
void *
http_loop_user(const struct http_loop *l)
{
	return l->user;
}
