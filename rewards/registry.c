/* registry.c — the server's list of campaigns. */
#include "rewards/registry.h"
#include "common/log.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

struct registry {
	pthread_mutex_t mu;
	atomic_uint_fast64_t gen;	/* generation loaded; 0: never */
	struct campaign **list;
	size_t n;
};

/* Makes a registry. */
int
registry_new(struct registry **out)
{
	struct registry *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return -ENOMEM;
	pthread_mutex_init(&r->mu, NULL);
	atomic_init(&r->gen, 0);
	*out = r;
	return 0;
}

/* Drops a list of campaigns. */
static void
registry_drop(struct campaign **list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		campaign_unref(list[i], __func__);
	free(list);
}

/* Frees the registry. */
void
registry_free(struct registry *r)
{
	if (r == NULL)
		return;
	registry_drop(r->list, r->n);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

struct registry_load {
	struct store_txn *t;
	struct campaign **list;
	size_t n;
	int ret;
};

/* Reads one stored campaign into the new list. */
static int
registry_load_cb(const struct store_campaign *hdr, void *arg)
{
	struct registry_load *l = arg;
	struct campaign *c, **list;
	char why[256];
	int ret;

	if ((ret = campaign_load_txn(l->t, hdr->id, &c, why,
	    sizeof(why))) == -EBADMSG) {
		/* A stored campaign always parsed once: say so and skip it. */
		log_warnx("campaign %s: stored configuration does not parse "
		    "(%s)", hdr->id, why);
		return 0;
	}
	if (ret < 0)
		return ret;
	if ((list = realloc(l->list, (l->n + 1) * sizeof(*list))) == NULL) {
		campaign_unref(c, __func__);
		return -ENOMEM;
	}
	l->list = list;
	l->list[l->n++] = c;
	return 0;
}

/* Reloads when the generation moved. */
int
registry_sync_txn(struct registry *r, struct store_txn *t)
{
	struct registry_load l = { t, NULL, 0, 0 };
	struct campaign **old;
	uint64_t gen;
	size_t oldn;
	int ret;

	if ((ret = store_campaigns_generation_txn(t, &gen)) < 0)
		return ret;
	if (gen == 0 || gen == atomic_load(&r->gen))
		return 0;
	pthread_mutex_lock(&r->mu);
	if (gen == atomic_load(&r->gen)) {
		pthread_mutex_unlock(&r->mu);
		return 0;
	}
	ret = store_campaign_foreach_txn(t, registry_load_cb, &l);
	if (ret < 0) {
		pthread_mutex_unlock(&r->mu);
		registry_drop(l.list, l.n);
		return ret;
	}
	old = r->list;
	oldn = r->n;
	r->list = l.list;
	r->n = l.n;
	atomic_store(&r->gen, gen);
	pthread_mutex_unlock(&r->mu);
	registry_drop(old, oldn);
	return 0;
}

/* The running campaign covering a batch. */
struct campaign *
registry_find(struct registry *r, uint32_t batch_id, const char *gtin,
    int64_t now)
{
	struct campaign *found = NULL;

	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->n; i++) {
		struct campaign *c = r->list[i];

		if (!campaign_running(&c->hdr, now) ||
		    !campaign_covers(c, batch_id, gtin))
			continue;
		found = campaign_ref(c, __func__);
		break;
	}
	pthread_mutex_unlock(&r->mu);
	return found;
}

/* A campaign by id. */
struct campaign *
registry_get(struct registry *r, const char *id)
{
	struct campaign *found = NULL;

	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->list[i]->id, id) == 0) {
			found = campaign_ref(r->list[i], __func__);
			break;
		}
	pthread_mutex_unlock(&r->mu);
	return found;
}

/* The campaign covering a batch whatever its state (paused, ended or not
 * started yet), the one nearest in time to now, as a new reference, or
 * NULL. */
struct campaign *
registry_find_any(struct registry *r, uint32_t batch_id, const char *gtin,
    int64_t now)
{
	struct campaign *found = NULL;
	int64_t best = INT64_MAX;

	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->n; i++) {
		struct campaign *c = r->list[i];
		int64_t d = now < c->start ? c->start - now :
		    now >= c->end ? now - c->end : 0;

		if (d >= best || !campaign_covers(c, batch_id, gtin))
			continue;
		found = c;
		best = d;
	}
	if (found != NULL)
		found = campaign_ref(found, __func__);
	pthread_mutex_unlock(&r->mu);
	return found;
}

/* Calls cb for every campaign. */
int
registry_foreach(struct registry *r, int (*cb)(struct campaign *, void *),
    void *arg)
{
	int ret = 0;

	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->n && ret == 0; i++)
		ret = cb(r->list[i], arg);
	pthread_mutex_unlock(&r->mu);
	return ret;
}
