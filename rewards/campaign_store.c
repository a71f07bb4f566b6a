/* campaign_store.c — stored campaigns: read one, its state, overlaps. */
#include "rewards/campaign.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The state a person means. */
int
campaign_phase(const struct store_campaign *h, int64_t now)
{
	if (h->state == STORE_CAMPAIGN_ENDED || now >= h->end)
		return CAMPAIGN_ENDED;
	if (h->state == STORE_CAMPAIGN_PAUSED)
		return CAMPAIGN_PAUSED;
	if (now < h->start)
		return CAMPAIGN_SCHEDULED;
	return CAMPAIGN_RUNNING;
}

/* Names a phase. */
const char *
campaign_phase_name(int phase)
{
	switch (phase) {
	case CAMPAIGN_SCHEDULED:
		return "scheduled";
	case CAMPAIGN_RUNNING:
		return "running";
	case CAMPAIGN_PAUSED:
		return "paused";
	default:
		return "ended";
	}
}

/* True when the campaign draws now. */
bool
campaign_running(const struct store_campaign *h, int64_t now)
{
	return campaign_phase(h, now) == CAMPAIGN_RUNNING;
}

/* Reads and parses a stored campaign. */
int
campaign_load_txn(struct store_txn *t, const char *id, struct campaign **out,
    char *why, size_t whylen)
{
	struct campaign_errors errs = { NULL, 0 };
	struct store_campaign hdr;
	char *config = NULL;
	size_t len;
	int ret;

	*out = NULL;
	if ((ret = store_campaign_get_txn(t, id, &hdr)) < 0 ||
	    (ret = store_campaign_config_txn(t, id, &config, &len)) < 0)
		return ret;
	ret = campaign_parse(config, len, false, out, &errs);
	free(config);
	if (ret == -EINVAL) {
		if (why != NULL)
			snprintf(why, whylen, "%s", errs.n > 0 ? errs.msgs[0] :
			    "does not parse");
		ret = -EBADMSG;
	}
	campaign_errors_free(&errs);
	if (ret == 0)
		(*out)->hdr = hdr;
	return ret;
}

/* Reads a batch's product ("" when the batch does not exist). */
static int
campaign_batch_gtin(struct store_txn *t, uint32_t id, char gtin[GTIN_LEN + 1])
{
	struct store_batch b;
	int ret;

	gtin[0] = '\0';
	if ((ret = store_batch_get_txn(t, id, &b)) == -ENOENT)
		return 0;
	if (ret < 0)
		return ret;
	snprintf(gtin, GTIN_LEN + 1, "%s", b.gtin);
	return 0;
}

/* True when a product is in a campaign's products. */
static bool
campaign_has_product(const struct campaign *c, const char *gtin)
{
	for (size_t i = 0; gtin[0] != '\0' && i < c->nproducts; i++)
		if (strcmp(c->products[i], gtin) == 0)
			return true;
	return false;
}

/* Finds what two campaigns' scopes share; why says it. Returns 1 if they
 * overlap, 0 if not, or a negative errno. */
static int
campaign_scope_overlap(struct store_txn *t, const struct campaign *a,
    const struct campaign *b, char *why, size_t n)
{
	char gtin[GTIN_LEN + 1];
	int ret;

	for (size_t i = 0; i < a->nbatches; i++) {
		for (size_t j = 0; j < b->nbatches; j++)
			if (a->batches[i] == b->batches[j]) {
				snprintf(why, n, "both cover batch %u",
				    a->batches[i]);
				return 1;
			}
		if ((ret = campaign_batch_gtin(t, a->batches[i], gtin)) < 0)
			return ret;
		if (campaign_has_product(b, gtin)) {
			snprintf(why, n, "batch %u is of product %s, which %s "
			    "covers", a->batches[i], gtin, b->id);
			return 1;
		}
	}
	for (size_t i = 0; i < a->nproducts; i++)
		if (campaign_has_product(b, a->products[i])) {
			snprintf(why, n, "both cover product %s", a->products[i]);
			return 1;
		}
	for (size_t j = 0; j < b->nbatches; j++) {
		if ((ret = campaign_batch_gtin(t, b->batches[j], gtin)) < 0)
			return ret;
		if (campaign_has_product(a, gtin)) {
			snprintf(why, n, "%s covers batch %u, of product %s",
			    b->id, b->batches[j], gtin);
			return 1;
		}
	}
	return 0;
}

struct campaign_overlap {
	struct store_txn *t;
	const struct campaign *c;
	struct store_campaign *other;
	char *why;
	size_t whylen;
	int ret;
};

/* foreach callback: does this stored campaign clash with the new one? */
static int
campaign_overlap_cb(const struct store_campaign *h, void *arg)
{
	struct campaign_overlap *o = arg;
	struct campaign *other;
	int ret;

	if (h->state == STORE_CAMPAIGN_ENDED || h->end <= o->c->start ||
	    o->c->end <= h->start)
		return 0;
	if ((ret = campaign_load_txn(o->t, h->id, &other, NULL, 0)) < 0) {
		o->ret = ret;
		return 1;
	}
	ret = campaign_scope_overlap(o->t, o->c, other, o->why, o->whylen);
	campaign_unref(other, __func__);
	if (ret == 0)
		return 0;
	o->ret = ret;
	if (ret > 0)
		*o->other = *h;
	return 1;
}

/* Finds a stored campaign whose scope and window overlap c's. */
int
campaign_overlap_txn(struct store_txn *t, const struct campaign *c,
    struct store_campaign *other, char *why, size_t whylen)
{
	struct campaign_overlap o = { t, c, other, why, whylen, 0 };
	int ret;

	if ((ret = store_campaign_foreach_txn(t, campaign_overlap_cb, &o)) < 0)
		return ret;
	return o.ret;
}
