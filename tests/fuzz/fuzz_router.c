/*
 * fuzz_router.c — the scan server end to end: the connection state
 * machine of http_conn.c, the route table and handlers (code pages, the
 * JSON API and its bodies, location posts, code look-ups, draws,
 * redemptions, staff pages, healthz, metrics), the writer with its
 * caches, the access log.
 *
 * The first input starts two real servers in this process, built as
 * scan_serve (server.c) builds one but without signals (rt_start_one
 * mirrors it: keep them in step), on 127.0.0.1 with a temporary store
 * (fuzz_fixture.c: active, ready and void batches of both schemes, draw
 * codes, a running prize campaign with the claims of a few draws, shops
 * with known tokens, fixed server secrets) and one core (scan_core_open,
 * as scan_serve: the writer, its summary and draw caches, the campaigns,
 * the secrets) that both share: a plain one, and one that trusts
 * X-Forwarded-For (used when the first request carries that header). Each
 * input is sent as it is, as the bytes of one TCP connection, so the
 * seeds reach the draw and redemption routes (draws, draw codes, claims,
 * points, staff pages) past their checks. Randomness is the harnesses'
 * deterministic stream (fuzz_rng_install); draws change the store, so a
 * seed replayed again meets its earlier draw or redemption: nothing below
 * depends on which.
 *
 * An oracle runs the same parser over the input as the server would
 * (http_parse_head, whose consistency under any cut of the bytes is
 * fuzz_http_parse's invariant) and predicts how many answers come back,
 * which request each answers (HEAD: no body) and whether the server closes
 * afterwards: after a protocol error (400, 411, 413, 414, 431, 501, 505:
 * the answer, then EOF) or after a request without keep-alive (the answer
 * carries "Connection: close", then EOF). Otherwise the harness hangs up
 * itself once it has every answer.
 *
 * Invariants: the process stays up (sanitizers watch it); every answer
 * comes (no request is left unanswered; a wait of RT_WAIT_MS is a hang);
 * each is "HTTP/1.1 NNN Reason" with a status the server knows, clean
 * header lines (no bare CR or LF: no response splitting), exactly one
 * Content-Length, a body of that length (none for HEAD); for JSON a body
 * that parses as a JSON object, for HTML no live markup from the input
 * (the x-fuzz markers of router.dict); "Connection: close" exactly when
 * the server then closes; interim answers only "100 Continue"; and the
 * access log has one valid JSON line per answer, with the same status.
 *
 * FUZZ_ROUTER_VERBOSE=1 prints each input's statuses on stderr.
 */
#include "fuzz.h"
#include "fuzz_fixture.h"
#include "codegen/keys.h"
#include "common/clock.h"
#include "rewards/registry.h"
#include "scanner/scan_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#define RT_INPUT_MAX 65536		/* larger inputs are skipped */
#define RT_REQ_MAX 128			/* answers checked per input */
#define RT_BODY_MAX 16384		/* as scanloop serve */
#define RT_WAIT_MS 20000		/* longer is a hang */
#define RT_MAP_SIZE "268435456"		/* 256 MiB; full: 503s, still fine */

struct rt_server {
	struct scan_server srv;
	pthread_t thread;
	struct sockaddr_in addr;
	char log_path[PATH_MAX];
	int log_fd;			/* ours, to truncate and read */
};

/* What the oracle expects of one answer. */
struct rt_answer {
	bool head;			/* answers a HEAD: no body */
	bool close;			/* the server closes after it */
	bool error;			/* a protocol error (read to EOF) */
	int status;			/* 0: any; -1: a head parse error */
};

struct rt_expect {
	struct rt_answer a[RT_REQ_MAX];
	unsigned n;
	size_t send_len;		/* bytes to send */
	bool proxy;			/* to the X-Forwarded-For server */
};

static struct rt_server rt_plain, rt_proxy;
static struct store *rt_store;
static struct scan_core rt_core;	/* both servers share it */
static bool rt_up;
static bool rt_verbose;		/* FUZZ_ROUTER_VERBOSE=1: the statuses */
static pthread_mutex_t rt_sync_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t rt_sync_cond = PTHREAD_COND_INITIALIZER;
static bool rt_synced;

/* ---- the servers ---------------------------------------------------- */

/* A server's loop thread. */
static void *
rt_run(void *arg)
{
	struct rt_server *s = arg;

	FUZZ_CHECK(http_server_run(s->srv.http) == 0);
	return NULL;
}

/* Starts one server on 127.0.0.1, port chosen by the kernel. */
static void
rt_start_one(struct rt_server *s, const char *name, bool proxy)
{
	struct scan_config cfg;
	char bound[80];
	const char *why = NULL, *colon;

	memset(&cfg, 0, sizeof(cfg));
	cfg.http.listen = "127.0.0.1:0";
	cfg.http.threads = 1;
	cfg.http.max_conns = 64;
	cfg.http.max_conns_per_ip = 0;
	cfg.http.body_max = RT_BODY_MAX;
	cfg.http.header_timeout_ms = RT_WAIT_MS / 4;
	cfg.http.body_timeout_ms = RT_WAIT_MS / 4;
	cfg.http.idle_timeout_ms = RT_WAIT_MS / 4;
	cfg.http.write_timeout_ms = RT_WAIT_MS / 4;
	cfg.http.drain_timeout_ms = 1000;
	cfg.http.trust_proxy = proxy;
	cfg.ip_anon = !proxy;
	/* The proxy server runs its token buckets, without ever refusing. */
	cfg.rate = proxy ? 1e9 : 0;
	cfg.burst = proxy ? 1e9 : 0;
	cfg.quiet = true;

	memset(s, 0, sizeof(*s));
	s->srv.core = &rt_core;
	s->srv.cfg = cfg;
	s->srv.started = clock_now_us();
	FUZZ_CHECK((s->srv.rl = ratelimit_new(cfg.rate, cfg.burst,
	    cfg.http.max_conns_per_ip)) != NULL);
	fuzz_path(s->log_path, fuzz_tmpdir(), name);
	FUZZ_CHECK(accesslog_open(s->log_path, &s->srv.log) == 0);
	FUZZ_CHECK((s->log_fd = open(s->log_path, O_RDWR | O_CLOEXEC)) >= 0);
	if (http_server_new(&cfg.http, &scan_http_hooks, &s->srv, &s->srv.http,
	    bound, sizeof(bound), &why) < 0) {
		fprintf(stderr, "fuzz_router: %s\n", why ? why : "no server");
		abort();
	}
	FUZZ_CHECK((s->srv.metrics = metrics_new(1)) != NULL);
	colon = strrchr(bound, ':');
	FUZZ_CHECK(colon != NULL);
	s->addr.sin_family = AF_INET;
	s->addr.sin_port = htons((uint16_t)atoi(colon + 1));
	s->addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	FUZZ_CHECK(pthread_create(&s->thread, NULL, rt_run, s) == 0);
}

/* Drains and frees one server (its loop has nothing in flight). */
static void
rt_stop_one(struct rt_server *s)
{
	http_server_shutdown(s->srv.http);
	FUZZ_CHECK(pthread_join(s->thread, NULL) == 0);
}

/* Frees what a stopped server holds. */
static void
rt_free_one(struct rt_server *s)
{
	http_server_free(s->srv.http);
	metrics_free(s->srv.metrics);
	ratelimit_free(s->srv.rl);
	accesslog_close(s->srv.log);
	close(s->log_fd);
}

/* At exit: stop the servers, then the writer, then close the store. */
static void
rt_stop(void)
{
	if (!rt_up)
		return;
	rt_stop_one(&rt_plain);
	rt_stop_one(&rt_proxy);
	scan_core_stop(&rt_core);
	rt_free_one(&rt_plain);
	rt_free_one(&rt_proxy);
	scan_core_close(&rt_core);
	store_close(rt_store);
	rt_up = false;
}

/* Starts everything once. */
static void
rt_start(void)
{
	char dir[PATH_MAX], path[PATH_MAX];
	const char *why = NULL;

	if (rt_up)
		return;
	signal(SIGPIPE, SIG_IGN);
	rt_verbose = getenv("FUZZ_ROUTER_VERBOSE") != NULL;
	fuzz_rng_install();
	FUZZ_CHECK(sodium_init() >= 0);
	setenv("SCANLOOP_MAP_SIZE", RT_MAP_SIZE, 0);
	fuzz_path(dir, fuzz_tmpdir(), "db");
	/* The fixture writes the server's secrets file, which the core reads. */
	fuzz_path(path, fuzz_tmpdir(), "server.secret");
	rt_store = fx_store(dir, path, NULL);
	/* As scan_serve: the writer, its caches, the campaigns, the secrets. */
	if (scan_core_open(&rt_core, rt_store, path, NULL, &why) < 0) {
		fprintf(stderr, "fuzz_router: %s\n", why ? why : "no core");
		abort();
	}
	/* The seeds' location tokens are made with the fixture's key. */
	fx_token_key(rt_core.token_key);
	rt_start_one(&rt_plain, "plain.log", false);
	rt_start_one(&rt_proxy, "proxy.log", true);
	rt_up = true;
	/* Registered after fuzz_tmpdir's clean-up, so it runs before it. */
	atexit(rt_stop);
}

/* ---- the oracle ----------------------------------------------------- */

/* Adds an answer. */
static struct rt_answer *
rt_add(struct rt_expect *ex)
{
	struct rt_answer *a = &ex->a[ex->n++];

	memset(a, 0, sizeof(*a));
	return a;
}

/* Predicts the answers to the input, as http_conn_process handles it. */
static void
rt_predict(const char *p, size_t size, struct rt_expect *ex)
{
	struct http_head h;
	struct rt_answer *a;
	size_t pos = 0;

	memset(ex, 0, sizeof(*ex));
	ex->send_len = size;
	while (pos < size && ex->n < RT_REQ_MAX) {
		size_t take = size - pos < HTTP_HEAD_MAX ? size - pos :
		    HTTP_HEAD_MAX, body;
		int r = http_parse_head(p + pos, take, &h);

		if (r == 0)
			return;		/* waits for more: we hang up */
		if (r < 0) {
			a = rt_add(ex);
			a->error = a->close = true;
			a->status = -1;
			return;
		}
		if (ex->n == 0)
			ex->proxy = h.forwarded_for.len > 0;
		if ((h.has_length && h.content_length > RT_BODY_MAX) ||
		    (h.method == HTTP_METHOD_POST && !h.has_length)) {
			a = rt_add(ex);
			a->error = a->close = true;
			a->status = h.has_length ? 413 : 411;
			return;
		}
		body = h.has_length ? h.content_length : 0;
		if (size - pos - (size_t)r < body)
			return;		/* the body is incomplete */
		pos += (size_t)r + body;
		a = rt_add(ex);
		a->head = h.method == HTTP_METHOD_HEAD;
		if (!h.keep_alive) {
			/* The server reads no further: send no more, or
			 * closing with unread bytes would reset the answer. */
			a->close = true;
			ex->send_len = pos;
			return;
		}
	}
	if (ex->n == RT_REQ_MAX)
		ex->send_len = pos;
}

/* ---- the client ----------------------------------------------------- */

struct rt_conn {
	int fd;
	char *buf;
	size_t len, cap, off;		/* bytes read, consumed */
	bool eof;
};

/* Reads more; false at EOF. A wait longer than RT_WAIT_MS is a hang. */
static bool
rt_more(struct rt_conn *c)
{
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	ssize_t n;
	int r;

	if (c->eof)
		return false;
	if (c->len == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 65536;
		FUZZ_CHECK((c->buf = realloc(c->buf, c->cap)) != NULL);
	}
	do
		r = poll(&pfd, 1, RT_WAIT_MS);
	while (r < 0 && errno == EINTR);
	if (r == 0) {
		fprintf(stderr, "fuzz_router: no answer within %d ms\n",
		    RT_WAIT_MS);
		abort();
	}
	FUZZ_CHECK(r == 1);
	do
		n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		fprintf(stderr, "fuzz_router: recv: %s\n", strerror(errno));
	FUZZ_CHECK(n >= 0);	/* a reset would lose answers */
	if (n == 0) {
		c->eof = true;
		return false;
	}
	c->len += (size_t)n;
	return true;
}

/* Finds the end of the answer head starting at c->off; 0 at EOF. */
static size_t
rt_head_end(struct rt_conn *c)
{
	for (;;) {
		for (size_t i = c->off; i + 4 <= c->len; i++)
			if (memcmp(c->buf + i, "\r\n\r\n", 4) == 0)
				return i + 4;
		if (!rt_more(c))
			return 0;
	}
}

/* True if a header line's name (before ':') is a token. */
static bool
rt_header_ok(const char *p, size_t len, size_t *colon)
{
	size_t i = 0;

	while (i < len && (p[i] == '-' || (p[i] >= 'a' && p[i] <= 'z') ||
	    (p[i] >= 'A' && p[i] <= 'Z') || (p[i] >= '0' && p[i] <= '9')))
		i++;
	if (i == 0 || i + 1 >= len || p[i] != ':' || p[i + 1] != ' ')
		return false;
	for (size_t k = 0; k < len; k++)
		if (p[k] == '\r' || p[k] == '\n' || p[k] == '\0')
			return false;
	*colon = i;
	return true;
}

/* Reads and checks one final answer; returns its status. */
static int
rt_read_answer(struct rt_conn *c, const struct rt_answer *a)
{
	static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	const char *p, *line, *end;
	size_t hend, clen = 0, body;
	int status, ncl = 0;
	bool conn_close = false, json = false, html = false;
	char reason[64];

	for (;;) {
		hend = rt_head_end(c);
		if (hend == 0) {
			fprintf(stderr, "fuzz_router: closed before an answer "
			    "(%zu bytes left)\n", c->len - c->off);
			abort();
		}
		/* Interim answers come before final ones. */
		if (hend - c->off == sizeof(cont) - 1 &&
		    memcmp(c->buf + c->off, cont, sizeof(cont) - 1) == 0) {
			c->off = hend;
			continue;
		}
		break;
	}
	p = c->buf + c->off;
	/* "HTTP/1.1 NNN Reason\r\n" with the server's own reason phrase. */
	FUZZ_CHECK(hend - c->off > 13 && memcmp(p, "HTTP/1.1 ", 9) == 0);
	FUZZ_CHECK(p[9] >= '1' && p[9] <= '5' && p[10] >= '0' &&
	    p[10] <= '9' && p[11] >= '0' && p[11] <= '9' && p[12] == ' ');
	status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	FUZZ_CHECK(status >= 200);
	line = memchr(p, '\r', hend - c->off);
	FUZZ_CHECK(line != NULL && line[1] == '\n');
	snprintf(reason, sizeof(reason), "%.*s", (int)(line - p - 13), p + 13);
	FUZZ_CHECK(strcmp(reason, http_status_text(status)) == 0);
	FUZZ_CHECK(strcmp(reason, "Unknown") != 0);
	/* Header lines. */
	end = c->buf + hend - 2;
	for (line += 2; line < end;) {
		const char *eol = memchr(line, '\r', (size_t)(end - line));
		size_t colon, len;

		FUZZ_CHECK(eol != NULL && eol[1] == '\n');
		len = (size_t)(eol - line);
		FUZZ_CHECK(rt_header_ok(line, len, &colon));
		if (colon == 14 && strncasecmp(line, "content-length", 14) ==
		    0) {
			char *e;

			clen = strtoul(line + 16, &e, 10);
			FUZZ_CHECK(e == eol && e > line + 16);
			ncl++;
		} else if (colon == 10 && strncasecmp(line, "connection",
		    10) == 0) {
			FUZZ_CHECK(len == 17 && strncmp(line + 12, "close", 5) ==
			    0);
			conn_close = true;
		} else if (colon == 12 && strncasecmp(line, "content-type",
		    12) == 0) {
			json = len >= 14 + 16 && strncmp(line + 14,
			    "application/json", 16) == 0;
			html = len >= 14 + 9 && strncmp(line + 14,
			    "text/html", 9) == 0;
		}
		line = eol + 2;
	}
	FUZZ_CHECK(ncl == 1);
	FUZZ_CHECK(conn_close == a->close);
	c->off = hend;
	/* The body (reading more may move c->buf: no pointers into it). */
	if (a->error) {
		/* Read to EOF: a body, or none if the failed head was HEAD. */
		while (rt_more(c))
			;
		body = c->len - c->off;
		FUZZ_CHECK(body == clen || body == 0);
		if (a->status > 0)
			FUZZ_CHECK(status == a->status);
		else
			FUZZ_CHECK(status == 400 || status == 414 ||
			    status == 431 || status == 501 || status == 505);
	} else {
		body = a->head ? 0 : clen;
		while (c->len - c->off < body)
			if (!rt_more(c)) {
				fprintf(stderr, "fuzz_router: closed in a "
				    "body (%zu of %zu bytes)\n",
				    c->len - c->off, body);
				abort();
			}
		if (a->status > 0)
			FUZZ_CHECK(status == a->status);
		FUZZ_CHECK(status != 411 && status != 413 && status != 431 &&
		    status != 505);
	}
	if (json && body > 0) {
		json_error_t err;
		json_t *j = json_loadb(c->buf + c->off, body, 0, &err);

		FUZZ_CHECK(j != NULL && json_is_object(j));
		json_decref(j);
	}
	if (html) {
		/* Input reflected in a page is escaped: the marker tag and
		 * attribute of router.dict never come out live. (A backtick
		 * may: harmless, since the pages quote every attribute.) */
		static const char *const marks[] = { "<x-fuzz", "\"x-fuzz",
		    "'x-fuzz" };

		for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
			FUZZ_CHECK(memmem(c->buf + c->off, body, marks[i],
			    strlen(marks[i])) == NULL);
	}
	c->off += body;
	return status;
}

/* Checks the access log: one JSON line per answer, same statuses. */
static void
rt_check_log(struct rt_server *s, const int *status, unsigned n)
{
	char *text = NULL, *line, *nl;
	size_t len = 0, cap = 0;
	unsigned count = 0;
	ssize_t r;

	FUZZ_CHECK(lseek(s->log_fd, 0, SEEK_SET) == 0);
	for (;;) {
		if (len == cap) {
			cap = cap ? 2 * cap : 65536;
			FUZZ_CHECK((text = realloc(text, cap + 1)) != NULL);
		}
		r = read(s->log_fd, text + len, cap - len);
		FUZZ_CHECK(r >= 0);
		if (r == 0)
			break;
		len += (size_t)r;
	}
	FUZZ_CHECK(text != NULL);
	text[len] = '\0';
	FUZZ_CHECK(len == 0 || text[len - 1] == '\n');
	for (line = text; line < text + len; line = nl + 1) {
		json_error_t err;
		json_t *j, *st;

		nl = strchr(line, '\n');
		FUZZ_CHECK(nl != NULL);
		j = json_loadb(line, (size_t)(nl - line), 0, &err);
		if (j == NULL)
			fprintf(stderr, "fuzz_router: log line: %s: %.*s\n",
			    err.text, (int)(nl - line), line);
		FUZZ_CHECK(j != NULL && json_is_object(j));
		if (count >= n)
			fprintf(stderr, "fuzz_router: %u answers, but the log "
			    "has more:\n%s", n, text);
		FUZZ_CHECK(count < n);
		st = json_object_get(j, "status");
		FUZZ_CHECK(json_is_integer(st) &&
		    json_integer_value(st) == status[count]);
		FUZZ_CHECK(json_is_string(json_object_get(j, "method")));
		FUZZ_CHECK(json_is_string(json_object_get(j, "path")));
		json_decref(j);
		count++;
	}
	if (count != n)
		fprintf(stderr, "fuzz_router: %u answers, %u log lines:\n%s", n,
		    count, text);
	FUZZ_CHECK(count == n);
	free(text);
	FUZZ_CHECK(ftruncate(s->log_fd, 0) == 0);
}

/* Runs on the server's loop: every callback before it has finished. */
static void
rt_sync_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	pthread_mutex_lock(&rt_sync_mu);
	rt_synced = true;
	pthread_cond_signal(&rt_sync_cond);
	pthread_mutex_unlock(&rt_sync_mu);
}

/* Waits until the server's loop has run everything that is under way. */
static void
rt_sync(struct rt_server *s)
{
	struct timeval now = { 0, 0 };

	pthread_mutex_lock(&rt_sync_mu);
	rt_synced = false;
	pthread_mutex_unlock(&rt_sync_mu);
	FUZZ_CHECK(event_base_once(http_loop_base_at(s->srv.http, 0), -1,
	    EV_TIMEOUT, rt_sync_cb, NULL, &now) == 0);
	pthread_mutex_lock(&rt_sync_mu);
	while (!rt_synced)
		pthread_cond_wait(&rt_sync_cond, &rt_sync_mu);
	pthread_mutex_unlock(&rt_sync_mu);
}

/* Connects to a server. Loopback can run out of ports for a moment at
 * thousands of connections a second: retry a little, then give up. */
static int
rt_connect(struct rt_server *s)
{
	struct linger lg = { 1, 0 };
	int fd, one = 1, err = 0;

	for (int tries = 0; tries < 100; tries++) {
		FUZZ_CHECK((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC,
		    0)) >= 0);
		/* Reset on close: no TIME_WAIT pile-up over millions of
		 * inputs. */
		FUZZ_CHECK(setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg,
		    sizeof(lg)) == 0);
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(fd, (struct sockaddr *)&s->addr,
		    sizeof(s->addr)) == 0)
			return fd;
		err = errno;
		close(fd);
		if (err != EADDRNOTAVAIL && err != ECONNREFUSED &&
		    err != EAGAIN && err != ETIMEDOUT && err != EINTR)
			break;
		if (tries == 0)
			fprintf(stderr, "fuzz_router: connect: %s; retrying\n",
			    strerror(err));
		usleep(10000);
	}
	fprintf(stderr, "fuzz_router: connect: %s\n", strerror(err));
	abort();
}

/* Sends the input and checks every answer. */
static void
rt_exchange(struct rt_server *s, const char *p, const struct rt_expect *ex)
{
	struct rt_conn c;
	int status[RT_REQ_MAX];
	size_t sent = 0;

	memset(&c, 0, sizeof(c));
	c.fd = rt_connect(s);
	while (sent < ex->send_len) {
		ssize_t n = send(c.fd, p + sent, ex->send_len - sent,
		    MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fprintf(stderr, "fuzz_router: send: %s\n",
			    strerror(errno));
		FUZZ_CHECK(n > 0);
		sent += (size_t)n;
	}
	for (unsigned i = 0; i < ex->n; i++)
		status[i] = rt_read_answer(&c, &ex->a[i]);
	if (ex->n > 0 && ex->a[ex->n - 1].close) {
		/* Nothing after the last answer but EOF. */
		while (rt_more(&c))
			;
		FUZZ_CHECK(c.off == c.len);
	} else if (c.len > c.off) {
		/* Only an interim answer may already be here. */
		FUZZ_CHECK(c.len - c.off <= 25 &&
		    memcmp(c.buf + c.off, "HTTP/1.1 100 Continue\r\n\r\n",
		    c.len - c.off) == 0);
	}
	if (rt_verbose) {
		fprintf(stderr, "fuzz_router: %zu bytes to %s:", ex->send_len,
		    s == &rt_proxy ? "proxy" : "plain");
		for (unsigned i = 0; i < ex->n; i++)
			fprintf(stderr, " %d", status[i]);
		fprintf(stderr, "%s\n", ex->n > 0 && ex->a[ex->n - 1].close ?
		    " (closed)" : "");
	}
	/* The done hook may log after the answer left: wait for the loop to
	 * finish the callback that sent the last one. */
	rt_sync(s);
	rt_check_log(s, status, ex->n);
	close(c.fd);
	free(c.buf);
}

/* One input. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rt_expect *ex;

	if (size > RT_INPUT_MAX)
		return 0;
	rt_start();
	FUZZ_CHECK((ex = malloc(sizeof(*ex))) != NULL);
	rt_predict((const char *)data, size, ex);
	rt_exchange(ex->proxy ? &rt_proxy : &rt_plain, (const char *)data, ex);
	free(ex);
	return 0;
}
