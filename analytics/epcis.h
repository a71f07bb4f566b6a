/*
 * epcis.h — GS1 EPCIS 2.0 exports: a streaming EPCISDocument (JSON-LD)
 * writer with one ObjectEvent per scan and per step of a batch's life, and
 * the CBV 2.0 event hash that names each event (docs/export.md, section
 * "EPCIS 2.0").
 *
 * The writer formats events itself into a buffer and hands full buffers to
 * a sink (a file, stdout, a chunked HTTP answer): memory stays constant
 * whatever the number of events. Functions return 0 or a negative errno;
 * a sink's error is returned as it came and the writer then refuses
 * further events. A writer belongs to one thread. With a time zone it
 * sets TZ for the process while it is open (common/tz.h): the CLI only.
 */
#ifndef SCANLOOP_ANALYTICS_EPCIS_H
#define SCANLOOP_ANALYTICS_EPCIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analytics/record.h"
#include "common/buf.h"
#include "store/store.h"

/* The project's namespace for its extension fields and business steps,
 * declared in @context under the prefix "scanloop". A name, not a web
 * page; it never changes, because event hashes include it. */
#define EPCIS_NS "https://scanloop.invalid/epcis/"
#define EPCIS_NS_PREFIX "scanloop"
/* bizStep of a consumer's scan (the CBV has none), and of an activation. */
#define EPCIS_BIZSTEP_SCAN EPCIS_NS "BizStep-consumer_scanning"
#define EPCIS_BIZSTEP_ACTIVATE EPCIS_NS "BizStep-activating"
/* The host of an item's GS1 Digital Link URI when its key has none. */
#define EPCIS_DEFAULT_HOST "https://id.gs1.org"

/* "ni:///sha-256;" + 64 hex + "?ver=CBV2.0" and a NUL. */
#define EPCIS_HASH_LEN 90
#define EPCIS_GEO_DIGITS_DEFAULT 3
#define EPCIS_GEO_DIGITS_MAX 9
/* At most this many EPCs in the epcList of one batch event: a batch's
 * life is split into events of at most this many codes each. */
#define EPCIS_BATCH_CHUNK 10000

/* ---- the event hash (analytics/epcis_hash.c) ------------------------
 * The EPCIS event hash of CBV 2.0 (section 8.9), as the GS1 reference
 * implementation (github.com/RalphTro/epcis-event-hash-generator) computes
 * it, for the event fields below: the canonical pre-hash string (fields in
 * canonical order, lists sorted, times in UTC with milliseconds, CBV bare
 * words and URNs as web URIs, EPC URNs and GS1 Digital Link URIs as
 * constrained canonical https://id.gs1.org URIs, extensions as
 * "{namespace}name=value" sorted) and its SHA-256 as an RFC 6920 "ni" URI.
 * Fields that scanloop never writes (quantity lists, business
 * transactions, sources, sensors, ILMD) are not supported. */

/* A user extension element: a value, or children (value NULL). */
struct epcis_ext {
	const char *ns;			/* namespace URI */
	const char *name;		/* local name */
	const char *value;		/* NULL for a parent element */
	const struct epcis_ext *children;
	size_t n_children;
};

/* An event as the hash sees it; NULL/0 for absent fields. */
struct epcis_hash_event {
	const char *type;		/* "ObjectEvent" */
	int64_t time_us;		/* eventTime, Unix microseconds */
	const char *tz_offset;		/* eventTimeZoneOffset, "+08:00" */
	const char *const *epcs;	/* epcList */
	size_t n_epcs;
	const char *action;		/* ADD, OBSERVE, DELETE */
	const char *biz_step;		/* bare CBV word, URN or URI */
	const char *disposition;
	const char *read_point;		/* readPoint id */
	const char *biz_location;	/* bizLocation id */
	const struct epcis_ext *ext;	/* event-level extensions */
	size_t n_ext;
};

/* Appends the pre-hash string of ev to out. Returns 0 or -ENOMEM. */
int epcis_prehash(const struct epcis_hash_event *ev, struct buf *out)
    __attribute__((warn_unused_result, nonnull));
/* Writes the event's hash, "ni:///sha-256;HEX?ver=CBV2.0"; scratch is
 * the caller's buffer for the pre-hash string (reused between calls). */
int epcis_event_hash(const struct epcis_hash_event *ev, struct buf *scratch,
    char out[EPCIS_HASH_LEN]) __attribute__((warn_unused_result, nonnull));
/* Hashes a pre-hash string into "ni:///sha-256;HEX?ver=CBV2.0"; keep
 * (NULL: none) holds a context made on first use and kept for the next
 * hashes, freed with epcis_sha_free. */
struct epcis_sha;
int epcis_hash_text(struct epcis_sha **keep, const void *pre, size_t len,
    char out[EPCIS_HASH_LEN]) __attribute__((warn_unused_result,
    nonnull(2, 4)));
void epcis_sha_free(struct epcis_sha *sha);
/* Appends one piece of the pre-hash string as epcis_prehash writes it:
 * "key=canonical value" (nothing when value is NULL or its canonical form
 * empty; with prefix, a bare CBV word becomes its web URI with that
 * prefix, as bizStep and disposition are written); or one extension
 * element and its children. Returns 0 or -ENOMEM. */
int epcis_prehash_field(struct buf *out, const char *key, const char *prefix,
    const char *value) __attribute__((warn_unused_result, nonnull(1, 2)));
int epcis_prehash_ext(struct buf *out, const struct epcis_ext *e)
    __attribute__((warn_unused_result, nonnull));
/* Appends the canonical form of one value to out: trimmed; a CBV URN as
 * its web URI; a number without trailing zeros; an EPC URN (sgtin, sscc,
 * sgln) or a GS1 Digital Link URI (keys 00, 01, 414) as its constrained
 * canonical https://id.gs1.org URI. Returns 0 or -ENOMEM. */
int epcis_hash_canon_value(const char *value, struct buf *out)
    __attribute__((warn_unused_result, nonnull));

/* ---- the document writer (analytics/epcis.c) ------------------------ */

/* Hands len bytes of the document to the sink; 0 or a negative errno. */
typedef int (*epcis_sink_fn)(void *arg, const void *data, size_t len);

/* What bizStep a scan gets. */
enum epcis_scan_step {
	EPCIS_SCAN_STEP_CONSUMER = 0,	/* EPCIS_BIZSTEP_SCAN */
	EPCIS_SCAN_STEP_INSPECTING,	/* CBV "inspecting" */
};

struct epcis_opts {
	const char *tz;			/* IANA zone of eventTime, NULL: UTC */
	int geo_digits;			/* readPoint rounding, 0..9 */
	enum epcis_scan_step scan_step;
	int64_t created;		/* creationDate, Unix µs (0: now) */
};

struct epcis_writer;

/* Checks the options (-EINVAL for an unknown zone or bad digits) and
 * writes the document head through sink. */
int epcis_open(const struct epcis_opts *o, epcis_sink_fn sink, void *arg,
    struct epcis_writer **out) __attribute__((warn_unused_result));
/* Writes one scan as an ObjectEvent (action OBSERVE). */
int epcis_write_scan(struct epcis_writer *w, const struct scan_record *r)
    __attribute__((warn_unused_result, nonnull));

/*
 * The same in two halves, for two threads: a maker (one per thread, over
 * a writer's options; the writer's zone stays set while it lives) makes
 * a scan's parts, its event hash among them; the writer writes them.
 */
struct epcis_maker;
struct epcis_scan {
	char when[40], off[7], id[EPCIS_HASH_LEN], event[24], geo[80];
	char epc[STORE_URL_MAX + 64];
	bool has_epc;
	const char *step;
	/* The texts' lengths (id's is EPCIS_HASH_LEN - 1, off's 6): an
	 * export writes millions of them. */
	size_t when_len, event_len, geo_len, epc_len, step_len;
};
/*
 * The pre-hash string of a scan's event (analytics/epcis_scan.c): the
 * string epcis_prehash writes for the event epcis_scan_event describes,
 * made from pieces kept between events (the offset, the bizStep, the
 * canonical form of the EPC up to its serial) without sorting or
 * canonicalising what a scan cannot change. A memo belongs to one maker.
 */
struct epcis_scan_memo {
	struct buf off_piece, step_piece, action_piece;
	char off[7];
	const char *step;
	char epc_head[STORE_URL_MAX + 64];	/* the EPC before its serial */
	size_t epc_head_len;
	char canon_head[64];		/* its canonical form, if fast */
	size_t canon_head_len;		/* 0: the EPC takes the slow path */
	bool ready;
	bool utc_ready;			/* utc_text holds utc_sec */
	int64_t utc_sec;		/* the last eventTime's second, UTC */
	char utc_text[20];		/* ... as "2026-06-01T12:00:00" */
	struct epcis_sha *sha;		/* the maker's digest context */
};
void epcis_scan_memo_free(struct epcis_scan_memo *m);
/* The event of a scan whose parts are made, for epcis_prehash: ext and
 * epcs are the caller's room for the extensions and the EPC. */
void epcis_scan_event(const struct scan_record *r, const struct epcis_scan *s,
    struct epcis_ext ext[4], const char *epcs[1], struct epcis_hash_event *ev);
/* Writes the pre-hash string of that event into out (reset first).
 * Returns 0 or -ENOMEM. */
int epcis_scan_prehash(struct epcis_scan_memo *m, const struct scan_record *r,
    const struct epcis_scan *s, struct buf *out)
    __attribute__((warn_unused_result, nonnull));
int epcis_maker_new(const struct epcis_writer *w, struct epcis_maker **out)
    __attribute__((warn_unused_result));
void epcis_maker_free(struct epcis_maker *m);
int epcis_scan_make(struct epcis_maker *m, const struct scan_record *r,
    struct epcis_scan *s) __attribute__((warn_unused_result, nonnull));
int epcis_write_made(struct epcis_writer *w, const struct scan_record *r,
    const struct epcis_scan *s) __attribute__((warn_unused_result, nonnull));

/* A step in the life of a batch's codes. */
enum epcis_life {
	EPCIS_LIFE_MINT = 1,	/* ADD, commissioning, inactive */
	EPCIS_LIFE_ACTIVATE,	/* OBSERVE, activating, active */
	EPCIS_LIFE_VOID,	/* DELETE, decommissioning, inactive */
};

/* One event of a batch's life over some of its codes. */
struct epcis_life_event {
	enum epcis_life step;
	int64_t time;			/* Unix µs */
	uint32_t batch_id;
	const char *gtin;		/* 14 digits */
	const char *base_url;		/* the key's base URL, or NULL */
	const char *void_reason;	/* EPCIS_LIFE_VOID: "misprint", … */
	const uint8_t (*serials)[STORE_SERIAL_BYTES];
	size_t n;			/* 1..EPCIS_BATCH_CHUNK */
};

/* Writes one life event (an ObjectEvent over ev->n codes). */
int epcis_write_life(struct epcis_writer *w, const struct epcis_life_event *ev)
    __attribute__((warn_unused_result, nonnull));
/* Writes every life event of the batches in t (id order) that happened in
 * [from, to) (Unix µs; INT64_MIN, INT64_MAX: no bounds): each batch's mint, activation and
 * whole-batch void, and its single-code voids, in chunks of at most
 * EPCIS_BATCH_CHUNK codes in serial order. batch_id 0: all batches; want
 * (NULL: all) chooses among them. */
int epcis_write_batches_txn(struct epcis_writer *w, struct store_txn *t,
    uint32_t batch_id, int64_t from, int64_t to,
    bool (*want)(const struct store_batch *, void *), void *arg)
    __attribute__((warn_unused_result, nonnull(1, 2)));
/* Number of events written so far. */
uint64_t epcis_events(const struct epcis_writer *w);
/* Bytes of the document so far: given to the sink and buffered. */
uint64_t epcis_bytes(const struct epcis_writer *w);
/* Hands what is buffered to the sink now. */
int epcis_flush(struct epcis_writer *w) __attribute__((warn_unused_result));
/* Writes the document tail and flushes. */
int epcis_close(struct epcis_writer *w) __attribute__((warn_unused_result));
/* Frees the writer (closed or not) and restores TZ; NULL is allowed. */
void epcis_free(struct epcis_writer *w);

#endif
