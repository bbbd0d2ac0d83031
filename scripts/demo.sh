#!/bin/sh
# The main job, from a fresh clone: install what is missing, build, and
# render spectrograms of two generated sounds into demo/.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh
# meson prints its errors on stdout: show them when the setup fails.
if [ ! -d build ]; then
  out=$(meson setup build 2>&1) || { printf '%s\n' "$out"; rm -rf build; exit 1; }
fi
meson compile -C build >/dev/null
mkdir -p demo
espeak-ng -w demo/speech.wav "Mel spectrograms, computed with Vulkan, drawn in colour."
# An exponential sine sweep 50 Hz -> 10 kHz over 8 s, as FLAC.
sox -q -n -r 44100 demo/sweep.flac synth 8 sine 50/10000 gain -6
for f in speech.wav sweep.flac; do
  meson devenv -C build gst-launch-1.0 -q \
    filesrc location="$PWD/demo/$f" ! decodebin ! melspecx ! pngenc compression-level=1 ! \
    filesink location="$PWD/demo/${f%.*}.png"
  echo "wrote demo/${f%.*}.png"
done
