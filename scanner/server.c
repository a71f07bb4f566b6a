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
#include <sys/resource.h>
#include <unistd.h>

/* In the last quarter of the connection slots, only a client holding
 * fewer connections than this is admitted (a browser opens up to 6). */
#define SCAN_RESERVE_HOLD 8

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

/*
 * Shares the connection slots out: no client may hold more than a quarter
 * of them (--max-conns-per-ip is lowered to that when descriptors are few
 * and --max-conns was lowered), and the last quarter admits only clients
 * holding fewer than SCAN_RESERVE_HOLD. One slowloris or slow-read client
 * then holds at most a quarter of the slots, a few of them together at
 * most three quarters, and a phone that scans still finds a slot. With
 * --max-conns-per-ip 0 (behind a proxy, where every connection comes from
 * it) neither applies.
 */
static void
scan_share_conns(struct scan_server *srv, struct http_config *hc)
{
	unsigned quarter = hc->max_conns / 4 > 0 ? hc->max_conns / 4 : 1;

	if (hc->max_conns_per_ip == 0)
		return;
	if (hc->max_conns_per_ip > quarter) {
		log_warnx("--max-conns-per-ip lowered from %u to %u: one client "
		    "may hold at most a quarter of the %u connections",
		    hc->max_conns_per_ip, quarter, hc->max_conns);
		hc->max_conns_per_ip = quarter;
	}
	if (hc->max_conns >= 4 * SCAN_RESERVE_HOLD) {
		srv->reserve_at = hc->max_conns - quarter;
		srv->reserve_hold = SCAN_RESERVE_HOLD;
	}
}

/* ---- per-loop state and per-request hooks ------------------------- */

/* Per-loop state. */
static int
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
	if ((ret = writer_port_new(srv->core->writer, http_loop_base(loop),
	    scan_op_done, sl, &sl->port)) < 0) {
		free(sl);
		return ret;
	}
	http_loop_set_user(loop, sl);
	return 0;
}

/* Frees per-loop state. */
static void
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
static void
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

/* Admits a connection if its client has room: below its cap, and in the
 * reserved slots only while it holds fewer than reserve_hold. */
static bool
scan_admit_conn(int family, const uint8_t ip[16], void *arg)
{
	struct scan_server *srv = arg;

	if (srv->reserve_hold > 0 && srv->http != NULL &&
	    http_server_conns(srv->http) > srv->reserve_at)
		return ratelimit_conn_open_max(srv->rl, family, ip,
		    srv->reserve_hold);
	return ratelimit_conn_open(srv->rl, family, ip);
}

/* Releases an admitted connection. */
static void
scan_release_conn(int family, const uint8_t ip[16], void *arg)
{
	struct scan_server *srv = arg;

	ratelimit_conn_close(srv->rl, family, ip);
}

/* What the HTTP layer calls: per loop, per connection, per request. */
const struct http_hooks scan_http_hooks = {
	.loop_init = scan_loop_init,
	.loop_fini = scan_loop_fini,
	.handle = scan_handle,
	.done = scan_done,
	.admit_conn = scan_admit_conn,
	.release_conn = scan_release_conn,
};

/* The internal listener's hooks: the same but for the secret's check
 * and the admission (peers share no client's cap). */
static const struct http_hooks scan_cluster_hooks = {
	.loop_init = scan_loop_init,
	.loop_fini = scan_loop_fini,
	.handle = scan_cluster_handle,
	.done = scan_done,
};

/* Runs the internal listener's loops (a thread of their own). */
static void *
scan_cluster_main(void *arg)
{
	struct scan_server *isrv = arg;

	if (http_server_run(isrv->http) < 0)
		log_warnx("the internal listener stopped with an error");
	return NULL;
}

/* Starts the internal listener on this node's address of the cluster
 * file, over the same core, and the calls to owners. */
static int
scan_cluster_start(struct scan_server *srv, struct scan_server *isrv,
    const struct http_config *public, pthread_t *thread, const char **why)
{
	const struct cluster *cl = srv->cfg.cluster;
	struct http_config hc = *public;
	int self, ret;

	if ((self = cluster_find(cl, srv->cfg.node)) < 0) {
		*why = "this --node is not in the cluster file";
		return -EINVAL;
	}
	memset(isrv, 0, sizeof(*isrv));
	isrv->core = srv->core;
	isrv->cfg = srv->cfg;
	isrv->cfg.log_path = NULL;
	isrv->started = srv->started;
	isrv->internal = true;
	scan_report_cache_init(&isrv->reports);
	hc.listen = cl->nodes[self].addr;
	hc.trust_proxy = true;		/* the client, as the peer saw it */
	hc.max_conns_per_ip = 0;
	hc.idle_timeout_ms = 120000;	/* peers keep their connections */
	if ((isrv->rl = ratelimit_new(0, 1, 0)) == NULL)
		return -ENOMEM;
	if ((ret = http_server_new(&hc, &scan_cluster_hooks, isrv, &isrv->http,
	    isrv->bound, sizeof(isrv->bound), why)) < 0)
		return ret;
	if ((isrv->metrics = metrics_new(http_server_threads(isrv->http))) ==
	    NULL)
		return -ENOMEM;
	if ((ret = cluster_calls_new(cl, &srv->calls)) < 0) {
		*why = "cannot start the cluster's call threads";
		return ret;
	}
	if (pthread_create(thread, NULL, scan_cluster_main, isrv) != 0) {
		*why = "cannot start the internal listener";
		return -EAGAIN;
	}
	return 0;
}

/* Stops the internal listener (after the public one drained: peers may
 * call until then) and the calls. */
static void
scan_cluster_stop(struct scan_server *srv, struct scan_server *isrv,
    pthread_t *thread)
{
	if (thread != NULL) {
		http_server_shutdown(isrv->http);
		pthread_join(*thread, NULL);
	}
	cluster_calls_free(srv->calls);
	srv->calls = NULL;
	http_server_free(isrv->http);
	isrv->http = NULL;
	metrics_free(isrv->metrics);
	isrv->metrics = NULL;
	ratelimit_free(isrv->rl);
	isrv->rl = NULL;
	scan_report_cache_deinit(&isrv->reports);
	isrv->internal = false;
}

/* Runs the server. */
int
scan_serve(struct store *st, const struct scan_config *cfg, const char **why)
{
	struct scan_core core;
	struct scan_server srv, isrv;
	pthread_t ithread;
	bool ithread_ok = false;
	struct event *sigterm = NULL, *sigint = NULL, *sighup = NULL;
	struct http_config hc;
	struct event_base *base0;
	static char kafka_why[512];
	char *bound = srv.bound;
	int ret;

	memset(&srv, 0, sizeof(srv));
	*why = NULL;
	srv.core = &core;
	srv.cfg = *cfg;
	srv.started = clock_now_us();	/* metrics report uptime from it */
	scan_report_cache_init(&srv.reports);
	hc = cfg->http;
	hc.max_conns = scan_fit_fds(hc.max_conns);
	scan_share_conns(&srv, &hc);
	signal(SIGPIPE, SIG_IGN);
	/* Answers are allocated and freed by the round; trimming the heap
	 * after every round made the next one fault its pages back in. */
	mallopt(M_TRIM_THRESHOLD, 64 << 20);
	mallopt(M_TOP_PAD, 16 << 20);

	if ((ret = scan_core_open(&core, st, cfg->secrets_path,
	    &cfg->retain, why)) < 0)
		return ret;
	if (cfg->kafka != NULL && (ret = scan_core_stream_start(&core,
	    cfg->kafka, kafka_why, sizeof(kafka_why))) < 0) {
		*why = kafka_why;
		goto out;
	}
	if (cfg->pg != NULL && (ret = scan_core_pg_start(&core, cfg->pg)) < 0) {
		*why = "cannot start the prize stock thread";
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
	if ((ret = http_server_new(&hc, &scan_http_hooks, &srv, &srv.http,
	    bound, sizeof(srv.bound), why)) < 0)
		goto out;
	srv.metrics = metrics_new(http_server_threads(srv.http));
	if (srv.metrics == NULL) {
		ret = -ENOMEM;
		goto out_http;
	}
	memset(&isrv, 0, sizeof(isrv));
	if (cfg->cluster != NULL) {
		if ((ret = scan_cluster_start(&srv, &isrv, &hc, &ithread,
		    why)) < 0)
			goto out_http;
		ithread_ok = true;
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
		char per[32] = "no cap";

		if (hc.max_conns_per_ip > 0)
			snprintf(per, sizeof(per), "%u", hc.max_conns_per_ip);
		printf("scanloop serve: listening on http://%s (%u threads, "
		    "max %u connections, %s per client, IP anonymisation "
		    "%s)\n", bound, http_server_threads(srv.http), hc.max_conns,
		    per, cfg->ip_anon ? "on" : "off");
		if (cfg->kafka != NULL)
			printf("scanloop serve: streaming events to topic %s "
			    "at %s as node %u\n", cfg->kafka->topic,
			    cfg->kafka->brokers, cfg->node);
		if (cfg->pg != NULL)
			printf("scanloop serve: prize stock leased from "
			    "PostgreSQL as node %u, %u a lease\n", cfg->node,
			    cfg->pg->block);
		if (cfg->cluster != NULL)
			printf("scanloop serve: node %u of %u, internal "
			    "listener on %s\n", cfg->node, cfg->cluster->n,
			    isrv.bound);
		fflush(stdout);
	}
	ret = http_server_run(srv.http);
	if (isrv.internal) {
		scan_cluster_stop(&srv, &isrv, &ithread);
		ithread_ok = false;
	}
	/* Every loop has drained: nothing waits for the writer any more. */
	scan_core_stop(&core);
	if (!cfg->quiet)
		fprintf(stderr, "scanloop serve: drained and stopped\n");
out_http:
	if (isrv.internal)
		scan_cluster_stop(&srv, &isrv, ithread_ok ? &ithread : NULL);
	if (sigterm != NULL)
		event_free(sigterm);
	if (sigint != NULL)
		event_free(sigint);
	if (sighup != NULL)
		event_free(sighup);
	http_server_free(srv.http);
out:
	scan_core_close(&core);
	metrics_free(srv.metrics);
	ratelimit_free(srv.rl);
	accesslog_close(srv.log);
	scan_report_cache_deinit(&srv.reports);
	return ret;
}
