/*
 * report_signals.c — the signals of the report's two periods, read in its
 * transaction: the stored ones (leaked jobs, clones, diversions, forgery
 * bursts) whose time falls in a period, counted per kind with the newest
 * of each kind kept, and the redemption anomalies computed over each
 * period by the rule of signals_redeem.c.
 *
 * A report for a batch or a campaign counts the signals about the codes
 * it covers (by the signal's batch); a forgery burst names no batch, so
 * only a report of every batch counts it. Redemption anomalies compare
 * every located store over every campaign's claims (the rule is the
 * installation's): each report lists them.
 */
#include "analytics/report_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Signal times may run a little out of id order, as event times do. */
#define REPORT_SIGNALS_SLACK_US (60 * 1000000LL)

/* Keeps the first signal a walk meets. */
static int
report_signal_first_cb(const struct store_signal *s, void *arg)
{
	*(struct store_signal *)arg = *s;
	return 1;
}

/* The signal id after which signals reach time at, by bisection over
 * ids (which follow time). */
static int
report_signals_seek(struct report *r, int64_t at, uint64_t *after)
{
	struct store_signal s;
	uint64_t lo = 0, hi, mid;
	int ret;

	*after = 0;
	if ((ret = store_signal_last_id_txn(&r->t, &hi)) < 0)
		return ret;
	/* Invariant: signals up to lo are before at; hi is not. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		s.id = 0;
		if ((ret = store_signal_foreach_txn(&r->t, mid,
		    report_signal_first_cb, &s)) < 0)
			return ret;
		if (s.id == 0 || s.time >= at)
			hi = mid;
		else
			lo = s.id;
	}
	*after = lo;
	return 0;
}

/* Counts a diversion under the dealer whose region it left. */
static void
report_dealer_count(struct report_signals *g, const char *dealer)
{
	size_t i;

	for (i = 0; i < g->ndealers; i++)
		if (strcmp(g->dealers[i].dealer, dealer) == 0)
			break;
	if (i == g->ndealers) {
		if (i == REPORT_DEALERS_MAX) {
			g->dealers_full = true;
			return;
		}
		snprintf(g->dealers[i].dealer, sizeof(g->dealers[i].dealer),
		    "%s", dealer);
		g->ndealers++;
	}
	g->dealers[i].n++;
}

/* Counts a stored signal in its period; stops past the current one. */
static int
report_signal_cb(const struct store_signal *s, void *arg)
{
	struct report *r = arg;
	struct report_signals *g;

	if (s->time >= r->p[0].to + REPORT_SIGNALS_SLACK_US)
		return 1;
	if (s->kind == 0 || s->kind >= SIGNALS_KINDS ||
	    s->kind == SIGNALS_REDEMPTION_ANOMALY ||
	    !report_covers_batch(r, s->batch_id))
		return 0;
	for (int k = 0; k < 2; k++) {
		if (s->time < r->p[k].from || s->time >= r->p[k].to)
			continue;
		g = &r->p[k].sig;
		g->latest[s->kind][g->count[s->kind] % REPORT_SIGNALS_LATEST] =
		    *s;
		g->count[s->kind]++;
		if (s->kind == SIGNALS_DIVERSION)
			report_dealer_count(g, s->dealer);
	}
	return 0;
}

/* Keeps one redemption anomaly of a period. */
static int
report_anomaly_cb(const struct signals_anomaly *a, void *arg)
{
	struct report_signals *g = arg;
	struct signals_anomaly *nv;

	g->count[SIGNALS_REDEMPTION_ANOMALY]++;
	if (g->nanomalies == REPORT_ANOMALIES_MAX) {
		g->anomalies_full = true;
		return 0;
	}
	if ((nv = realloc(g->anomalies, (g->nanomalies + 1) *
	    sizeof(*nv))) == NULL)
		return -ENOMEM;
	g->anomalies = nv;
	g->anomalies[g->nanomalies++] = *a;
	return 0;
}

/* Reads the signals of both periods. */
int
report_signals_count(struct report *r)
{
	uint64_t after;
	int ret;

	if ((ret = report_signals_seek(r, r->p[1].from -
	    REPORT_SIGNALS_SLACK_US, &after)) < 0 ||
	    (ret = store_signal_foreach_txn(&r->t, after, report_signal_cb,
	    r)) < 0)
		return ret;
	for (int k = 0; k < 2; k++)
		if ((ret = signals_anomalies_txn(&r->t, r->p[k].from,
		    r->p[k].to, report_anomaly_cb, &r->p[k].sig)) < 0)
			return ret;
	return 0;
}

/* The newest signals of a kind, newest first. */
size_t
report_signals_latest(const struct report_period *p, int kind,
    const struct store_signal *out[REPORT_SIGNALS_LATEST])
{
	uint64_t n = p->sig.count[kind];
	size_t m = n < REPORT_SIGNALS_LATEST ? (size_t)n :
	    REPORT_SIGNALS_LATEST;

	if (kind == SIGNALS_REDEMPTION_ANOMALY)
		return 0;
	for (size_t i = 0; i < m; i++)
		out[i] = &p->sig.latest[kind][(n - 1 - i) %
		    REPORT_SIGNALS_LATEST];
	return m;
}

/* Orders a period's dealers by diversions, most first (then by id). */
void
report_dealers_order(const struct report_signals *g,
    size_t order[REPORT_DEALERS_MAX])
{
	for (size_t i = 0; i < g->ndealers; i++) {
		size_t j = i;

		/* Insertion sort: at most REPORT_DEALERS_MAX entries. */
		while (j > 0 && (g->dealers[order[j - 1]].n < g->dealers[i].n ||
		    (g->dealers[order[j - 1]].n == g->dealers[i].n &&
		    strcmp(g->dealers[order[j - 1]].dealer,
		    g->dealers[i].dealer) > 0))) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
}
