/*
 * core.c — what every server over one store shares: the store's server
 * lock, the secrets, the campaigns, and the one writer with what it keeps
 * in memory (the scan summaries and the draw cache), recovered at start
 * from what a crash left and folded into the store once a second, in
 * slices that ride on the group commits.
 */
#include "scanner/scan_internal.h"
#include "common/clock.h"
#include "common/log.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* Writer hook: the group's campaign headers and counters go into its
 * transaction, and the next few entries of each planned fold: a fold
 * rides on the group commits, with no commit (and fsync) of its own and
 * no pause between groups. After a failure there (that group fails: a
 * full store), the folds go back to transactions of their own (scan_step,
 * when the writer is idle) until the next tick tries again, so that a
 * fold that cannot be written fails at most a group a second. */
static int
scan_pre_commit(struct store_txn *t, void *arg)
{
	struct scan_core *core = arg;
	int ret;

	if ((ret = drawcache_flush_txn(core->drawcache, t)) < 0 ||
	    core->group_folds_off)
		return ret;
	if ((ret = summaries_fold_group_txn(core->summaries, t)) < 0 ||
	    (ret = drawcache_fold_group_txn(core->drawcache, t)) < 0) {
		core->group_folds_off = true;
		log_warnx("store: cannot fold in a group commit: %s; folding "
		    "on its own", store_strerror(ret));
	}
	return ret;
}

/* Writer hook: a group's summaries are kept or dropped with its commit. */
static void
scan_group_end(bool committed, void *arg)
{
	struct scan_core *core = arg;
	struct stream *stream = scan_core_stream(core);

	summaries_group_end(core->summaries, committed);
	drawcache_group_end(core->drawcache, committed);
	for (int k = 0; k < SIGNALS_KINDS; k++) {
		if (committed && core->signals_staged[k] != 0)
			atomic_fetch_add(&core->signals_raised[k],
			    core->signals_staged[k]);
		core->signals_staged[k] = 0;
	}
	if (committed && stream != NULL)
		stream_kick(stream);
}

/* Logs what a finished pruning run did, if anything. */
static void
scan_prune_report(const struct store_prune_stats *s)
{
	if (s->deleted + s->addresses + s->counts_deleted + s->counts_merged +
	    s->groups == 0)
		return;
	log_warnx("pruned: %llu forged or malformed events deleted (%llu "
	    "chain links moved), %llu addresses dropped, %llu network-hour "
	    "counts deleted, %llu merged, %llu abandoned groups deleted "
	    "(%llu members)", (unsigned long long)s->deleted,
	    (unsigned long long)s->relinked, (unsigned long long)s->addresses,
	    (unsigned long long)s->counts_deleted,
	    (unsigned long long)s->counts_merged,
	    (unsigned long long)s->groups,
	    (unsigned long long)s->group_members);
}

/*
 * Retention in the writer thread, between groups: a run starts at most
 * hourly and goes on in steps (store_prune_step, a short transaction
 * each) for up to SCAN_PRUNE_SLICE_US per tick, so that groups wait at
 * most that long. The summaries are settled first when a step needs them
 * (-EBUSY), and dropped from the cache when a step changed some in the
 * store.
 */
static int
scan_prune_tick(struct scan_core *core, struct store *st)
{
	struct store_prune_policy p = { 0 };
	int64_t now = clock_now_us(), t0 = clock_mono_us();
	uint64_t changed = core->pruned.summaries;
	bool settled = false;
	int ret;

	if (core->retain.forged_days == 0 && core->retain.ip_days == 0 &&
	    core->retain.groups_days == 0)
		return 0;
	if (!core->pruning && t0 < core->prune_next)
		return 0;
	if (!core->pruning)
		memset(&core->pruned, 0, sizeof(core->pruned));
	core->pruning = true;
	if (core->retain.forged_days > 0)
		p.forged_before = now - core->retain.forged_days * SCAN_DAY_US;
	if (core->retain.ip_days > 0)
		p.ip_before = now - core->retain.ip_days * SCAN_DAY_US;
	if (core->retain.groups_days > 0)
		p.groups_before = now - core->retain.groups_days * SCAN_DAY_US;
	/* The summaries are settled (a fold at once) only when a step
	 * needs them whole: when forged events are old enough to go. */
	for (;;) {
		ret = store_prune_step(st, &p, &core->pruned);
		if (ret == -EBUSY && !settled) {
			settled = true;
			if ((ret = summaries_settle(core->summaries, st)) < 0)
				break;
			continue;
		}
		if (ret != 1 || clock_mono_us() - t0 >= SCAN_PRUNE_SLICE_US)
			break;
	}
	if (core->pruned.summaries != changed)
		summaries_forget(core->summaries);
	if (ret == 1)
		return 0;
	core->pruning = false;
	core->prune_next = t0 + SCAN_PRUNE_EVERY_US;
	if (ret == 0)
		scan_prune_report(&core->pruned);
	return ret;
}

/* Exits on an I/O error of the writer's own work; logs any other. */
static void
scan_fold_failed(const char *what, int ret)
{
	if (ret == -EIO) {
		log_warnx("store: I/O error folding %s; exiting", what);
		_exit(WRITER_EXIT_IO);
	}
	log_warnx("store: cannot fold %s: %s", what, store_strerror(ret));
}

/* Writer hook, once a second: plans a fold of the summaries and the draw
 * cache (written in slices by scan_step), and prunes. */
static void
scan_tick(struct store *st, void *arg)
{
	struct scan_core *core = arg;
	int ret;

	core->group_folds_off = false;
	if ((ret = summaries_plan(core->summaries)) < 0)
		scan_fold_failed("scan summaries", ret);
	drawcache_plan(core->drawcache);
	if ((ret = scan_prune_tick(core, st)) < 0)
		scan_fold_failed("old events (retention)", ret);
}

/* Writer hook, between groups while no group comes: one slice of each
 * planned fold, so that a group waits for a few milliseconds at most, not
 * for a whole fold. A failure stops the slices until the next tick, which
 * tries again. */
static int
scan_step(struct store *st, void *arg)
{
	struct scan_core *core = arg;
	int more, ret;

	if ((more = summaries_fold_slice(core->summaries, st,
	    SUMMARIES_FOLD_SLICE)) < 0) {
		scan_fold_failed("scan summaries", more);
		return 0;
	}
	if ((ret = drawcache_fold_slice(core->drawcache, st,
	    DRAWCACHE_FOLD_SLICE)) < 0) {
		scan_fold_failed("the draw index", ret);
		return 0;
	}
	return more | ret;
}

/* Loads the campaigns and the online draws a crash left out of the draw
 * index, and folds them; on a full store they wait in memory. */
static int
scan_recover_draws(struct scan_core *core, struct store *st)
{
	struct store_txn t;
	int n = 0, ret;

	if ((ret = drawcache_new(&core->drawcache)) < 0)
		return ret;
	/* A code's draw is kept in its summary (docs/store.md). */
	drawcache_use_summaries(core->drawcache, core->summaries);
	core->draw_tallies = drawcache_tallies(core->drawcache);
	core->draw_reader = drawcache_reader(core->drawcache);
	if ((ret = store_txn_begin(st, true, &t)) < 0)
		return ret;
	if ((ret = registry_sync_txn(core->registry, &t)) == 0)
		ret = n = drawcache_recover_txn(&t, core->registry, core->drawcache);
	store_txn_abort(&t);
	if (ret < 0)
		return ret;
	if (n == 0)
		return 0;
	if ((ret = drawcache_fold(core->drawcache, st)) == -ENOSPC) {
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

/* Takes the store's server lock: one server per store, since each keeps
 * scan summaries in memory. Returns the descriptor or a negative errno. */
int
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

/* Opens what every server over a store shares. */
int
scan_core_open(struct scan_core *core, struct store *st,
    const char *secrets_path, const struct scan_retention *retain,
    const char **why)
{
	struct writer_hooks wh = { .pre_commit = scan_pre_commit,
	    .group_end = scan_group_end, .tick = scan_tick,
	    .step = scan_step, .tick_ms = SUMMARIES_FOLD_MS, .arg = core };
	int ret;

	memset(core, 0, sizeof(*core));
	core->st = st;
	core->lock_fd = -1;
	if (retain != NULL)
		core->retain = *retain;
	if ((ret = store_secret_get(st, "location-token", core->token_key)) <
	    0) {
		*why = "cannot read or create the server secret in the store";
		return ret;
	}
	if ((core->lock_fd = scan_lock_store(st)) < 0) {
		ret = core->lock_fd;
		*why = ret == -EBUSY ? "another scanloop serve uses this "
		    "store" : "cannot lock the store for serving";
		goto fail;
	}
	if ((ret = keys_server_secrets(secrets_path, true, &core->secrets,
	    why)) < 0)
		goto fail;
	if ((ret = registry_new(&core->registry)) < 0)
		goto fail;
	if ((ret = scan_recover_summaries(st, &core->summaries)) < 0) {
		*why = "cannot fold the scan summaries";
		goto fail;
	}
	if ((ret = scan_recover_draws(core, st)) < 0) {
		*why = "cannot index the draws";
		goto fail;
	}
	if ((ret = writer_new(st, &core->writer)) < 0) {
		*why = "cannot start the writer thread";
		goto fail;
	}
	writer_set_hooks(core->writer, &wh);
	return 0;
fail:
	scan_core_close(core);
	return ret;
}

/* Starts the stream to Kafka. */
int
scan_core_stream_start(struct scan_core *core, const struct stream_config *cfg,
    char *why, size_t whylen)
{
	struct stream *s;
	int ret;

	if ((ret = stream_new(core->st, cfg, &s, why, whylen)) < 0)
		return ret;
	atomic_store(&core->stream, s);
	return 0;
}

/* Starts the leases: the writer's draws consult them from now on. */
int
scan_core_pg_start(struct scan_core *core, const struct leaser_config *cfg)
{
	int ret;

	if ((ret = leaser_start(core, cfg, &core->leaser)) < 0)
		return ret;
	core->draw_tallies.lease = leaser_lease(core->leaser);
	return 0;
}

/* The core's stream, or NULL. */
struct stream *
scan_core_stream(struct scan_core *core)
{
	return atomic_load(&core->stream);
}

/* Stops the writer: it commits what is queued; then the stream sends
 * it. */
void
scan_core_stop(struct scan_core *core)
{
	/* The leaser gives back through the writer: first. */
	leaser_stop(core->leaser);
	if (core->writer != NULL && !core->writer_stopped) {
		writer_stop(core->writer);
		core->writer_stopped = true;
	}
	stream_stop(scan_core_stream(core), STREAM_STOP_FLUSH_MS);
}

/* Stops the writer if it runs and frees everything. */
void
scan_core_close(struct scan_core *core)
{
	scan_core_stop(core);
	writer_free(core->writer);
	leaser_free(core->leaser);
	stream_free(scan_core_stream(core));
	registry_free(core->registry);
	summaries_free(core->summaries);
	drawcache_free(core->drawcache);
	keys_server_secrets_free(core->secrets);
	if (core->lock_fd >= 0)
		close(core->lock_fd);
	sodium_memzero(core->token_key, sizeof(core->token_key));
	memset(core, 0, sizeof(*core));
	core->lock_fd = -1;
}
