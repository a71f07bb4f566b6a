/*
 * origin.c — where a request comes from: the server's own pages, another
 * site, or a program. Refuses cross-site POSTs (CSRF) before any handler
 * runs, and keeps a request from another site from replacing a visitor's
 * cookie.
 *
 * A page on another site can make a visitor's browser POST a form here
 * (`/draw`), or send a "simple" fetch without CORS (`/api/...` with a
 * text/plain body), and each would draw from the visitor's address. The
 * browser says where such a request comes from:
 *   - Sec-Fetch-Site (Chrome 76+, Firefox 90+, Safari 16.4+) cannot be set
 *     by a page: "same-origin" and "none" (typed or bookmarked) pass,
 *     "same-site" (a sibling subdomain, which may be anyone's) and
 *     "cross-site" are refused with 403.
 *   - Without it, Origin (every browser sends it on POST) must be one of
 *     the server's own origins: the scheme and host of a signing key's
 *     base URL (what phones open, behind a proxy too), or the listen
 *     address. "null" (a sandboxed or privacy-stripped origin) is refused.
 *   - With neither, the client is not a browser: it may use the JSON API
 *     but not post the draw form (/draw).
 *   - On the JSON API, a body must be sent as application/json (415
 *     otherwise), whoever sends it: a browser sends that type to another
 *     site only after a CORS preflight, which this server never grants.
 *     A POST without a body (a store's redemption, authorised by its
 *     Bearer header, which no other site can set either) has no type.
 * The pages are served with Referrer-Policy: same-origin, under which a
 * same-origin form POST carries its real Origin (no-referrer would make
 * it "null").
 */
#include "scanner/scan_internal.h"

#include <string.h>
#include <strings.h>

/* True if the slice is a media type of application/json (parameters
 * allowed, nothing else). */
bool
scan_is_json_type(struct http_slice ct)
{
	return ct.len >= 16 && strncasecmp(ct.p, "application/json", 16) == 0 &&
	    (ct.len == 16 || ct.p[16] == ';' || ct.p[16] == ' ' ||
	    ct.p[16] == '\t');
}

/* True if origin ("scheme://host[:port]") is the scheme and host of url
 * (a base URL, "SCHEME://HOST/PATH"), in any letter case. */
static bool
scan_origin_is_url(struct http_slice origin, const char *url)
{
	const char *h = strstr(url, "://");
	size_t n;

	if (h == NULL)
		return false;
	n = (size_t)(h + 3 - url) + strcspn(h + 3, "/");
	return origin.len == n && strncasecmp(origin.p, url, n) == 0;
}

/* Key iteration: stops (1) at a key whose base URL is the origin. */
static int
scan_origin_key_cb(const struct store_key *k, void *arg)
{
	return scan_origin_is_url(*(struct http_slice *)arg, k->base_url);
}

/* True if an Origin header names this server: the listen address over
 * http, or a signing key's base URL (keys added while the server runs
 * count at once: they are read in the request's transaction). */
static bool
scan_origin_own(struct scan_loop *sl, struct http_slice origin)
{
	const char *bound = sl->srv->bound;
	size_t blen = strlen(bound);
	int found = 0;

	if (blen > 0 && origin.len == 7 + blen &&
	    strncasecmp(origin.p, "http://", 7) == 0 &&
	    strncasecmp(origin.p + 7, bound, blen) == 0)
		return true;
	if (scan_rtxn_begin(sl) < 0)
		return false;
	found = store_key_foreach_txn(&sl->rtxn, scan_origin_key_cb, &origin);
	scan_rtxn_end(sl);
	return found > 0;
}

/* Decides whether a POST may go on: 0, 403 (from another site, or a form
 * from no browser) or 415 (a JSON API body that is not application/json;
 * a request without a body, such as a store's redemption, has no type to
 * check and reads nothing). */
int
scan_post_check(struct scan_loop *sl, const struct http_req *req, bool api)
{
	const struct http_head *h = &req->head;

	if (h->sec_fetch_site.len > 0) {
		if (scan_from_other_site(req))
			return 403;
	} else if (h->origin.len > 0) {
		if (!scan_origin_own(sl, h->origin))
			return 403;
	} else if (!api)
		return 403;	/* a form, from no browser */
	if (api && req->body_len > 0 && !scan_is_json_type(h->content_type))
		return 415;
	return 0;
}
