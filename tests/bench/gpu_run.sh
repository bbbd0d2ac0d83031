#!/bin/sh
# bench/gpu-run.sh end to end on lavapipe, from the packed files alone: an
# empty environment, the carried loader and driver, a tiny benchmark.
# TAP output.  Usage: gpu_run.sh SOURCE_ROOT BUILD_ROOT
set -u
src=$1 build=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
echo "1..4"

if "$src/bench/gpu-run.sh" pack --lavapipe --build "$build" "$tmp/pack" >"$tmp/pack.log" 2>&1; then
  echo "ok 1 pack"
else
  echo "not ok 1 pack"; sed 's/^/# /' "$tmp/pack.log"
fi

# env -i: no PATH, no LD_LIBRARY_PATH, no VK_* from this machine
env -i /bin/sh "$tmp/pack/gpu-run.sh" run "$tmp/pack" -- \
  --seconds 0.02 --sizes 512 --chunks 64 >"$tmp/run.log" 2>&1
rc=$?
[ $rc = 0 ] && echo "ok 2 run exits 0" || { echo "not ok 2 run exits $rc"; sed 's/^/# /' "$tmp/run.log"; }

grep -q "manifest $tmp/pack/icd.d/lvp_icd.json" "$tmp/run.log" &&
grep -q '^vulkan: vulkan (llvmpipe' "$tmp/run.log" &&
  echo "ok 3 the packed lavapipe is the device" || echo "not ok 3 the packed lavapipe is the device"

# one table row with positive figures for both backends
if grep -Eq '^\| 512 \| 64 \| [1-9][0-9]* \| [1-9][0-9]* \| [0-9.]+ \| [0-9.]+ \|$' "$tmp/pack/results.md"; then
  echo "ok 4 results table has both backends"
else
  echo "not ok 4 results table has both backends"; sed 's/^/# /' "$tmp/run.log"
fi
