/*
 * cluster_call.h — internal calls from the node that a phone reached to
 * the node that owns the code (cluster.h), on threads of their own.
 *
 * A loop hands a call over (the owner's request, already built) and goes
 * on; a call thread sends it on a keep-alive connection of its own to
 * the owner's internal address and reads the answer, within short
 * bounds: CLUSTER_CONNECT_MS to connect, CLUSTER_IO_MS for the whole
 * answer. An owner that refuses the connection or does not answer in
 * time is "down": the call comes back without a reply, and the peer is
 * not tried again for CLUSTER_DOWN_MS (calls to it come back at once).
 * The call comes back to its loop through the writer port, as the
 * PostgreSQL calls do (writer_port_hand_back).
 */
#ifndef SCANLOOP_CLUSTER_CALL_H
#define SCANLOOP_CLUSTER_CALL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scanner/cluster.h"
#include "scanner/writer.h"

#define CLUSTER_CALL_THREADS 8
#define CLUSTER_CALL_QUEUE 4096		/* calls waiting at most */
#define CLUSTER_CONNECT_MS 300
#define CLUSTER_IO_MS 2000
#define CLUSTER_DOWN_MS 1000
#define CLUSTER_TARGETS_MAX 8

struct cluster_calls;

struct cluster_call {
	struct cluster_call *next;
	struct writer_op *op;		/* handed back to port when done */
	struct writer_port *port;
	/* Tried in order: the next one only while the answer's status is
	 * pass_status (0: the first target alone). */
	unsigned targets[CLUSTER_TARGETS_MAX];
	unsigned ntargets;
	int pass_status;
	bool head_only;			/* a HEAD: the answer has no body */
	char *request;			/* the whole request, head and body */
	size_t request_len;
	/* Out: replied, or the owner was down (or every target passed). */
	bool replied;
	unsigned target;		/* which answered */
	struct cluster_reply reply;
	char *body;
	size_t body_len;
};

struct cluster_call_stats {
	uint64_t calls;			/* handed to a peer */
	uint64_t replied;
	uint64_t down;			/* came back without a reply */
	uint64_t refused;		/* queue full */
};

/* Starts the call threads for cl (kept, not copied: it must outlive the
 * pool). Returns 0 or a negative errno. */
int cluster_calls_new(const struct cluster *cl,
    struct cluster_calls **out) __attribute__((warn_unused_result));
/* Queues a call; -EBUSY when CLUSTER_CALL_QUEUE wait already. */
int cluster_calls_submit(struct cluster_calls *cc, struct cluster_call *c)
    __attribute__((warn_unused_result));
/* Finishes the calls queued (they come back as usual), stops the threads
 * and frees the pool. */
void cluster_calls_free(struct cluster_calls *cc);
/* Copies the counters (any thread). */
void cluster_calls_stats(struct cluster_calls *cc,
    struct cluster_call_stats *s);
/* Frees a call and what it holds. */
void cluster_call_free(struct cluster_call *c);

#endif
