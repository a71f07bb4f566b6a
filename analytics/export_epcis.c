/* export_epcis.c — scans and the life of batches as GS1 EPCIS 2.0
 * (analytics/epcis.h), through the same query and read transaction as the
 * other formats. */
#include "analytics/analytics_internal.h"
#include "analytics/epcis.h"

#include <stdint.h>

/* Opens the export's EPCIS writer. The zone is --tz, else the zone of the
 * --campaign filter's campaign, else UTC: never one that depends on what
 * else the store holds, so that a re-export keeps its eventIDs. */
int
analytics_epcis_open(struct analytics_export *x, output_sink_fn sink,
    void *arg)
{
	struct epcis_opts o = {
		.geo_digits = x->q.geo_digits,
		.scan_step = (enum epcis_scan_step)x->q.biz_step,
		.created = x->now,
	};

	if (x->q.tz[0] != '\0')
		o.tz = x->q.tz;
	else if (x->campaign != NULL)
		o.tz = x->campaign->tz;
	return epcis_open(&o, sink, arg, &x->epcis);
}

/* True for the batches the --campaign filter covers (all without it). */
static bool
analytics_epcis_want(const struct store_batch *b, void *arg)
{
	struct analytics_export *x = arg;

	return x->campaign == NULL || campaign_covers(x->campaign, b->id,
	    b->gtin);
}

/* Writes the life events of the batches in the window, and the tail. */
int
analytics_epcis_batches_write(struct analytics_export *x)
{
	int ret;

	ret = epcis_write_batches_txn(x->epcis, &x->t, x->q.batch,
	    x->q.has_from ? x->q.from : INT64_MIN,
	    x->q.has_to ? x->q.to : INT64_MAX, analytics_epcis_want, x);
	return ret < 0 ? ret : epcis_close(x->epcis);
}
