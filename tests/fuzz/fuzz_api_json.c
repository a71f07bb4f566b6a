/*
 * fuzz_api_json.c — the JSON bodies of the API (scanner/api_json.c):
 * scan_json_body, which every JSON route reads its body with, and
 * scan_json_location, the location of POST /api/v1/scans and of
 * /api/v1/scans/{id}/location.
 *
 * The first input byte picks the Content-Type (none or empty, application/json
 * with and without parameters or in upper case, text/plain, form data),
 * the rest is the body. Invariants: a Content-Type that is not
 * application/json is refused with the Content-Type message (415); an
 * empty body is refused otherwise; an accepted body is a JSON object
 * that jansson loads with duplicate keys refused, and that survives
 * dump and reload. scan_json_code_fast, the draw's reading of
 * {"code": "..."} without a tree, accepts only bodies that jansson loads
 * as an object whose one member "code" is the same string. The
 * location's answer matches a reference of the
 * documented rules (docs/server.md 8.3, 8.4): each of lat, lon, accuracy
 * absent or null, or a finite number in [-90, 90], [-180, 180] and
 * [0, 1e7]; lat and lon both or neither; what it returns lies in range.
 */
#include "fuzz.h"
#include "scanner/scan_internal.h"

#include <math.h>
#include <strings.h>
#include <string.h>

static const char *const fuzz_ctypes[] = {
	NULL, "application/json", "application/json; charset=utf-8",
	"APPLICATION/JSON", "text/plain", "application/x-www-form-urlencoded",
	"application/jsonx", "",
};
#define FUZZ_NCTYPES (sizeof(fuzz_ctypes) / sizeof(fuzz_ctypes[0]))

/* The reference: one field is fine (absent, null, or a finite number in
 * [lo, hi]); *present when it is a number. */
static bool
fuzz_ref_field(json_t *obj, const char *key, double lo, double hi,
    bool *present)
{
	json_t *v = json_object_get(obj, key);
	double d;

	*present = false;
	if (v == NULL || json_is_null(v))
		return true;
	if (!json_is_integer(v) && !json_is_real(v))
		return false;
	d = json_number_value(v);
	if (!isfinite(d) || d < lo || d > hi)
		return false;
	*present = true;
	return true;
}

/* Checks scan_json_location against the reference. */
static void
fuzz_location(json_t *obj)
{
	bool has = false, plat, plon, pacc, want;
	double lat = 0, lon = 0;
	float acc = -1;
	const char *why = NULL;
	bool ok = scan_json_location(obj, &has, &lat, &lon, &acc, &why);

	want = fuzz_ref_field(obj, "lat", -90, 90, &plat) &&
	    fuzz_ref_field(obj, "lon", -180, 180, &plon) &&
	    fuzz_ref_field(obj, "accuracy", 0, 1e7, &pacc) && plat == plon;
	FUZZ_CHECK(ok == want);
	if (!ok) {
		FUZZ_CHECK(why != NULL && why[0] != '\0');
		return;
	}
	FUZZ_CHECK(has == plat);
	FUZZ_CHECK(acc >= 0 && acc <= 1e7f);
	if (has) {
		FUZZ_CHECK(lat >= -90 && lat <= 90 && lon >= -180 &&
		    lon <= 180);
		FUZZ_CHECK(lat == json_number_value(json_object_get(obj,
		    "lat")));
		FUZZ_CHECK(lon == json_number_value(json_object_get(obj,
		    "lon")));
	}
}

/* Checks scan_json_code_fast against jansson's tree of the same body. */
static void
fuzz_code_fast(const struct http_req *req, json_t *root)
{
	char code[CODE_TEXT_MAX + 1];
	json_t *v;

	if (!scan_json_code_fast(req, code, sizeof(code)))
		return;
	FUZZ_CHECK(root != NULL && json_object_size(root) == 1);
	v = json_object_get(root, "code");
	FUZZ_CHECK(json_is_string(v) && json_string_length(v) > 0 &&
	    json_string_length(v) <= CODE_TEXT_MAX);
	FUZZ_CHECK(strcmp(json_string_value(v), code) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_req req;
	const char *ct, *why = NULL;
	json_t *root, *ref, *again;
	json_error_t err;
	char *dump;

	if (size == 0)
		return 0;
	memset(&req, 0, sizeof(req));
	ct = fuzz_ctypes[data[0] % FUZZ_NCTYPES];
	if (ct != NULL) {
		req.head.content_type.p = ct;
		req.head.content_type.len = strlen(ct);
	}
	req.head.method = HTTP_METHOD_POST;
	req.body = size > 1 ? (uint8_t *)(uintptr_t)(data + 1) : NULL;
	req.body_len = size - 1;
	root = scan_json_body(&req, &why);
	fuzz_code_fast(&req, root);
	if (ct != NULL && ct[0] != '\0' &&
	    strncasecmp(ct, "application/json", 16) != 0) {
		FUZZ_CHECK(root == NULL);
		FUZZ_CHECK(why != NULL && why[0] == 'C');
		return 0;
	}
	if (root == NULL) {
		FUZZ_CHECK(why != NULL && why[0] != '\0');
		if (why[0] == 'C')
			return 0;	/* no Content-Type, if refused */
		ref = req.body_len == 0 ? NULL : json_loadb((const char *)
		    req.body, req.body_len, JSON_REJECT_DUPLICATES, &err);
		FUZZ_CHECK(ref == NULL || !json_is_object(ref));
		json_decref(ref);
		return 0;
	}
	FUZZ_CHECK(req.body_len > 0);
	FUZZ_CHECK(json_is_object(root));
	FUZZ_CHECK((dump = json_dumps(root, JSON_COMPACT)) != NULL);
	again = json_loads(dump, JSON_REJECT_DUPLICATES, &err);
	FUZZ_CHECK(again != NULL && json_equal(root, again));
	json_decref(again);
	free(dump);
	fuzz_location(root);
	json_decref(root);
	return 0;
}
