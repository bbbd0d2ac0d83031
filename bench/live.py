#!/usr/bin/python3
"""Stream mode under real-time conditions, side by side with GStreamer's
own spectrascope: CPU, lag behind a slow sink, and drift when upstream
drops audio.

Three experiments, each run for melspecx (mode=stream) and spectrascope at
the same picture size and framerate:

cpu    48 kHz live stereo pink noise (1600-sample buffers) drawn at WIDTHxHEIGHT,
       FPS into `fakesink sync=true qos=true`; the CPU time of the whole process
       (user + system, from getrusage of the child) over the run, in % of
       one core, minus the same pipeline without a visualiser.
lag    the same into `identity sleep-time=50000 ! fakesink ...` (a
       sink that needs 50 ms per frame, i.e. can show 20 of the 30 fps):
       how far the last frame's running time is behind the clock at the
       end, the frames the visualiser dropped, and the QoS messages it
       posted.
drift  10 % of the audio buffers dropped upstream (identity
       drop-probability=0.1): the running time of the last video frame
       minus that of the last audio buffer that reached the visualiser.

Every pipeline runs in its own child process with a deadline.  Run in a
`meson devenv -C BUILD` shell so that GStreamer finds melspecx:

    meson devenv -C build /usr/bin/python3 bench/live.py
    meson devenv -C build /usr/bin/python3 bench/live.py --seconds 20 \
        --only lag

Prints one markdown table; exit status 1 when a run fails.
"""

import argparse
import json
import os
import resource
import subprocess
import sys

CHILD = r'''
import json, sys, time
import gi
gi.require_version("Gst", "1.0")
from gi.repository import Gst
Gst.init(None)
desc, seconds = sys.argv[1], float(sys.argv[2])
p = Gst.parse_launch(desc)
vis = p.get_by_name("vis")
probe = {"audio_rt": None, "video_rt": None, "frames": 0}

def running_time(pad, buf):
    seg = pad.get_sticky_event(Gst.EventType.SEGMENT, 0)
    if seg is None or buf.pts == Gst.CLOCK_TIME_NONE:
        return None
    return seg.parse_segment().to_running_time(Gst.Format.TIME, buf.pts)

def on_audio(pad, info):
    rt = running_time(pad, info.get_buffer())
    if rt is not None:
        probe["audio_rt"] = rt
    return Gst.PadProbeReturn.OK

def on_video(pad, info):
    rt = running_time(pad, info.get_buffer())
    if rt is not None:
        probe["video_rt"] = rt
    probe["frames"] += 1
    return Gst.PadProbeReturn.OK

if vis is not None:
    vis.get_static_pad("sink").add_probe(Gst.PadProbeType.BUFFER, on_audio)
    vis.get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, on_video)
qos = 0
p.set_state(Gst.State.PLAYING)
bus = p.get_bus()
end = time.monotonic() + seconds
error = None
while time.monotonic() < end:
    m = bus.timed_pop_filtered(50 * Gst.MSECOND,
                               Gst.MessageType.ERROR | Gst.MessageType.QOS)
    if m is None:
        continue
    if m.type == Gst.MessageType.ERROR:
        error = m.parse_error()[0].message
        break
    if m.src is vis:
        qos += 1
clock = p.get_clock()
now = clock.get_time() - p.get_base_time() if clock else 0
p.set_state(Gst.State.NULL)
print(json.dumps({"error": error, "qos": qos, "now": now, **probe}))
'''

# spectrascope takes stereo S16 only.  It draws one frame per input buffer
# when buffers are shorter than a frame period: 1600-sample buffers give
# both visualisers 30 fps.
LIVE = ("audiotestsrc is-live=true wave=pink-noise samplesperbuffer={spb} ! "
        "audio/x-raw,format=S16LE,rate=48000,channels=2")
# A sink that reports lateness upstream, as video sinks do (fakesink's qos
# property is off by default).
SINK = "fakesink sync=true qos=true"


def visualiser(name, width, height, fps):
    caps = f"video/x-raw,width={width},height={height},framerate={fps}/1"
    if name == "melspecx":
        return f"melspecx name=vis mode=stream ! {caps}"
    if name == "melspecx-annotate":
        # the plot keeps width x height; the axes add their margins
        return (f"melspecx name=vis mode=stream annotate=true title=Live "
                f"width={width} height={height} ! "
                f"video/x-raw,framerate={fps}/1")
    if name == "spectrascope":
        return f"spectrascope name=vis ! {caps}"
    return "identity name=none"


def run(desc, seconds):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([sys.executable, "-c", CHILD, desc, str(seconds)],
                         capture_output=True, text=True,
                         timeout=seconds + 60)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime
                                                - before.ru_stime)
    if out.returncode != 0:
        raise RuntimeError(f"{desc}: {out.stderr.strip()[-400:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result["error"]:
        raise RuntimeError(f"{desc}: {result['error']}")
    result["cpu"] = cpu
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--width", type=int, default=1024)
    ap.add_argument("--height", type=int, default=256)
    ap.add_argument("--fps", type=int, default=30)
    ap.add_argument("--buffer-samples", type=int, default=1600)
    ap.add_argument("--only", choices=["cpu", "lag", "drift"])
    ap.add_argument("--annotate", action="store_true",
                    help="also run melspecx annotate=true (axes, colour bar, "
                    "title) with the same plot size")
    args = ap.parse_args()
    secs = args.seconds
    live = LIVE.format(spb=args.buffer_samples)
    rows = []
    names = ["melspecx", "spectrascope"]
    if args.annotate:
        names.insert(1, "melspecx-annotate")

    if args.only in (None, "cpu"):
        base = run(f"{live} ! {SINK}", secs)["cpu"]
        for name in names:
            r = run(f"{live} ! {visualiser(name, args.width, args.height, args.fps)}"
                    f" ! {SINK}", secs)
            rows.append((name, "cpu", f"{100 * (r['cpu'] - base) / secs:.1f} % "
                         f"of a core ({r['frames']} frames)"))
    if args.only in (None, "lag"):
        for name in names:
            r = run(f"{live} ! {visualiser(name, args.width, args.height, args.fps)}"
                    f" ! identity sleep-time=50000 ! {SINK}", secs)
            lag = (r["now"] - r["video_rt"]) / 1e9 if r["video_rt"] else None
            rows.append((name, "lag", f"{lag:.3f} s behind after {secs:g} s, "
                         f"{r['frames']} frames, {r['qos']} QoS messages"))
    if args.only in (None, "drift"):
        for name in names:
            r = run(f"{live} ! identity drop-probability=0.1 ! "
                    f"{visualiser(name, args.width, args.height, args.fps)}"
                    f" ! {SINK}", secs)
            drift = (r["audio_rt"] - r["video_rt"]) / 1e9 \
                if r["video_rt"] is not None else None
            rows.append((name, "drift", f"video {drift:.3f} s behind the "
                         f"audio after {secs:g} s (10 % of buffers dropped)"))

    print(f"| visualiser | experiment | {args.width}x{args.height} at "
          f"{args.fps} fps, 48 kHz |")
    print("|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    try:
        main()
    except RuntimeError as err:
        print(f"live.py: {err}", file=sys.stderr)
        sys.exit(1)
