/*
 * writer.h — group commit: one thread owns LMDB's single writer.
 *
 * Loop threads submit operations; each loop hands over everything its
 * round produced at once, from a lowest-priority event that runs after
 * the round's I/O (one wake-up per round, not per request: measured,
 * context switches cost more than the fsync). The writer applies every
 * waiting operation in one write transaction, commits with one fsync, and
 * returns the operations to their loops, one wake-up per loop per commit.
 * A loop answers a request only when its operation comes back: a 2xx is
 * never sent for an event that is not on disk.
 *
 * Failures: a commit that fails with ENOSPC (disk or map full) or any
 * non-fatal store error fails its operations (op->ret), which the loops
 * answer with 503, and the writer goes on. An I/O error (EIO: a failed
 * fsync, MDB_PANIC) ends the process with status 74: retrying a failed
 * fsync is known to lose data, so a supervisor must restart the server on
 * a clean environment.
 */
#ifndef SCANLOOP_WRITER_H
#define SCANLOOP_WRITER_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

#define WRITER_MAX_PENDING 65536	/* operations queued at most */
#define WRITER_MAX_GROUP 4096		/* operations per transaction */
#define WRITER_EXIT_IO 74		/* exit status after an I/O error */
#define WRITER_IDLE_STEP_US 200000	/* no group that long: a step */

struct event_base;
struct writer;
struct writer_port;
struct writer_op;

/* Runs in the writer thread inside the group's transaction. Returns 0 or
 * a negative errno. A business refusal (-EEXIST…) must leave the
 * transaction unchanged; a store error poisons it (sticky) and fails the
 * whole group. */
typedef int (*writer_apply_fn)(struct store_txn *t, struct writer_op *op);
/* Runs on the loop thread of the port when the operation is done. */
typedef void (*writer_done_fn)(struct writer_op *op, void *arg);

struct writer_op {
	struct writer_op *next;
	writer_apply_fn apply;
	struct writer_port *port;	/* NULL: fire and forget */
	void (*release)(struct writer_op *op);	/* frees a port-less op */
	int ret;			/* apply's result, or the commit's */
};

struct writer_stats {
	uint64_t commits;
	uint64_t ops;
	uint64_t failed_commits;
	uint64_t group_hist[8];		/* ops per commit: 1,2-3,4-7,...,128+ */
	uint64_t commit_us_sum;
	uint64_t commit_us_hist[10];	/* commit time buckets, see metrics */
	uint64_t commit_us_max;		/* the longest group commit */
	uint64_t pause_us_sum;		/* the hooks' work between groups */
	uint64_t pause_us_hist[10];	/* per tick or step, as commits */
	uint64_t pause_us_max;
};

/* Work the writer does besides operations (set before any submit). */
struct writer_hooks {
	/* After a group's operations, before its commit, in its transaction;
	 * a negative errno fails the whole group. */
	int (*pre_commit)(struct store_txn *t, void *arg);
	/* After each group: its commit succeeded or not. */
	void (*group_end)(bool committed, void *arg);
	/* Between groups at most every tick_ms (and twice at stop); may run
	 * transactions of its own. */
	void (*tick)(struct store *st, void *arg);
	/* Between groups, once no operation came for WRITER_IDLE_STEP_US
	 * after a tick or a group, then while none waits, for as long as it
	 * returns 1: one short slice of the work a tick planned (a
	 * transaction of its own; pre_commit may do the same work in the
	 * groups meanwhile). 0: nothing left until the next tick. At stop it
	 * runs until it returns 0, before and after each last tick. */
	int (*step)(struct store *st, void *arg);
	int tick_ms;
	void *arg;
};

/* Installs hooks; call before the first submit. */
void writer_set_hooks(struct writer *w, const struct writer_hooks *hooks);
/* Starts the writer thread. */
int writer_new(struct store *st, struct writer **out)
    __attribute__((warn_unused_result));
/* Makes a port for a loop: done runs on that loop for each finished op. */
int writer_port_new(struct writer *w, struct event_base *base,
    writer_done_fn done, void *arg, struct writer_port **out)
    __attribute__((warn_unused_result));
/* Frees a port (its loop has stopped; nothing of it is in flight). */
void writer_port_free(struct writer_port *p);
/* Queues an operation from the port's loop thread. Returns 0, or -EBUSY
 * when WRITER_MAX_PENDING operations are waiting (answer 503). */
int writer_submit(struct writer_port *p, struct writer_op *op)
    __attribute__((warn_unused_result));
/* Hands op back to port's loop (its done function) from any thread, as
 * if the writer had finished it, with op->ret as set: for work a request
 * waits for elsewhere (a PostgreSQL call on another thread). */
void writer_port_hand_back(struct writer_port *p, struct writer_op *op);
/* Queues a fire-and-forget operation (op->port NULL, op->release set),
 * from any thread. Dropped (released) when the queue is full. */
void writer_submit_detached(struct writer *w, struct writer_op *op);
/* Applies what is queued, commits, and stops the thread. */
void writer_stop(struct writer *w);
/* Frees a stopped writer. */
void writer_free(struct writer *w);
/* Copies the counters (any thread). */
void writer_stats_get(struct writer *w, struct writer_stats *s);
/* True while the last commit failed (disk full): health checks say so. */
bool writer_degraded(struct writer *w);

#endif
