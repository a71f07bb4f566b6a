#!/usr/bin/env bash
# test.sh [BUILD_DIR [meson options...]] — installs what is missing, builds
# and runs the whole test suite (unit, integration, fuzz corpus replay).
# Benchmarks are separate: meson test -C build --suite bench.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh --tests
dir=${1:-build}
shift || true
if [[ ! -f $dir/build.ninja ]]; then
	meson setup "$dir" "$@" >/dev/null
fi
ninja -C "$dir" >/dev/null
meson test -C "$dir" --no-suite bench --print-errorlogs --num-processes 2
