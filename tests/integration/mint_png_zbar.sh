#!/usr/bin/env bash
# mint_png_zbar.sh — a 10,000-code print job with PNGs: files, manifest,
# image format, and a random sample decoded by zbarimg that must equal
# codes.csv and verify (not_active, then genuine once activated). Also an
# SVG job at 6 px/module, ECC H, rasterised and decoded the same way.
. "$(dirname "$0")/lib.sh"
command -v zbarimg >/dev/null || skip "zbarimg (zbar-tools) is not installed"
setup

COUNT=10000
SAMPLE=40
SEED=${SEED:-$RANDOM}
note "sample seed $SEED (rerun with SEED=$SEED to repeat)"

make_key 1
ok mint --key 1 --product "$GTIN" --count "$COUNT" --png --out "$T/job"
assert_contains "$OUT" "minted batch" "mint summary"
[ -d "$T/job" ] || fail "mint exited 0 but $T/job does not exist"
assert_no_partial "$T"

# codes.csv, manifest.json and png/ agree with each other.
check_job "$T/job" "$COUNT" png
[ "$(wc -l <"$T/job/codes.csv")" -eq $((COUNT + 1)) ] ||
    fail "codes.csv does not have $((COUNT + 1)) lines"
[ "$(head -1 "$T/job/codes.csv")" == $'seq,serial,url\r' ] ||
    fail "codes.csv header is not 'seq,serial,url' + CRLF"
sha=$(sha256sum "$T/job/codes.csv" | cut -d' ' -f1)
assert_eq "$(manifest_get "$T/job" codes_sha256)" "$sha" "codes_sha256"
assert_eq "$(manifest_get "$T/job" count)" "$COUNT" "manifest count"
assert_eq "$(manifest_get "$T/job" product)" "$GTIN14" "manifest product"
assert_eq "$(manifest_get "$T/job" key_id)" 1 "manifest key_id"
assert_eq "$(manifest_get "$T/job" scheme)" ed25519 "manifest scheme"
assert_eq "$(manifest_get "$T/job" ecc)" M "manifest ecc (default)"
batch=$(manifest_get "$T/job" batch_id)
version=$(manifest_get "$T/job" qr_version)
# The code format promises that a scheme-1 code with the default host
# fits QR version 7 at level M.
[ "$version" -ge 1 ] && [ "$version" -le 7 ] ||
    fail "qr_version $version: a default-host Ed25519 code must fit version 7-M"
assert_eq "$(batches)" "$batch ready $COUNT" "batch list after mint"
assert_eq "$(codes_entries)" "$COUNT" "codes in the store"

# Every PNG: 1-bit greyscale, square, (modules + 8 quiet) * 4 px wide.
want_px=$(((17 + 4 * version + 8) * 4))
python3 - "$T/job/png" "$want_px" <<'EOF' || fail "PNG format (see above)"
import os, struct, sys
d, want = sys.argv[1], int(sys.argv[2])
bad = 0
for name in os.listdir(d):
    h = open(os.path.join(d, name), "rb").read(33)
    if h[:8] != b"\x89PNG\r\n\x1a\n" or h[12:16] != b"IHDR":
        print("  %s: not a PNG" % name, file=sys.stderr); bad += 1; continue
    w, hh, depth, colour = struct.unpack(">IIBB", h[16:26])
    if depth != 1 or colour not in (0, 3):
        print("  %s: bit depth %d colour type %d, want 1-bit" % (name, depth, colour), file=sys.stderr); bad += 1
    if w != want or hh != want:
        print("  %s: %dx%d px, want %dx%d" % (name, w, hh, want, want), file=sys.stderr); bad += 1
    if bad > 10:
        break
sys.exit(1 if bad else 0)
EOF

# Decode a random sample; each must be its codes.csv line's URL.
sample_codes "$T/job" "$SAMPLE" >"$T/sample"
[ "$(wc -l <"$T/sample")" -eq "$SAMPLE" ] || fail "sample is short"
: >"$T/decoded"
while read -r serial url; do
	png="$T/job/png/$serial.png"
	got=$(zbar "$png") || fail "zbarimg cannot decode $png"
	assert_eq "$got" "$url" "decoded $serial.png"
	echo "$got" >>"$T/decoded"
done <"$T/sample"

# Not active yet: each decoded URL verifies as not_active, exit 1.
run_stdin "$T/decoded" "$SCANLOOP" verify
assert_rc 1 "verify before activation"
[ "$(grep -c '^not_active ' <<<"$OUT")" -eq "$SAMPLE" ] ||
    fail "verify before activation: want $SAMPLE not_active lines: $(last)"
while read -r serial url; do
	sl verify "$url"
	assert_rc 1 "verify $serial before activation"
	[[ "$OUT" == "not_active $serial "*"batch $batch" ]] ||
	    fail "verify $serial before activation: $(last)"
done <"$T/sample"

ok batch activate "$batch"
assert_eq "$(batches)" "$batch active $COUNT" "batch list after activate"
run_stdin "$T/decoded" "$SCANLOOP" verify
assert_rc 0 "verify after activation"
[ "$(grep -c '^genuine ' <<<"$OUT")" -eq "$SAMPLE" ] ||
    fail "verify after activation: want $SAMPLE genuine lines: $(last)"
while read -r serial url; do
	sl verify "$url"
	assert_rc 0 "verify $serial"
	[[ "$OUT" == "genuine "*" $serial active, batch $batch,"* ]] ||
	    fail "verify $serial: $(last)"
done <"$T/sample"

# An SVG job at 6 px per module and ECC H.
SVGN=20
mint 1 "$SVGN" "$T/svgjob" --svg --module-px 6 --ecc H
check_job "$T/svgjob" "$SVGN" svg
assert_eq "$(manifest_get "$T/svgjob" ecc)" H "svg job ecc"
svgversion=$(manifest_get "$T/svgjob" qr_version)
# H holds less than M in every version, so it never needs a smaller one.
[ "$svgversion" -ge "$version" ] ||
    fail "ECC H symbol (version $svgversion) smaller than ECC M ($version)"
# Each SVG is well-formed XML with a viewBox of modules + 8 and a size of
# 6 px per module; rasterise its path to a PBM and let zbarimg read it.
python3 - "$T/svgjob" "$svgversion" 6 <<'EOF' || fail "SVG files (see above)"
import os, re, sys, xml.etree.ElementTree as ET
d, version, px = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
full = 17 + 4 * version + 8
ns = "{http://www.w3.org/2000/svg}"
bad = 0
for name in os.listdir(os.path.join(d, "svg")):
    path = os.path.join(d, "svg", name)
    root = ET.parse(path).getroot()
    vb = [int(float(x)) for x in root.get("viewBox", "").split()]
    if root.tag != ns + "svg" or vb != [0, 0, full, full] or \
            root.get("width") != str(full * px) or root.get("height") != str(full * px):
        print("  %s: root %s viewBox %s size %sx%s, want %d modules at %d px" %
              (name, root.tag, vb, root.get("width"), root.get("height"), full, px), file=sys.stderr)
        bad += 1
        continue
    # Even-odd fill of the black path's rectilinear subpaths, sampled at
    # module centres.
    polys, cur, x, y = [], [], 0.0, 0.0
    for p in root.iter(ns + "path"):
        if p.get("fill") not in ("#000", "#000000", "black"):
            continue
        for cmd, args in re.findall(r"([MmHhVvLlZz])([^MmHhVvLlZz]*)", p.get("d")):
            a = [float(v) for v in re.findall(r"-?[\d.]+", args)]
            if cmd in "Mm":
                if cur: polys.append(cur)
                x, y = (a[0], a[1]) if cmd == "M" else (x + a[0], y + a[1]); cur = [(x, y)]
            elif cmd == "h": x += a[0]; cur.append((x, y))
            elif cmd == "H": x = a[0]; cur.append((x, y))
            elif cmd == "v": y += a[0]; cur.append((x, y))
            elif cmd == "V": y = a[0]; cur.append((x, y))
            elif cmd == "l": x += a[0]; y += a[1]; cur.append((x, y))
            elif cmd == "L": x, y = a[0], a[1]; cur.append((x, y))
            else:
                if cur: polys.append(cur); x, y = cur[0]
                cur = []
    if cur: polys.append(cur)
    grid = [[0] * full for _ in range(full)]
    for poly in polys:
        for i in range(len(poly)):
            (x0, y0), (x1, y1) = poly[i], poly[(i + 1) % len(poly)]
            if x0 != x1 or y0 == y1:
                continue              # horizontal edges do not cross rows
            for row in range(int(min(y0, y1)), int(max(y0, y1))):
                for col in range(full):
                    if col + 0.5 > x0:
                        grid[row][col] ^= 1
    with open(path[:-4] + ".pbm", "w") as f:
        f.write("P1\n%d %d\n" % (full * 4, full * 4))
        for row in grid:
            line = " ".join(str(v) for v in row for _ in range(4))
            f.write((line + "\n") * 4)
sys.exit(1 if bad else 0)
EOF
tail -n +2 "$T/svgjob/codes.csv" | tr -d '\r' >"$T/svgrows"
while IFS=, read -r seq serial url; do
	pbm="$T/svgjob/svg/$serial.pbm"
	got=$(zbar "$pbm") || fail "zbarimg cannot decode $serial.svg"
	assert_eq "$got" "$url" "decoded $serial.svg (row $seq)"
done <"$T/svgrows"
note "ok: $COUNT codes, $SAMPLE PNGs decoded and verified, QR version $version"
