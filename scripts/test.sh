#!/bin/sh
# Every test, from a fresh clone: install what is missing, build twice
# (normal, and AddressSanitizer+UBSan), run the C unit tests, the element
# tests and the Python tests, then print one line
# "N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/.."
scripts/deps.sh --test || exit 1

status=0
logs=""
run() { "$@" || status=1; }

# 1. Normal build: every suite, Python included.
[ -d build-test ] || meson setup build-test >/dev/null || exit 1
meson compile -C build-test >/dev/null || { echo "0 passed, 1 failed (build)"; exit 1; }
run meson test -C build-test --print-errorlogs --no-rebuild
logs="$logs build-test/meson-logs/testlog.json"

# 2. Sanitizer build: the C suites again under ASan/UBSan (setup 'asan' in
#    meson.build keeps GStreamer's registry scan in-process).
[ -d build-asan ] || meson setup build-asan -Db_sanitize=address,undefined \
  -Db_lundef=false -Dpython=disabled -Dexamples=disabled >/dev/null || exit 1
meson compile -C build-asan >/dev/null || { echo "0 passed, 1 failed (asan build)"; exit 1; }
run meson test -C build-asan --setup asan --print-errorlogs --no-rebuild
logs="$logs build-asan/meson-logs/testlog-asan.json"

# 3. Python: the package, the command and the pipelines, on Debian's python3.
rm -f build-test/pytest.xml
run meson devenv -C build-test /usr/bin/python3 -m pytest -q -p no:cacheprovider \
  --junitxml="$PWD/build-test/pytest.xml" "$PWD/tests/python"

/usr/bin/python3 scripts/test_summary.py $logs build-test/pytest.xml || status=1
exit $status
