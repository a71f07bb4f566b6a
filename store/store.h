/*
 * store.h — the LMDB store: schema, transactions and records.
 *
 * Only store/ includes <lmdb.h>. Every function returns 0 or a negative
 * errno: -ENOENT (no such record), -EEXIST (already there), -ENOSPC (map or
 * disk full), -EIO (I/O error; LMDB may be unusable), -EBUSY (a stale
 * mint is still running). docs/store.md describes the schema and its cost.
 *
 * Thread safety: a struct store is shared by all threads of a process; a
 * transaction belongs to one thread at a time (the environment uses
 * MDB_NOTLS, so a read transaction may move between threads).
 */
#ifndef SCANLOOP_STORE_H
#define SCANLOOP_STORE_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define STORE_SCHEMA_VERSION 1
#define STORE_SERIAL_BYTES 8
#define STORE_CHECK_BYTES 8
#define STORE_GTIN_LEN 14
#define STORE_URL_MAX 128
#define STORE_LINE_MAX 32
#define STORE_DEFAULT_DIR "./var/scanloop"
/* Codes per write transaction while minting, so that a running scan
 * server never waits long for LMDB's single writer. */
#define STORE_MINT_CHUNK 10000

struct store;

/* Open flags. */
#define STORE_RDONLY 0x1	/* read-only: fails if the store is missing */
#define STORE_CREATE 0x2	/* create the directory and schema if missing */

/* A transaction with a sticky error (Knot's txn->ret): after the first
 * failure every _txn call returns it and commit aborts. */
struct store_txn {
	struct store *st;
	void *txn;		/* MDB_txn */
	int ret;
	bool rdonly;
};

/* Opens (or creates) the store in dir. */
int store_open(const char *dir, int flags, struct store **out)
    __attribute__((warn_unused_result));
/* Closes the store; NULL is allowed. */
void store_close(struct store *st);
/* Returns the directory the store was opened from. */
const char *store_dir(const struct store *st);
/* Translates an LMDB or system error code into a negative errno. */
int store_error(int rc);
/* Returns a short text for a negative errno from this module. */
const char *store_strerror(int err);

/* Begins a transaction (read-only when rdonly). */
int store_txn_begin(struct store *st, bool rdonly, struct store_txn *t)
    __attribute__((warn_unused_result));
/* Commits (or aborts, after an earlier error). Returns the first error. */
int store_txn_commit(struct store_txn *t);
/* Aborts; safe on an ended transaction. */
void store_txn_abort(struct store_txn *t);
/* Releases a read transaction's snapshot but keeps it for renew. */
void store_txn_reset(struct store_txn *t);
/* Takes a fresh snapshot for a reset read transaction. */
int store_txn_renew(struct store_txn *t) __attribute__((warn_unused_result));

/* ---- keys ---------------------------------------------------------- */

#define STORE_KEY_PUBLIC_BYTES 32

struct store_key {
	uint8_t id;
	uint8_t scheme;		/* 1 = Ed25519, 2 = MAC */
	int64_t created;	/* Unix microseconds */
	/* Ed25519 public key, or the fingerprint of a MAC key. */
	uint8_t public[STORE_KEY_PUBLIC_BYTES];
	char base_url[STORE_URL_MAX + 1];
};

/* Adds a key; -EEXIST if the id is taken. */
int store_key_add_txn(struct store_txn *t, const struct store_key *k);
/* Adds a key in a transaction of its own: its id, scheme, public part
 * (STORE_KEY_PUBLIC_BYTES), its codes' base URL and when it was made.
 * Returns 0, -EEXIST if the id is taken, or another negative errno. */
int store_key_add(struct store *st, uint8_t id, uint8_t scheme,
    const uint8_t *public, const char *base_url, int64_t created)
    __attribute__((warn_unused_result));
/* Reads a key by id. */
int store_key_get_txn(struct store_txn *t, uint8_t id, struct store_key *k);
/* Calls cb for every key in id order; a non-zero cb return stops. */
int store_key_foreach_txn(struct store_txn *t,
    int (*cb)(const struct store_key *, void *), void *arg);

/* ---- batches ------------------------------------------------------- */

enum store_batch_state {
	STORE_BATCH_MINTING = 1,	/* codes being inserted; invisible */
	STORE_BATCH_READY = 2,		/* minted, not yet active */
	STORE_BATCH_ACTIVE = 3,		/* codes scan as genuine */
	STORE_BATCH_VOID = 4,		/* the whole batch was voided */
};

#define STORE_BATCH_F_DRAW_CODES 0x01

struct store_batch {
	uint32_t id;
	uint8_t state;		/* enum store_batch_state */
	uint8_t key_id;
	uint8_t scheme;
	uint8_t flags;
	char gtin[STORE_GTIN_LEN + 1];
	char line[STORE_LINE_MAX + 1];
	uint8_t void_reason;	/* for STORE_BATCH_VOID */
	uint8_t qr_version;
	uint8_t ecc;
	uint64_t count;
	uint64_t voided;	/* codes voided one by one */
	int64_t created;
	int64_t activated;	/* 0 until activated */
	int64_t voided_at;
	/* While minting: the serial range inserted so far (for clean-up). */
	uint8_t lo[STORE_SERIAL_BYTES];
	uint8_t hi[STORE_SERIAL_BYTES];
	uint64_t inserted;
	/* And the draw-code hashes inserted (STORE_BATCH_F_DRAW_CODES). */
	uint8_t draw_lo[16];
	uint8_t draw_hi[16];
	uint64_t draw_inserted;
	uint16_t void_runs;	/* store_codes_void calls so far */
	uint8_t reserved[22];
};

/* Returns "minting", "ready", "active", "void" or "?". */
const char *store_batch_state_name(int state);
/* Reads a batch. */
int store_batch_get_txn(struct store_txn *t, uint32_t id,
    struct store_batch *b);
/* Writes a batch record (which must exist). */
int store_batch_put_txn(struct store_txn *t, const struct store_batch *b);
/* Calls cb for every batch in id order. */
int store_batch_foreach_txn(struct store_txn *t,
    int (*cb)(const struct store_batch *, void *), void *arg);
/* Marks a ready batch active (idempotent for an active one). */
int store_batch_activate(struct store *st, uint32_t id, int64_t now,
    struct store_batch *out);

/* ---- codes --------------------------------------------------------- */

enum store_void_reason {
	STORE_VOID_NONE = 0,
	STORE_VOID_MISPRINT,
	STORE_VOID_DAMAGED,
	STORE_VOID_LOST,
	STORE_VOID_STOLEN,
	STORE_VOID_OTHER,
};

/* One code as stored: 16 bytes under its 8-byte serial. */
struct store_code {
	uint32_t batch_id;
	uint8_t void_reason;	/* enum store_void_reason */
	uint8_t flags;
	/* Which store_codes_void call of its batch voided it (1, 2, …; see
	 * store_void_run_get_txn); 0 if none or if the store predates it. */
	uint16_t void_run;
	/* BLAKE2b-64 of the code's message and tag (code_check_digest): enough
	 * to authenticate a presented code, useless for printing one. */
	uint8_t check[STORE_CHECK_BYTES];
};
static_assert(sizeof(struct store_code) == 16, "store_code is 16 bytes");

/* A code to insert: serial and record. */
struct store_code_entry {
	uint8_t serial[STORE_SERIAL_BYTES];
	struct store_code code;
};
static_assert(sizeof(struct store_code_entry) == 24, "entry is 24 bytes");

/* Returns "misprint", "damaged", … or NULL for none. */
const char *store_void_reason_name(int reason);
/* Parses a void reason name; returns it or -EINVAL. */
int store_void_reason_parse(const char *name);
/* Reads a code by serial. */
int store_code_get_txn(struct store_txn *t,
    const uint8_t serial[STORE_SERIAL_BYTES], struct store_code *c);
/* Sets *exists for each of n serials given in ascending order. */
int store_codes_exist_txn(struct store_txn *t,
    const uint8_t (*serials)[STORE_SERIAL_BYTES], size_t n, bool *exists);
/* Calls cb for every code in serial order (codes of batches still
 * minting included: the caller checks the batch); a non-zero cb return
 * stops and is returned. */
int store_code_foreach_txn(struct store_txn *t,
    int (*cb)(const uint8_t serial[STORE_SERIAL_BYTES],
    const struct store_code *c, void *arg), void *arg);
/* Voids codes of one batch: every serial must belong to the batch (checked
 * first, changing nothing on failure; *bad is the index of the first that
 * does not). Applied in chunks; re-running is harmless. */
int store_codes_void(struct store *st, uint32_t batch_id,
    const uint8_t (*serials)[STORE_SERIAL_BYTES], size_t n, int reason,
    int64_t now, size_t *bad, uint64_t *newly_voided);
/* Voids a whole batch. */
int store_batch_void(struct store *st, uint32_t id, int reason, int64_t now);

/* One store_codes_void call ("void run") of a batch: when, why, and how
 * many codes it voided. Kept in meta under "void_run/" + batch + run. */
struct store_void_run {
	int64_t time;		/* Unix µs */
	uint64_t count;		/* codes it voided */
	uint8_t reason;		/* enum store_void_reason */
	uint8_t reserved[7];
};
static_assert(sizeof(struct store_void_run) == 24, "void run is 24 bytes");

/* Reads void run number run (1..b.void_runs) of a batch. */
int store_void_run_get_txn(struct store_txn *t, uint32_t batch_id,
    uint16_t run, struct store_void_run *r);

/* ---- minting --------------------------------------------------------
 * A mint creates its batch in state MINTING, inserts its codes in sorted
 * chunks of at most STORE_MINT_CHUNK, then flips the batch to READY in one
 * small transaction, which makes all its codes visible at once. A mint
 * that dies holds no lock any more; the next mint (or store_mint_recover)
 * deletes what it left. */

struct store_mint;

/* Creates the batch record (id assigned) and takes the mint lock. */
int store_mint_begin(struct store *st, struct store_batch *b,
    struct store_mint **out) __attribute__((warn_unused_result));
/* Inserts n entries sorted by serial, greater than any inserted before,
 * in one transaction. -EEXIST if a serial is already in the store. */
int store_mint_insert(struct store_mint *m, const struct store_code_entry *e,
    size_t n) __attribute__((warn_unused_result));
/* Makes the batch READY (visible). */
int store_mint_finish(struct store_mint *m) __attribute__((warn_unused_result));
/* Deletes the batch and its codes (after a failure) and frees m. */
int store_mint_abort(struct store_mint *m);
/* Frees m after store_mint_finish. */
void store_mint_free(struct store_mint *m);
/* Deletes the leftovers of mints whose process died. Sets *recovered to the
 * number of batches removed. */
int store_mint_recover(struct store *st, unsigned *recovered);

/* ---- scan events ----------------------------------------------------
 * Every scan the server answers becomes an event with a monotonically
 * increasing id (a counter in meta, taken inside the write transaction).
 * Events of one code are chained newest to oldest through prev_same_code,
 * and code_scans keeps each scanned code's counts, first and last event, so
 * a code's history needs no separate index. */

#define STORE_EVENT_UA_MAX 256
#define STORE_EVENT_LANG_MAX 64
#define STORE_EVENT_RAW_MAX 256

/* Event flags. */
#define STORE_EVENT_F_HUMAN 0x01	/* not a bot, not HEAD */
#define STORE_EVENT_F_HEAD 0x02		/* a HEAD request */
#define STORE_EVENT_F_API 0x04		/* JSON API, not the page */
#define STORE_EVENT_F_LOCATION 0x08	/* lat/lon/accuracy are set */
#define STORE_EVENT_F_IP_ANON 0x10	/* ip was anonymised */
#define STORE_EVENT_F_KNOWN 0x20	/* serial/batch name a stored code */
#define STORE_EVENT_F_DRAW 0x40		/* an inner draw code was scanned */
#define STORE_EVENT_F_AUTH 0x80		/* the code's signature matched the
					 * store: only such scans count as the
					 * code's human and first scans */

struct store_event {
	uint64_t id;
	int64_t time;			/* Unix microseconds */
	uint64_t prev_same_code;	/* previous event of this code, or 0 */
	uint8_t serial[STORE_SERIAL_BYTES];	/* zero if none parsed */
	uint32_t batch_id;		/* 0 if unknown */
	uint8_t key_id;
	uint8_t verdict;		/* enum verdict (store/verdict.h) */
	uint8_t flags;			/* STORE_EVENT_F_* */
	uint8_t ip_family;		/* 0, 4 or 6 */
	uint8_t ip[16];
	uint8_t visitor[16];		/* first-party visitor id, or zero */
	double lat;
	double lon;
	float accuracy;			/* metres */
	uint8_t reason;			/* verdict_reason_code(), 0: none */
	uint8_t reserved[3];
	int64_t location_time;
	/* Variable part, NUL-terminated in memory, truncated to the maxima. */
	char ua[STORE_EVENT_UA_MAX + 1];
	char lang[STORE_EVENT_LANG_MAX + 1];
	char raw[STORE_EVENT_RAW_MAX + 1];	/* forged/malformed text */
};

/* What the store keeps per scanned code (code_scans database). A forged
 * code that reuses a real serial joins the chain and the total, but never
 * counts as a human or first scan of the genuine code. */
struct store_code_scans {
	uint32_t human;			/* authenticated human scans */
	uint32_t total;			/* all scans, bots, HEAD, forgeries */
	uint64_t first_event;		/* first human scan (0 if none) */
	uint64_t last_event;		/* newest scan of any kind */
	int64_t first_time;
	double first_lat;
	double first_lon;
	float first_accuracy;
	uint8_t first_has_location;
	/* The code's online draw in one campaign, kept here by the scan
	 * server instead of a draws_by_code entry (a summary is written by
	 * the fold anyway; an entry of its own cost a random page a draw):
	 * draw_tag is store_draw_tag of the campaign (0: none), checked
	 * against the draw record itself. Summaries of older stores are
	 * 56 bytes: no draw here. */
	uint8_t draw_tag[3];
	uint64_t draw_seq;
};
static_assert(sizeof(struct store_code_scans) == 64, "code_scans layout");
#define STORE_CODE_SCANS_V1 56		/* a summary without its draw */
static_assert(offsetof(struct store_code_scans, draw_tag) == 53,
    "code_scans layout");

/*
 * Summaries are derived data. The scan server appends events only (a
 * random summary update per event would double what each group commit
 * writes) and keeps the summaries of recent scans in memory, folding them
 * into code_scans about once a second, in slices; "scans_folded" in meta
 * names an event up to which every event's effect is in code_scans, and a
 * restart folds the rest (store_scans_fold). A slice may write a summary
 * that already holds events past the watermark: every code's events are
 * applied in id order, so an event at or below its summary's last_event
 * is in it and is skipped (store_code_scans_replay). Readers that cannot
 * see the server's memory use store_code_scans_current_txn, which adds
 * the unfolded tail the same way.
 */

/* Applies an event (id set) to its code's summary; no store access. */
void store_code_scans_apply(struct store_code_scans *s,
    const struct store_event *ev);
/* Applies an event past the fold watermark to its code's summary, unless
 * the summary already holds it (ev->id <= last_event: then only a
 * location given to it since); no store access. */
void store_code_scans_replay(struct store_code_scans *s,
    const struct store_event *ev);
/* Applies a location given to event ev (id, lat, lon...) to its code's
 * summary when it was the first human scan; no store access. */
void store_code_scans_locate(struct store_code_scans *s,
    const struct store_event *ev);
/* Appends an event: assigns ev->id; ev->prev_same_code is the caller's. */
int store_event_append_txn(struct store_txn *t, struct store_event *ev);
/* Appends an event and updates its summary in the store at once (a writer
 * without a summary cache; the server uses store_event_append_txn). On
 * return ev->id, ev->prev_same_code and *scans are set. */
int store_event_add_txn(struct store_txn *t, struct store_event *ev,
    struct store_code_scans *scans);
/* Reads one event. */
int store_event_get_txn(struct store_txn *t, uint64_t id,
    struct store_event *ev);
/* Sets an event's location once: -EEXIST if it already has one. The
 * updated event is returned in *ev (for the summary). */
int store_event_set_location_txn(struct store_txn *t, uint64_t id,
    double lat, double lon, float accuracy, int64_t now,
    struct store_event *ev);
/* Reads a code's stored summary (-ENOENT if none). */
int store_code_scans_get_txn(struct store_txn *t,
    const uint8_t serial[STORE_SERIAL_BYTES], struct store_code_scans *s);
/* Writes a code's summary. */
int store_code_scans_put_txn(struct store_txn *t,
    const uint8_t serial[STORE_SERIAL_BYTES],
    const struct store_code_scans *s);
/* A code's summary including events not yet folded (-ENOENT if none). */
int store_code_scans_current_txn(struct store_txn *t,
    const uint8_t serial[STORE_SERIAL_BYTES], struct store_code_scans *s);
/* The fold watermark: events up to it are in code_scans. */
int store_scans_folded_txn(struct store_txn *t, uint64_t *id);
int store_scans_set_folded_txn(struct store_txn *t, uint64_t id);
/* Calls cb for each event with an id greater than after, in order. */
int store_event_foreach_after_txn(struct store_txn *t, uint64_t after,
    int (*cb)(const struct store_event *, void *), void *arg);
/* Folds every event after the watermark into code_scans, in chunks. */
int store_scans_fold(struct store *st, uint64_t *folded);
/* Calls cb for events from newest to oldest, starting at before (exclusive;
 * UINT64_MAX for the newest), at most limit of them. */
int store_event_foreach_desc_txn(struct store_txn *t, uint64_t before,
    size_t limit, int (*cb)(const struct store_event *, void *), void *arg);
/* Calls cb for the events of one code, newest first. */
int store_event_foreach_code_txn(struct store_txn *t,
    const uint8_t serial[STORE_SERIAL_BYTES], size_t limit,
    int (*cb)(const struct store_event *, void *), void *arg);
/* A cursor over events in id order, for exports that stream: it lives in
 * its read transaction and must be closed before the transaction ends. */
struct store_event_cursor;
/* Opens a cursor before the first event with an id greater than after. */
int store_event_cursor_open_txn(struct store_txn *t, uint64_t after,
    struct store_event_cursor **out) __attribute__((warn_unused_result));
/* Reads the next event: 0, -ENOENT after the last, -EIO if damaged. */
int store_event_cursor_next(struct store_event_cursor *c,
    struct store_event *ev) __attribute__((warn_unused_result));
/* Lets go of the store pages the cursor has read since the last trim
 * (they stay in the page cache), so that a long export keeps a flat
 * resident size. */
void store_event_cursor_trim(struct store_event_cursor *c);
/* Closes a cursor; NULL is allowed. */
void store_event_cursor_close(struct store_event_cursor *c);
/* Calls cb for every code's stored summary in serial order (without the
 * unfolded tail: see store_scans_folded_txn). */
int store_code_scans_foreach_txn(struct store_txn *t,
    int (*cb)(const uint8_t serial[STORE_SERIAL_BYTES],
    const struct store_code_scans *s, void *arg), void *arg);
/* Returns the newest event id (0 if none). */
int store_event_last_id_txn(struct store_txn *t, uint64_t *id);
/* Reads the named 32-byte server secret from meta, creating it once. */
int store_secret_get(struct store *st, const char *name, uint8_t out[32]);

/* ---- forged and malformed scans: the budget, and retention -----------
 * A forged or malformed scan costs an event and, with a parsed serial, a
 * code_scans record: a flood of them would fill the disk. They are counted
 * per client network (IPv4 /24, IPv6 /48) and UTC hour in forged_counts,
 * and only the first `budget` of each network-hour are stored one by one
 * (the sample: their raw text and User-Agent); past it they are counted,
 * not stored. The forgery_burst signal reads the same count and notes
 * in it that it was raised. Retention (store_prune_step) deletes forged
 * and malformed events and their counts after some days, and drops the
 * client address of older events, in short transactions (docs/store.md
 * section 13). */

#define STORE_VERDICT_FORGED 3		/* as in scanner/verify.h */
#define STORE_VERDICT_MALFORMED 4
#define STORE_NET_BYTES 8		/* 4 or 6 (0: none), the /24 or /48 */
#define STORE_FORGED_BUDGET_DEFAULT 1000	/* events per network-hour */

/* What forged_counts keeps per network and hour. */
struct store_forged_count {
	uint64_t forged;		/* forged scans counted */
	uint64_t malformed;		/* malformed scans counted */
	uint64_t kept;			/* of them, stored as events */
	int64_t first;			/* Unix µs of the first */
	int64_t last;			/* and of the last */
	uint64_t first_event;		/* id of the first stored, 0: none */
	uint64_t signal_id;		/* its forgery_burst signal, 0: none */
};
static_assert(sizeof(struct store_forged_count) == 56, "count layout");

/* The client network of an event: its family (4 or 6; 0 when it has no
 * address) and the /24 or /48 of its address, zero-padded. */
void store_event_net(const struct store_event *ev,
    uint8_t net[STORE_NET_BYTES]);
/* Counts a forged or malformed event in its network's hour: reads that
 * count into *c (zero for a new hour) and counts ev in it, and sets
 * *keep when ev is within the first budget of them (store it). Returns 1
 * when ev was counted: the caller stores ev if *keep, may let the
 * forgery_burst rule read and mark *c, then writes *c back with
 * store_forged_count_put_txn, in the same transaction. Returns 0 for
 * other verdicts: not counted, always kept. */
int store_forged_count_txn(struct store_txn *t, const struct store_event *ev,
    uint64_t budget, struct store_forged_count *c, bool *keep);
/* Writes back the count of ev's network-hour; ev's id (0 if it was not
 * stored) becomes the count's first_event if it has none. */
int store_forged_count_put_txn(struct store_txn *t,
    const struct store_event *ev, struct store_forged_count *c);
/* Reads one network-hour's count (-ENOENT if none). */
int store_forged_count_get_txn(struct store_txn *t, uint32_t hour,
    const uint8_t net[STORE_NET_BYTES], struct store_forged_count *c);
/* Calls cb for every count from hour first on, by hour, then network. */
int store_forged_count_foreach_txn(struct store_txn *t, uint32_t first,
    int (*cb)(uint32_t hour, const uint8_t net[STORE_NET_BYTES],
    const struct store_forged_count *, void *), void *arg);

/* What to prune; a time of 0 prunes nothing of that kind. */
struct store_prune_policy {
	int64_t forged_before;		/* Unix µs: forged and malformed
					 * events and counts older go */
	int64_t ip_before;		/* Unix µs: older events (and counts)
					 * lose their address */
	int64_t groups_before;		/* Unix µs: groups never unlocked
					 * whose deadline is older go */
};

struct store_prune_stats {
	uint64_t examined;		/* events looked at */
	uint64_t deleted;		/* forged/malformed events deleted */
	uint64_t relinked;		/* chain links moved past them */
	uint64_t summaries;		/* code summaries changed, deleted */
	uint64_t addresses;		/* events whose address went */
	uint64_t counts_deleted;	/* network-hour counts deleted */
	uint64_t counts_merged;		/* counts merged into "no network" */
	uint64_t groups;		/* abandoned groups deleted */
	uint64_t group_members;		/* their members deleted */
};

#define STORE_PRUNE_EXAMINE 10000	/* events looked at per pass and step */
#define STORE_PRUNE_CHANGE 2000		/* records changed per pass and step */

/* One step of pruning in its own write transaction: each kind goes on
 * from where the last step left it (watermarks in meta), at most
 * STORE_PRUNE_EXAMINE events looked at and STORE_PRUNE_CHANGE records
 * changed per kind. Only events the fold watermark covers are deleted:
 * the code summaries must be folded, and no other process may keep them
 * in memory (no scan server runs, or it is the caller). Adds what it did
 * to *s once committed. Returns 1 if more is left, 0 when done. */
int store_prune_step(struct store *st, const struct store_prune_policy *p,
    struct store_prune_stats *s) __attribute__((warn_unused_result));

/* ---- rewards: campaigns, draws, claims, shops, points ----------------
 * A campaign's configuration is immutable once loaded (the audit replays
 * draws against it); its header holds what changes: state, the draw
 * sequence, the seed. Keys that name a campaign use its id padded with
 * zeros to STORE_ID_MAX bytes. */

#define STORE_ID_MAX 32			/* campaign and shop ids */
#define STORE_NAME_MAX 64
#define STORE_CLAIM_ID_BYTES 5		/* the public half of a claim token */
#define STORE_CLAIM_HASH_BYTES 16
#define STORE_SHOP_SELECTOR_BYTES 5
#define STORE_SHOP_HASH_BYTES 32
#define STORE_DRAWCODE_HASH_BYTES 16
#define STORE_VISITOR_BYTES 16

enum store_campaign_state {
	STORE_CAMPAIGN_ACTIVE = 1,	/* runs between start and end */
	STORE_CAMPAIGN_PAUSED = 2,
	STORE_CAMPAIGN_ENDED = 3,
};

struct store_campaign {
	char id[STORE_ID_MAX + 1];
	uint8_t state;			/* enum store_campaign_state */
	uint8_t reserved[6];
	int64_t loaded;
	int64_t start;			/* Unix µs */
	int64_t end;
	int64_t changed;		/* last state change */
	uint64_t draws;			/* last draw sequence number used */
	uint8_t seed[32];		/* secret until revealed */
	uint8_t commitment[32];		/* BLAKE2b-256 of the seed */
	int64_t revealed;		/* 0 while the seed is secret */
};
static_assert(sizeof(struct store_campaign) == 152, "campaign layout");

/* Adds a campaign with its configuration text; -EEXIST if the id exists.
 * Bumps the campaigns generation. */
int store_campaign_add_txn(struct store_txn *t, const struct store_campaign *c,
    const char *config, size_t len);
/* Reads a campaign header. */
int store_campaign_get_txn(struct store_txn *t, const char *id,
    struct store_campaign *c);
/* Writes a campaign header (which must exist). bump: also bump the
 * generation, for changes servers must notice (state). */
int store_campaign_put_txn(struct store_txn *t, const struct store_campaign *c,
    bool bump);
/* Reads a campaign's configuration into a malloc'd NUL-terminated string. */
int store_campaign_config_txn(struct store_txn *t, const char *id,
    char **config, size_t *len);
/* Calls cb for every campaign header in id order. */
int store_campaign_foreach_txn(struct store_txn *t,
    int (*cb)(const struct store_campaign *, void *), void *arg);
/* The campaigns generation: changes whenever a campaign is added or its
 * state changes, so a server knows when to reload. */
int store_campaigns_generation_txn(struct store_txn *t, uint64_t *gen);

/* Counters of a campaign: awarded per tier (day 0 = in total, else per
 * local day), and the risk limits' counts. */
enum store_counter_kind {
	STORE_COUNT_STOCK = 'S',	/* subject: tier index */
	STORE_COUNT_VISITOR_DAY = 'V',	/* subject: visitor id */
	STORE_COUNT_IP_HOUR = 'I',	/* subject: IP prefix */
	STORE_COUNT_VISITOR_WINS = 'W',	/* subject: visitor id */
	STORE_COUNT_SUMMARY = 'Z',	/* subject: STORE_SUM_* */
	STORE_COUNT_LEASE = 'L',	/* subject: tier index, STORE_LEASE_* */
};
/* Stock a node leased from a shared ledger (serve --pg), per tier and
 * period as STORE_COUNT_STOCK: taken, and given back; it holds taken
 * minus given back minus awarded. */
#define STORE_LEASE_TAKEN 0
#define STORE_LEASE_RETURNED 1
#define STORE_SUM_DRAWS 1
#define STORE_SUM_WINS 2
#define STORE_SUM_TICKETS 3
#define STORE_SUM_REFUSED 4
#define STORE_SUM_CLAIMS 5
#define STORE_SUM_REDEEMED 6
#define STORE_SUM_POINTS 7
#define STORE_SUM_GRANTS 8		/* streak prizes granted */
#define STORE_SUM_GRANTS_MISSED 9	/* ... and not, for want of stock */

/* Reads a counter (0 if absent). */
int store_counter_get_txn(struct store_txn *t, const char *campaign, int kind,
    const uint8_t subject[16], uint32_t period, uint64_t *value);
/* Adds delta to a counter. */
int store_counter_add_txn(struct store_txn *t, const char *campaign, int kind,
    const uint8_t subject[16], uint32_t period, uint64_t delta);

/* One entry of a campaign's draw log. */
enum store_draw_kind {
	STORE_DRAW_ONLINE = 'D',	/* a code drew online */
	STORE_DRAW_OPEN = 'T',		/* a sealed ticket opened at a shop */
	STORE_DRAW_REFUSED = 'R',	/* refused by a risk rule */
	STORE_DRAW_GRANT = 'G',		/* a prize granted, not drawn (a
					 * completed check-in streak's) */
};
#define STORE_OUTCOME_MISS 0		/* else tier index + 1 */
#define STORE_OUTCOME_TICKET 0xFE	/* online: a sealed ticket issued */
#define STORE_OUTCOME_REFUSED 0xFF

struct store_draw {
	uint64_t seq;			/* 1, 2, ... per campaign */
	int64_t time;
	uint8_t serial[STORE_SERIAL_BYTES];
	uint64_t event_id;		/* the scan event of the draw */
	uint8_t kind;			/* enum store_draw_kind */
	uint8_t outcome;		/* STORE_OUTCOME_* or tier + 1 */
	uint8_t reason;			/* refusal reason */
	uint8_t has_claim;
	uint32_t day;			/* local day index of the campaign */
	uint64_t rnd;			/* the random number (0 if refused) */
	uint8_t visitor[STORE_VISITOR_BYTES];
	uint8_t claim_id[STORE_CLAIM_ID_BYTES];
	uint8_t reserved[3];
	uint64_t ticket_seq;		/* T: the draw that issued the ticket */
	char shop[STORE_ID_MAX + 1];	/* T: where it was opened */
	uint8_t pad[7];
	uint32_t points;		/* points credited, if any */
	uint32_t pad2;
};
static_assert(sizeof(struct store_draw) == 128, "draw layout");

/* Appends a draw log entry (its seq must be the campaign's next) and, for
 * an online draw, indexes it by code (store_draw_index_txn). */
int store_draw_add_txn(struct store_txn *t, const char *campaign,
    const struct store_draw *d);

/*
 * The scan server writes the code index of online draws and the risk
 * counters (kinds V, I, W) back about once a second instead of in every
 * group commit (random-key writes, a page each): it appends the draw log
 * entry alone (store_draw_append_txn) and keeps the rest in memory, then
 * writes it with the campaign's watermark "draws_indexed/<id>" in meta in
 * one transaction. A restart replays the online draws after the
 * watermark that the index does not hold.
 */

/* Appends a draw log entry only. */
int store_draw_append_txn(struct store_txn *t, const char *campaign,
    const struct store_draw *d);
/* Indexes a code's online draw (-EIO if the code has one). */
int store_draw_index_txn(struct store_txn *t, const char *campaign,
    const uint8_t serial[STORE_SERIAL_BYTES], uint64_t seq);
/* The last draw seq whose index and counters are written (0: none). */
int store_draws_indexed_txn(struct store_txn *t, const char *campaign,
    uint64_t *seq);
/* Moves that watermark. */
int store_draws_set_indexed_txn(struct store_txn *t, const char *campaign,
    uint64_t seq);
/* Reads the entry of sequence number seq. */
int store_draw_get_txn(struct store_txn *t, const char *campaign,
    uint64_t seq, struct store_draw *d);
/* Finds a code's online draw (-ENOENT if it never drew): in the code's
 * summary as the store holds it, else in draws_by_code. */
int store_draw_by_code_txn(struct store_txn *t, const char *campaign,
    const uint8_t serial[STORE_SERIAL_BYTES], struct store_draw *d);
/* Finds a code's draw in draws_by_code only: a draw written there has
 * its counts in the store (the crash recovery's test). */
int store_draw_indexed_code_txn(struct store_txn *t, const char *campaign,
    const uint8_t serial[STORE_SERIAL_BYTES], struct store_draw *d);
/* A campaign's tag in a summary (never 0). */
void store_draw_tag(const char *campaign, uint8_t tag[3]);
/* The draw a summary names for campaign, read and checked: 0, -ENOENT
 * when it names none of campaign's, or a store error. */
int store_draw_of_summary_txn(struct store_txn *t, const char *campaign,
    const uint8_t serial[STORE_SERIAL_BYTES],
    const struct store_code_scans *s, struct store_draw *d);
/* Calls cb for a campaign's draws in sequence order, from seq first. */
int store_draw_foreach_txn(struct store_txn *t, const char *campaign,
    uint64_t first, int (*cb)(const struct store_draw *, void *), void *arg);

/* A prize to claim at a shop, or a sealed ticket to open there. */
enum store_claim_state {
	STORE_CLAIM_OPEN = 1,
	STORE_CLAIM_REDEEMED = 2,
};

struct store_claim {
	uint8_t id[STORE_CLAIM_ID_BYTES];
	uint8_t state;			/* enum store_claim_state */
	uint8_t tier;			/* tier index + 1; 0: unopened ticket */
	uint8_t ticket;			/* 1: a sealed ticket */
	uint8_t hash[STORE_CLAIM_HASH_BYTES];	/* of the token's secret */
	char campaign[STORE_ID_MAX + 1];
	uint8_t pad[7];
	uint8_t serial[STORE_SERIAL_BYTES];
	uint64_t draw_seq;
	uint64_t open_seq;		/* a ticket's opening draw */
	int64_t created;
	int64_t expires;
	int64_t redeemed;		/* 0 while open */
	char shop[STORE_ID_MAX + 1];
	uint8_t pad2[7];
	uint8_t visitor[STORE_VISITOR_BYTES];
};
static_assert(sizeof(struct store_claim) == 168, "claim layout");

/* Adds a claim; -EEXIST if its id is taken. */
int store_claim_add_txn(struct store_txn *t, const struct store_claim *c);
/* Reads a claim by id. */
int store_claim_get_txn(struct store_txn *t,
    const uint8_t id[STORE_CLAIM_ID_BYTES], struct store_claim *c);
/* Writes a claim (which must exist). */
int store_claim_put_txn(struct store_txn *t, const struct store_claim *c);
/* Calls cb for every claim (of one campaign, or all with NULL). */
int store_claim_foreach_txn(struct store_txn *t, const char *campaign,
    int (*cb)(const struct store_claim *, void *), void *arg);

/* A shop whose staff redeem claims. */
struct store_shop {
	char id[STORE_ID_MAX + 1];
	char name[STORE_NAME_MAX * 3 + 1];	/* UTF-8 */
	uint8_t revoked;
	uint8_t has_location;
	uint8_t pad[5];
	double lat, lon;
	uint32_t radius_m;
	uint8_t selector[STORE_SHOP_SELECTOR_BYTES];
	uint8_t pad2[3];
	uint8_t hash[STORE_SHOP_HASH_BYTES];	/* of the API token's secret */
	int64_t created;
	int64_t revoked_at;
};

/* Adds a shop (and indexes its token selector); -EEXIST if taken. */
int store_shop_add_txn(struct store_txn *t, const struct store_shop *s);
/* Reads a shop by id. */
int store_shop_get_txn(struct store_txn *t, const char *id,
    struct store_shop *s);
/* Reads a shop by its token selector. */
int store_shop_by_selector_txn(struct store_txn *t,
    const uint8_t sel[STORE_SHOP_SELECTOR_BYTES], struct store_shop *s);
/* Writes a shop (which must exist). */
int store_shop_put_txn(struct store_txn *t, const struct store_shop *s);
/* Calls cb for every shop. */
int store_shop_foreach_txn(struct store_txn *t,
    int (*cb)(const struct store_shop *, void *), void *arg);

/* A visitor's points. */
struct store_points_entry {
	uint64_t n;			/* 1, 2, ... per visitor */
	int64_t time;
	char campaign[STORE_ID_MAX + 1];
	uint8_t tier;
	uint8_t pad[6];
	int64_t amount;
	int64_t balance;		/* after this entry */
	uint64_t draw_seq;
};

/* Credits points; returns the new balance. */
int store_points_add_txn(struct store_txn *t,
    const uint8_t visitor[STORE_VISITOR_BYTES], const char *campaign,
    uint8_t tier, int64_t amount, uint64_t draw_seq, int64_t now,
    int64_t *balance);
/* Reads a balance (0 and no entries if none). */
int store_points_balance_txn(struct store_txn *t,
    const uint8_t visitor[STORE_VISITOR_BYTES], int64_t *balance,
    uint64_t *entries);
/* Calls cb for a visitor's entries, newest first, at most limit. */
int store_points_foreach_txn(struct store_txn *t,
    const uint8_t visitor[STORE_VISITOR_BYTES], size_t limit,
    int (*cb)(const struct store_points_entry *, void *), void *arg);

/* Draw codes: the keyed hash of an inner token → its outer code. */
struct store_drawcode_entry {
	uint8_t hash[STORE_DRAWCODE_HASH_BYTES];
	uint8_t serial[STORE_SERIAL_BYTES];
	uint32_t batch_id;
	uint32_t pad;
};
static_assert(sizeof(struct store_drawcode_entry) == 32, "drawcode entry");

/* Finds the outer serial (and batch) of a draw code by the keyed hash of
 * its token. */
int store_drawcode_get_txn(struct store_txn *t,
    const uint8_t hash[STORE_DRAWCODE_HASH_BYTES],
    uint8_t serial[STORE_SERIAL_BYTES], uint32_t *batch_id);
/* Inserts a sorted chunk of draw codes for a minting batch (like
 * store_mint_insert; the batch records their range for clean-up). */
int store_mint_insert_drawcodes(struct store_mint *m,
    const struct store_drawcode_entry *e, size_t n)
    __attribute__((warn_unused_result));

/* ---- admin tokens ----------------------------------------------------
 * What the store keeps of an admin API token (rewards/token.h makes and
 * checks them): its public selector and a hash, like a shop's token. They
 * live in meta under "admin_token/" and the selector, so that stores made
 * before them need no new database. */

#define STORE_ADMIN_SELECTOR_BYTES 5
#define STORE_ADMIN_HASH_BYTES 32

struct store_admin_token {
	uint8_t selector[STORE_ADMIN_SELECTOR_BYTES];
	uint8_t revoked;
	uint8_t pad[2];
	char name[STORE_NAME_MAX + 1];	/* UTF-8, for people */
	uint8_t pad2[7];
	uint8_t hash[STORE_ADMIN_HASH_BYTES];	/* of selector and secret */
	int64_t created;
	int64_t revoked_at;		/* 0 while valid */
};
static_assert(sizeof(struct store_admin_token) == 128, "admin token layout");

/* Adds a token; -EAGAIN if its selector is taken (draw another). */
int store_admin_token_add_txn(struct store_txn *t,
    const struct store_admin_token *a);
/* Reads a token by selector (-ENOENT if none). */
int store_admin_token_get_txn(struct store_txn *t,
    const uint8_t sel[STORE_ADMIN_SELECTOR_BYTES],
    struct store_admin_token *a);
/* Writes a token (which must exist). */
int store_admin_token_put_txn(struct store_txn *t,
    const struct store_admin_token *a);
/* Calls cb for every token in selector order. */
int store_admin_token_foreach_txn(struct store_txn *t,
    int (*cb)(const struct store_admin_token *, void *), void *arg);

/* ---- the outbox: what leaves the node --------------------------------
 * A node streams what it commits to a Kafka-API broker (stream/,
 * docs/kafka.md). Scan events and the draw logs are logs already: their
 * ids and sequence numbers only grow. Two changes that rewrite a record
 * are logged as well, so that they leave the node too: a claim redeemed
 * (its id) and an event given a location after its scan (its id). They
 * live in meta under "log/", so that stores made before them need no new
 * database; each log numbers its entries 1, 2, ... in commit order.
 * An outbox watermark ("outbox/NAME" in meta) is how far a broker has
 * acknowledged one log. */

enum store_log {
	STORE_LOG_REDEEMED = 'R',	/* a claim was redeemed */
	STORE_LOG_LOCATED = 'L',	/* an event was given a location */
};

struct store_log_entry {
	uint64_t seq;			/* assigned on append */
	int64_t time;			/* Unix µs */
	uint64_t event_id;		/* LOCATED: the event */
	uint8_t claim_id[STORE_CLAIM_ID_BYTES];	/* REDEEMED: the claim */
	uint8_t reserved[3];
};
static_assert(sizeof(struct store_log_entry) == 32, "log entry layout");

/* The longest outbox watermark name. */
#define STORE_OUTBOX_NAME_MAX 400

/* Appends an entry to a log; sets e->seq. */
int store_log_append_txn(struct store_txn *t, enum store_log log,
    struct store_log_entry *e);
/* The newest entry's seq (0: none). */
int store_log_last_txn(struct store_txn *t, enum store_log log, uint64_t *seq);
/* Calls cb for the entries with a seq greater than after, in order; a
 * non-zero cb return stops the walk and is returned. */
int store_log_foreach_txn(struct store_txn *t, enum store_log log,
    uint64_t after, int (*cb)(const struct store_log_entry *, void *),
    void *arg);
/* Reads an outbox watermark (0 if never set). -EINVAL: name too long. */
int store_outbox_get_txn(struct store_txn *t, const char *name, uint64_t *id);
/* Writes an outbox watermark. */
int store_outbox_set_txn(struct store_txn *t, const char *name, uint64_t id);

/* ---- settlement: the redemption log as a hash chain, closed periods ----
 * A redemption's log entry (STORE_LOG_REDEEMED) carries its settlement
 * line after it, written in the redemption's transaction: what was
 * redeemed where, its face value, and the line's place in a hash chain
 * (rewards/settle.h computes the hashes; docs/settlement.md). Entries of
 * stores made before settlement have no line. A closed period ("settle/
 * period/YYYY-MM" in meta) records which lines it holds and the chain's
 * head after them, sealed with the brand's key; it never changes. */

#define STORE_SETTLE_HASH_BYTES 32
#define STORE_SETTLE_PRIZE_MAX 192	/* bytes of a prize's name */
#define STORE_SETTLE_PERIOD_LEN 7	/* "YYYY-MM" */
#define STORE_SETTLE_TZ_MAX 63

struct store_settle_line {
	uint64_t seq;			/* the redemption log's seq */
	int64_t time;			/* Unix µs of the redemption */
	int64_t face;			/* face value in hundredths */
	uint8_t claim_id[STORE_CLAIM_ID_BYTES];
	uint8_t tier;			/* tier index + 1; 0: nothing won */
	char currency[8];
	char campaign[STORE_ID_MAX + 1];
	char tier_id[STORE_ID_MAX + 1];
	char shop[STORE_ID_MAX + 1];
	char dealer[STORE_ID_MAX + 1];	/* "": the store has no dealer */
	char prize[STORE_SETTLE_PRIZE_MAX + 1];
	uint8_t pad[5];
	uint8_t prev[STORE_SETTLE_HASH_BYTES];	/* the previous line's hash */
	uint8_t hash[STORE_SETTLE_HASH_BYTES];
};
static_assert(sizeof(struct store_settle_line) == 432, "settle line layout");

/* A closed period. */
struct store_settle_period {
	char id[STORE_SETTLE_PERIOD_LEN + 1];	/* "2026-11" */
	char tz[STORE_SETTLE_TZ_MAX + 1];	/* its months' time zone */
	int64_t start, end;		/* Unix µs: [start, end) */
	int64_t closed;			/* when it was closed */
	uint64_t after;			/* the log seq it starts after */
	uint64_t through;		/* the last log seq it covers */
	uint64_t lines;			/* settlement lines in it */
	uint8_t prev_head[STORE_SETTLE_HASH_BYTES];	/* chain head before */
	uint8_t head[STORE_SETTLE_HASH_BYTES];		/* and after */
	uint8_t key_id;			/* the key that sealed it */
	uint8_t reserved[7];
	uint8_t public_key[32];
	uint8_t seal[64];		/* Ed25519 signature */
};
static_assert(sizeof(struct store_settle_period) == 288, "period layout");

/* Appends a redemption's log entry with its settlement line; line->seq
 * must be the seq the entry gets (store_log_last_txn + 1), else -EIO. */
int store_settle_append_txn(struct store_txn *t, struct store_log_entry *e,
    const struct store_settle_line *line);
/* The newest redemption's seq and its line's hash (zero when there is no
 * redemption or it has no line). */
int store_settle_head_txn(struct store_txn *t, uint64_t *seq,
    uint8_t hash[STORE_SETTLE_HASH_BYTES]);
/* Calls cb for the settlement lines of redemptions after seq after, up to
 * through (inclusive; UINT64_MAX: all), in order, skipping entries that
 * have none; a non-zero cb return stops and is returned. */
int store_settle_foreach_txn(struct store_txn *t, uint64_t after,
    uint64_t through, int (*cb)(const struct store_settle_line *, void *),
    void *arg);
/* Stores a closed period; -EEXIST if it was closed already. */
int store_settle_period_add_txn(struct store_txn *t,
    const struct store_settle_period *p);
/* Reads a closed period by id (-ENOENT if open). */
int store_settle_period_get_txn(struct store_txn *t, const char *id,
    struct store_settle_period *p);
/* Reads the newest closed period (-ENOENT if none was closed). */
int store_settle_period_last_txn(struct store_txn *t,
    struct store_settle_period *p);
/* Calls cb for every closed period, oldest first. */
int store_settle_period_foreach_txn(struct store_txn *t,
    int (*cb)(const struct store_settle_period *, void *), void *arg);

/* ---- signals ---------------------------------------------------------
 * What a scan can tell the brand's protection team (analytics/signals.h
 * holds the rules, docs/signals.md describes them): a record per signal,
 * under an id from the counter "next_signal" in meta, written in the
 * transaction of the scan that raised it. The forgery_burst rule reads
 * and marks the forged_counts of the scan's network and hour. Settings of
 * the installation ("config/<name>", text) and the sales region of a
 * batch ("region/<batch id BE>") live in meta. */

#define STORE_SIGNAL_EVENTS_MAX 4
#define STORE_SIGNAL_DETAIL_MAX 200
#define STORE_SIGNAL_F_LOCATION 0x01	/* lat, lon are where */
#define STORE_SIGNAL_F_PREFIX 0x02	/* ip/prefix_len is where */

struct store_signal {
	uint64_t id;
	int64_t time;			/* Unix µs: when it was raised */
	uint8_t kind;			/* enum signals_kind (analytics) */
	uint8_t flags;			/* STORE_SIGNAL_F_* */
	uint8_t ip_family;		/* 4 or 6 with STORE_SIGNAL_F_PREFIX */
	uint8_t prefix_len;		/* 24 or 48 */
	uint32_t batch_id;		/* 0: none */
	uint8_t serial[STORE_SERIAL_BYTES];	/* zero: none */
	uint8_t nevents;
	uint64_t event_ids[STORE_SIGNAL_EVENTS_MAX];	/* oldest first */
	double lat, lon;
	uint8_t ip[16];			/* the prefix, host bits zero */
	char detail[STORE_SIGNAL_DETAIL_MAX + 1];	/* UTF-8, for people */
	char dealer[STORE_ID_MAX + 1];	/* diversion: whose region; "" */
};

/* Appends a signal: assigns s->id. */
int store_signal_add_txn(struct store_txn *t, struct store_signal *s);
/* Reads one signal (-ENOENT if none). */
int store_signal_get_txn(struct store_txn *t, uint64_t id,
    struct store_signal *s);
/* Calls cb for each signal with an id greater than after, in id order; a
 * non-zero cb return stops and is returned. */
int store_signal_foreach_txn(struct store_txn *t, uint64_t after,
    int (*cb)(const struct store_signal *, void *), void *arg);
/* The newest signal id (0 if none). */
int store_signal_last_id_txn(struct store_txn *t, uint64_t *id);

#define STORE_CONFIG_NAME_MAX 32
#define STORE_CONFIG_VALUE_MAX 64

/* Reads a setting's text (-ENOENT: not set). */
int store_config_get_txn(struct store_txn *t, const char *name, char *value,
    size_t cap);
/* Sets a setting, or removes it with value NULL (-ENOENT if it was not
 * set). */
int store_config_put_txn(struct store_txn *t, const char *name,
    const char *value);

/* A batch's sales region: circles, at most STORE_REGION_MAX. */
#define STORE_REGION_MAX 32
struct store_circle {
	double lat, lon;		/* degrees */
	double km;			/* radius */
};
static_assert(sizeof(struct store_circle) == 24, "circle layout");

/* Reads a batch's region into c (STORE_REGION_MAX slots); -ENOENT if it
 * has none. */
int store_region_get_txn(struct store_txn *t, uint32_t batch_id,
    struct store_circle *c, size_t *n);
/* Sets a batch's region, or clears it with n 0 (-ENOENT if it had
 * none). */
int store_region_put_txn(struct store_txn *t, uint32_t batch_id,
    const struct store_circle *c, size_t n);

/* ---- statistics ---------------------------------------------------- */

struct store_stats {
	uint64_t codes;
	uint64_t code_pages;	/* leaf + branch + overflow pages of codes */
	uint64_t page_size;
	uint64_t file_bytes;	/* data.mdb size */
};

/* Reads page counts of the codes database. */
int store_stats_get(struct store *st, struct store_stats *s);

#endif
