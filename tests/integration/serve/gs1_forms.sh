#!/usr/bin/env bash
# gs1_forms.sh — every form of a genuine code that GS1 Digital Link takes
# as the same item (docs/code-format.md, section 9.1) is that code: the
# page answers 200, POST /api/v1/scans says genuine, `scanloop verify` says
# genuine, and each scan is recorded against the code's serial. Forms the
# standard rejects are malformed everywhere (404, recorded); a product's
# link without a serial keeps the product page (no event); another host or
# port is forged.
. "$(dirname "$0")/lib.sh"
serve_setup
serve_fixture
serve_start --rate 0

G=$GENUINE
SG=$(serial_of "$G")
GTIN14=$(sed 's|.*/01/\([0-9]*\)/21/.*|\1|' <<<"$G")
SIG=${G##*\?S=}

# The forms, built by Python (percent-encoding is easier to read there):
# full URLs for verify and the API; their paths are what a phone asks.
python3 - "$GTIN14" "$SG" "$SIG" >"$T/forms.txt" <<'PY'
import sys
g, s, sig = sys.argv[1:]
pct = lambda t: "".join("%%%02X" % ord(c) for c in t)
forms = [
    f"HTTPS://S.EXAMPLE.COM/01/{g}/21/{s}?S={sig}",
    f"https://s.example.com:443/01/{g}/21/{s}?S={sig}",
    f"https://s.example.com./01/{g}/21/{s}?S={sig}",
    f"HTTPS://S.EXAMPLE.COM.:443/01/{g}/21/{s}?s={sig}",
    f"http://s.example.com:80/01/{g}/21/{s}?S={sig}",
    f"https://s.example.com/01/{g}/21/{s.lower()}?s={sig.lower()}",
    f"https://s.example.com/01/{g}/21/{pct(s)}?S={sig}",
    f"https://s.example.com/01/{g}/21/{s}?%53={pct(sig)}",
    f"https://s.example.com/01/{g}/10/LOT%2F7/21/{s}?S={sig}",
    f"https://s.example.com/01/{g}/22/2A/10/ABC1/21/{s}?S={sig}",
    f"https://s.example.com/01/{g}/21/{s}?S={sig}&s=20",
    f"https://s.example.com/01/{g}/21/{s}?17=261231&S={sig}&from=timeline",
    f"https://s.example.com/01/{g[1:]}/21/{s}?S={sig}#top",
]
print("\n".join(forms))
PY
n=0
while IFS= read -r form; do
	n=$((n + 1))
	sl verify "$form"
	assert_rc 0 "verify form $n: $form"
	assert_contains "$OUT" "genuine    $SG" "verify form $n"
	path="/${form#*://*/}"
	get "$path"
	expect_code 200 "page of form $n: $path"
	assert_contains "$BODY" "$SG" "page of form $n names the serial"
	post_json /api/v1/scans "{\"code\":\"$form\"}"
	expect_code 200 "API, form $n"
	check=$(json_get '[j["verdict"], j["serial"]]')
	assert_eq "$check" "[\"genuine\", \"$SG\"]" "API verdict of form $n"
done <"$T/forms.txt"
[ "$n" -ge 13 ] || fail "only $n forms"

# Every page and API scan is an event of the code.
ok scans show --serial "$SG"
assert_contains "$OUT" "all scans: $((2 * n))" "scans of the code in all forms"

# Not the code: another port or host (forged), forms the standard
# rejects (malformed: a qualifier after the serial, out of order, a
# repeated or unknown AI, an empty lot, S twice).
for form in "https://s.example.com:8443/01/$GTIN14/21/$SG?S=$SIG" \
    "http://s.example.com:443/01/$GTIN14/21/$SG?S=$SIG"; do
	sl verify "$form"
	assert_rc 1 "verify $form"
	assert_contains "$OUT" "forged     $SG the URL's host" "verify $form"
	post_json /api/v1/scans "{\"code\":\"$form\"}"
	assert_eq "$(json_get 'j["verdict"]')" '"forged"' "API: $form"
done
nbad=0
for path in "/01/$GTIN14/21/$SG/10/L?S=$SIG" \
    "/01/$GTIN14/10/L/22/C/21/$SG?S=$SIG" \
    "/01/$GTIN14/21/$SG?S=$SIG&21=$SG" \
    "/01/$GTIN14/21/$SG?S=$SIG&89=1" \
    "/01/$GTIN14/10//21/$SG?S=$SIG" \
    "/01/$GTIN14/21/$SG?S=$SIG&S=$SIG" \
    "/01/$GTIN14?99=" "/01/$GTIN14/89/ABC" "/01/$GTIN14/10/"; do
	nbad=$((nbad + 1))
	get "$path" -H 'Accept-Language: en'
	expect_code 404 "standard rejects $path"
	assert_contains "$BODY" 'Not a valid product code' "malformed page: $path"
	sl verify "HTTPS://S.EXAMPLE.COM$path"
	assert_rc 1 "verify $path"
	assert_contains "$OUT" "malformed" "verify $path"
	post_json /api/v1/scans "{\"code\":\"HTTPS://S.EXAMPLE.COM$path\"}"
	assert_eq "$(json_get 'j["verdict"]')" '"malformed"' "API: $path"
done

# A product's link, with or without qualifiers and attributes: the
# product page, no event.
for path in "/01/$GTIN14" "/01/$GTIN14/10/ABC123" "/01/$GTIN14/22/2A/10/X" \
    "/01/$GTIN14/235/TPX?10=L1" "/01/$GTIN14?3103=000195&17=261231"; do
	get "$path" -H 'Accept-Language: en'
	expect_code 200 "product page: $path"
	assert_contains "$BODY" "$GTIN14" "product page names the GTIN: $path"
	sl verify "https://s.example.com$path"
	assert_rc 1 "verify of a product link"
	assert_contains "$OUT" "malformed  -             a product's link without a serial" \
	    "verify of a product link"
done

serve_stop
tail_events 1000
assert_eq "$(grep ' genuine ' <<<"$OUT" | grep -c "$SG")" "$((2 * n))" \
    "genuine events of the code"
nm=$(grep -c ' malformed ' <<<"$OUT" || true)
assert_eq "$nm" "$((2 * nbad))" "malformed events (page and API)"
nf=$(grep -c ' forged ' <<<"$OUT" || true)
assert_eq "$nf" 2 "forged events (API, another host)"
note "ok: $n forms of one code, $nbad rejected forms"
