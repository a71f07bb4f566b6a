/*
 * scan_internal.h — what the scan server's files share. Not an API.
 *
 * A request comes in through http.c, which calls scan_handle() (router.c):
 * the route table picks a handler. Handlers verify codes (verify.c),
 * build an operation (request.c) and hand it to the writer (writer.c);
 * when it comes back committed, the operation's done function answers.
 *
 *   request.c       plumbing every handler shares: the read transaction,
 *                   operations, scan events, the visitor cookie, headers
 *   api_json.c      JSON request bodies and answers
 *   code_page.c     a code's page: its verdict and its draw part
 *   repeat.c        whether a scan repeats the visitor's own or another's
 *   handle_code.c   GET of a code (outer or inner) and of a product
 *   handle_api.c    the scan API: scans, locations, code look-ups
 *   handle_draw.c   draws: the page's button and the draw API
 *   handle_claim.c  redemption, the staff page, points
 *   handle_dealer.c a dealer's receipt of a case or pallet, and the page
 *                   of a case or pallet code
 *   handle_checkin.c store check-ins: the store's page, the check-in API,
 *                   the staff's exemption codes
 *   handle_group.c  group unlocks (拼团): the pages and the group API
 *   handle_admin.c  the admin API: its token, streamed exports (analytics/)
 *   handle_report.c the admin API: reports (analytics/report.h), cached
 *   router.c        the route table, health and metrics
 *   core.c          what every server over a store shares: the writer,
 *                   the caches it keeps, the campaigns, the secrets
 *   leaser.c        --pg: prize stock leased from PostgreSQL, and the
 *                   redemptions' inserts there, on a thread of their own
 *   handle_cluster.c --cluster: a code's scans and draw sent to its
 *                   owner node (cluster.c: the file, the owner, the
 *                   secret; cluster_call.c: the calls, on threads of
 *                   their own), and the internal listener's gate
 *   server.c        scan_serve: listeners, per-loop state, signals
 */
#ifndef SCANLOOP_SCAN_INTERNAL_H
#define SCANLOOP_SCAN_INTERNAL_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>

#include "analytics/signals.h"
#include "codegen/code.h"
#include "codegen/keys.h"
#include "common/buf.h"
#include "rewards/checkin.h"
#include "rewards/draw.h"
#include "rewards/group.h"
#include "rewards/redeem.h"
#include "rewards/registry.h"
#include "scanner/accesslog.h"
#include "scanner/cluster_call.h"
#include "scanner/drawcache.h"
#include "scanner/leaser.h"
#include "pg/pg.h"
#include "scanner/http.h"
#include "scanner/metrics.h"
#include "scanner/pages.h"
#include "scanner/ratelimit.h"
#include "scanner/scan.h"
#include "scanner/summaries.h"
#include "scanner/verify.h"
#include "scanner/writer.h"
#include "store/dealer.h"

#define SCAN_VISITOR_COOKIE "sl_vid"
#define SCAN_VISITOR_BYTES 16
#define SCAN_VISITOR_TIME_BYTES 6	/* milliseconds since 1970, big endian */
#define SCAN_TOKEN_CHARS 26		/* base32 of 16 bytes */
#define SCAN_COOKIE_MAX_AGE (2 * 365 * 24 * 3600)

/* What every server over one store shares (core.c): the store, its one
 * writer and what the writer keeps in memory, the campaigns, the
 * secrets. */
struct scan_core {
	struct store *st;
	struct writer *writer;
	bool writer_stopped;
	uint8_t token_key[32];		/* location tokens */
	struct server_secrets *secrets;	/* draw codes, claims, draw tokens */
	struct registry *registry;	/* campaigns */
	struct summaries *summaries;	/* per-code scan summaries */
	struct drawcache *drawcache;	/* draw index and risk counters */
	struct tallies draw_tallies;	/* the writer's view of drawcache */
	struct tallies draw_reader;	/* the loops' view of drawcache */
	int lock_fd;			/* one server per store */
	/* The outbox to Kafka (--kafka), or NULL; set once, after the
	 * writer started (whose hook reads it). */
	_Atomic(struct stream *) stream;
	/* Prize stock from PostgreSQL (--pg), or NULL; set before the
	 * loops start, stopped before the writer. */
	struct leaser *leaser;
	/* Retention (writer thread only): the policy, when the next run is
	 * due (monotonic µs), and the run under way. */
	struct scan_retention retain;
	int64_t prune_next;
	bool pruning;
	struct store_prune_stats pruned;
	/* The folds' slices go in group commits, unless that failed since
	 * the last tick. */
	bool group_folds_off;
	/* Signals raised: in this group (writer), and committed. */
	uint64_t signals_staged[SIGNALS_KINDS];
	_Atomic uint64_t signals_raised[SIGNALS_KINDS];
};

/* Admin exports that may stream at once (handle_admin.c). */
#define SCAN_EXPORTS_MAX 2

/* Reports computed at once, and how long a computed one is served again
 * (handle_report.c). */
#define SCAN_REPORTS_MAX 2
#define SCAN_REPORT_CACHE 4
#define SCAN_REPORT_TTL_US (5 * 1000000LL)

/* The last reports made, by query (handle_report.c). */
struct scan_report_cache {
	pthread_mutex_t lock;
	atomic_uint running;
	struct {
		char key[600];		/* format, language, query string */
		int64_t made;		/* monotonic µs; 0: empty */
		struct buf body;
	} e[SCAN_REPORT_CACHE];
};

/* One server: its listeners and loops, over a core. */
struct scan_server {
	struct scan_core *core;
	struct scan_config cfg;
	struct http_server *http;
	struct ratelimit *rl;
	struct metrics *metrics;
	struct accesslog *log;
	int64_t started;
	atomic_uint exports;		/* admin exports streaming now */
	char bound[80];			/* the listen address, ADDR:PORT */
	unsigned reserve_at;		/* open connections past which... */
	unsigned reserve_hold;		/* ...a client needs fewer than this */
	struct scan_report_cache reports;
	/* --cluster: the calls to owners (NULL on one node, and on the
	 * internal server, which answers for this node alone). */
	struct cluster_calls *calls;
	bool internal;			/* the internal listener's server */
};

struct scan_loop {
	struct scan_server *srv;
	struct http_loop *loop;
	unsigned index;
	struct store_txn rtxn;		/* reset between requests */
	bool rtxn_ok;
	struct writer_port *port;
	struct buf page;		/* scratch for rendering */
};

/* The prize-draw context of a code page, decided with the verdict. */
struct scan_draw_ctx {
	struct campaign *c;		/* a reference, or NULL */
	int mode;			/* enum page_draw_mode */
	bool closed;			/* c is not running: a draw is closed */
	struct draw_result res;		/* the code's draw (RESULT) */
	char form_code[CODE_TEXT_MAX];	/* the code's canonical path */
	char base_url[CODE_BASE_URL_MAX + 1];	/* of the code's key */
};

struct scan_op;

/* Answers a request once its operation is back from the writer (on the
 * loop's thread; op.ret holds the outcome of apply and commit). */
typedef void (*scan_done_fn)(struct scan_loop *sl, struct scan_op *o);

/* A request's write and what the answer needs afterwards. */
struct scan_op {
	struct writer_op op;		/* first: writer_op * ↔ scan_op * */
	scan_done_fn done;		/* NULL: nobody waits (detached) */
	struct scan_core *core;
	struct summaries *summaries;
	uint64_t forged_budget;		/* of the server (scan_config) */
	struct signals_raised raised;	/* out: what the write raised */
	struct http_req *req;
	struct store_event ev;
	struct store_code_scans scans;	/* out */
	struct verify_result vr;
	enum page_lang lang;
	bool new_visitor;
	struct scan_draw_ctx draw;
	/* location */
	double lat, lon;
	float accuracy;
	/* draws and redemption */
	struct draw_request drq;
	struct draw_result dres;
	bool record_event;		/* the API draw records a scan too */
	struct redeem_request rrq;
	struct redeem_result rres;
	char claim_token[160];	/* as typed: full-width takes 3 bytes */
	char shop_token[64];
	/* a case or pallet code: its receipt, its page (handle_dealer.c) */
	struct store_agg agg;
	char dealer[STORE_ID_MAX + 1];
	struct store_receipt receipt;
	/* check-ins (handle_checkin.c); the campaign's reference is drq.c */
	uint8_t checkin_key[32];
	struct checkin_request ckq;
	struct checkin_result ckr;
	/* groups (handle_group.c); the campaign's reference is drq.c */
	struct group_request grq;
	struct group_result grr;
	/* With --pg: the redemption's insert in PostgreSQL won, or the
	 * first redemption it found (leaser.c). */
	bool pg_won;
	struct pg_redemption pg_first;
	/* --cluster: the call to the code's owner (handle_cluster.c), and
	 * what to do here when it is down. */
	struct cluster_call *call;
	int fwd_kind;			/* enum scan_fwd_kind */
	bool fwd_api;
	writer_apply_fn fwd_apply;
	scan_done_fn fwd_done;
};

/* ---- request.c: plumbing ---------------------------------------------- */

/* Renews the loop's read transaction for one request. */
int scan_rtxn_begin(struct scan_loop *sl) __attribute__((warn_unused_result));
/* The name of a store (shop) by its id, for pages and answers that people
 * read; the id itself when there is no such shop (code_page.c). Valid
 * until the loop's next call. */
const char *scan_shop_name(struct scan_loop *sl, const char *id);
/* Ends the request's view of the store. */
void scan_rtxn_end(struct scan_loop *sl);
/* Copies a slice into a fixed NUL-terminated field, truncating. */
void scan_copy(char *dst, size_t cap, struct http_slice s);
/* True if Sec-Fetch-Site says the request comes from another site
 * (same-site or cross-site). */
bool scan_from_other_site(const struct http_req *req);
/* Reads the visitor cookie into id (false), or makes a new id: true when
 * it is to be given as a cookie, false for a request from another site
 * (which comes without the visitor's cookie: it must not replace it). */
bool scan_visitor(const struct http_req *req, uint8_t id[SCAN_VISITOR_BYTES]);
/* Zeroes the host part: the last octet of IPv4, the last 80 bits of IPv6. */
void scan_ip_anon(int family, uint8_t ip[16]);
/* Fills the parts of an event every scan has. */
void scan_event_init(struct scan_loop *sl, const struct http_req *req,
    struct store_event *ev, bool *new_visitor);
/* Records the verdict part of an event; raw is the text as presented
 * (kept, its secrets redacted, for a forged or malformed scan). */
void scan_event_verdict(struct scan_loop *sl, struct store_event *ev,
    const struct verify_result *vr, struct http_slice raw);
/* The extra headers of an HTML page, with the visitor's cookie if new. */
void scan_page_headers(char *out, size_t cap, const uint8_t *visitor,
    bool cookie);
/* Answers an operation's request 200 with obj (consumed), giving a new
 * visitor its cookie. */
void scan_json_visitor(struct scan_op *o, json_t *obj);
/* The same with JSON text. */
void scan_json_text_visitor(struct scan_op *o, const void *text, size_t len);
/* Answers with an HTML error page. */
void scan_error_page(struct scan_loop *sl, struct http_req *req, int status,
    const char *extra);
/* Sends the page rendered in sl->page with 200, the headers every page
 * has (Cache-Control: cache; the CSP) and extra ("" or header lines). */
void scan_send_html(struct scan_loop *sl, struct http_req *req,
    const char *cache, const char *extra);
/* Allocates an operation for req (NULL: a detached event). */
struct scan_op *scan_op_new(struct scan_loop *sl, struct http_req *req);
/* Frees an operation and the references it holds. */
void scan_op_free(struct scan_op *o);
/* Hands an op to the writer with its apply and done functions; when the
 * queue is full, frees it and answers 503 (JSON when api, else a page). */
void scan_op_submit(struct scan_loop *sl, struct http_req *req,
    struct scan_op *o, writer_apply_fn apply, scan_done_fn done, bool api);
/* Records an event nobody waits for (forged, malformed, void). */
void scan_record_detached(struct scan_loop *sl, const struct store_event *ev);
/* Writer: records the op's scan event (and updates its code's summary). */
int scan_apply_event(struct store_txn *t, struct writer_op *op);
/* Writer: appends the op's scan event, updates its code's summary and
 * raises the signals it meets (analytics/signals.h), in one transaction. */
int scan_event_append_txn(struct store_txn *t, struct scan_op *o);
/* Writer: counts what the op raised into the group's signals. */
void scan_signals_stage(struct scan_op *o);
/* A finished operation back on its loop (the writer port's done). */
void scan_op_done(struct writer_op *op, void *arg);

/* ---- handle_cluster.c: the owner decides ------------------------------ */

enum scan_fwd_kind {
	SCAN_FWD_SCAN,		/* owner down: recorded and answered here */
	SCAN_FWD_DRAW,		/* owner down: "try again shortly" */
	SCAN_FWD_PROBE,		/* each other node in turn */
};

/* With --cluster, on the public listener, for a code this node does not
 * own: hands the request to its owner and returns true (the owner's
 * answer is relayed; when the owner is down, a scan is submitted here
 * with apply and done, a draw answered 503 try_again). False: handle it
 * here. */
bool scan_cluster_forward(struct scan_loop *sl, struct http_req *req,
    struct scan_op *o, enum scan_fwd_kind kind, bool api,
    writer_apply_fn apply, scan_done_fn done);
/* With --cluster, on the public listener: asks the other nodes in turn
 * for what this node does not hold, a claim (pass_status 404) or a scan
 * event's location token (403): the first answer that is not
 * pass_status is relayed; 503 when one of them is down. False: answer
 * here. */
bool scan_cluster_probe(struct scan_loop *sl, struct http_req *req,
    struct scan_op *o, int pass_status);
/* The internal listener's request hook: refuses anything without the
 * cluster's secret, else handles the request for this node alone. */
void scan_cluster_handle(struct http_req *req, void *arg);
/* Appends the calls to owners to /metrics. */
int scan_cluster_metrics(struct scan_server *srv, struct buf *out);

/* ---- rawtext.c: the raw text of a forged or malformed scan ------------ */

/* Writes text with its secrets (a draw token, S= values) cut to their
 * first characters and a keyed hash, into out (cap bytes with the NUL);
 * drawcode: presented as an inner draw code. Returns the length. */
size_t scan_raw_redact(const uint8_t key[32], const char *text, size_t len,
    bool drawcode, char *out, size_t cap);

/* ---- origin.c: where a request comes from ---------------------------- */

/* True if a Content-Type is application/json (with parameters or not). */
bool scan_is_json_type(struct http_slice ct);
/* Whether a POST may go on: 0, 403 (from another site, or a form post
 * from no browser) or 415 (a JSON API body not sent as application/json). */
int scan_post_check(struct scan_loop *sl, const struct http_req *req,
    bool api);

/* ---- api_json.c: JSON bodies and answers ------------------------------ */

/* Answers with a JSON object (consumed). */
void scan_json(struct http_req *req, int status, json_t *obj,
    const char *extra);
/* Answers a JSON error {"error": code, "message": message}. */
void scan_json_error(struct http_req *req, int status, const char *code,
    const char *message);
/* Parses a JSON object body; NULL with *why (starting with 'C' for a wrong
 * Content-Type). */
json_t *scan_json_body(struct http_req *req, const char **why);
/* Reads a POST's JSON object body: the body, else answers (405, 415 or
 * 400) and returns NULL. */
json_t *scan_json_post(struct http_req *req);
/* The outcome word of a draw result ("win", "points", "miss", "ticket",
 * "refused", "closed"); *tier the won tier (1-based) or 0. */
const char *scan_draw_outcome(const struct campaign *c,
    const struct draw_result *r, int *tier);
/* Reads a POST whose JSON body has a "code" string (1 to CODE_TEXT_MAX
 * bytes, no NUL): the body, *code inside it; else answers (405, 415 or
 * 400 with the message must) and returns NULL. */
json_t *scan_json_code_post(struct http_req *req, const char *must,
    json_t **code);
/* A POST's body {"code": "..."} read without a JSON tree: the code in
 * out (cap bytes with its NUL), or false for any other body (then
 * scan_json_code_post reads it, or answers its error). */
bool scan_json_code_fast(const struct http_req *req, char *out, size_t cap);
/* Reads lat, lon and accuracy; both coordinates or neither. */
bool scan_json_location(json_t *obj, bool *has, double *lat, double *lon,
    float *accuracy, const char **why);
/* The first-scan object of a code's summary, or null. */
json_t *scan_json_first(const struct store_code_scans *s);
/* An ISO 8601 time, or null for 0. */
json_t *scan_json_time(int64_t us);
/* The prize object of tier (1-based) of c, or null. */
json_t *scan_json_prize(const struct campaign *c, int tier);
/* The claim object of a claim and its token. */
json_t *scan_json_claim(const struct store_claim *cl, const char *token);
/* A draw's object: status, outcome, draw (its sequence number), prize,
 * claim (check-ins and groups). */
json_t *scan_json_draw(const struct campaign *c, const struct draw_result *r);
/* Answers with JSON text and extra headers (or NULL). */
void scan_json_text(struct http_req *req, int status, const void *text,
    size_t len, const char *extra);

/* ---- api_draw_json.c: a draw's JSON as text -------------------------- */

/* Appends the prize object of tier (1-based) of c, or null; 0 or
 * -ENOMEM, as all below. */
int scan_json_prize_text(struct buf *b, const struct campaign *c, int tier);
/* Appends the claim object of a claim and its token. */
int scan_json_claim_text(struct buf *b, const struct store_claim *cl,
    const char *token);
/* Appends a draw's members (no braces): status, outcome, draw (left out
 * when with_seq is false and it has none), prize, claim, and for a
 * refusal its words and the campaign's scope. */
int scan_json_draw_text(struct buf *b, const struct campaign *c,
    const struct draw_result *r, bool with_seq);
/* Appends the answer of POST /api/v1/draws: the draw's members, event_id,
 * campaign, points_balance and, when node > 0, node. */
int scan_json_draw_answer(struct buf *b, const struct campaign *c,
    const struct draw_result *r, uint64_t event_id, int node);

/* ---- code_page.c: a code's page ------------------------------------- */

/* Decides the draw part of a genuine code's page (read transaction open). */
void scan_draw_prepare(struct scan_loop *sl, const struct verify_result *vr,
    struct scan_draw_ctx *ctx);
/* The token that lets a page attach a location to its own scan event. */
void scan_location_token(const struct scan_server *srv, uint64_t id,
    char out[SCAN_TOKEN_CHARS + 1]);
/* The one-time token of a page's draw button, bound to the code and the
 * page's event. */
void scan_draw_token(const struct scan_server *srv, const uint8_t serial[8],
    uint64_t event_id, char out[SCAN_TOKEN_CHARS + 1]);
/* Renders and sends the page of a code (its verdict and draw part). */
void scan_send_page(struct scan_loop *sl, struct scan_op *o, int status);

/* ---- repeat.c: a repeated scan ----------------------------------------- */

enum scan_repeat_kind {
	SCAN_REPEAT_NONE,	/* no earlier person's scan of this code */
	SCAN_REPEAT_SELF,	/* only this visitor scanned it before */
	SCAN_REPEAT_OTHER,	/* another visitor did: it may be copied */
};

struct scan_repeat {
	int kind;			/* enum scan_repeat_kind */
	int64_t since;			/* SELF: the visitor's first scan */
};

/* Whether ev, committed, repeats an earlier scan of its code (s is the
 * code's summary with ev applied); a bot's or HEAD scan is NONE. Reads
 * the code's chain of events in t. Returns 0 or a store error. */
int scan_repeat_txn(struct store_txn *t, const struct store_event *ev,
    const struct store_code_scans *s, struct scan_repeat *out)
    __attribute__((warn_unused_result));
/* The same for a committed operation, in the loop's read transaction. */
int scan_repeat_op(struct scan_loop *sl, const struct scan_op *o,
    struct scan_repeat *out) __attribute__((warn_unused_result));

/* ---- handlers (route table in router.c) ----------------------------- */

/* A handler: param is the part of the path its route leaves (a token, a
 * serial, an id), or empty. */
typedef void (*scan_handler_fn)(struct scan_loop *sl, struct http_req *req,
    struct http_slice param);

void scan_gs1_get(struct scan_loop *sl, struct http_req *req,
    struct http_slice after);
void scan_drawcode_get(struct scan_loop *sl, struct http_req *req,
    struct http_slice param);
void scan_api_scan(struct scan_loop *sl, struct http_req *req,
    struct http_slice param);
void scan_api_location(struct scan_loop *sl, struct http_req *req,
    struct http_slice id);
void scan_api_code(struct scan_loop *sl, struct http_req *req,
    struct http_slice serial);
void scan_draw_form(struct scan_loop *sl, struct http_req *req,
    struct http_slice param);
void scan_api_draw(struct scan_loop *sl, struct http_req *req,
    struct http_slice param);
void scan_api_redeem(struct scan_loop *sl, struct http_req *req,
    struct http_slice token);
void scan_api_points(struct scan_loop *sl, struct http_req *req,
    struct http_slice param);
void scan_api_receive(struct scan_loop *sl, struct http_req *req,
    struct http_slice param);
void scan_case_get(struct scan_loop *sl, struct http_req *req,
    struct http_slice param);
void scan_staff_page(struct scan_loop *sl, struct http_req *req,
    struct http_slice claim);
void scan_checkin_page(struct scan_loop *sl, struct http_req *req,
    struct http_slice param);
void scan_checkin_staff_page(struct scan_loop *sl, struct http_req *req,
    struct http_slice param);
void scan_api_checkin(struct scan_loop *sl, struct http_req *req,
    struct http_slice param);
void scan_api_checkin_code(struct scan_loop *sl, struct http_req *req,
    struct http_slice param);
/* Answers a GS1 Digital Link under a base URL whose path starts with a
 * route's letter ("/K/01/..."); false when the path holds none. */
bool scan_gs1_in_path(struct scan_loop *sl, struct http_req *req);
void scan_group_page(struct scan_loop *sl, struct http_req *req,
    struct http_slice param);
void scan_api_group_start(struct scan_loop *sl, struct http_req *req,
    struct http_slice param);
void scan_api_group_get(struct scan_loop *sl, struct http_req *req,
    struct http_slice id);
void scan_api_group_join(struct scan_loop *sl, struct http_req *req,
    struct http_slice id);
void scan_api_group_draw(struct scan_loop *sl, struct http_req *req,
    struct http_slice id);
void scan_admin_export(struct scan_loop *sl, struct http_req *req,
    struct http_slice kind);
void scan_admin_signals(struct scan_loop *sl, struct http_req *req,
    struct http_slice param);
void scan_admin_report(struct scan_loop *sl, struct http_req *req,
    struct http_slice param);
/* Answers an export or a report that cannot start (404, 400, 501, 503). */
void scan_admin_refuse(struct http_req *req, int ret, const char *why);
/* Lets an admin token's holder through; answers anyone else. */
bool scan_admin_gate(struct scan_loop *sl, struct http_req *req);
/* Starts and frees a server's report cache. */
void scan_report_cache_init(struct scan_report_cache *c);
void scan_report_cache_deinit(struct scan_report_cache *c);

/* ---- core.c --------------------------------------------------------- */

/* Opens a core over st: takes the store's server lock, reads the secrets,
 * loads the campaigns, folds or keeps what a crash left of the scan
 * summaries and the draw index, and starts the writer with its hooks
 * (retain: automatic pruning, or NULL for none).
 * Returns 0, or a negative errno with *why (and nothing left open). */
int scan_core_open(struct scan_core *core, struct store *st,
    const char *secrets_path, const struct scan_retention *retain,
    const char **why)
    __attribute__((warn_unused_result));
/* Starts streaming what the core commits to a Kafka-API broker. Returns
 * 0, or a negative errno with the reason in why. */
int scan_core_stream_start(struct scan_core *core,
    const struct stream_config *cfg, char *why, size_t whylen)
    __attribute__((warn_unused_result));
/* Starts leasing prize stock from PostgreSQL: draws then award only what
 * this node holds. Before the loops start. */
int scan_core_pg_start(struct scan_core *core,
    const struct leaser_config *cfg) __attribute__((warn_unused_result));
/* The core's stream, or NULL (any thread). */
struct stream *scan_core_stream(struct scan_core *core);
/* Gives leased stock back, stops the writer (it commits what is queued),
 * then the stream (it sends what was committed while the broker
 * answers); once every loop that submits to the writer has stopped. */
void scan_core_stop(struct scan_core *core);
/* Stops the writer if it still runs and frees the core. */
void scan_core_close(struct scan_core *core);

/* ---- http hooks (router.c, server.c) -------------------------------- */

/* The hooks of a server's HTTP layer (server.c; its arg: the struct
 * scan_server): per loop, per connection, and per request, which
 * scan_handle (router.c) routes. */
extern const struct http_hooks scan_http_hooks;
void scan_handle(struct http_req *req, void *arg);

#endif
