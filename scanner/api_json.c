/* api_json.c — the JSON API's request bodies and answers. */
#include "scanner/scan_internal.h"
#include "common/clock.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Answers with a JSON object (consumed). */
void
scan_json(struct http_req *req, int status, json_t *obj, const char *extra)
{
	char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;

	json_decref(obj);
	if (text == NULL) {
		static const char oom[] = "{\"error\":\"unavailable\"}";

		scan_json_text(req, 503, oom, sizeof(oom) - 1, extra);
		return;
	}
	scan_json_text(req, status, text, strlen(text), extra);
	free(text);
}

/* Answers with JSON text and extra headers (or NULL). */
void
scan_json_text(struct http_req *req, int status, const void *text,
    size_t len, const char *extra)
{
	char headers[256];

	snprintf(headers, sizeof(headers), "Cache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\n%s", extra ? extra : "");
	http_respond(req, status, "application/json", headers, text, len,
	    false);
}

/* Answers a JSON error. */
void
scan_json_error(struct http_req *req, int status, const char *code,
    const char *message)
{
	scan_json(req, status, json_pack("{s:s, s:s}", "error", code,
	    "message", message), status == 429 ? "Retry-After: 1\r\n" :
	    status == 503 ? "Retry-After: 5\r\n" : NULL);
}

/* Parses a JSON object body. */
json_t *
scan_json_body(struct http_req *req, const char **why)
{
	struct http_slice ct = req->head.content_type;
	json_error_t err;
	json_t *root;

	if (!scan_is_json_type(ct)) {
		*why = "Content-Type must be application/json";
		return NULL;
	}
	if (req->body_len == 0) {
		*why = "a JSON object body is required";
		return NULL;
	}
	root = json_loadb((const char *)req->body, req->body_len,
	    JSON_REJECT_DUPLICATES, &err);
	if (root == NULL || !json_is_object(root)) {
		json_decref(root);
		*why = "the body is not a JSON object";
		return NULL;
	}
	return root;
}

/* Reads an optional finite number in [lo, hi]; false if present but bad. */
static bool
scan_json_number(json_t *obj, const char *key, double lo, double hi,
    bool *present, double *out)
{
	json_t *v = json_object_get(obj, key);

	*present = false;
	if (v == NULL || json_is_null(v))
		return true;
	if (!json_is_number(v))
		return false;
	*out = json_number_value(v);
	if (!isfinite(*out) || *out < lo || *out > hi)
		return false;
	*present = true;
	return true;
}

/* Reads lat, lon and accuracy; both coordinates or neither. */
bool
scan_json_location(json_t *obj, bool *has, double *lat, double *lon,
    float *accuracy, const char **why)
{
	bool hlat, hlon, hacc;
	double acc = 0;

	if (!scan_json_number(obj, "lat", -90, 90, &hlat, lat) ||
	    !scan_json_number(obj, "lon", -180, 180, &hlon, lon) ||
	    !scan_json_number(obj, "accuracy", 0, 1e7, &hacc, &acc)) {
		*why = "lat must be in [-90, 90], lon in [-180, 180], accuracy "
		    "in metres >= 0";
		return false;
	}
	if (hlat != hlon) {
		*why = "give both lat and lon, or neither";
		return false;
	}
	*has = hlat;
	*accuracy = (float)acc;
	return true;
}

/* Reads a POST's JSON object body. */
json_t *
scan_json_post(struct http_req *req)
{
	const char *why = NULL;
	json_t *root;

	if (req->head.method != HTTP_METHOD_POST) {
		scan_json_error(req, 405, "method_not_allowed", "use POST");
		return NULL;
	}
	if ((root = scan_json_body(req, &why)) == NULL)
		scan_json_error(req, why[0] == 'C' ? 415 : 400, "bad_request",
		    why);
	return root;
}

/* The outcome word of a draw result, and its tier (1-based; 0: none). */
const char *
scan_draw_outcome(const struct campaign *c, const struct draw_result *r,
    int *tier)
{
	*tier = 0;
	if (r->status == DRAW_RETRY)
		return "try_again";
	if (r->status == DRAW_REFUSED)
		return "refused";
	if (r->status == DRAW_CLOSED)
		return "closed";
	if (r->draw.outcome == STORE_OUTCOME_MISS)
		return "miss";
	if (r->draw.outcome == STORE_OUTCOME_TICKET)
		return "ticket";
	*tier = r->draw.outcome;
	return c->tiers[*tier - 1].kind == CAMPAIGN_POINTS ? "points" : "win";
}

/* Reads a POST whose JSON body names a code: 1 to CODE_TEXT_MAX bytes,
 * no NUL. */
json_t *
scan_json_code_post(struct http_req *req, const char *must, json_t **code)
{
	json_t *root;

	if ((root = scan_json_post(req)) == NULL)
		return NULL;
	*code = json_object_get(root, "code");
	if (!json_is_string(*code) || json_string_length(*code) == 0 ||
	    json_string_length(*code) > CODE_TEXT_MAX ||
	    strlen(json_string_value(*code)) != json_string_length(*code)) {
		json_decref(root);
		scan_json_error(req, 400, "bad_request", must);
		return NULL;
	}
	return root;
}

/* Skips JSON white space. */
static const uint8_t *
scan_json_ws(const uint8_t *p, const uint8_t *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' ||
	    *p == '\r'))
		p++;
	return p;
}

/* Matches the literal s at *p (then white space); false if not there. */
static bool
scan_json_lit(const uint8_t **p, const uint8_t *end, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(end - *p) < n || memcmp(*p, s, n) != 0)
		return false;
	*p = scan_json_ws(*p + n, end);
	return true;
}

/*
 * The body of a POST as an app sends it, {"code": "..."}, read without
 * building a JSON tree: only an object whose one member is "code", a
 * string of 1 to cap - 1 printable ASCII bytes without escapes. Any other
 * body (escapes, more members, other bytes) returns false and goes the
 * general way (scan_json_code_post), which also answers the errors; what
 * this accepts, that reads the same (tests/fuzz/fuzz_api_json.c checks).
 */
bool
scan_json_code_fast(const struct http_req *req, char *out, size_t cap)
{
	const uint8_t *p, *end, *s;

	if (req->head.method != HTTP_METHOD_POST || req->body_len == 0 ||
	    !scan_is_json_type(req->head.content_type))
		return false;
	end = req->body + req->body_len;
	p = scan_json_ws(req->body, end);
	if (!scan_json_lit(&p, end, "{") || !scan_json_lit(&p, end,
	    "\"code\"") || !scan_json_lit(&p, end, ":") || p == end ||
	    *p++ != '"')
		return false;
	for (s = p; p < end && *p != '"'; p++)
		if (*p < 0x20 || *p > 0x7e || *p == '\\')
			return false;
	if (p == end || p == s || (size_t)(p - s) >= cap)
		return false;
	memcpy(out, s, (size_t)(p - s));
	out[p - s] = '\0';
	p = scan_json_ws(p + 1, end);
	return scan_json_lit(&p, end, "}") && p == end;
}

/* The first-scan object of the JSON answers. */
json_t *
scan_json_first(const struct store_code_scans *s)
{
	char when[CLOCK_ISO8601_LEN];

	if (s->first_event == 0)
		return json_null();
	clock_format_iso8601(s->first_time, when);
	if (!s->first_has_location)
		return json_pack("{s:s, s:n, s:n, s:n}", "time", when, "lat",
		    "lon", "accuracy");
	return json_pack("{s:s, s:f, s:f, s:f}", "time", when, "lat",
	    s->first_lat, "lon", s->first_lon, "accuracy",
	    (double)s->first_accuracy);
}

/* ISO time or null. */
json_t *
scan_json_time(int64_t us)
{
	char when[CLOCK_ISO8601_LEN];

	if (us == 0)
		return json_null();
	clock_format_iso8601(us, when);
	return json_string(when);
}

/* A value written by one of api_draw_json.c's writers, as a tree (null
 * if it could not be made). */
static json_t *
scan_json_tree(struct buf *b, int ret)
{
	json_t *v = NULL;

	if (ret == 0)
		v = json_loadb((const char *)b->data, b->len,
		    JSON_DECODE_ANY, NULL);
	buf_free(b);
	return v != NULL ? v : json_null();
}

/* The prize object of a tier, for JSON. */
json_t *
scan_json_prize(const struct campaign *c, int tier)
{
	struct buf b = { 0 };

	return scan_json_tree(&b, scan_json_prize_text(&b, c, tier));
}

/* The claim object, for JSON. */
json_t *
scan_json_claim(const struct store_claim *cl, const char *token)
{
	struct buf b = { 0 };

	return scan_json_tree(&b, scan_json_claim_text(&b, cl, token));
}

/* A draw's JSON: status, outcome, prize, claim, as a tree (loaded from
 * scan_json_draw_text, the API's own writer). */
json_t *
scan_json_draw(const struct campaign *c, const struct draw_result *r)
{
	struct buf b = { 0 };
	int ret = buf_puts(&b, "{");

	if (ret == 0 && (ret = scan_json_draw_text(&b, c, r, true)) == 0)
		ret = buf_puts(&b, "}");
	return scan_json_tree(&b, ret);
}
