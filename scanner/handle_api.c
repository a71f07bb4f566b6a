/*
 * handle_api.c — the scan API for apps: POST /api/v1/scans (a scan with an
 * optional location), POST /api/v1/scans/{id}/location (the location a
 * page's visitor shares) and GET /api/v1/codes/{SERIAL} (a look-up that
 * records nothing).
 */
#include "scanner/scan_internal.h"
#include "common/clock.h"

#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <string.h>

/* Sends the answer of POST /api/v1/scans, once its event is committed. */
static void
scan_api_scan_done(struct scan_loop *sl, struct scan_op *o)
{
	static const char *const repeat[] = { NULL, "self", "other" };
	char serial[CODE_SERIAL_CHARS + 1];
	struct scan_repeat r;
	json_t *obj;

	if (o->op.ret < 0) {
		scan_json_error(o->req, 503, "unavailable",
		    "the scan could not be recorded; try again");
		return;
	}
	o->req->log_event = o->ev.id;
	o->req->log_verdict = verify_verdict_name(o->vr.verdict);
	/* A forged or malformed scan past its network's budget is counted,
	 * not stored: it has no event. */
	obj = json_pack("{s:o, s:s, s:i}", "event_id", o->ev.id != 0 ?
	    json_integer((json_int_t)o->ev.id) : json_null(), "verdict",
	    verify_verdict_name(o->vr.verdict), "scans", (int)o->scans.human);
	if (obj != NULL && o->vr.parsed) {
		code_serial_text(o->vr.code.serial, serial);
		json_object_set_new(obj, "serial", json_string(serial));
		json_object_set_new(obj, "gtin", json_string(o->vr.code.gtin));
	}
	if (obj != NULL && o->vr.known)
		json_object_set_new(obj, "batch_id", json_integer(o->vr.batch.id));
	if (obj != NULL && sl->srv->cfg.cluster != NULL)
		json_object_set_new(obj, "node", json_integer(sl->srv->cfg.node));
	if (obj != NULL && o->vr.reason != NULL &&
	    o->vr.verdict != VERDICT_GENUINE)
		json_object_set_new(obj, "reason", json_string(o->vr.reason));
	if (obj != NULL) {
		json_object_set_new(obj, "first_scan", scan_json_first(&o->scans));
		json_object_set_new(obj, "verified_elsewhere",
		    json_boolean(o->raised.elsewhere));
	}
	if (obj != NULL && scan_repeat_op(sl, o, &r) == 0) {
		json_object_set_new(obj, "repeat", repeat[r.kind] != NULL ?
		    json_string(repeat[r.kind]) : json_null());
		if (r.kind == SCAN_REPEAT_SELF)
			json_object_set_new(obj, "repeat_since",
			    scan_json_time(r.since));
	}
	scan_json_visitor(o, obj);
}

/* POST /api/v1/scans. */
void
scan_api_scan(struct scan_loop *sl, struct http_req *req,
    struct http_slice param)
{
	struct scan_op *o;
	const char *why = NULL;
	json_t *root, *code;
	bool has_loc;
	int ret;

	(void)param;
	if ((root = scan_json_code_post(req, "\"code\" must be the code's URL",
	    &code)) == NULL)
		return;
	if ((o = scan_op_new(sl, req)) == NULL) {
		json_decref(root);
		scan_json_error(req, 503, "unavailable", "out of memory");
		return;
	}
	if (!scan_json_location(root, &has_loc, &o->lat, &o->lon, &o->accuracy,
	    &why)) {
		scan_op_free(o);
		json_decref(root);
		scan_json_error(req, 400, "bad_request", why);
		return;
	}
	if ((ret = scan_rtxn_begin(sl)) == 0) {
		ret = verify_text_txn(&sl->rtxn, json_string_value(code),
		    json_string_length(code), 0, &o->vr);
		scan_rtxn_end(sl);
	}
	if (ret < 0) {
		scan_op_free(o);
		json_decref(root);
		scan_json_error(req, 503, "unavailable", "store unavailable");
		return;
	}
	scan_event_init(sl, req, &o->ev, &o->new_visitor);
	o->ev.flags |= STORE_EVENT_F_API;
	scan_event_verdict(sl, &o->ev, &o->vr, (struct http_slice){
	    json_string_value(code), json_string_length(code) });
	if (has_loc) {
		o->ev.flags |= STORE_EVENT_F_LOCATION;
		o->ev.lat = o->lat;
		o->ev.lon = o->lon;
		o->ev.accuracy = o->accuracy;
		o->ev.location_time = o->ev.time;
	}
	json_decref(root);
	metrics_scan(sl->srv->metrics, sl->index, o->vr.verdict,
	    (o->ev.flags & STORE_EVENT_F_HUMAN) != 0);
	if ((o->vr.verdict == VERDICT_GENUINE ||
	    o->vr.verdict == VERDICT_NOT_ACTIVE) && scan_cluster_forward(sl,
	    req, o, SCAN_FWD_SCAN, true, scan_apply_event, scan_api_scan_done))
		return;
	scan_op_submit(sl, req, o, scan_apply_event, scan_api_scan_done, true);
}

/* Writer: attaches a location. */
static int
scan_apply_location(struct store_txn *t, struct writer_op *op)
{
	struct scan_op *o = (struct scan_op *)op;
	struct store_event ev;
	uint64_t head;
	int ret;

	if ((ret = summaries_set_location_txn(o->summaries, t, o->ev.id, o->lat,
	    o->lon, o->accuracy, clock_now_us(), &ev, &head)) < 0 ||
	    (ret = signals_location_txn(t, &ev, head, &o->raised)) < 0)
		return ret;
	scan_signals_stage(o);
	return 0;
}

/* Answers a location post once the writer has attached it. */
static void
scan_location_done(struct scan_loop *sl, struct scan_op *o)
{
	(void)sl;
	if (o->op.ret == -ENOENT)
		scan_json_error(o->req, 404, "not_found", "no such scan");
	else if (o->op.ret == -EEXIST)
		scan_json_error(o->req, 409, "conflict",
		    "this scan already has a location");
	else if (o->op.ret < 0)
		scan_json_error(o->req, 503, "unavailable",
		    "the location could not be recorded; try again");
	else
		scan_json(o->req, 200, json_pack("{s:b, s:b}", "ok", 1,
		    "verified_elsewhere", o->raised.elsewhere), NULL);
}

/* POST /api/v1/scans/{id}/location. */
void
scan_api_location(struct scan_loop *sl, struct http_req *req,
    struct http_slice idtext)
{
	char token[SCAN_TOKEN_CHARS + 1];
	const char *why = NULL;
	struct scan_op *o;
	uint64_t id = 0;
	json_t *root, *tok;
	bool has_loc;

	if (req->head.method != HTTP_METHOD_POST) {
		scan_json_error(req, 405, "method_not_allowed", "use POST");
		return;
	}
	if (idtext.len == 0 || idtext.len > 19) {
		scan_json_error(req, 404, "not_found", "no such scan");
		return;
	}
	for (size_t i = 0; i < idtext.len; i++) {
		if (idtext.p[i] < '0' || idtext.p[i] > '9') {
			scan_json_error(req, 404, "not_found", "no such scan");
			return;
		}
		id = id * 10 + (uint64_t)(idtext.p[i] - '0');
	}
	if ((root = scan_json_body(req, &why)) == NULL) {
		scan_json_error(req, why[0] == 'C' ? 415 : 400, "bad_request",
		    why);
		return;
	}
	if ((o = scan_op_new(sl, req)) == NULL) {
		json_decref(root);
		scan_json_error(req, 503, "unavailable", "out of memory");
		return;
	}
	tok = json_object_get(root, "token");
	scan_location_token(sl->srv, id, token);
	if (!json_is_string(tok) || json_string_length(tok) !=
	    SCAN_TOKEN_CHARS || sodium_memcmp(json_string_value(tok), token,
	    SCAN_TOKEN_CHARS) != 0) {
		json_decref(root);
		/* With --cluster: the event may be another node's. */
		if (scan_cluster_probe(sl, req, o, 403))
			return;
		scan_op_free(o);
		scan_json_error(req, 403, "forbidden", "bad location token");
		return;
	}
	if (!scan_json_location(root, &has_loc, &o->lat, &o->lon, &o->accuracy,
	    &why) || !has_loc) {
		scan_op_free(o);
		json_decref(root);
		scan_json_error(req, 400, "bad_request", why ? why :
		    "lat and lon are required");
		return;
	}
	json_decref(root);
	o->ev.id = id;
	scan_op_submit(sl, req, o, scan_apply_location, scan_location_done,
	    true);
}

/* GET /api/v1/codes/{SERIAL}: a look-up that records nothing. */
void
scan_api_code(struct scan_loop *sl, struct http_req *req,
    struct http_slice text)
{
	uint8_t serial[CODE_SERIAL_BYTES];
	char serialtext[CODE_SERIAL_CHARS + 1];
	struct store_code code;
	struct store_batch batch;
	struct store_code_scans scans;
	const char *state;
	json_t *obj;
	int ret;

	if (code_serial_parse(text.p, text.len, serial) < 0) {
		scan_json_error(req, 404, "not_found", "no such code");
		return;
	}
	if ((ret = scan_rtxn_begin(sl)) < 0) {
		scan_json_error(req, 503, "unavailable", "store unavailable");
		return;
	}
	ret = store_code_get_txn(&sl->rtxn, serial, &code);
	if (ret == 0)
		ret = store_batch_get_txn(&sl->rtxn, code.batch_id, &batch);
	if (ret == 0 && batch.state == STORE_BATCH_MINTING)
		ret = -ENOENT;
	if (ret == 0 && !summaries_lookup(sl->srv->core->summaries, serial,
	    &scans)) {
		/* Not cached means folded: the store has it whole. */
		ret = store_code_scans_get_txn(&sl->rtxn, serial, &scans);
		if (ret == -ENOENT) {
			memset(&scans, 0, sizeof(scans));
			ret = 0;
		}
	}
	scan_rtxn_end(sl);
	if (ret == -ENOENT) {
		scan_json_error(req, 404, "not_found", "no such code");
		return;
	}
	if (ret < 0) {
		scan_json_error(req, 503, "unavailable", "store unavailable");
		return;
	}
	if (batch.state == STORE_BATCH_VOID || code.void_reason != 0)
		state = "void";
	else if (batch.state == STORE_BATCH_ACTIVE)
		state = "active";
	else
		state = "not_active";
	code_serial_text(serial, serialtext);
	obj = json_pack("{s:s, s:s, s:I, s:s, s:i, s:i, s:o}",
	    "serial", serialtext, "gtin", batch.gtin,
	    "batch_id", (json_int_t)batch.id, "state", state,
	    "scans", (int)scans.human, "scans_total", (int)scans.total,
	    "first_scan", scan_json_first(&scans));
	scan_json(req, 200, obj, NULL);
}
