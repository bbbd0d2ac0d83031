#!/usr/bin/python3
"""Peak memory of melspecx in image mode, for long inputs (it should stay
in the tens of MB whatever the input length).

No long file is written: audiotestsrc generates the audio (it is not live,
so melspecx's mode=auto would pick image mode too; mode=image says so), and
/usr/bin/time -v reports the peak RSS of gst-launch-1.0, i.e. of the whole
process (GStreamer, the source, melspecx, pngenc).

A second experiment draws 3 hours of silence with two 23 ms ticks
(audiotestsrc wave=ticks, one every 90 minutes) and checks that the column
holding the tick at 1h30 is brighter than its neighbours: columns are box
averages of power, so a transient shorter than a column (3 h / 1024 columns =
10.5 s) is not dropped.

Run in a `meson devenv -C BUILD` shell (GST_PLUGIN_PATH must find
melspecx):

    meson devenv -C build /usr/bin/python3 bench/memory.py
    meson devenv -C build /usr/bin/python3 bench/memory.py --durations 15m 3h 10h

Exit status 1 when any run fails or peaks above --limit-mb.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np

TIME = "/usr/bin/time"


def seconds(text):
    """'90s', '15m', '3h' or a plain number of seconds."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([smh]?)", text)
    if not m:
        raise argparse.ArgumentTypeError("not a duration: %r" % text)
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[m.group(2)]


def label(secs):
    if secs >= 3600:
        return "%gh" % (secs / 3600)
    if secs >= 60:
        return "%gmin" % (secs / 60)
    return "%gs" % secs


def source(wave, secs, rate, channels, extra=""):
    """audiotestsrc words for @secs of audio in one-second buffers."""
    return ("audiotestsrc wave=%s %s num-buffers=%d samplesperbuffer=%d ! "
            "audio/x-raw,rate=%d,channels=%d" %
            (wave, extra, int(round(secs)), rate, rate, channels))


def run_timed(pipeline):
    """Run gst-launch-1.0 under /usr/bin/time -v.  Returns (peak RSS in MB,
    wall seconds, output text, exit status)."""
    argv = [TIME, "-v", "gst-launch-1.0", "-q"] + pipeline.split()
    start = time.monotonic()
    proc = subprocess.run(argv, capture_output=True, text=True)
    wall = time.monotonic() - start
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    if not m:
        raise RuntimeError("no RSS from %s:\n%s" % (TIME, proc.stderr))
    return int(m.group(1)) / 1024.0, wall, proc.stdout + proc.stderr, \
        proc.returncode


def memory_table(args, out_dir):
    rows, ok = [], True
    for wave in args.waves:
        for secs in args.durations:
            png = os.path.join(out_dir, "%s-%s.png" % (wave, label(secs)))
            pipe = ("%s ! melspecx mode=image ! pngenc ! filesink location=%s"
                    % (source(wave, secs, args.rate, args.channels), png))
            rss, wall, out, rc = run_timed(pipe)
            good = rc == 0 and os.path.getsize(png) > 0
            ok &= good and rss < args.limit_mb
            rows.append((wave, label(secs), rss, wall, secs / wall,
                         "ok" if good else "FAILED rc=%d %s" % (rc, out[-300:])))
    # The same source into fakesink: what GStreamer and audiotestsrc cost.
    secs = args.durations[0]
    rss, wall, _, rc = run_timed("%s ! fakesink" % source(
        args.waves[0], secs, args.rate, args.channels))
    rows.append((args.waves[0] + " (no melspecx)", label(secs), rss, wall,
                 secs / wall, "ok" if rc == 0 else "FAILED"))

    print("Image mode, %d Hz %d ch, n-fft 2048 hop 512, 1024x256 PNG "
          "(peak RSS of the whole gst-launch-1.0):" %
          (args.rate, args.channels))
    print("%-26s %8s %12s %8s %10s  %s" % ("input", "duration", "peak RSS MB",
                                         "wall s", "realtime x", "result"))
    for wave, dur, rss, wall, rt, res in rows:
        print("%-26s %8s %12.1f %8.1f %10.0f  %s" % (wave, dur, rss, wall, rt,
                                                   res))
    return ok


def read_rgb_frame(path, width, height):
    """A raw RGB video frame as written by filesink: rows of width*3 bytes
    padded to a multiple of 4 (GStreamer's default stride)."""
    stride = (width * 3 + 3) // 4 * 4
    data = np.fromfile(path, dtype=np.uint8)
    if data.size != stride * height:
        raise RuntimeError("%s: %d bytes, expected %d" %
                           (path, data.size, stride * height))
    return data.reshape(height, stride)[:, :width * 3].reshape(height, width, 3)


def click_survives(args, out_dir):
    """3 h of silence with a tick every 90 minutes: is the column of the
    tick at 1h30 brighter than its neighbours?"""
    secs, interval, width, height = 3 * 3600, 5400, 1024, 256
    raw = os.path.join(out_dir, "ticks.rgb")
    extra = "tick-interval=%d sine-periods-per-tick=10 freq=440 volume=0.8" % (
        interval * 10**9)
    pipe = ("%s ! melspecx mode=image ! video/x-raw,format=RGB,width=%d,"
            "height=%d ! filesink location=%s" %
            (source("ticks", secs, args.rate, args.channels, extra), width,
             height, raw))
    rss, wall, out, rc = run_timed(pipe)
    if rc != 0:
        print("ticks run FAILED rc=%d\n%s" % (rc, out))
        return False
    rgb = read_rgb_frame(raw, width, height).astype(np.float64)
    brightness = rgb.sum(axis=2).mean(axis=0)       # per column
    col = int(interval / secs * width)              # 512
    event = brightness[col - 1:col + 2].max()
    around = np.r_[brightness[col - 40:col - 5], brightness[col + 5:col + 40]]
    print()
    print("3 h of silence with 23 ms ticks at 0 and 1h30 (%d Hz %d ch): "
          "peak RSS %.1f MB, %.1f s" % (args.rate, args.channels, rss, wall))
    print("  column %d (1h30, one column = %.1f s of audio): mean R+G+B %.1f; "
          "columns %d..%d and %d..%d: median %.1f, max %.1f" %
          (col, secs / width, event, col - 40, col - 6, col + 5, col + 39,
           np.median(around), around.max()))
    survives = event > around.max() + 30
    print("  the tick %s" % ("survives" if survives else "is LOST"))
    return survives


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--durations", nargs="+", type=seconds,
                        default=[15 * 60, 3 * 3600])
    parser.add_argument("--waves", nargs="+",
                        default=["white-noise", "pink-noise"])
    parser.add_argument("--rate", type=int, default=44100)
    parser.add_argument("--channels", type=int, default=2)
    parser.add_argument("--limit-mb", type=float, default=64.0)
    parser.add_argument("--no-clicks", action="store_true")
    args = parser.parse_args()
    if not os.access(TIME, os.X_OK):
        sys.exit("%s is missing: apt-get install -y time" % TIME)
    with tempfile.TemporaryDirectory(prefix="melspecx-memory-") as out_dir:
        ok = memory_table(args, out_dir)
        if not args.no_clicks:
            ok &= click_survives(args, out_dir)
    print("\nimage mode memory bounded below %g MB: %s" %
          (args.limit_mb, "yes" if ok else "NO"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
