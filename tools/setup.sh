#!/usr/bin/env bash
# setup.sh [--tests] — installs the Debian packages scanloop needs (only the
# missing ones) and the crawler list the server tells bots by, configures
# the meson build in ./build and builds it. With --tests it also installs
# what the test suite drives (zbarimg, curl...).
set -euo pipefail
cd "$(dirname "$0")/.."

build_pkgs=(meson ninja-build pkg-config gcc libc6-dev libqrencode-dev libpng-dev
	liblmdb-dev libsodium-dev libevent-dev libjansson-dev libcmocka-dev
	libpcre2-dev libssl-dev librdkafka-dev libpq-dev tzdata)
test_pkgs=(zbar-tools zint qrencode lmdb-utils curl python3 python3-cryptography strace faketime
	util-linux procps slowhttptest chromium fonts-noto-cjk wrk nginx-light
	clang libclang-rt-dev sqlite3 postgresql)

want=("${build_pkgs[@]}")
if [[ ${1:-} == --tests ]]; then
	want+=("${test_pkgs[@]}")
fi
# npm installs the crawler list (below) and the browser tests' playwright.
# Node.js may come from another source (NodeSource's nodejs bundles npm
# and conflicts with Debian's npm): only a machine without node and npm
# gets Debian's packages.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	want+=(nodejs npm)
fi

missing=()
for p in "${want[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if ((${#missing[@]})); then
	echo "setup: installing ${missing[*]}" >&2
	if [[ $(id -u) -ne 0 ]]; then
		if command -v sudo >/dev/null; then sudo=sudo; else
			echo "setup: run as root (or install sudo) to install: ${missing[*]}" >&2
			exit 1
		fi
	else
		sudo=
	fi
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The crawler list that `scanloop serve` tells bots by (docs/server.md,
# section 10): the crawler-user-agents package from the npm registry (MIT),
# pinned, so that a new version is taken on purpose, after the bot test
# (tests/unit/test_bots.c) passes with it. Without the registry the
# server still starts, on its built-in rules, and says so.
bots_version=1.60.0
bots_dir=var/lib/crawler-user-agents
install_bots_list() {
	local tmp src
	if [[ -f $bots_dir/crawler-user-agents.json &&
		$(cat "$bots_dir/VERSION" 2>/dev/null) == "$bots_version" ]]; then
		return 0
	fi
	tmp=$(mktemp -d)
	src=$tmp/node_modules/crawler-user-agents
	if timeout 300 npm install --prefix "$tmp" --no-save --no-package-lock \
		--no-audit --no-fund --ignore-scripts --fetch-retries=1 \
		--fetch-timeout=30000 "crawler-user-agents@$bots_version" \
		>"$tmp/npm.log" 2>&1 &&
		node -e 'JSON.parse(require("fs").readFileSync(process.argv[1]))' \
			"$src/crawler-user-agents.json"; then
		mkdir -p "$bots_dir"
		cp "$src/LICENSE" "$bots_dir/LICENSE"
		cp "$src/crawler-user-agents.json" "$bots_dir/.list.tmp"
		mv -f "$bots_dir/.list.tmp" "$bots_dir/crawler-user-agents.json"
		echo "$bots_version" >"$bots_dir/VERSION"
		echo "setup: installed crawler-user-agents $bots_version in $bots_dir" >&2
	else
		echo "setup: WARNING: cannot install crawler-user-agents" \
			"$bots_version from the npm registry; until it is in" \
			"$bots_dir, scanloop serve tells bots by its built-in rules" \
			"alone. npm said:" >&2
		tail -n 5 "$tmp/npm.log" >&2 || true
	fi
	rm -rf "$tmp"
}
install_bots_list

if [[ ! -f build/build.ninja ]]; then
	meson setup build >/dev/null
fi
ninja -C build >/dev/null
