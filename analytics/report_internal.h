/*
 * report_internal.h — what the report's files share. Not an API.
 *
 *   report.c           the report's life: the query, the periods, the one
 *                      pass over the events of both periods
 *   report_tz.c        local days and hours in a time zone
 *   report_tables.c    batches (from the code summaries) and the bounded
 *                      tables: repeated codes, address prefixes
 *   report_campaign.c  a campaign's draws, wins, claims and redemptions
 *   report_signals.c   the signals of each period (signals.h)
 *   report_json.c      the JSON
 *   report_html.c      the HTML page; report_svg.c its charts and map;
 *                      report_text.c its words in Chinese and English
 *   geo.c              countries from the shipped outlines (geo.h)
 */
#ifndef SCANLOOP_REPORT_INTERNAL_H
#define SCANLOOP_REPORT_INTERNAL_H

#include "analytics/analytics_internal.h"
#include "analytics/report.h"
#include "analytics/signals.h"
#include "store/verdict.h"

/* The bounded tables. */
#define REPORT_CODES_MAX 16384		/* codes scanned twice in a period */
#define REPORT_PREFIXES_MAX 4096	/* address prefixes of forgeries */
#define REPORT_TOP 10			/* rows of the ranked tables */
#define REPORT_SHOPS_MAX 4096
#define REPORT_CHECKIN_SHOPS_MAX 1024	/* stores with check-ins */
#define REPORT_CELL_DEG 1		/* map cells: 1 x 1 degree */
#define REPORT_CELLS (360 * 180)
#define REPORT_TZ_SEGS 64
#define REPORT_SIGNALS_LATEST 10	/* newest signals kept per kind */
#define REPORT_DEALERS_MAX 64		/* dealers in the diversion table */
#define REPORT_ANOMALIES_MAX 1024	/* redemption anomalies listed */

/* A time zone over the report's span: UTC offsets from each instant on. */
struct report_tz {
	char name[REPORT_TZ_MAX];
	size_t n;
	struct {
		int64_t from;			/* Unix seconds */
		int32_t off;			/* seconds east of UTC */
	} seg[REPORT_TZ_SEGS];
};

/* Counts by who and by verdict (a day, an hour, a period). */
struct report_counts {
	uint64_t scans, human, bot, head, api;
	uint64_t verdict[VERDICT_COUNT];
};

/* A code scanned at least twice by people in a period. */
struct report_code {
	uint8_t serial[STORE_SERIAL_BYTES];
	uint32_t batch_id;
	uint32_t scans;			/* human scans in the period */
	bool used;
};

/* An address prefix (/24, /48) that sent forged or malformed codes. */
struct report_prefix {
	uint8_t family;			/* 4, 6; 0: free slot */
	uint8_t bytes[6];
	uint32_t forged, malformed;
};

/* One batch's figures in a period. */
struct report_batch_fig {
	uint64_t activated_codes;	/* active at the period's end */
	uint64_t codes_scanned;		/* first human scan before the end */
	uint64_t codes_scanned_period;	/* a human scan in the period */
	uint64_t first_scans;		/* first human scan in the period */
	uint64_t human, forged;
};

struct report_batch {
	struct store_batch b;
	struct report_batch_fig fig[2];	/* current, previous */
};

/* A tier's figures in a period. */
struct report_tier_fig {
	uint64_t awarded;		/* in the period */
	uint64_t awarded_to_end;	/* from the start to the period's end */
	uint64_t max_day;		/* most in one campaign day */
	uint64_t days_at_cap;
};

/* A store's redemptions in a period. */
struct report_shop {
	char id[STORE_ID_MAX + 1];
	char name[STORE_NAME_MAX * 3 + 1];
	uint64_t redeemed[2];
};

/* A store's check-ins in each period, and per local day of it. */
struct report_ck_shop {
	char id[STORE_ID_MAX + 1];
	char name[STORE_NAME_MAX * 3 + 1];
	uint64_t total[2];
	uint32_t *days[2];		/* [p[k].ndays] */
};

/* A campaign's figures in a period. */
struct report_campaign_fig {
	uint64_t draws;			/* online draws (tickets included) */
	uint64_t wins, misses, tickets, opened, grants, refused;
	uint64_t points;
	uint64_t claims;		/* made in the period */
	uint64_t claims_redeemed;	/* of those, redeemed by now */
	uint64_t redeemed;		/* redemptions in the period */
	struct report_tier_fig tier[CAMPAIGN_TIERS_MAX];
	uint32_t *wins_day;		/* [ntiers * ndays] of the campaign */
};

/* A period's signals: counts per kind (redemption anomalies computed
 * over the period), the newest of each stored kind (a ring, in id order
 * from latest_at[kind]) and the anomalies. */
struct report_signals {
	uint64_t count[SIGNALS_KINDS];
	/* Diversions per dealer whose region the item left ("": its
	 * batch's region), in the order first met. */
	struct report_dealer_count {
		char dealer[STORE_ID_MAX + 1];
		uint64_t n;
	} dealers[REPORT_DEALERS_MAX];
	size_t ndealers;
	bool dealers_full;
	struct store_signal latest[SIGNALS_KINDS][REPORT_SIGNALS_LATEST];
	struct signals_anomaly *anomalies;	/* [nanomalies] */
	size_t nanomalies;
	bool anomalies_full;
};

/* One period: [from, to) and everything counted in it. */
struct report_period {
	int64_t from, to;		/* Unix µs */
	int64_t day0;			/* local day number of from */
	size_t ndays;
	struct report_counts total;
	uint64_t first_scans, repeats, codes_scanned, located;
	struct report_counts *days;	/* [ndays] */
	struct report_counts hours[24];
	uint32_t *cells;		/* [REPORT_CELLS] located scans */
	uint64_t *countries;		/* [geo_ncountries + 1]; last: none */
	struct report_code *codes;	/* [REPORT_CODES_MAX], hashed */
	size_t ncodes;
	bool codes_full;
	struct report_prefix *prefixes;	/* [REPORT_PREFIXES_MAX], hashed */
	size_t nprefixes;
	bool prefixes_full;
	struct report_campaign_fig camp;
	struct report_signals sig;
};

struct report {
	struct store *st;
	struct store_txn t;
	bool txn_open;
	struct report_query q;
	int64_t now;
	struct report_tz tz;
	struct record_decoder *dec;
	struct campaign *campaign;	/* --campaign's, or NULL */
	struct report_period p[2];	/* current, previous */
	struct report_batch *batches;	/* in id order */
	size_t nbatches;
	struct report_shop *shops;
	size_t nshops;
	bool shops_full;
	struct report_ck_shop *ck_shops;	/* check-ins, in id order */
	size_t nck_shops;
	bool ck_full;
	uint64_t ck_total[2];
	uint64_t last_event;		/* the newest event of the snapshot */
	struct analytics_tail tail;	/* events not in the summaries yet */
	/* the pass over the events */
	struct store_event_cursor *cur;
	struct store_event ev, prev;
	uint64_t since_trim;
	bool tables_done;
	bool done;
};

/* ---- report_tz.c ------------------------------------------------------ */

/* Resolves zone over [from, to) (Unix µs). -EINVAL for an unknown zone,
 * -ERANGE when it changes offset more than REPORT_TZ_SEGS times. */
int report_tz_resolve(struct report_tz *tz, const char *zone, int64_t from,
    int64_t to) __attribute__((warn_unused_result));
/* The UTC offset (seconds) in force at Unix µs t. */
int32_t report_tz_offset(const struct report_tz *tz, int64_t t);
/* The local day number (days since 1970-01-01 local) of Unix µs t. */
int64_t report_tz_day(const struct report_tz *tz, int64_t t);
/* The local hour (0-23) of Unix µs t. */
int report_tz_hour(const struct report_tz *tz, int64_t t);
/* Unix µs of the local midnight that starts day. */
int64_t report_tz_midnight(const struct report_tz *tz, int64_t day);
/* "2026-06-01" of a day number (11 bytes with NUL). */
void report_day_text(int64_t day, char out[11]);
/* Local "2026-06-01 08:00" of Unix µs t, with the offset ("+08:00"). */
void report_time_text(const struct report_tz *tz, int64_t t, char out[32]);

/* ---- report_tables.c ------------------------------------------------- */

/* Reads the batches the report covers. */
int report_batches_load(struct report *r) __attribute__((warn_unused_result));
/* Finds a batch by id, or NULL. */
struct report_batch *report_batch_find(struct report *r, uint32_t id);
/* Counts the codes scanned by the end of each period, per batch, from
 * the code summaries. */
int report_batches_scanned(struct report *r)
    __attribute__((warn_unused_result));
/* Counts one more human scan in the period of a code scanned before in
 * it (first: its first scan in the period is counted too). */
void report_code_count(struct report_period *p, const struct store_event *ev);
/* Counts a forged or malformed scan by its address prefix. */
void report_prefix_count(struct report_period *p, const struct store_event *ev);
/* The ranked rows of the codes table: up to REPORT_TOP indexes, the most
 * scanned first; returns how many. */
size_t report_codes_top(const struct report_period *p, size_t out[REPORT_TOP]);
size_t report_prefixes_top(const struct report_period *p,
    size_t out[REPORT_TOP]);
/* The countries (geo.h indexes; geo_ncountries: outside them) with
 * located scans in p, most first: a malloc'd list of *n, or NULL. */
size_t *report_areas_sorted(const struct report_period *p, size_t *n);
/* The text of a prefix ("203.0.113.0/24"), 48 bytes with NUL. */
void report_prefix_text(const struct report_prefix *x, char out[48]);

/* ---- report_campaign.c ----------------------------------------------- */

/* Reads the campaign's draws and claims into both periods, and the names
 * of the stores that redeemed. */
int report_campaign_count(struct report *r)
    __attribute__((warn_unused_result));

/* ---- report.c, report_signals.c ---------------------------------------- */

/* True when the report covers the codes of a batch (0: no batch, which
 * only a report of every batch covers). */
bool report_covers_batch(struct report *r, uint32_t batch_id);
/* Reads the signals of both periods and computes their redemption
 * anomalies, in the report's transaction. */
int report_signals_count(struct report *r)
    __attribute__((warn_unused_result));
/* The indexes of a period's diversion dealers, most diversions first. */
void report_dealers_order(const struct report_signals *g,
    size_t order[REPORT_DEALERS_MAX]);
/* The newest signals of a kind in period p, newest first: up to
 * REPORT_SIGNALS_LATEST pointers into p->sig.latest; returns how many. */
size_t report_signals_latest(const struct report_period *p, int kind,
    const struct store_signal *out[REPORT_SIGNALS_LATEST]);

/* ---- report_svg.c and report_text.c ------------------------------------ */

/* One bar series of a chart. */
struct report_series {
	const char *name;
	const char *color;
	const double *v;
	bool line;			/* drawn as a line, not bars */
};

/* A chart of n columns (labels[i] under every step'th), stacked bars and
 * lines, with a title, axis titles, a legend. */
int report_svg_chart(struct buf *o, const char *title, const char *xlabel,
    const char *ylabel, const char *const *labels, size_t n, size_t step,
    const struct report_series *s, size_t ns)
    __attribute__((warn_unused_result));
/* The map of the located scans of both periods over the country
 * outlines. */
int report_svg_map(struct buf *o, const struct report *r, enum report_lang lang)
    __attribute__((warn_unused_result));
/* Appends s with HTML's five special characters escaped. */
int report_html_escape(struct buf *o, const char *s)
    __attribute__((warn_unused_result));

/* The words of the page, by key ("title"), in lang. */
const char *report_text(enum report_lang lang, const char *key);

/* ---- report_checkins.c ------------------------------------------------ */

/* Counts the store check-ins of both periods (per store, per day). */
int report_checkins_count(struct report *r)
    __attribute__((warn_unused_result));
/* Frees what report_checkins_count made. */
void report_checkins_free(struct report *r);

#endif
