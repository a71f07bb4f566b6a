/*
 * export_pipe.c — a whole scan export on two threads: a reader walks the
 * event cursor and decodes events into batches of records, the calling
 * thread formats and writes them. `cat` uses one core; an export that
 * reads, decodes, formats and writes on one core is the slower for it.
 * An EPCIS event's parts, its hash the most of them, are made on both
 * sides (each with its own maker): the reader makes those of every other
 * event, the writer those of the rest, so that the halves weigh about the
 * same (measured with perf: two in three on the reader's side gave it 58%
 * of the time once reading and decoding had become cheaper; one in two
 * gives 50%). Only exports to the end (the command line) take this path:
 * the server's stepped exports stay on its thread.
 *
 * The reader alone uses the read transaction, the cursor and the decoder
 * (a read transaction of a store opened MDB_NOTLS may be used from any
 * thread, one at a time); the writer sees only the records, which hold
 * copies of what they point to (the event's texts, the batch's line) or
 * point into the decoder's key cache, which only grows while the
 * transaction lives. Memory is bounded: PIPE_BATCHES batches of
 * PIPE_BATCH events.
 *
 * A side that has to wait (the reader at a full ring, the writer at an
 * empty one) sleeps until the ring is half the other way, and is woken
 * only then: woken at every batch, the two took turns at every batch and
 * a tenth of an export's time went to sleeping and waking. The ring holds
 * 32 batches (about 3 MiB): with 8, an EPCIS export of 1,000,000 events
 * still made 12,856 futex calls, with 32 it makes about 1,100.
 */
#include "analytics/analytics_internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define PIPE_BATCH 64
#define PIPE_BATCHES 32
#define PIPE_HALF (PIPE_BATCHES / 2)

/* An event and its record, whose strings point into it; in EPCIS, the
 * record's event parts. */
struct pipe_slot {
	struct store_event ev;
	struct scan_record r;
	char line[STORE_LINE_MAX + 1];
	struct epcis_scan made;
	bool is_made;		/* made holds its parts */
};

struct pipe_batch {
	struct pipe_slot slot[PIPE_BATCH];
	size_t n;
};

struct export_pipe {
	struct analytics_export *x;
	struct epcis_maker *maker;	/* EPCIS: the reader's */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct pipe_batch batch[PIPE_BATCHES];
	uint64_t filled;	/* batches the reader has handed over */
	uint64_t drained;	/* batches the writer has written */
	bool end;		/* the reader is done (end or error) */
	bool stop;		/* the writer failed: the reader stops */
	bool reader_waits;	/* for the ring to be half empty */
	bool writer_waits;	/* for it to be half full */
	int err;		/* the reader's error */
};

/* Fills one batch: the number of events in it; *ret becomes -ENOENT at
 * the end of the events or a negative errno. */
static size_t
pipe_fill(struct export_pipe *p, struct pipe_batch *b, int *ret)
{
	size_t n = 0;

	while (n < PIPE_BATCH) {
		struct pipe_slot *s = &b->slot[n];

		if ((*ret = analytics_scan_read(p->x, &s->ev, &s->r)) < 0)
			break;
		if (*ret == 0)
			continue;
		/* The decoder's line is overwritten by the next decode. */
		if (s->r.line != NULL) {
			memcpy(s->line, s->r.line, sizeof(s->line));
			s->r.line = s->line;
		}
		s->is_made = p->maker != NULL && n % 2 == 0;
		if (s->is_made && (*ret = epcis_scan_make(p->maker, &s->r,
		    &s->made)) < 0)
			break;
		n++;
	}
	return n;
}

/* The reader: fills batches until the events end, an error, or a stop. */
static void *
pipe_reader(void *arg)
{
	struct export_pipe *p = arg;
	int ret = 0;

	for (;;) {
		struct pipe_batch *b;

		pthread_mutex_lock(&p->lock);
		if (p->filled - p->drained == PIPE_BATCHES) {
			p->reader_waits = true;
			while (p->filled - p->drained > PIPE_HALF && !p->stop)
				pthread_cond_wait(&p->cond, &p->lock);
			p->reader_waits = false;
		}
		if (p->stop) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		b = &p->batch[p->filled % PIPE_BATCHES];
		pthread_mutex_unlock(&p->lock);
		b->n = pipe_fill(p, b, &ret);
		pthread_mutex_lock(&p->lock);
		p->filled++;
		if (ret < 0) {
			p->end = true;
			p->err = ret == -ENOENT ? 0 : ret;
		}
		if (p->writer_waits && (p->end ||
		    p->filled - p->drained >= PIPE_HALF))
			pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
		if (ret < 0)
			break;
	}
	return NULL;
}

/* The writer: writes batches as they come; 0 or a negative errno. */
static int
pipe_write(struct export_pipe *p)
{
	int ret = 0;

	for (;;) {
		struct pipe_batch *b;

		pthread_mutex_lock(&p->lock);
		if (p->drained == p->filled && !p->end) {
			p->writer_waits = true;
			while (p->filled - p->drained < PIPE_HALF && !p->end)
				pthread_cond_wait(&p->cond, &p->lock);
			p->writer_waits = false;
		}
		if (p->drained == p->filled) {
			ret = p->err;
			pthread_mutex_unlock(&p->lock);
			return ret;
		}
		b = &p->batch[p->drained % PIPE_BATCHES];
		pthread_mutex_unlock(&p->lock);
		for (size_t i = 0; i < b->n && ret == 0; i++)
			ret = analytics_scan_write(p->x, &b->slot[i].r,
			    b->slot[i].is_made ? &b->slot[i].made : NULL);
		pthread_mutex_lock(&p->lock);
		p->drained++;
		if (ret < 0)
			p->stop = true;
		if (p->reader_waits && (p->stop ||
		    p->filled - p->drained <= PIPE_HALF))
			pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
		if (ret < 0)
			return ret;
	}
}

/* Writes all the scans on two threads. */
int
analytics_scans_pipe(struct analytics_export *x)
{
	struct export_pipe *p;
	pthread_t reader;
	int ret;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return -EAGAIN;
	p->x = x;
	if (x->epcis != NULL && epcis_maker_new(x->epcis, &p->maker) < 0)
		goto fail_lock;
	if (pthread_mutex_init(&p->lock, NULL) != 0)
		goto fail_lock;
	if (pthread_cond_init(&p->cond, NULL) != 0)
		goto fail_cond;
	if (pthread_create(&reader, NULL, pipe_reader, p) != 0)
		goto fail_thread;
	ret = pipe_write(p);
	pthread_join(reader, NULL);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	epcis_maker_free(p->maker);
	free(p);
	return ret < 0 ? ret : analytics_scans_end(x);
fail_thread:
	pthread_cond_destroy(&p->cond);
fail_cond:
	pthread_mutex_destroy(&p->lock);
fail_lock:
	epcis_maker_free(p->maker);
	free(p);
	return -EAGAIN;
}
