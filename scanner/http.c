/*
 * http.c — connections, deadlines and answers on libevent.
 *
 * libevent's own evhttp (2.1) gives no hook per connection: no count of
 * open connections, no cap, no deadline for a whole request head (a client
 * trickling one byte at a time keeps it forever). So the server takes
 * sockets from an evconnlistener and drives each connection itself with a
 * bufferevent and the strict parser of http_parse.c.
 */
#include "scanner/http.h"
#include "common/clock.h"
#include "common/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/thread.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>
#include <unistd.h>

#define HTTP_BACKLOG 1024
#define HTTP_RESUME_MS 50		/* re-check a paused listener */
#define HTTP_EMFILE_PAUSE_MS 200	/* after EMFILE/ENFILE */
#define HTTP_LINGER_MS 2000		/* lingering close at most */

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
	struct bufferevent *bev;
	struct event *timer;
	enum http_conn_state state;
	bool gone;		/* socket closed while the handler runs */
	bool keep_alive;	/* after the current answer */
	bool head_started;	/* bytes of the next head have arrived */
	bool admitted;		/* counted by admit_conn */
	bool in_process;	/* http_conn_process is on the stack */
	bool keep_alive_broken;	/* closing on an error: input may be unread */
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
	time_t date_sec;
	char date[40];
	struct evbuffer *scratch;	/* an answer being assembled */
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

static void http_conn_process(struct http_conn *c);
static void http_conn_free(struct http_conn *c);
static void http_conn_finish(struct http_conn *c);

/* Reason phrases. */
const char *
http_status_text(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 200: return "OK";
	case 201: return "Created";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

/* Milliseconds as a timeval. */
static struct timeval
http_tv(int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

	return tv;
}

/* Parses "ADDR:PORT" or "[V6]:PORT". */
static int
http_parse_listen(const char *s, struct sockaddr_storage *ss, socklen_t *len)
{
	char host[64];
	const char *colon;
	unsigned long port;
	char *end;

	memset(ss, 0, sizeof(*ss));
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb[1] != ':' || (size_t)(rb - s - 1) >=
		    sizeof(host))
			return -EINVAL;
		memcpy(host, s + 1, (size_t)(rb - s - 1));
		host[rb - s - 1] = '\0';
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
			return -EINVAL;
		memcpy(host, s, (size_t)(colon - s));
		host[colon - s] = '\0';
	}
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || port > 65535 || errno != 0)
		return -EINVAL;
	if (host[0] == '\0' || strcmp(host, "*") == 0)
		strcpy(host, "0.0.0.0");
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)port);
		*len = sizeof(*in4);
	} else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*in6);
	} else
		return -EINVAL;
	return 0;
}

/* Opens one listening socket with SO_REUSEPORT. */
static int
http_listen_socket(const struct sockaddr_storage *ss, socklen_t len)
{
	int fd, one = 1;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0 ||
	    bind(fd, (const struct sockaddr *)ss, len) < 0 ||
	    listen(fd, HTTP_BACKLOG) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* Fills the request's client address from a socket address. */
static void
http_set_peer(struct http_req *r, const struct sockaddr *sa)
{
	memset(r->ip, 0, sizeof(r->ip));
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			r->family = AF_INET;
			memcpy(r->ip, in6->sin6_addr.s6_addr + 12, 4);
		} else {
			r->family = AF_INET6;
			memcpy(r->ip, in6->sin6_addr.s6_addr, 16);
		}
	} else {
		r->family = AF_INET;
		memcpy(r->ip, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	}
	inet_ntop(r->family, r->ip, r->ip_text, sizeof(r->ip_text));
}

/* Takes the client from the last X-Forwarded-For entry (trusted proxy). */
static void
http_set_forwarded(struct http_req *r)
{
	struct http_slice f = r->head.forwarded_for;
	char text[48];
	size_t s, e;

	if (f.len == 0)
		return;
	e = f.len;
	while (e > 0 && (f.p[e - 1] == ' ' || f.p[e - 1] == '\t'))
		e--;
	s = e;
	while (s > 0 && f.p[s - 1] != ',')
		s--;
	while (s < e && (f.p[s] == ' ' || f.p[s] == '\t'))
		s++;
	if (e - s == 0 || e - s >= sizeof(text))
		return;
	memcpy(text, f.p + s, e - s);
	text[e - s] = '\0';
	if (inet_pton(AF_INET, text, r->ip) == 1) {
		memset(r->ip + 4, 0, 12);
		r->family = AF_INET;
	} else if (inet_pton(AF_INET6, text, r->ip) == 1)
		r->family = AF_INET6;
	else
		return;
	inet_ntop(r->family, r->ip, r->ip_text, sizeof(r->ip_text));
}

/* Moves every slice of a parsed head from buffer from to buffer to. */
static void
http_head_rebase(struct http_head *h, const char *from, const char *to)
{
	struct http_slice *slices[] = { &h->method_text, &h->target, &h->path,
	    &h->query, &h->host, &h->user_agent, &h->accept_language,
	    &h->accept, &h->cookie, &h->content_type, &h->authorization,
	    &h->forwarded_for };

	for (size_t i = 0; i < sizeof(slices) / sizeof(slices[0]); i++)
		if (slices[i]->p != NULL)
			slices[i]->p = to + (slices[i]->p - from);
}

/* Arms the connection timer for ms (or stops it when ms < 0). */
static void
http_conn_timer(struct http_conn *c, int ms)
{
	struct timeval tv;

	if (ms < 0) {
		evtimer_del(c->timer);
		return;
	}
	tv = http_tv(ms);
	evtimer_add(c->timer, &tv);
}

/* Clears the per-request state, keeping the connection. */
static void
http_req_reset(struct http_conn *c)
{
	struct http_req *r = &c->req;

	free(r->head_buf);
	free(r->body);
	r->head_buf = NULL;
	r->body = NULL;
	r->body_len = 0;
	r->status = 0;
	r->bytes_out = 0;
	r->user = NULL;
	r->log_event = 0;
	r->log_verdict = NULL;
	r->start_us = 0;
	memset(&r->head, 0, sizeof(r->head));
}

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

/* Ends a loop that is draining once its last connection is gone. */
static void
http_loop_maybe_exit(struct http_loop *l)
{
	if (l->draining && TAILQ_EMPTY(&l->conns))
		event_base_loopexit(l->base, NULL);
}

/* Frees a connection (its socket is closed with the bufferevent). */
static void
http_conn_free(struct http_conn *c)
{
	struct http_loop *l = c->loop;
	struct http_server *srv = l->srv;

	if (c->bev != NULL)
		bufferevent_free(c->bev);
	if (c->timer != NULL)
		event_free(c->timer);
	if (c->admitted && srv->hooks.release_conn != NULL)
		srv->hooks.release_conn(c->req.family, c->req.ip, srv->arg);
	http_req_reset(c);
	TAILQ_REMOVE(&l->conns, c, entry);
	free(c);
	atomic_fetch_sub(&srv->conns, 1);
	http_loop_maybe_exit(l);
}

/* Closes a connection: now, or (while a handler owns its request) by
 * dropping the socket and waiting for http_respond. */
static void
http_conn_close(struct http_conn *c)
{
	if (c->state == HTTP_CONN_HANDLING) {
		if (c->bev != NULL) {
			bufferevent_free(c->bev);
			c->bev = NULL;
		}
		evtimer_del(c->timer);
		c->gone = true;
		return;
	}
	http_conn_free(c);
}

/* Writes a minimal error answer and closes after it. */
static void
http_conn_error(struct http_conn *c, int status)
{
	struct http_req *r = &c->req;

	c->keep_alive = false;
	c->keep_alive_broken = true;
	c->state = HTTP_CONN_HANDLING;
	if (r->start_us == 0)
		r->start_us = clock_mono_us();
	http_respond(r, status, "text/plain; charset=utf-8", NULL,
	    http_status_text(status), strlen(http_status_text(status)), true);
}

/* Deadline of the current state passed. */
static void
http_conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_conn *c = arg;

	(void)fd;
	(void)what;
	switch (c->state) {
	case HTTP_CONN_READ_HEAD:
		if (c->head_started && !c->loop->draining)
			http_conn_error(c, 408);
		else
			http_conn_close(c);	/* idle keep-alive */
		break;
	case HTTP_CONN_READ_BODY:
		http_conn_error(c, 408);
		break;
	case HTTP_CONN_HANDLING:
		break;
	case HTTP_CONN_CLOSING:
		/* Written at once (a zero timer), or the write timed out. */
		if (c->bev != NULL && evbuffer_get_length(
		    bufferevent_get_output(c->bev)) == 0)
			http_conn_finish(c);
		else
			http_conn_close(c);
		break;
	case HTTP_CONN_LINGER:
		http_conn_close(c);
		break;
	}
}

/* Hands a complete request to the handler. */
static void
http_conn_dispatch(struct http_conn *c)
{
	struct http_server *srv = c->loop->srv;

	c->state = HTTP_CONN_HANDLING;
	http_conn_timer(c, -1);
	srv->hooks.handle(&c->req, srv->arg);
}

/* Parses what the input buffer holds and moves the state machine. */
static void
http_conn_process(struct http_conn *c)
{
	struct http_server *srv = c->loop->srv;
	struct evbuffer *in;
	struct http_req *r = &c->req;
	size_t avail, take;
	const char *p;
	int n;

	/* Answers given synchronously return here (not recursively) and the
	 * loop goes on with any pipelined request. */
	if (c->in_process)
		return;
	c->in_process = true;
	while (c->bev != NULL) {
		in = bufferevent_get_input(c->bev);
		avail = evbuffer_get_length(in);
		switch (c->state) {
		case HTTP_CONN_READ_HEAD:
			if (avail == 0)
				goto out;
			if (!c->head_started) {
				c->head_started = true;
				http_conn_timer(c, srv->cfg.header_timeout_ms);
			}
			take = avail < HTTP_HEAD_MAX ? avail : HTTP_HEAD_MAX;
			p = (const char *)evbuffer_pullup(in, (ev_ssize_t)take);
			n = http_parse_head(p, take, &r->head);
			if (n == 0)
				goto out;
			if (n < 0) {
				http_conn_error(c, -n);
				goto out;
			}
			r->head_buf = malloc((size_t)n);
			if (r->head_buf == NULL) {
				http_conn_error(c, 503);
				goto out;
			}
			memcpy(r->head_buf, p, (size_t)n);
			/* Point the slices into the copy. */
			http_head_rebase(&r->head, p, r->head_buf);
			evbuffer_drain(in, (size_t)n);
			r->start_us = clock_mono_us();
			if (srv->cfg.trust_proxy)
				http_set_forwarded(r);
			c->keep_alive = r->head.keep_alive && !c->loop->draining;
			if (r->head.has_length && r->head.content_length >
			    srv->cfg.body_max) {
				http_conn_error(c, 413);
				goto out;
			}
			if (r->head.method == HTTP_METHOD_POST &&
			    !r->head.has_length) {
				http_conn_error(c, 411);
				goto out;
			}
			if (r->head.has_length && r->head.content_length > 0) {
				c->state = HTTP_CONN_READ_BODY;
				http_conn_timer(c, srv->cfg.body_timeout_ms);
				if (r->head.expect_continue &&
				    evbuffer_get_length(in) <
				    r->head.content_length)
					bufferevent_write(c->bev,
					    "HTTP/1.1 100 Continue\r\n\r\n", 25);
				continue;
			}
			http_conn_dispatch(c);
			continue;
		case HTTP_CONN_READ_BODY:
			if (avail < r->head.content_length)
				goto out;
			r->body_len = r->head.content_length;
			r->body = malloc(r->body_len + 1);
			if (r->body == NULL) {
				http_conn_error(c, 503);
				goto out;
			}
			evbuffer_remove(in, r->body, r->body_len);
			r->body[r->body_len] = '\0';
			http_conn_dispatch(c);
			continue;
		case HTTP_CONN_LINGER:
			evbuffer_drain(in, avail);
			goto out;
		case HTTP_CONN_HANDLING:
		case HTTP_CONN_CLOSING:
			goto out;
		}
	}
out:
	c->in_process = false;
}

/* Bytes arrived. */
static void
http_conn_read_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	http_conn_process(arg);
}

/* A closing connection's answer is out: shut our side and linger if the
 * client may still be sending, else free it. */
static void
http_conn_finish(struct http_conn *c)
{
	struct bufferevent *bev = c->bev;

	if (c->keep_alive_broken && bev != NULL) {
		c->state = HTTP_CONN_LINGER;
		shutdown(bufferevent_getfd(bev), SHUT_WR);
		evbuffer_drain(bufferevent_get_input(bev),
		    evbuffer_get_length(bufferevent_get_input(bev)));
		bufferevent_enable(bev, EV_READ);
		http_conn_timer(c, HTTP_LINGER_MS);
		return;
	}
	http_conn_free(c);
}

/* The output buffer drained. */
static void
http_conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct http_conn *c = arg;

	(void)bev;
	if (c->state == HTTP_CONN_CLOSING)
		http_conn_finish(c);
}

/* EOF, error or a write timeout. */
static void
http_conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct http_conn *c = arg;

	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		http_conn_close(c);
}

/*
 * Sends what buf holds. When nothing is queued before it, it is written to
 * the socket at once, and only a remainder goes to the bufferevent: most
 * answers then leave in one writev with no EV_WRITE registered and
 * removed again (two epoll_ctl calls per request).
 */
static void
http_conn_send(struct http_conn *c, struct evbuffer *buf)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	if (evbuffer_get_length(out) == 0) {
		int n = evbuffer_write(buf, bufferevent_getfd(c->bev));

		if (n < 0 && errno != EAGAIN && errno != EINTR) {
			evbuffer_drain(buf, evbuffer_get_length(buf));
			return;	/* the event callback will see the error */
		}
	}
	if (evbuffer_get_length(buf) > 0)
		evbuffer_add_buffer(out, buf);
}

/* Sends an answer and moves on to the next request or closes. */
void
http_respond(struct http_req *r, int status, const char *content_type,
    const char *extra_headers, const void *body, size_t len, bool body_static)
{
	struct http_conn *c = r->conn;
	struct http_loop *l = c->loop;
	struct http_server *srv = l->srv;
	struct evbuffer *out;
	char head[512];
	time_t now;
	int n;

	r->status = status;
	if (c->gone || c->bev == NULL) {
		r->bytes_out = 0;
		if (srv->hooks.done != NULL)
			srv->hooks.done(r, srv->arg);
		c->state = HTTP_CONN_CLOSING;
		http_conn_free(c);
		return;
	}
	now = time(NULL);
	if (now != l->date_sec) {
		struct tm tm;

		l->date_sec = now;
		gmtime_r(&now, &tm);
		strftime(l->date, sizeof(l->date), "%a, %d %b %Y %H:%M:%S GMT",
		    &tm);
	}
	if (l->draining)
		c->keep_alive = false;
	out = l->scratch;
	n = snprintf(head, sizeof(head),
	    "HTTP/1.1 %d %s\r\nDate: %s\r\nServer: scanloop\r\n"
	    "Content-Length: %zu\r\n%s%s%s%s",
	    status, http_status_text(status), l->date, len,
	    content_type ? "Content-Type: " : "", content_type ? content_type : "",
	    content_type ? "\r\n" : "",
	    c->keep_alive ? "" : "Connection: close\r\n");
	if (n < 0 || (size_t)n >= sizeof(head))
		n = 0;
	evbuffer_add(out, head, (size_t)n);
	if (extra_headers != NULL)
		evbuffer_add(out, extra_headers, strlen(extra_headers));
	evbuffer_add(out, "\r\n", 2);
	r->bytes_out = (size_t)n + 2 + (extra_headers ? strlen(extra_headers) : 0);
	if (r->head.method != HTTP_METHOD_HEAD && len > 0) {
		if (body_static)
			evbuffer_add_reference(out, body, len, NULL, NULL);
		else
			evbuffer_add(out, body, len);
		r->bytes_out += len;
	}
	http_conn_send(c, out);
	if (srv->hooks.done != NULL)
		srv->hooks.done(r, srv->arg);
	if (!c->keep_alive) {
		c->state = HTTP_CONN_CLOSING;
		bufferevent_disable(c->bev, EV_READ);
		/* All written already: finish from the loop, not from here
		 * (http_conn_process may be on the stack). */
		http_conn_timer(c, evbuffer_get_length(bufferevent_get_output(
		    c->bev)) == 0 ? 0 : srv->cfg.write_timeout_ms);
		return;
	}
	http_req_reset(c);
	c->state = HTTP_CONN_READ_HEAD;
	c->head_started = false;
	http_conn_timer(c, srv->cfg.idle_timeout_ms);
	/* A pipelined request may already be waiting. */
	http_conn_process(c);
}

/* True if the client left. */
bool
http_req_gone(const struct http_req *r)
{
	return r->conn->gone;
}

/* A new connection. */
static void
http_accept_cb(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct http_loop *l = arg;
	struct http_server *srv = l->srv;
	struct http_conn *c;
	int one = 1;
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
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		atomic_fetch_sub(&srv->conns, 1);
		evutil_closesocket(fd);
		return;
	}
	c->loop = l;
	c->req.conn = c;
	c->req.loop = l;
	http_set_peer(&c->req, sa);
	TAILQ_INSERT_TAIL(&l->conns, c, entry);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->bev = bufferevent_socket_new(l->base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->timer = evtimer_new(l->base, http_conn_timer_cb, c);
	if (c->bev == NULL || c->timer == NULL) {
		if (c->bev == NULL)
			evutil_closesocket(fd);
		http_conn_free(c);
		return;
	}
	if (srv->hooks.admit_conn != NULL) {
		if (!srv->hooks.admit_conn(c->req.family, c->req.ip, srv->arg)) {
			static const char busy[] = "HTTP/1.1 429 Too Many Requests"
			    "\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";

			bufferevent_write(c->bev, busy, sizeof(busy) - 1);
			c->state = HTTP_CONN_CLOSING;
			bufferevent_setcb(c->bev, NULL, http_conn_write_cb,
			    http_conn_event_cb, c);
			bufferevent_enable(c->bev, EV_WRITE);
			http_conn_timer(c, srv->cfg.write_timeout_ms);
			return;
		}
		c->admitted = true;
	}
	c->state = HTTP_CONN_READ_HEAD;
	bufferevent_setcb(c->bev, http_conn_read_cb, http_conn_write_cb,
	    http_conn_event_cb, c);
	/* Stop reading once a head and a body are buffered: back-pressure
	 * for clients that pipeline faster than we answer. */
	bufferevent_setwatermark(c->bev, EV_READ, 0,
	    HTTP_HEAD_MAX + srv->cfg.body_max + 1);
	{
		struct timeval wt = http_tv(srv->cfg.write_timeout_ms);

		bufferevent_set_timeouts(c->bev, NULL, &wt);
	}
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	http_conn_timer(c, srv->cfg.idle_timeout_ms);
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
	if (http_parse_listen(cfg->listen, &ss, &sslen) < 0) {
		*why = "--listen must be ADDR:PORT (IPv6: [ADDR]:PORT)";
		return -EINVAL;
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
		if ((fd = http_listen_socket(&ss, sslen)) < 0) {
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
		l->scratch = evbuffer_new();
		if (l->lev == NULL || l->resume_ev == NULL ||
		    l->drain_ev == NULL || l->deadline_ev == NULL ||
		    l->scratch == NULL) {
			if (l->lev == NULL)
				close(fd);
			ret = -ENOMEM;
			goto fail;
		}
		evconnlistener_set_error_cb(l->lev, http_accept_error_cb);
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
		if (l->scratch != NULL)
			evbuffer_free(l->scratch);
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
