#!/bin/sh
# Vulkan against the CPU backend, core only, on a machine that has a GPU but
# neither GStreamer nor a package manager: everything it needs travels in
# one folder.
#
# Here, on Debian 12 after the README's set-up:
#   bench/gpu-run.sh pack [--lavapipe] [--build BUILD] [PACK]
#     builds bench/msx_bench (release, in build-bench/, or in the Meson build
#     directory BUILD) and gathers into PACK
#     (default .gpu-pack/): the binary, every shared library it loads, the
#     Vulkan loader, and glibc's own libraries (used there only when that
#     machine's glibc is older), and the GL vendor-neutral dispatch libraries
#     (glvnd) that NVIDIA's Vulkan driver loads.  --lavapipe adds Mesa's CPU Vulkan driver
#     and its libraries, to prove the pack works from its own files alone.
# There (only /bin/sh and the GPU driver needed):
#   bench/gpu-run.sh run [PACK] [-- msx_bench options]
#     frames/s and hours of audio per second for n_fft 512/2048/8192 and
#     chunk sizes 64..16384 on both backends, then a markdown table of
#     Vulkan against the CPU (also written to PACK/results.md).
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
libc_libs='ld-linux-x86-64.so.2 libc.so.6 libm.so.6 libpthread.so.0 libdl.so.2 librt.so.1'

is_libc() {
  for l in $libc_libs; do [ "$1" = "$l" ] && return 0; done
  return 1
}

# Copies the libraries that ldd lists for $1 into $2 (glibc's into $2/../glibc).
copy_needed() {
  ldd "$1" | awk '/=> \// { print $1, $3 } /^\t\/.*ld-linux/ { print "ld-linux-x86-64.so.2", $1 }' |
  while read -r name path; do
    if is_libc "$name"; then dest="$2/../glibc"; else dest="$2"; fi
    [ -e "$dest/$name" ] || cp -L "$path" "$dest/$name"
  done
}

pack() {
  lavapipe=0
  build=$here/build-bench
  while [ $# -gt 0 ]; do
    case "$1" in
      --lavapipe) lavapipe=1; shift ;;
      --build) build=$(cd "$2" && pwd); shift 2 ;;
      *) break ;;
    esac
  done
  out=${1:-$here/.gpu-pack}
  [ -d "$build" ] || meson setup "$build" "$here" --buildtype=release \
    -Dtests=disabled -Dexamples=disabled -Dpython=disabled >/dev/null
  ninja -C "$build" bench/msx_bench >/dev/null
  rm -rf "$out"
  mkdir -p "$out/lib" "$out/glibc" "$out/icd.d"
  cp "$build/bench/msx_bench" "$out/"
  copy_needed "$out/msx_bench" "$out/lib"
  # the Vulkan loader, and what NVIDIA's driver (libGLX_nvidia) links to
  for name in libvulkan.so.1 libGLdispatch.so.0 libGLX.so.0 libEGL.so.1 libX11.so.6 libXext.so.6; do
    path=$(ldconfig -p | awk -v n="$name" '$1 == n && /x86-64/ { print $NF; exit }')
    [ -n "$path" ] || { echo "gpu-run.sh: $name is not installed" >&2; exit 1; }
    [ -e "$out/lib/$name" ] || cp -L "$path" "$out/lib/"
    copy_needed "$path" "$out/lib"
  done
  getconf GNU_LIBC_VERSION | awk '{ print $2 }' >"$out/glibc/version"
  if [ $lavapipe = 1 ]; then
    lvp=$(ldconfig -p | awk '/libvulkan_lvp.so .*x86-64/ { print $NF; exit }')
    [ -n "$lvp" ] || { echo "gpu-run.sh: Mesa's lavapipe is not installed (mesa-vulkan-drivers)" >&2; exit 1; }
    cp -L "$lvp" "$out/lib/"
    copy_needed "$lvp" "$out/lib"
    # a relative library_path is read relative to the manifest
    printf '{ "file_format_version": "1.0.0", "ICD": { "library_path": "../lib/%s", "api_version": "1.3.0" } }\n' \
      "$(basename "$lvp")" >"$out/icd.d/lvp_icd.json"
  fi
  cp "$0" "$out/gpu-run.sh"
  echo "packed $(du -sh "$out" | cut -f1) into $out"
}

# The driver manifest: the pack's own, else the NVIDIA one where the
# driver's installer or the container put it, else any other.
find_icd() {
  system="/etc/vulkan/icd.d /usr/share/vulkan/icd.d /usr/local/share/vulkan/icd.d
    /usr/local/nvidia/share/vulkan/icd.d"
  for f in "$pack"/icd.d/*.json; do [ -e "$f" ] && { echo "$f"; return 0; }; done
  for pattern in 'nvidia*.json' '*.json'; do
    for d in $system; do
      for f in "$d"/$pattern; do [ -e "$f" ] && { echo "$f"; return 0; }; done
    done
  done
  return 1
}

# Prints the command prefix that starts msx_bench: the machine's own loader
# when its glibc is at least the packed one, else the packed loader.
loader() {
  have=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{ print $2 }')
  need=$(cat "$pack/glibc/version")
  if [ -n "$have" ] && [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -1)" = "$need" ]; then
    echo ""
  else
    echo "$pack/glibc/ld-linux-x86-64.so.2 --library-path $pack/lib:$pack/glibc"
  fi
}

# msx_bench's lines -> one markdown row per (n_fft, chunk).
table() {
  awk '
    / frames\/s/ {
      key = $3 " " $5; sub(":", "", key)
      if ($1 == "cpu") cpu[key] = $6; else { vk[key] = $6; h[key] = $8; order[++n] = key }
    }
    END {
      print "| n_fft | chunk | CPU frames/s (1 thread) | Vulkan frames/s | Vulkan / CPU | Vulkan h of audio/s |"
      print "|---:|---:|---:|---:|---:|---:|"
      for (i = 1; i <= n; i++) {
        k = order[i]; split(k, p, " ")
        r = (cpu[k] > 0) ? sprintf("%.2f", vk[k] / cpu[k]) : "-"
        printf "| %s | %s | %s | %s | %s | %s |\n", p[1], p[2], cpu[k], vk[k], r, h[k]
      }
    }'
}

run() {
  pack=${1:-$(dirname "$0")}
  [ $# -gt 0 ] && shift
  [ "${1:-}" = "--" ] && shift
  pack=$(cd "$pack" && pwd)
  if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
    VK_DRIVER_FILES=$(find_icd) || { echo "gpu-run.sh: no Vulkan driver manifest (icd.d/*.json) found" >&2; exit 1; }
    export VK_DRIVER_FILES
  fi
  export LD_LIBRARY_PATH="$pack/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  echo "# $(uname -m), $(nproc 2>/dev/null || echo '?') CPUs, driver manifest $VK_DRIVER_FILES"
  command -v nvidia-smi >/dev/null && nvidia-smi -L || true
  [ $# -gt 0 ] || set -- --sizes 512,2048,8192 --chunks 64,256,1024,4096,16384
  # shellcheck disable=SC2046  # loader() prints words
  $(loader) "$pack/msx_bench" "$@" | tee "$pack/bench.log"
  echo
  table <"$pack/bench.log" | tee "$pack/results.md"
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
  pack) pack "$@" ;;
  run) run "$@" ;;
  *) echo "usage: $0 pack [--lavapipe] [--build BUILD] [PACK] | run [PACK] [-- msx_bench options]" >&2; exit 2 ;;
esac
