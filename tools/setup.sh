#!/usr/bin/env bash
# setup.sh [--tests] — installs the Debian packages scanloop needs (only the
# missing ones), configures the meson build in ./build and builds it.
# With --tests it also installs what the test suite drives (zbarimg, curl...).
set -euo pipefail
cd "$(dirname "$0")/.."

build_pkgs=(meson ninja-build pkg-config gcc libc6-dev libqrencode-dev libpng-dev
	liblmdb-dev libsodium-dev libevent-dev libjansson-dev libcmocka-dev librdkafka-dev
	tzdata)
test_pkgs=(zbar-tools zint qrencode lmdb-utils curl python3 strace faketime
	util-linux procps slowhttptest chromium fonts-noto-cjk wrk nginx-light)

want=("${build_pkgs[@]}")
if [[ ${1:-} == --tests ]]; then
	want+=("${test_pkgs[@]}")
	# Node.js may come from another source (NodeSource's nodejs bundles npm
	# and conflicts with Debian's npm): only a machine without node and npm
	# gets Debian's packages.
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		want+=(nodejs npm)
	fi
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

if [[ ! -f build/build.ninja ]]; then
	meson setup build >/dev/null
fi
ninja -C build >/dev/null
