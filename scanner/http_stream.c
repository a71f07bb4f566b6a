/*
 * http_stream.c — streamed (chunked) answers: a producer fills the
 * connection as fast as its client takes it, so that an answer of any
 * size costs a bounded buffer (up to HTTP_STREAM_LOW plus what one fill
 * writes). See http.h for the contract.
 */
#include "scanner/http.h"
#include "scanner/http_internal.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <stdio.h>
#include <string.h>

/* Starts a streamed answer. */
void
http_stream_begin(struct http_req *r, int status, const char *content_type,
    const char *extra_headers, const char *trailer, http_stream_fn fill,
    void *arg)
{
	struct http_conn *c = r->conn;
	struct evbuffer *out;
	char framing[128];

	r->status = status;
	if (c->gone || c->bev == NULL) {
		if (r->head.method != HTTP_METHOD_HEAD) {
			c->stream_fill = fill;
			c->stream_arg = arg;
			fill(r, arg);	/* sees the client gone: frees, ends */
		} else
			http_conn_answered_gone(c);
		return;
	}
	snprintf(framing, sizeof(framing), "Transfer-Encoding: chunked\r\n"
	    "%s%s%s", trailer ? "Trailer: " : "", trailer ? trailer : "",
	    trailer ? "\r\n" : "");
	out = bufferevent_get_output(c->bev);
	r->bytes_out = http_conn_head(c, out, status, framing, content_type,
	    extra_headers);
	if (r->head.method == HTTP_METHOD_HEAD) {
		http_conn_answered(c);
		return;
	}
	c->stream_fill = fill;
	c->stream_arg = arg;
	bufferevent_setwatermark(c->bev, EV_WRITE, HTTP_STREAM_LOW, 0);
	http_stream_pump(c);
}

/* Calls the producer. It may end the answer and free the connection:
 * nothing touches c after it. */
void
http_stream_pump(struct http_conn *c)
{
	c->stream_fill(&c->req, c->stream_arg);
}

/* The client left or the server stops: the producer frees and ends. */
void
http_stream_cancel(struct http_conn *c)
{
	http_conn_drop_socket(c);
	evtimer_del(c->timer);
	c->gone = true;
	http_stream_pump(c);
}

/* Appends one chunk. */
void
http_stream_write(struct http_req *r, const void *data, size_t len)
{
	struct http_conn *c = r->conn;
	struct evbuffer *out;
	char size[24];
	int n;

	if (c->bev == NULL || len == 0)
		return;
	out = bufferevent_get_output(c->bev);
	n = snprintf(size, sizeof(size), "%zx\r\n", len);
	evbuffer_add(out, size, (size_t)n);
	evbuffer_add(out, data, len);
	evbuffer_add(out, "\r\n", 2);
	r->bytes_out += (size_t)n + len + 2;
}

/* Calls fill again from the loop. */
void
http_stream_yield(struct http_req *r)
{
	if (r->conn->bev != NULL)
		http_conn_timer(r->conn, 0);
}

/* Ends the stream. */
void
http_stream_end(struct http_req *r, const char *trailers)
{
	struct http_conn *c = r->conn;
	struct evbuffer *out;

	c->stream_fill = NULL;
	c->stream_arg = NULL;
	if (c->gone || c->bev == NULL) {
		http_conn_answered_gone(c);
		return;
	}
	bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	out = bufferevent_get_output(c->bev);
	evbuffer_add(out, "0\r\n", 3);
	if (trailers != NULL)
		evbuffer_add(out, trailers, strlen(trailers));
	evbuffer_add(out, "\r\n", 2);
	r->bytes_out += 5 + (trailers ? strlen(trailers) : 0);
	http_conn_answered(c);
}

/* Ends the stream without its last chunk. */
void
http_stream_abort(struct http_req *r)
{
	struct http_conn *c = r->conn;

	c->stream_fill = NULL;
	c->stream_arg = NULL;
	c->keep_alive = false;
	if (c->bev != NULL) {
		/* Drop what is queued: the answer is cut, not completed. */
		evbuffer_drain(bufferevent_get_output(c->bev), evbuffer_get_length(
		    bufferevent_get_output(c->bev)));
		bufferevent_setwatermark(c->bev, EV_WRITE, 0, 0);
	}
	if (c->gone || c->bev == NULL) {
		http_conn_answered_gone(c);
		return;
	}
	http_conn_answered(c);
}
