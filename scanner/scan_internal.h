/* scan_internal.h — what scan.c and server.c share. Not an API. */
#ifndef SCANLOOP_SCAN_INTERNAL_H
#define SCANLOOP_SCAN_INTERNAL_H

#include <jansson.h>

#include "codegen/code.h"
#include "codegen/keys.h"
#include "common/buf.h"
#include "scanner/accesslog.h"
#include "scanner/draw.h"
#include "scanner/pages.h"
#include "scanner/registry.h"
#include "scanner/summaries.h"
#include "scanner/verify.h"
#include "scanner/http.h"
#include "scanner/metrics.h"
#include "scanner/ratelimit.h"
#include "scanner/scan.h"
#include "scanner/writer.h"

#define SCAN_VISITOR_COOKIE "sl_vid"
#define SCAN_VISITOR_BYTES 16
#define SCAN_VISITOR_TIME_BYTES 6	/* milliseconds since 1970, big endian */
#define SCAN_TOKEN_CHARS 26		/* base32 of 16 bytes */

struct scan_server {
	struct store *st;
	struct scan_config cfg;
	struct http_server *http;
	struct writer *writer;
	struct ratelimit *rl;
	struct metrics *metrics;
	struct accesslog *log;
	uint8_t token_key[32];		/* location tokens */
	struct server_secrets *secrets;	/* draw codes, claims, draw tokens */
	struct registry *registry;	/* campaigns */
	struct summaries *summaries;	/* per-code scan summaries */
	struct drawcache *drawcache;	/* draw index and risk counters */
	int64_t started;
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
	struct draw_result res;		/* the code's earlier draw (RESULT) */
	char form_code[CODE_TEXT_MAX];	/* the code's canonical path */
	char base_url[CODE_BASE_URL_MAX + 1];	/* of the code's key */
};

enum scan_op_kind {
	SCAN_OP_PAGE,		/* a code page waiting for its event */
	SCAN_OP_API,		/* POST /api/v1/scans */
	SCAN_OP_LOCATION,	/* POST /api/v1/scans/{id}/location */
	SCAN_OP_DETACHED,	/* an event nobody waits for */
	SCAN_OP_DRAW_FORM,	/* POST /draw */
	SCAN_OP_DRAW_API,	/* POST /api/v1/draws */
	SCAN_OP_REDEEM,		/* POST /api/v1/claims/{token}/redeem */
};

/* A request's write and what the answer needs afterwards. */
struct scan_op {
	struct writer_op op;		/* first: writer_op * ↔ scan_op * */
	enum scan_op_kind kind;
	struct summaries *summaries;
	struct http_req *req;
	struct store_event ev;
	struct store_code_scans scans;	/* out */
	struct verify_result vr;
	enum page_lang lang;
	bool new_visitor;
	bool drawcode;			/* reached through an inner draw code */
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
	char claim_token[64];
	char shop_token[64];
};

/* Shared by scan.c and scan_draw.c. */
int scan_rtxn_begin(struct scan_loop *sl) __attribute__((warn_unused_result));
void scan_rtxn_end(struct scan_loop *sl);
void scan_error_page(struct scan_loop *sl, struct http_req *req, int status,
    const char *extra);
void scan_json(struct http_req *req, int status, json_t *obj,
    const char *extra);
void scan_json_error(struct http_req *req, int status, const char *code,
    const char *message);
json_t *scan_json_body(struct http_req *req, const char **why);
/* Reads a POST whose JSON body has a "code" string (1 to CODE_TEXT_MAX
 * bytes, no NUL): the body, *code inside it; else answers (405, 415 or
 * 400 with the message must) and returns NULL. */
json_t *scan_json_code_post(struct http_req *req, const char *must,
    json_t **code);
void scan_event_init(struct scan_loop *sl, const struct http_req *req,
    struct store_event *ev, bool *new_visitor);
void scan_event_verdict(struct store_event *ev, const struct verify_result *vr,
    struct http_slice raw);
void scan_page_headers(char *out, size_t cap, const uint8_t *visitor,
    bool cookie);
struct scan_op *scan_op_new(struct scan_loop *sl, enum scan_op_kind kind,
    struct http_req *req);
void scan_op_free(struct scan_op *o);
/* Hands an op to the writer with its apply function; when the queue is
 * full, frees it and answers 503 (JSON when api, else a page). */
void scan_op_submit(struct scan_loop *sl, struct http_req *req,
    struct scan_op *o, writer_apply_fn apply, bool api);
void scan_send_page(struct scan_loop *sl, struct scan_op *o, int status);
int scan_apply_event(struct store_txn *t, struct writer_op *op);
bool scan_visitor(const struct http_req *req, uint8_t id[SCAN_VISITOR_BYTES]);
const char *scan_cookie_header(const struct scan_op *o, char *out, size_t cap);

/* Prize draws (scan_draw.c). */
void scan_draw_prepare(struct scan_loop *sl, const struct verify_result *vr,
    bool drawcode, struct scan_draw_ctx *ctx);
int scan_draw_fill(struct scan_loop *sl, const struct scan_op *o,
    struct page_draw *pd, struct buf *scratch);
void scan_draw_release(struct scan_draw_ctx *ctx);
int scan_drawcode_resolve_txn(struct scan_loop *sl, struct http_slice path,
    struct verify_result *vr);
void scan_draw_form(struct scan_loop *sl, struct http_req *req);
void scan_api_draw(struct scan_loop *sl, struct http_req *req);
void scan_api_redeem(struct scan_loop *sl, struct http_req *req,
    struct http_slice token);
void scan_api_points(struct scan_loop *sl, struct http_req *req);
void scan_staff_page(struct scan_loop *sl, struct http_req *req,
    struct http_slice claim);
void scan_draw_done(struct scan_loop *sl, struct scan_op *o);

/* http hooks (scan.c). */
int scan_loop_init(struct http_loop *loop, void *arg);
void scan_loop_fini(struct http_loop *loop, void *arg);
void scan_handle(struct http_req *req, void *arg);
void scan_done(struct http_req *req, void *arg);
bool scan_admit_conn(int family, const uint8_t ip[16], void *arg);
void scan_release_conn(int family, const uint8_t ip[16], void *arg);

#endif
