/*
 * cluster_call.c — the threads that make internal calls to owners
 * (cluster_call.h). Each thread keeps one connection per peer; a call is
 * sent whole and its answer read whole, with blocking sockets under
 * timeouts. A connection the owner closed while idle (a restart, its
 * idle timeout) fails the first write or read: the call is then sent
 * once more on a new connection.
 */
#include "scanner/cluster_call.h"
#include "scanner/http_internal.h"
#include "common/clock.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct cluster_calls {
	const struct cluster *cl;
	pthread_mutex_t mu;
	pthread_cond_t cond;
	struct cluster_call *head, *tail;
	unsigned queued;
	bool stopping;
	pthread_t threads[CLUSTER_CALL_THREADS];
	unsigned nthreads;
	_Atomic int64_t down_until[CLUSTER_NODES_MAX];	/* monotonic µs */
	atomic_uint_fast64_t calls, replied, down, refused;
};

/* One thread's connections, one per peer (-1: none). */
struct cluster_conns {
	int fd[CLUSTER_NODES_MAX];
	char *buf;
	size_t cap;
};

/* Connects to peer i within CLUSTER_CONNECT_MS; the socket, or -1. */
static int
cluster_connect(const struct cluster *cl, unsigned i)
{
	struct sockaddr_storage ss;
	struct timeval tv = http_tv(CLUSTER_IO_MS);
	struct pollfd pfd;
	socklen_t sl, el = sizeof(int);
	int fd, err = 0, one = 1;

	if (http_listen_parse(cl->nodes[i].addr, &ss, &sl) < 0)
		return -1;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0) {
		if (errno != EINPROGRESS)
			goto fail;
		pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
		if (poll(&pfd, 1, CLUSTER_CONNECT_MS) != 1 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) < 0 ||
		    err != 0)
			goto fail;
	}
	if (fcntl(fd, F_SETFL, 0) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		goto fail;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
fail:
	close(fd);
	return -1;
}

/* Sends the whole request; false on any error. */
static bool
cluster_send(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

/* Reads one whole answer into the thread's buffer and the call. Returns
 * 1 (answered), 0 (the connection ended before any byte: it was stale),
 * or -1 (broken, or past the deadline). */
static int
cluster_receive(struct cluster_conns *cs, int fd, struct cluster_call *c,
    int64_t deadline)
{
	size_t have = 0, need = 0;
	int head = 0;

	for (;;) {
		ssize_t n;

		if (head > 0 && have >= need)
			break;
		if (clock_mono_us() > deadline)
			return -1;
		if (have == cs->cap)
			return -1;
		n = recv(fd, cs->buf + have, cs->cap - have, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return have == 0 && n == 0 ? 0 :
			    (have == 0 && errno == ECONNRESET ? 0 : -1);
		have += (size_t)n;
		if (head == 0) {
			if ((head = cluster_reply_parse(cs->buf, have,
			    &c->reply)) < 0)
				return -1;
			if (head > 0)
				need = (size_t)head + (c->head_only ? 0 :
				    c->reply.content_length);
		}
	}
	if (have != need)
		return -1;	/* we send one request at a time */
	c->body_len = need - (size_t)head;
	if (c->body_len > 0) {
		if ((c->body = malloc(c->body_len)) == NULL)
			return -1;
		memcpy(c->body, cs->buf + head, c->body_len);
	}
	return 1;
}

/* Makes the call to peer i: 1 answered, -1 down. */
static int
cluster_call_peer(struct cluster_calls *cc, struct cluster_conns *cs,
    struct cluster_call *c, unsigned i)
{
	int64_t now = clock_mono_us();
	int ret = -1;

	if (now < atomic_load(&cc->down_until[i]))
		return -1;
	for (int attempt = 0; attempt < 2; attempt++) {
		bool reused = cs->fd[i] >= 0;

		if (!reused && (cs->fd[i] = cluster_connect(cc->cl, i)) < 0) {
			atomic_store(&cc->down_until[i], clock_mono_us() +
			    CLUSTER_DOWN_MS * 1000LL);
			return -1;
		}
		free(c->body);
		c->body = NULL;
		ret = cluster_send(cs->fd[i], c->request, c->request_len) ?
		    cluster_receive(cs, cs->fd[i], c, now + CLUSTER_IO_MS *
		    1000LL) : 0;
		if (ret < 1 || !c->reply.keep_alive) {
			close(cs->fd[i]);
			cs->fd[i] = -1;
		}
		if (ret == 1)
			return 1;
		/* Only a stale kept connection is worth a second try. */
		if (ret < 0 || !reused)
			break;
	}
	return -1;
}

/* Makes one call: its targets in order. */
static void
cluster_call_run(struct cluster_calls *cc, struct cluster_conns *cs,
    struct cluster_call *c)
{
	c->replied = false;
	for (unsigned t = 0; t < c->ntargets; t++) {
		atomic_fetch_add(&cc->calls, 1);
		/* A target passed over and the next one down: no answer (it
		 * may have been the one that knows). */
		if (cluster_call_peer(cc, cs, c, c->targets[t]) < 0) {
			c->replied = false;
			break;
		}
		c->replied = true;
		c->target = c->targets[t];
		if (c->pass_status == 0 || c->reply.status != c->pass_status)
			break;
	}
	atomic_fetch_add(c->replied ? &cc->replied : &cc->down, 1);
	writer_port_hand_back(c->port, c->op);
}

/* A call thread. */
static void *
cluster_calls_main(void *arg)
{
	struct cluster_calls *cc = arg;
	struct cluster_conns cs;
	struct cluster_call *c;

	for (unsigned i = 0; i < CLUSTER_NODES_MAX; i++)
		cs.fd[i] = -1;
	cs.cap = CLUSTER_REPLY_HEAD_MAX + CLUSTER_REPLY_BODY_MAX;
	if ((cs.buf = malloc(cs.cap)) == NULL)
		fatal("cluster calls: out of memory");
	pthread_mutex_lock(&cc->mu);
	for (;;) {
		while (cc->head == NULL && !cc->stopping)
			pthread_cond_wait(&cc->cond, &cc->mu);
		if ((c = cc->head) == NULL)
			break;
		if ((cc->head = c->next) == NULL)
			cc->tail = NULL;
		cc->queued--;
		pthread_mutex_unlock(&cc->mu);
		cluster_call_run(cc, &cs, c);
		pthread_mutex_lock(&cc->mu);
	}
	pthread_mutex_unlock(&cc->mu);
	for (unsigned i = 0; i < CLUSTER_NODES_MAX; i++)
		if (cs.fd[i] >= 0)
			close(cs.fd[i]);
	free(cs.buf);
	return NULL;
}

/* Starts the call threads. */
int
cluster_calls_new(const struct cluster *cl, struct cluster_calls **out)
{
	struct cluster_calls *cc = calloc(1, sizeof(*cc));

	if (cc == NULL)
		return -ENOMEM;
	cc->cl = cl;
	pthread_mutex_init(&cc->mu, NULL);
	pthread_cond_init(&cc->cond, NULL);
	for (unsigned i = 0; i < CLUSTER_CALL_THREADS; i++) {
		if (pthread_create(&cc->threads[i], NULL, cluster_calls_main,
		    cc) != 0)
			break;
		cc->nthreads++;
	}
	if (cc->nthreads == 0) {
		cluster_calls_free(cc);
		return -EAGAIN;
	}
	*out = cc;
	return 0;
}

/* Queues a call. */
int
cluster_calls_submit(struct cluster_calls *cc, struct cluster_call *c)
{
	pthread_mutex_lock(&cc->mu);
	if (cc->queued >= CLUSTER_CALL_QUEUE || cc->stopping) {
		pthread_mutex_unlock(&cc->mu);
		atomic_fetch_add(&cc->refused, 1);
		return -EBUSY;
	}
	c->next = NULL;
	if (cc->tail != NULL)
		cc->tail->next = c;
	else
		cc->head = c;
	cc->tail = c;
	cc->queued++;
	pthread_cond_signal(&cc->cond);
	pthread_mutex_unlock(&cc->mu);
	return 0;
}

/* Stops the threads (after the queue) and frees the pool. */
void
cluster_calls_free(struct cluster_calls *cc)
{
	if (cc == NULL)
		return;
	pthread_mutex_lock(&cc->mu);
	cc->stopping = true;
	pthread_cond_broadcast(&cc->cond);
	pthread_mutex_unlock(&cc->mu);
	for (unsigned i = 0; i < cc->nthreads; i++)
		pthread_join(cc->threads[i], NULL);
	pthread_cond_destroy(&cc->cond);
	pthread_mutex_destroy(&cc->mu);
	free(cc);
}

/* Copies the counters. */
void
cluster_calls_stats(struct cluster_calls *cc, struct cluster_call_stats *s)
{
	s->calls = atomic_load(&cc->calls);
	s->replied = atomic_load(&cc->replied);
	s->down = atomic_load(&cc->down);
	s->refused = atomic_load(&cc->refused);
}

/* Frees a call. */
void
cluster_call_free(struct cluster_call *c)
{
	if (c == NULL)
		return;
	free(c->request);
	free(c->body);
	free(c);
}
