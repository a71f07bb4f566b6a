/* inflight.c — the records in flight in the order produced, and the
 * acknowledged prefix that the watermarks follow. */
#include "stream/stream_internal.h"

#include <errno.h>
#include <stdlib.h>

/* Makes a ring of cap slots. */
int
inflight_init(struct inflight *f, size_t cap)
{
	f->slots = calloc(cap, sizeof(*f->slots));
	if (f->slots == NULL)
		return -ENOMEM;
	f->cap = cap;
	f->head = f->tail = 0;
	f->unsettled = 0;
	return 0;
}

/* Frees the ring. */
void
inflight_deinit(struct inflight *f)
{
	free(f->slots);
	f->slots = NULL;
	f->cap = 0;
}

/* Free slots. */
size_t
inflight_room(const struct inflight *f)
{
	return f->cap - (size_t)(f->head - f->tail);
}

/* Slots not retired. */
size_t
inflight_count(const struct inflight *f)
{
	return (size_t)(f->head - f->tail);
}

/* Takes the next slot. */
int
inflight_push(struct inflight *f, uint32_t source, uint64_t id, uint64_t *pos)
{
	struct inflight_slot *sl;

	if (inflight_room(f) == 0)
		return -ENOBUFS;
	sl = &f->slots[f->head % f->cap];
	sl->id = id;
	sl->source = source;
	sl->state = INFLIGHT_SENT;
	f->unsettled++;
	*pos = f->head++;
	return 0;
}

/* Gives back the newest slot. */
void
inflight_unpush(struct inflight *f)
{
	if (f->head == f->tail)
		return;
	f->head--;
	if (f->slots[f->head % f->cap].state == INFLIGHT_SENT)
		f->unsettled--;
	f->slots[f->head % f->cap].state = 0;
}

/* A delivery report. */
bool
inflight_settle(struct inflight *f, uint64_t pos, bool ok)
{
	struct inflight_slot *sl;

	if (pos < f->tail || pos >= f->head)
		return false;
	sl = &f->slots[pos % f->cap];
	if (sl->state != INFLIGHT_SENT)
		return false;
	sl->state = ok ? INFLIGHT_ACKED : INFLIGHT_FAILED;
	f->unsettled--;
	return true;
}

/* Retires the acknowledged prefix. */
size_t
inflight_retire(struct inflight *f,
    void (*done)(void *arg, uint32_t source, uint64_t id), void *arg)
{
	size_t n = 0;

	while (f->tail < f->head) {
		struct inflight_slot *sl = &f->slots[f->tail % f->cap];

		if (sl->state != INFLIGHT_ACKED)
			break;
		done(arg, sl->source, sl->id);
		sl->state = 0;
		f->tail++;
		n++;
	}
	return n;
}

/* Forgets every slot. */
void
inflight_clear(struct inflight *f)
{
	while (f->tail < f->head)
		f->slots[f->tail++ % f->cap].state = 0;
	f->unsettled = 0;
}
