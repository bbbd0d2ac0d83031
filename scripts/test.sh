#!/bin/sh
# Every test, from a fresh clone: install what is missing, build twice
# (normal, and AddressSanitizer+UBSan), run the C unit tests, the element
# tests and the Python tests (pytest runs as a Meson test), the element
# tests and file → PNG pipelines again under valgrind, each libFuzzer target
# for a minute (a clang build), then print one line
# "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
scripts/deps.sh --test || exit 1

status=0
logs=""
run() { "$@" || status=1; }

# 1. Normal build: every suite; pytest (suite 'python') on Debian's python3.
# -Dtests=enabled: a missing test dependency is an error, not a build
# without tests.  meson prints its errors on stdout: show them on failure.
setup() {
  out=$(meson setup -Dtests=enabled "$@" 2>&1) || {
    printf '%s\n' "$out"; rm -rf "$1"; echo "0 passed, 1 failed (meson setup $1)"; exit 1; }
}
[ -d build-test ] || setup build-test
meson compile -C build-test >/dev/null || { echo "0 passed, 1 failed (build)"; exit 1; }
run meson test -C build-test --print-errorlogs --no-rebuild
logs="$logs build-test/meson-logs/testlog.json"

# 2. The element tests and one file → PNG pipeline per backend under
#    valgrind's memcheck (setup 'valgrind' in meson.build): a definite leak
#    or an invalid read or write fails.
run meson test -C build-test --setup valgrind --suite check --print-errorlogs \
  --no-rebuild
logs="$logs build-test/meson-logs/testlog-valgrind.json"

# 3. Sanitizer build: the C suites again under ASan/UBSan (setup 'asan' in
#    meson.build keeps GStreamer's registry scan in-process).
[ -d build-asan ] || setup build-asan -Db_sanitize=address,undefined \
  -Db_lundef=false -Dpython=disabled -Dexamples=disabled
meson compile -C build-asan >/dev/null || { echo "0 passed, 1 failed (asan build)"; exit 1; }
run meson test -C build-asan --setup asan --print-errorlogs --no-rebuild
logs="$logs build-asan/meson-logs/testlog-asan.json"

# 4. Fuzzing: each libFuzzer target (core, element, PNG metadata reader) for
#    one minute over a copy of its seed corpus, in a clang ASan+UBSan build
#    of just the fuzz targets (tests/fuzz/meson.build).
[ -d build-fuzz ] || CC=clang setup build-fuzz \
  -Db_sanitize=address,undefined -Db_lundef=false -Dpython=disabled \
  -Dexamples=disabled
meson compile -C build-fuzz tests/fuzz/fuzz_core tests/fuzz/fuzz_element \
  tests/fuzz/fuzz_png_info >/dev/null || { echo "0 passed, 1 failed (fuzz build)"; exit 1; }
run meson test -C build-fuzz --suite fuzz --print-errorlogs --no-rebuild
logs="$logs build-fuzz/meson-logs/testlog.json"

/usr/bin/python3 scripts/test_summary.py $logs || status=1
exit $status
