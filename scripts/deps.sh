#!/bin/sh
# Installs the Debian 12 packages melspecx needs, only those missing.
#   scripts/deps.sh          build + run (plugin, Python package, demo, the
#                            live window: GTK 3 and gtksink)
#   scripts/deps.sh --test   also what the tests and bench/peers.py need
#                            (its peers: ffmpeg, sox with MP3, torchaudio, PIL;
#                            locales: a German locale for the locale test;
#                            Xvfb, xwininfo and ImageMagick's import for the
#                            screenshots of the live window; Chromium,
#                            headless, for the batch --html page; clang,
#                            its libFuzzer runtime and llvm-symbolizer for
#                            the fuzz targets; Dask's distributed for the
#                            cluster tests of batch --scheduler)
# As root it runs apt-get; otherwise it prints the exact sudo line and fails.
set -eu

RUNTIME="meson ninja-build pkg-config gcc libc6-dev
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev gstreamer1.0-tools
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  libpng-dev libdeflate-dev libfftw3-dev libkissfft-dev
  libcairo2-dev libpango1.0-dev fonts-dejavu-core
  libvkfft-dev glslang-dev glslang-tools spirv-tools libvulkan-dev
  mesa-vulkan-drivers
  python3 python3-gi python3-gst-1.0 python3-numpy espeak-ng sox
  gir1.2-gtk-3.0 gstreamer1.0-gtk3"
TEST="python3-pytest python3-scipy python3-torchaudio python3-matplotlib
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly valgrind time
  ffmpeg libsox-fmt-mp3 python3-pil locales xvfb x11-utils imagemagick
  chromium clang libclang-rt-14-dev llvm python3-distributed"

want="$RUNTIME"
[ "${1:-}" = "--test" ] && want="$RUNTIME $TEST"

missing=""
for p in $want; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  case "$status" in
    *" installed") ;;
    *) missing="$missing $p" ;;
  esac
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
  echo "melspecx needs these Debian packages; install them with:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y$missing" >&2
  exit 1
fi
echo "Installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists: update once, retry install after one.
apt-get install -y -q $missing >/dev/null 2>&1 || {
  apt-get update -q >/dev/null
  apt-get install -y -q $missing >/dev/null
}
