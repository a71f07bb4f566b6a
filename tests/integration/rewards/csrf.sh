#!/usr/bin/env bash
# csrf.sh — other sites cannot make visitors draw (issue 14), shown with
# curl sending what browsers send:
#   - POST /draw (the page's form) with Sec-Fetch-Site cross-site or
#     same-site, with a foreign Origin or "null", or with neither header
#     (no browser): 403, and nothing drawn; with Sec-Fetch-Site
#     same-origin, or (an older browser) an Origin of the server's own
#     (the listen address, the key's base URL host in any case), the draw
#     is made.
#   - The JSON API: a body that is not application/json (a no-cors fetch
#     sends text/plain) or has no Content-Type gets 415; a cross-site or
#     foreign-origin request 403; a program's JSON request without Origin
#     is served, and a store's bodiless redemption with its Bearer token.
#   - A request from another site never replaces the visitor's cookie:
#     with Sec-Fetch-Site cross-site and no cookie, no Set-Cookie; the
#     visitor's points stay with their cookie.
# (tests/browser shows the same-origin flows in a real browser.)
. "$(dirname "$0")/lib.sh"
rw_setup
mint_active 12 "$T/job"
campaign_write "$T/c.json" csrf '
c["tiers"] = [tier("p5", "points", points=5, total=100)]'
campaign_load "$T/c.json"
serve_start --rate 0
V=$(visitor_new)

# draws_now: the number of draws in the store.
draws_now() {
	ok export draws --campaign csrf --format jsonl
	echo $(($(grep -c '' <<<"$OUT") - 1))
}

# 1. The draw form.
page "$(path_of "$(outer "$T/job" 1)")" "$V"
page_form
assert_contains "$(header Referrer-Policy)" same-origin "code page Referrer-Policy"
form() {
	req POST "/draw?lang=en" -H "Cookie: sl_vid=$V" "$@" \
	    --data-urlencode "c=$FORM_C" --data-urlencode "e=$FORM_E" \
	    --data-urlencode "t=$FORM_T"
}
before=$(draws_now)
form -H 'Sec-Fetch-Site: cross-site' -H 'Origin: https://evil.example'
expect_code 403 "form post, Sec-Fetch-Site: cross-site"
form -H 'Sec-Fetch-Site: same-site' -H 'Origin: https://evil.example.com'
expect_code 403 "form post, Sec-Fetch-Site: same-site"
form -H 'Origin: https://evil.example'
expect_code 403 "form post from a foreign Origin (no Sec-Fetch-Site)"
form -H 'Origin: null'
expect_code 403 "form post, Origin: null"
form -H "Origin: ${SRV_URL}.evil.example"
expect_code 403 "form post, Origin extending the server's"
form
expect_code 403 "form post with neither Origin nor Sec-Fetch-Site"
# Sec-Fetch-Site decides when present, whatever Origin says.
form -H 'Sec-Fetch-Site: cross-site' -H "Origin: $SRV_URL"
expect_code 403 "form post, cross-site with the server's Origin"
assert_eq "$(draws_now)" "$before" "draws after refused form posts"
form -H 'Sec-Fetch-Site: same-origin'
expect_code 200 "form post, Sec-Fetch-Site: same-origin"
assert_contains "$(draw_section)" "+5 points" "same-origin form draw"
assert_eq "$(draws_now)" "$((before + 1))" "draws after a same-origin form post"
# An older browser: no Sec-Fetch-Site, its Origin the listen address, or
# the host of the codes' base URL (HTTPS://S.EXAMPLE.COM) in any case.
n=6
for origin in "$SRV_URL" https://s.example.com HTTPS://S.Example.Com; do
	page "$(path_of "$(outer "$T/job" "$n")")" "$V"
	n=$((n + 1))
	page_form
	form -H "Origin: $origin"
	expect_code 200 "form post from Origin $origin"
done
form -H 'Origin: http://s.example.com'
expect_code 403 "form post from the codes' host over another scheme"

# 2. The JSON API.
body() {
	python3 -c 'import json, sys; print(json.dumps({"code": sys.argv[1]}))' "$1"
}
B=$(body "$(outer "$T/job" 3)")
before=$(draws_now)
req POST "$DRAWS" -H "Cookie: sl_vid=$V" -H 'Content-Type: text/plain' \
    --data-binary "$B"
expect_code 415 "no-cors fetch (text/plain) to the draw API"
check_json 'assert j["error"] == "unsupported_media_type", j'
req POST "$DRAWS" -H "Cookie: sl_vid=$V" -H 'Content-Type:' --data-binary "$B"
expect_code 415 "draw API without a Content-Type"
req POST "$DRAWS" -H "Cookie: sl_vid=$V" -H 'Content-Type: application/jsonp' \
    --data-binary "$B"
expect_code 415 "draw API with application/jsonp"
post_json "$DRAWS" "$B" -H "Cookie: sl_vid=$V" -H 'Sec-Fetch-Site: cross-site'
expect_code 403 "cross-site JSON draw"
check_json 'assert j["error"] == "cross_site", j'
post_json "$DRAWS" "$B" -H "Cookie: sl_vid=$V" -H 'Origin: https://evil.example'
expect_code 403 "JSON draw from a foreign Origin"
req POST /api/v1/scans -H 'Content-Type: text/plain' --data-binary "$B"
expect_code 415 "scan API as text/plain"
assert_eq "$(draws_now)" "$before" "draws after refused API requests"
post_json "$DRAWS" "$B" -H "Cookie: sl_vid=$V" -H 'Content-Type: application/json; charset=utf-8'
expect_code 200 "a program's JSON draw (no Origin)"
post_json "$DRAWS" "$(body "$(outer "$T/job" 4)")" -H "Cookie: sl_vid=$V" \
    -H 'Sec-Fetch-Site: same-origin' -H "Origin: $SRV_URL"
expect_code 200 "a same-origin fetch draw"
assert_eq "$(draws_now)" "$((before + 2))" "draws after accepted API requests"
# A store's redemption: no body, a Bearer token (401 with a wrong one:
# the request got to the handler).
req POST /api/v1/claims/AAAA/redeem -d '' -H 'Authorization: Bearer WRONG'
expect_code 401 "a bodiless redemption"

# 3. The visitor cookie.
get "$(path_of "$(outer "$T/job" 5)")&lang=en" -H 'Sec-Fetch-Site: cross-site'
expect_code 200 "a code page opened from another site"
assert_not_contains "$HEADERS" "Set-Cookie" "cross-site request without the cookie"
get "$(path_of "$(outer "$T/job" 5)")&lang=en" -H 'Sec-Fetch-Site: none'
assert_contains "$HEADERS" "Set-Cookie: sl_vid=" "a typed URL without a cookie"
get "$(path_of "$(outer "$T/job" 5)")&lang=en" -H 'Sec-Fetch-Site: cross-site' \
    -H "Cookie: sl_vid=$V"
assert_not_contains "$HEADERS" "Set-Cookie" "cross-site navigation with the cookie"
get /api/v1/visitors/me/points -H "Cookie: sl_vid=$V"
check_json 'assert j["balance"] == 30, j'
serve_stop
note "ok"
