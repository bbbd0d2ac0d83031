#!/bin/sh
# Runs a libFuzzer target for SECONDS over a copy of its seed corpus, in a
# temporary directory that is removed afterwards: new inputs and any crash
# file stay out of the source tree (a crash is printed, with its input in
# base64 so that it can be added to the corpus).  libFuzzer's own exit
# status for a crash is 77, which Meson reads as "skipped": it is told 1.
#   run_fuzz.sh FUZZER CORPUS_DIR SECONDS
set -eu
fuzzer=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")  # before the cd below
corpus=$2 seconds=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
cp "$corpus"/* "$work/corpus/"
cd "$work"
status=0
"$fuzzer" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
  -error_exitcode=1 \
  -print_final_stats=1 -artifact_prefix="$work/" corpus || status=$?
for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
  [ -e "$f" ] || continue
  echo "input that failed ($(basename "$f")), base64:"
  base64 "$f"
done
exit "$status"
