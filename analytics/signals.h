/*
 * signals.h — what the brand's protection team acts on: a leaked print
 * job, a cloned code, goods sold outside their region, a burst of forged
 * scans, a store that redeems more than its scans explain. The rules are
 * here and nowhere else (signals.c, signals_redeem.c); docs/signals.md
 * states each one exactly.
 *
 * The scan server's writer calls signals_event_txn for every scan event
 * it appends and signals_location_txn for every location it attaches,
 * inside the same write transaction: a signal commits with its scan or
 * not at all. A rule costs nothing for the common scan (a first human
 * scan without a location, genuine); it reads the store only for scans
 * that may meet it. Settings (clone.km...) are read from the store when a
 * rule needs them, so 'scanloop config set' takes effect at the next
 * scan. Redemption anomalies are computed when asked, not raised.
 */
#ifndef SCANLOOP_SIGNALS_H
#define SCANLOOP_SIGNALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analytics/output.h"
#include "store/store.h"

enum signals_kind {
	SIGNALS_LEAKED_JOB = 1,
	SIGNALS_CLONE = 2,
	SIGNALS_DIVERSION = 3,
	SIGNALS_FORGERY_BURST = 4,
	SIGNALS_REDEMPTION_ANOMALY = 5,
};
#define SIGNALS_KINDS 6			/* array size: kinds are 1..5 */

/* The kind's name ("leaked_job"...), or "?". */
const char *signals_kind_name(int kind);
/* Parses a kind name; the kind or -EINVAL. */
int signals_kind_parse(const char *name);

/* ---- settings ("scanloop config") ---------------------------------- */

/* The settings, each with its default, bounds and meaning. */
struct signals_setting {
	const char *name;		/* "clone.km" */
	double def, min, max;
	bool integer;
	const char *what;		/* help lines, indented */
};
extern const struct signals_setting signals_settings[];
extern const size_t signals_nsettings;

/* Finds a setting by name (NULL: no such setting). */
const struct signals_setting *signals_setting_find(const char *name);
/* Checks a value for a setting; 0, or -EINVAL with *why. */
int signals_setting_check(const struct signals_setting *s, const char *value,
    double *out, const char **why) __attribute__((warn_unused_result));
/* Reads a setting's value (its default when not set or unreadable as a
 * number); *set says whether it was set. Returns 0 or a store error. */
int signals_setting_get_txn(struct store_txn *t,
    const struct signals_setting *s, double *value, bool *set);
/* Reads a setting by name (which must exist). */
double signals_setting_txn(struct store_txn *t, const char *name);

/* ---- sales regions ("scanloop batch region") ----------------------- */

/* Parses "LAT,LON,KM" (degrees, kilometres > 0). 0, or -EINVAL with
 * *why. */
int signals_circle_parse(const char *text, struct store_circle *c,
    const char **why) __attribute__((warn_unused_result));
/* Great-circle distance in km between two points (haversine, mean
 * Earth radius 6371.0088 km). */
double signals_distance_km(double lat1, double lon1, double lat2,
    double lon2);

/* ---- raising, in the writer's transaction --------------------------- */

/* What one operation raised: per kind, and whether a clone was raised
 * for this scan (its page says the code was verified elsewhere). */
struct signals_raised {
	unsigned n[SIGNALS_KINDS];
	bool elsewhere;
};

/* The rules a scan event just appended (id and prev_same_code set; 0
 * for a forged scan past its budget) may meet: leaked_job, clone,
 * diversion, forgery_burst. forged is the count store_forged_count_txn
 * made of a forged or malformed event (NULL for other events): the
 * burst rule reads it and marks in it the signal it raised, and the
 * caller writes it back (store_forged_count_put_txn). Returns 0 or a
 * store error (which poisons the transaction). */
int signals_event_txn(struct store_txn *t, const struct store_event *ev,
    struct store_forged_count *forged, struct signals_raised *r);
/* The rules a location just attached to ev may meet: clone, diversion.
 * head is the code's newest event (its chain starts there). */
int signals_location_txn(struct store_txn *t, const struct store_event *ev,
    uint64_t head, struct signals_raised *r);

/* ---- redemption anomalies (signals_redeem.c) ------------------------ */

/* One store whose redemptions exceed its share of scans. */
struct signals_anomaly {
	char shop[STORE_ID_MAX + 1];
	uint64_t redeemed;		/* at this store in the period */
	uint64_t redeemed_all;		/* at every located store */
	uint64_t scans;			/* located human scans near it */
	uint64_t scans_all;		/* ... near any located store */
	double expected;		/* redeemed_all x its smoothed share */
	double p;			/* P(X >= redeemed), X ~ B(all, share) */
	double lat, lon;
};

/* Computes the anomalies of the period [from, to) (Unix µs) in a read
 * transaction, calling cb for each (a non-zero return stops). */
int signals_anomalies_txn(struct store_txn *t, int64_t from, int64_t to,
    int (*cb)(const struct signals_anomaly *, void *), void *arg);
/* The binomial upper tail P(X >= k) for X ~ B(n, p). */
double signals_binomial_tail(uint64_t n, double p, uint64_t k);

/* ---- listing (signals_list.c) -------------------------------------- */

enum signals_format {
	SIGNALS_TEXT,
	SIGNALS_CSV,
	SIGNALS_JSONL,
};

struct signals_query {
	unsigned kinds;			/* bit per kind; 0: every stored kind */
	bool has_since;
	uint64_t since;			/* stored signals: ids greater */
	bool has_from, has_to;
	int64_t from, to;		/* Unix µs */
	enum signals_format format;
	size_t limit;			/* rows at most; 0: no limit */
};

/* The field names of a signal row, in their order (docs/signals.md). */
extern const char *const signals_fields[];
extern const size_t signals_nfields;

/* Sets one option of a query by its name without dashes ("kind",
 * "since", "from", "to", "format", "limit"). 0, or -EINVAL with *why. */
int signals_query_set(struct signals_query *q, const char *name,
    const char *value, const char **why) __attribute__((warn_unused_result));
/* Reads a URL's query string ("kind=clone&since=5"), each name once.
 * 0, or -EINVAL with *why. */
int signals_query_parse_url(struct signals_query *q, const char *query,
    size_t len, const char **why) __attribute__((warn_unused_result));

struct record_decoder;			/* analytics/record.h */

#define SIGNALS_PREFIX_TEXT 64
/* A signal's network prefix as text ("203.0.113.0/24"), or "" when it
 * names none; cap at least SIGNALS_PREFIX_TEXT. */
void signals_prefix_text(const struct store_signal *s, char *out, size_t cap);

/* Writes the fields of a stored signal in the order of signals_fields
 * (the row stays open), its batch's GTIN and line read through dec: the
 * listing's row, for callers outside it (the Kafka records). Returns 0
 * or a store error. */
int signals_stored_write(struct output *o, struct record_decoder *dec,
    const struct store_signal *s) __attribute__((warn_unused_result));

/* Writes the signals the query names to a sink, in one read transaction
 * of st: the stored ones in id order, then (when the query names the
 * kind) the redemption anomalies of the period (--from, --to; by default
 * the redemption.days before now). *next is the --since of the next
 * incremental listing. Returns 0, or a negative errno with *why: -EINVAL
 * for a query that does not hold together, -ERANGE for a --since beyond
 * the newest signal. */
int signals_list(struct store *st, const struct signals_query *q,
    output_sink_fn sink, void *arg, uint64_t *next, const char **why)
    __attribute__((warn_unused_result));

#endif
