/*
 * server.c — scanloop serve: start-up, per-loop state, signals and
 * shutdown.
 *
 * SIGTERM or SIGINT drains: listeners stop, idle connections close,
 * requests in flight are answered (their events committed), then the
 * writer commits what is left and the process exits 0. SIGHUP reopens the
 * access log.
 */
#include "scanner/scan_internal.h"
#include "common/clock.h"
#include "common/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

/* SIGTERM/SIGINT: begin the drain. */
static void
scan_signal_stop_cb(evutil_socket_t sig, short what, void *arg)
{
	struct scan_server *srv = arg;

	(void)what;
	log_info("signal %d: draining", (int)sig);
	http_server_shutdown(srv->http);
}

/* SIGHUP: reopen the log. */
static void
scan_signal_hup_cb(evutil_socket_t sig, short what, void *arg)
{
	struct scan_server *srv = arg;

	(void)sig;
	(void)what;
	if (srv->log != NULL && accesslog_reopen(srv->log) < 0)
		log_warn("cannot reopen the access log");
}

/* Writer hook: the group's campaign headers and counters go into its
 * transaction. */
static int
scan_pre_commit(struct store_txn *t, void *arg)
{
	struct scan_server *srv = arg;

	return drawcache_flush_txn(srv->drawcache, t);
}

/* Writer hook: a group's summaries are kept or dropped with its commit. */
static void
scan_group_end(bool committed, void *arg)
{
	struct scan_server *srv = arg;

	summaries_group_end(srv->summaries, committed);
	drawcache_group_end(srv->drawcache, committed);
}

/* Writer hook: folds the summaries and the draw cache into the store now
 * and then. */
static void
scan_tick(struct store *st, void *arg)
{
	struct scan_server *srv = arg;
	const char *what = "scan summaries";
	int ret;

	if ((ret = summaries_fold(srv->summaries, st)) == 0) {
		what = "the draw index";
		ret = drawcache_fold(srv->drawcache, st);
	}
	if (ret == -EIO) {
		log_warnx("store: I/O error folding %s; exiting", what);
		_exit(WRITER_EXIT_IO);
	}
	if (ret < 0)
		log_warnx("store: cannot fold %s: %s", what,
		    store_strerror(ret));
}

/* Loads the campaigns and the online draws a crash left out of the draw
 * index, and folds them; on a full store they wait in memory. */
static int
scan_recover_draws(struct scan_server *srv, struct store *st)
{
	struct store_txn t;
	int n = 0, ret;

	if ((ret = drawcache_new(&srv->drawcache)) < 0)
		return ret;
	srv->draw_tallies = drawcache_tallies(srv->drawcache);
	srv->draw_reader = drawcache_reader(srv->drawcache);
	if ((ret = store_txn_begin(st, true, &t)) < 0)
		return ret;
	if ((ret = registry_sync_txn(srv->registry, &t)) == 0)
		ret = n = drawcache_recover_txn(&t, srv->registry, srv->drawcache);
	store_txn_abort(&t);
	if (ret < 0)
		return ret;
	if (n == 0)
		return 0;
	if ((ret = drawcache_fold(srv->drawcache, st)) == -ENOSPC) {
		log_warnx("store full: the draw index stays in memory until "
		    "there is room");
		return 0;
	}
	if (ret == 0)
		log_warnx("indexed %d draws a previous run left unindexed", n);
	return ret;
}

/* Folds what a crash left unfolded and makes the summary cache. On a full
 * store the tail is kept in memory instead, to fold once there is room:
 * the server still starts, serves reads and answers writes 503. */
static int
scan_recover_summaries(struct store *st, struct summaries **out)
{
	struct store_txn t;
	uint64_t folded, last;
	bool full = false;
	int ret;

	ret = store_scans_fold(st, &folded);
	if (ret == -ENOSPC) {
		log_warnx("store full: scan summaries stay in memory until "
		    "there is room");
		full = true;
	} else if (ret < 0)
		return ret;
	else if (folded > 0)
		log_warnx("folded %llu scan events a previous run left "
		    "unfolded", (unsigned long long)folded);
	if ((ret = store_txn_begin(st, true, &t)) < 0)
		return ret;
	ret = store_scans_folded_txn(&t, &last);
	store_txn_abort(&t);
	if (ret < 0 || (ret = summaries_new(last, out)) < 0)
		return ret;
	return full ? summaries_load_tail(*out, st) : 0;
}

/* Raises the descriptor limit so that max_conns fit; returns the cap
 * that fits. */
static unsigned
scan_fit_fds(unsigned max_conns)
{
	struct rlimit rl;
	const rlim_t reserve = 64;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return max_conns;
	if (rl.rlim_cur < rl.rlim_max && rl.rlim_cur < max_conns + reserve) {
		rl.rlim_cur = rl.rlim_max < max_conns + reserve ? rl.rlim_max :
		    max_conns + reserve;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < max_conns + reserve) {
		unsigned fit = rl.rlim_cur > reserve * 2 ?
		    (unsigned)(rl.rlim_cur - reserve) : (unsigned)rl.rlim_cur / 2;

		log_warnx("only %llu file descriptors: --max-conns lowered "
		    "from %u to %u", (unsigned long long)rl.rlim_cur, max_conns,
		    fit);
		return fit;
	}
	return max_conns;
}

/* Takes the store's server lock: one server per store, since each keeps
 * scan summaries in memory. Returns the descriptor or a negative errno. */
static int
scan_lock_store(struct store *st)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/serve.lock", store_dir(st));
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int err = errno == EWOULDBLOCK ? -EBUSY : -errno;

		close(fd);
		return err;
	}
	return fd;
}

/* ---- per-loop state and per-request hooks ------------------------- */

/* Per-loop state. */
int
scan_loop_init(struct http_loop *loop, void *arg)
{
	struct scan_server *srv = arg;
	struct scan_loop *sl;
	int ret;

	if ((sl = calloc(1, sizeof(*sl))) == NULL)
		return -ENOMEM;
	sl->srv = srv;
	sl->loop = loop;
	sl->index = http_loop_index(loop);
	if ((ret = writer_port_new(srv->writer, http_loop_base(loop),
	    scan_op_done, sl, &sl->port)) < 0) {
		free(sl);
		return ret;
	}
	http_loop_set_user(loop, sl);
	return 0;
}

/* Frees per-loop state. */
void
scan_loop_fini(struct http_loop *loop, void *arg)
{
	struct scan_loop *sl = http_loop_user(loop);

	(void)arg;
	if (sl == NULL)
		return;
	if (sl->rtxn_ok)
		store_txn_abort(&sl->rtxn);
	writer_port_free(sl->port);
	buf_free(&sl->page);
	free(sl);
	http_loop_set_user(loop, NULL);
}

/* After each answer: metrics and the access log. */
void
scan_done(struct http_req *req, void *arg)
{
	struct scan_server *srv = arg;
	struct scan_loop *sl = http_loop_user(req->loop);
	int64_t dur = clock_mono_us() - req->start_us;

	if (sl != NULL)
		metrics_request(srv->metrics, sl->index, req->status, dur);
	if (srv->log != NULL) {
		struct accesslog_entry e;
		char path[600], ip[48];
		uint8_t addr[16];

		memset(&e, 0, sizeof(e));
		e.time = clock_now_us();
		e.ip = req->ip_text;
		if (srv->cfg.ip_anon) {
			/* The log keeps what the events keep, no more. */
			memcpy(addr, req->ip, sizeof(addr));
			scan_ip_anon(req->family, addr);
			if (inet_ntop(req->family, addr, ip, sizeof(ip)) != NULL)
				e.ip = ip;
		}
		e.method = req->head.method_text.p;
		e.method_len = req->head.method_text.len;
		e.path = path;
		e.path_len = accesslog_redact(req->head.target.p,
		    req->head.target.len, path, sizeof(path));
		e.status = req->status;
		e.bytes = req->bytes_out;
		e.duration_us = dur;
		e.ua = req->head.user_agent.p;
		e.ua_len = req->head.user_agent.len;
		e.event_id = req->log_event;
		e.verdict = req->log_verdict;
		if (e.method == NULL) {
			e.method = "-";
			e.method_len = 1;
		}
		accesslog_write(srv->log, &e);
	}
}

/* Admits a connection if its client has room. */
bool
scan_admit_conn(int family, const uint8_t ip[16], void *arg)
{
	struct scan_server *srv = arg;

	return ratelimit_conn_open(srv->rl, family, ip);
}

/* Releases an admitted connection. */
void
scan_release_conn(int family, const uint8_t ip[16], void *arg)
{
	struct scan_server *srv = arg;

	ratelimit_conn_close(srv->rl, family, ip);
}

/* Runs the server. */
int
scan_serve(struct store *st, const struct scan_config *cfg, const char **why)
{
	static const struct http_hooks hooks = {
		.loop_init = scan_loop_init,
		.loop_fini = scan_loop_fini,
		.handle = scan_handle,
		.done = scan_done,
		.admit_conn = scan_admit_conn,
		.release_conn = scan_release_conn,
	};
	struct scan_server srv;
	struct event *sigterm = NULL, *sigint = NULL, *sighup = NULL;
	struct http_config hc;
	struct event_base *base0;
	char bound[80];
	bool writer_stopped = false;
	int ret, lock_fd;

	memset(&srv, 0, sizeof(srv));
	*why = NULL;
	srv.st = st;
	srv.cfg = *cfg;
	srv.started = clock_now_us();	/* metrics report uptime from it */
	hc = cfg->http;
	hc.max_conns = scan_fit_fds(hc.max_conns);
	signal(SIGPIPE, SIG_IGN);
	/* Answers are allocated and freed by the round; trimming the heap
	 * after every round made the next one fault its pages back in. */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_TOP_PAD, 16 << 20);

	if ((ret = store_secret_get(st, "location-token", srv.token_key)) < 0) {
		*why = "cannot read or create the server secret in the store";
		return ret;
	}
	if ((lock_fd = scan_lock_store(st)) < 0) {
		*why = lock_fd == -EBUSY ? "another scanloop serve uses this "
		    "store" : "cannot lock the store for serving";
		return lock_fd;
	}
	if ((ret = keys_server_secrets(cfg->secrets_path, true, &srv.secrets,
	    why)) < 0) {
		close(lock_fd);
		return ret;
	}
	if ((ret = registry_new(&srv.registry)) < 0)
		goto out;
	if ((ret = scan_recover_summaries(st, &srv.summaries)) < 0) {
		*why = "cannot fold the scan summaries";
		goto out;
	}
	if ((ret = scan_recover_draws(&srv, st)) < 0) {
		*why = "cannot index the draws";
		goto out;
	}
	if (cfg->log_path != NULL &&
	    (ret = accesslog_open(cfg->log_path, &srv.log)) < 0) {
		*why = "cannot open the access log";
		goto out;
	}
	srv.rl = ratelimit_new(cfg->rate, cfg->burst, hc.max_conns_per_ip);
	if (srv.rl == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	if ((ret = writer_new(st, &srv.writer)) < 0) {
		*why = "cannot start the writer thread";
		goto out;
	}
	{
		struct writer_hooks wh = { .pre_commit = scan_pre_commit,
		    .group_end = scan_group_end, .tick = scan_tick,
		    .tick_ms = SUMMARIES_FOLD_MS, .arg = &srv };

		writer_set_hooks(srv.writer, &wh);
	}
	if ((ret = http_server_new(&hc, &hooks, &srv, &srv.http, bound,
	    sizeof(bound), why)) < 0)
		goto out_writer;
	srv.metrics = metrics_new(http_server_threads(srv.http));
	if (srv.metrics == NULL) {
		ret = -ENOMEM;
		goto out_http;
	}
	base0 = http_loop_base_at(srv.http, 0);
	sigterm = evsignal_new(base0, SIGTERM, scan_signal_stop_cb, &srv);
	sigint = evsignal_new(base0, SIGINT, scan_signal_stop_cb, &srv);
	sighup = evsignal_new(base0, SIGHUP, scan_signal_hup_cb, &srv);
	if (sigterm == NULL || sigint == NULL || sighup == NULL ||
	    evsignal_add(sigterm, NULL) < 0 || evsignal_add(sigint, NULL) < 0 ||
	    evsignal_add(sighup, NULL) < 0) {
		*why = "cannot install signal handlers";
		ret = -EINVAL;
		goto out_http;
	}
	if (!cfg->quiet) {
		printf("scanloop serve: listening on http://%s (%u threads, "
		    "max %u connections, IP anonymisation %s)\n", bound,
		    http_server_threads(srv.http), hc.max_conns,
		    cfg->ip_anon ? "on" : "off");
		fflush(stdout);
	}
	ret = http_server_run(srv.http);
	/* Every loop has drained: nothing waits for the writer any more. */
	writer_stop(srv.writer);
	writer_stopped = true;
	if (!cfg->quiet)
		fprintf(stderr, "scanloop serve: drained and stopped\n");
out_http:
	if (sigterm != NULL)
		event_free(sigterm);
	if (sigint != NULL)
		event_free(sigint);
	if (sighup != NULL)
		event_free(sighup);
	http_server_free(srv.http);
out_writer:
	if (!writer_stopped)
		writer_stop(srv.writer);
	writer_free(srv.writer);
out:
	metrics_free(srv.metrics);
	ratelimit_free(srv.rl);
	accesslog_close(srv.log);
	registry_free(srv.registry);
	summaries_free(srv.summaries);
	drawcache_free(srv.drawcache);
	keys_server_secrets_free(srv.secrets);
	close(lock_fd);
	return ret;
}
