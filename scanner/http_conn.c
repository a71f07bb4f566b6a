/*
 * http_conn.c — one connection of the HTTP server: its state machine
 * (enum http_conn_state), its deadlines, reading and parsing heads and
 * bodies, handing requests to the handler, sending the answers, and its
 * close (lingering after an error, so that the answer is not reset away).
 * The listeners and loops that make connections are in http.c.
 */
#include "scanner/http.h"
#include "scanner/http_internal.h"
#include "common/buf.h"
#include "common/clock.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#define HTTP_LINGER_MS 2000		/* lingering close at most */
#define HTTP_READ_CHUNK 16384		/* bytes read at once at most */

static void http_conn_process(struct http_conn *c);
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
	    &h->forwarded_for, &h->origin, &h->sec_fetch_site, &h->cluster };

	for (size_t i = 0; i < sizeof(slices) / sizeof(slices[0]); i++)
		if (slices[i]->p != NULL)
			slices[i]->p = to + (slices[i]->p - from);
}

/* Arms the connection timer for ms (or stops it when ms < 0). */
void
http_conn_timer(struct http_conn *c, int ms)
{
	struct http_loop *l = c->loop;
	const struct timeval *common = NULL;
	struct timeval tv;
	unsigned i;

	if (ms < 0) {
		evtimer_del(c->timer);
		return;
	}
	tv = http_tv(ms);
	for (i = 0; i < l->ntimeouts && l->timeouts[i].ms != ms; i++)
		;
	if (i < l->ntimeouts)
		common = l->timeouts[i].tv;
	else if (ms > 0 && i < HTTP_LOOP_TIMEOUTS &&
	    (common = event_base_init_common_timeout(l->base, &tv)) != NULL) {
		l->timeouts[i].ms = ms;
		l->timeouts[i].tv = common;
		l->ntimeouts++;
	}
	evtimer_add(c->timer, common != NULL ? common : &tv);
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
	c->stream_fill = NULL;
	c->stream_arg = NULL;
	memset(&r->head, 0, sizeof(r->head));
}

/* Closes the socket: its read event, then the bufferevent (which closes
 * it). */
void
http_conn_drop_socket(struct http_conn *c)
{
	if (c->rev != NULL) {
		event_free(c->rev);
		c->rev = NULL;
	}
	if (c->bev != NULL) {
		bufferevent_free(c->bev);
		c->bev = NULL;
	}
}

/* Starts or stops reading the socket. */
static void
http_conn_reading(struct http_conn *c, bool on)
{
	if (c->rev == NULL)
		return;
	if (on)
		event_add(c->rev, NULL);
	else
		event_del(c->rev);
}

/* Frees a connection (its socket is closed with the bufferevent). */
void
http_conn_free(struct http_conn *c)
{
	struct http_loop *l = c->loop;
	struct http_server *srv = l->srv;

	http_conn_drop_socket(c);
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
	if (c->state == HTTP_CONN_HANDLING && c->stream_fill != NULL) {
		http_stream_cancel(c);
		return;
	}
	if (c->state == HTTP_CONN_HANDLING) {
		http_conn_drop_socket(c);
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
		if (c->stream_fill != NULL)
			http_stream_pump(c);	/* http_stream_yield */
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

	/* The pending deadline stays: in this state it does nothing, and the
	 * answer sets the next one (one timer operation per request). */
	c->state = HTTP_CONN_HANDLING;
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
			take = avail < HTTP_HEAD_MAX ? avail : HTTP_HEAD_MAX;
			p = (const char *)evbuffer_pullup(in, (ev_ssize_t)take);
			n = http_parse_head(p, take, &r->head);
			/* The head's deadline runs from its first byte; a head
			 * that came whole needs none. */
			if (!c->head_started) {
				c->head_started = true;
				if (n == 0)
					http_conn_timer(c,
					    srv->cfg.header_timeout_ms);
			}
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
			/*
			 * Pipelined requests filled the input to its high
			 * watermark: stop reading until the answer. Left
			 * enabled, libevent 2.1 runs this callback again and
			 * again without reading (its watermark check), so
			 * the loop spins and its lowest-priority events (the
			 * hand-off to the writer) never run.
			 */
			if (avail >= HTTP_HEAD_MAX + srv->cfg.body_max + 1) {
				http_conn_reading(c, false);
				c->read_paused = true;
			}
			goto out;
		case HTTP_CONN_CLOSING:
			goto out;
		}
	}
out:
	c->in_process = false;
}

/*
 * The socket is readable: reads into the input buffer, up to a head and
 * a body's worth (back-pressure for clients that pipeline faster than we
 * answer; http_conn_answered reads again), and parses. Read here rather
 * than by the bufferevent, which asks the kernel how much is readable
 * (an ioctl) before every read.
 */
static void
http_conn_recv_cb(evutil_socket_t fd, short what, void *arg)
{
	struct http_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(c->bev);
	size_t high = HTTP_HEAD_MAX + c->loop->srv->cfg.body_max + 1;
	size_t len = evbuffer_get_length(in), room;
	struct evbuffer_iovec v;
	ssize_t n;

	(void)what;
	if (len >= high) {
		http_conn_reading(c, false);
		c->read_paused = true;
		return;
	}
	room = high - len < HTTP_READ_CHUNK ? high - len : HTTP_READ_CHUNK;
	if (evbuffer_reserve_space(in, (ev_ssize_t)room, &v, 1) < 1) {
		http_conn_close(c);
		return;
	}
	do
		n = recv(fd, v.iov_base, room, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n <= 0) {
		http_conn_close(c);	/* the client closed, or an error */
		return;
	}
	v.iov_len = (size_t)n;
	evbuffer_commit_space(in, &v, 1);
	http_conn_process(c);
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
		http_conn_reading(c, true);
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
	else if (c->state == HTTP_CONN_HANDLING && c->stream_fill != NULL)
		http_stream_pump(c);	/* drained below the low watermark */
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

/* An answer's head: the status line and standard headers take at most
 * ~600 bytes with a content type and framing; extra headers follow in it
 * when they fit. */
#define HTTP_CONN_HEAD_MAX 2048

/* Appends n bytes at *p (the caller keeps room). */
static inline void
http_put(char **p, const void *s, size_t n)
{
	memcpy(*p, s, n);
	*p += n;
}

/* Appends the decimal digits of v. */
static void
http_put_dec(char **p, size_t v)
{
	*p += buf_dec(*p, v);
}

/* Writes the parts of an answer (iov[0..n)). When nothing is queued
 * before them they go to the socket in one writev, and only a remainder is
 * copied to the bufferevent: most answers leave in one system call, with
 * no copy of the body and no EV_WRITE registered and removed again. */
static void
http_conn_sendv(struct http_conn *c, struct iovec *iov, int n)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	ssize_t done = 0;

	if (evbuffer_get_length(out) == 0) {
		do
			done = writev(bufferevent_getfd(c->bev), iov, n);
		while (done < 0 && errno == EINTR);
		if (done < 0 && errno != EAGAIN)
			return;	/* the event callback will see the error */
		if (done < 0)
			done = 0;
	}
	for (int i = 0; i < n; i++) {
		if ((size_t)done >= iov[i].iov_len) {
			done -= (ssize_t)iov[i].iov_len;
			continue;
		}
		evbuffer_add(out, (const char *)iov[i].iov_base + done,
		    iov[i].iov_len - (size_t)done);
		done = 0;
	}
}

/* Writes an answer's head into head[HTTP_CONN_HEAD_MAX]: status line,
 * Date, Server, the framing (the framing lines given, else Content-Length:
 * len), Content-Type, Connection, and the extra headers with the blank
 * line when they fit (*extra_in is then set). Returns its length. */
static size_t
http_conn_head_text(struct http_conn *c, char *head, int status,
    const char *framing, size_t len, const char *content_type,
    const char *extra_headers, size_t extra, bool *extra_in)
{
	struct http_loop *l = c->loop;
	const char *text = http_status_text(status);
	char *p = head;
	time_t now;

	now = time(NULL);
	if (now != l->date_sec) {
		struct tm tm;

		l->date_sec = now;
		gmtime_r(&now, &tm);
		l->date_len = strftime(l->date, sizeof(l->date),
		    "%a, %d %b %Y %H:%M:%S GMT", &tm);
	}
	if (l->draining)
		c->keep_alive = false;
	http_put(&p, "HTTP/1.1 ", 9);
	http_put_dec(&p, (size_t)status);
	*p++ = ' ';
	http_put(&p, text, strlen(text));
	http_put(&p, "\r\nDate: ", 8);
	http_put(&p, l->date, l->date_len);
	http_put(&p, "\r\nServer: scanloop\r\n", 20);
	if (framing != NULL && strlen(framing) < 256)
		http_put(&p, framing, strlen(framing));
	else {
		http_put(&p, "Content-Length: ", 16);
		http_put_dec(&p, len);
		http_put(&p, "\r\n", 2);
	}
	if (content_type != NULL && strlen(content_type) < 256) {
		http_put(&p, "Content-Type: ", 14);
		http_put(&p, content_type, strlen(content_type));
		http_put(&p, "\r\n", 2);
	}
	if (!c->keep_alive)
		http_put(&p, "Connection: close\r\n", 19);
	*extra_in = extra + 2 <= HTTP_CONN_HEAD_MAX - (size_t)(p - head);
	if (*extra_in) {
		if (extra > 0)
			http_put(&p, extra_headers, extra);
		http_put(&p, "\r\n", 2);
	}
	return (size_t)(p - head);
}

/* Appends an answer's head to out (http_stream.c). Returns its length. */
size_t
http_conn_head(struct http_conn *c, struct evbuffer *out, int status,
    const char *framing, const char *content_type, const char *extra_headers)
{
	char head[HTTP_CONN_HEAD_MAX];
	size_t extra = extra_headers != NULL ? strlen(extra_headers) : 0;
	size_t n;
	bool extra_in;

	n = http_conn_head_text(c, head, status, framing, 0, content_type,
	    extra_headers, extra, &extra_in);
	evbuffer_add(out, head, n);
	if (!extra_in) {
		evbuffer_add(out, extra_headers, extra);
		evbuffer_add(out, "\r\n", 2);
		n += extra + 2;
	}
	return n;
}

/* After an answer went out (or was queued): the done hook, then the
 * next request, or the close. */
void
http_conn_answered(struct http_conn *c)
{
	struct http_server *srv = c->loop->srv;

	if (srv->hooks.done != NULL)
		srv->hooks.done(&c->req, srv->arg);
	if (!c->keep_alive) {
		c->state = HTTP_CONN_CLOSING;
		http_conn_reading(c, false);
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
	if (c->read_paused) {
		c->read_paused = false;
		http_conn_reading(c, true);
	}
	/* A pipelined request may already be waiting. */
	http_conn_process(c);
}

/* An answer to a client that left: the done hook, then the close. */
void
http_conn_answered_gone(struct http_conn *c)
{
	struct http_server *srv = c->loop->srv;

	c->req.bytes_out = 0;
	if (srv->hooks.done != NULL)
		srv->hooks.done(&c->req, srv->arg);
	c->state = HTTP_CONN_CLOSING;
	http_conn_free(c);
}

/* Sends an answer whose body is in pieces and moves on to the next
 * request or closes. */
void
http_respondv(struct http_req *r, int status, const char *content_type,
    const char *extra_headers, const struct iovec *body, int nbody)
{
	struct http_conn *c = r->conn;
	char head[HTTP_CONN_HEAD_MAX];
	size_t extra = extra_headers != NULL ? strlen(extra_headers) : 0;
	size_t len = 0;
	struct iovec iov[HTTP_BODY_IOV_MAX + 3];
	int niov = 0;
	bool extra_in;

	if (nbody < 0 || nbody > HTTP_BODY_IOV_MAX) {
		/* A caller's bug: say so rather than send half a body. */
		static const char text[] = "Internal Server Error";
		struct iovec t = { (void *)text, sizeof(text) - 1 };

		http_respondv(r, 500, "text/plain; charset=utf-8", NULL, &t,
		    1);
		return;
	}
	for (int i = 0; i < nbody; i++)
		len += body[i].iov_len;
	r->status = status;
	if (c->gone || c->bev == NULL) {
		http_conn_answered_gone(c);
		return;
	}
	iov[niov].iov_base = head;
	iov[niov++].iov_len = http_conn_head_text(c, head, status, NULL, len,
	    content_type, extra_headers, extra, &extra_in);
	if (!extra_in) {
		iov[niov++] = (struct iovec){ (void *)extra_headers, extra };
		iov[niov++] = (struct iovec){ "\r\n", 2 };
	}
	r->bytes_out = iov[0].iov_len + (extra_in ? 0 : extra + 2);
	if (r->head.method != HTTP_METHOD_HEAD && len > 0) {
		for (int i = 0; i < nbody; i++)
			if (body[i].iov_len > 0)
				iov[niov++] = body[i];
		r->bytes_out += len;
	}
	http_conn_sendv(c, iov, niov);
	http_conn_answered(c);
}

/* Sends an answer and moves on to the next request or closes. */
void
http_respond(struct http_req *r, int status, const char *content_type,
    const char *extra_headers, const void *body, size_t len, bool body_static)
{
	struct iovec b = { (void *)body, len };

	(void)body_static;	/* copied only when the socket is full */
	http_respondv(r, status, content_type, extra_headers, &b, 1);
}

/* True if the client left. */
bool
http_req_gone(const struct http_req *r)
{
	return r->conn->gone;
}

/* Makes the connection of an accepted socket (http_accept_cb counted it). */
void
http_conn_new(struct http_loop *l, evutil_socket_t fd,
    const struct sockaddr *sa)
{
	struct http_server *srv = l->srv;
	struct http_conn *c;
	int one = 1;

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
	/* The bufferevent writes (what a writev left) and times writes
	 * out; http_conn_recv_cb reads. */
	if ((c->rev = event_new(l->base, fd, EV_READ | EV_PERSIST,
	    http_conn_recv_cb, c)) == NULL) {
		http_conn_free(c);
		return;
	}
	bufferevent_setcb(c->bev, NULL, http_conn_write_cb,
	    http_conn_event_cb, c);
	/* A bufferevent lets only itself add to its input (it freezes the
	 * input's end); this one never reads. */
	evbuffer_unfreeze(bufferevent_get_input(c->bev), 0);
	{
		struct timeval wt = http_tv(srv->cfg.write_timeout_ms);

		bufferevent_set_timeouts(c->bev, NULL, &wt);
	}
	bufferevent_enable(c->bev, EV_WRITE);
	http_conn_reading(c, true);
	http_conn_timer(c, srv->cfg.idle_timeout_ms);
}
