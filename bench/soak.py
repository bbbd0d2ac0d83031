#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Soak: does one process that runs melspecx over and over stay flat?

    meson devenv -C BUILD -w . /usr/bin/python3 bench/soak.py [--what W]
        [--iterations N] [--seed S]

  pipelines  N runs of `filesrc ! wavparse ! melspecx ! appsink`, one after
             another, per backend (cpu, vulkan): resident memory (RSS) and
             open file descriptors after each, printed as a curve.
  api        N calls of mel_spec_from_path, read_audio and
             mel_spectrogram_db: the same curve.
  states     N random sequences of state changes (NULL/READY/PAUSED/
             PLAYING, mid-stream too) on the same pipeline, each ending in a
             picture, a clean error or a clean stop within a deadline.

The functions here are also what tests/python/test_soak.py and
test_faults.py run, with fewer iterations and assertions on the result.
"""

from __future__ import annotations

import argparse
import ctypes
import os
import random
import shlex
import struct
import sys
import threading
import time
from typing import Callable, NamedTuple

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

Gst.init(None)

STATES = [Gst.State.NULL, Gst.State.READY, Gst.State.PAUSED,
          Gst.State.PLAYING]
# Seconds one pipeline run (or one state sequence) may take before it
# counts as a hang: far above the ~50 ms a run takes, on lavapipe too.
DEADLINE = 30.0


class Sample(NamedTuple):
    iteration: int
    rss_kib: int
    heap_kib: int
    fds: int


def rss_kib() -> int:
    """This process's resident memory (VmRSS) in KiB."""
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


class _MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
        "fsmblks", "uordblks", "fordblks", "keepcost")]


def heap_kib() -> int:
    """Bytes malloc has handed out and not had back (every arena, mmap'ed
    blocks included), in KiB: unlike RSS, blind to free memory that malloc
    keeps in the arenas of threads that came and went."""
    libc = ctypes.CDLL(None)
    libc.mallinfo2.restype = _MallInfo2
    info = libc.mallinfo2()
    return (info.uordblks + info.hblkhd) // 1024


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def write_wav(path: str | os.PathLike, seconds: float = 0.5,
              rate: int = 16000, freq: float = 440.0) -> str:
    """A mono S16LE WAV of a sine at half scale, written by hand."""
    import numpy as np
    t = np.arange(int(seconds * rate)) / rate
    data = np.round(16383 * np.sin(2 * np.pi * freq * t)).astype("<i2")
    data = data.tobytes()
    header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(data),
                         b"WAVE", b"fmt ", 16, 1, 1, rate, rate * 2, 2, 16,
                         b"data", len(data))
    with open(path, "wb") as f:
        f.write(header + data)
    return str(path)


def wav_pipeline(path: str | os.PathLike, backend: str,
                 extra: str = "") -> Gst.Pipeline:
    """`filesrc ! wavparse ! melspecx ! appsink` (no decodebin): a small
    picture, pulled by the caller from the appsink named "sink"."""
    return Gst.parse_launch(
        "filesrc location=%s ! wavparse ! melspecx backend=%s width=128 "
        "height=64 %s ! appsink name=sink sync=false" %
        (shlex.quote(str(path)), backend, extra))


def set_state(pipeline: Gst.Element, state: Gst.State,
              deadline: float = DEADLINE) -> Gst.StateChangeReturn:
    """set_state() in a helper thread: an element that deadlocks in a state
    change raises AssertionError here instead of hanging the caller."""
    result: list[Gst.StateChangeReturn] = []
    thread = threading.Thread(
        target=lambda: result.append(pipeline.set_state(state)), daemon=True)
    thread.start()
    thread.join(deadline)
    if not result:
        raise AssertionError("set_state(%s) did not return within %.0f s" %
                             (state.value_nick, deadline))
    return result[0]


def buffer_bytes(sample: Gst.Sample) -> bytes:
    buf = sample.get_buffer()
    ok, info = buf.map(Gst.MapFlags.READ)
    assert ok
    try:
        return bytes(info.data)
    finally:
        buf.unmap(info)


class End(NamedTuple):
    error: str | None    # None: EOS; else "SOURCE: message (debug)"
    message: str         # the error's message alone
    pictures: list


def _error(msg: Gst.Message) -> End:
    err, debug = msg.parse_error()
    return End("%s: %s (%s)" % (msg.src.get_name(), err.message, debug),
               err.message, [])


def wait_end(pipeline: Gst.Pipeline, deadline: float = DEADLINE) -> End:
    """Pull pictures from the appsink "sink" until the stream ends (EOS
    on the bus or at the appsink) or the bus has an ERROR; no end within
    @deadline raises AssertionError.

    appsink posts EOS only once its queue is pulled empty, hence the
    pulling.  The appsink's own EOS counts too: GstBin can drop the
    pipeline's EOS message when a set_state(PLAYING) races with the
    sink's EOS (GStreamer 1.22, seen without melspecx in the pipeline)."""
    bus, sink = pipeline.get_bus(), pipeline.get_by_name("sink")
    end = time.monotonic() + deadline
    pictures = []
    while time.monotonic() < end:
        sample = sink.emit("try-pull-sample", 20 * Gst.MSECOND)
        if sample is not None:
            pictures.append(buffer_bytes(sample))
            continue
        msg = bus.pop_filtered(Gst.MessageType.ERROR | Gst.MessageType.EOS)
        if msg is not None and msg.type == Gst.MessageType.ERROR:
            result = _error(msg)
            return result._replace(pictures=pictures)
        if msg is not None or sink.get_property("eos"):
            while (sample := sink.emit("try-pull-sample", 0)) is not None:
                pictures.append(buffer_bytes(sample))
            msg = bus.pop_filtered(Gst.MessageType.ERROR)
            if msg is not None:
                return _error(msg)._replace(pictures=pictures)
            return End(None, "", pictures)
    raise AssertionError("no EOS or error within %.0f s" % deadline)


def run_to_end(pipeline: Gst.Pipeline, deadline: float = DEADLINE) -> bytes:
    """Play @pipeline to EOS within @deadline and return the picture the
    appsink "sink" got; always ends in NULL.  A bus ERROR raises
    RuntimeError with its message."""
    try:
        set_state(pipeline, Gst.State.PLAYING)
        end = wait_end(pipeline, deadline)
        if end.error:
            raise RuntimeError(end.message)
        if len(end.pictures) != 1:
            raise AssertionError("EOS after %d pictures" % len(end.pictures))
        return end.pictures[0]
    finally:
        set_state(pipeline, Gst.State.NULL)


def curve(run: Callable[[], object], iterations: int,
          report: Callable[[Sample], None] | None = None) -> list[Sample]:
    """Calls @run @iterations times; RSS and open descriptors after each."""
    samples = []
    for i in range(iterations):
        run()
        samples.append(Sample(i + 1, rss_kib(), heap_kib(), open_fds()))
        if report:
            report(samples[-1])
    return samples


def pipeline_soak(path: str, backend: str, iterations: int,
                  report=None) -> list[Sample]:
    """@iterations file → picture runs, each a new pipeline."""
    return curve(lambda: run_to_end(wav_pipeline(path, backend)),
                 iterations, report)


def api_soak(path: str, iterations: int, report=None) -> list[Sample]:
    """The package's three entry points in turn, @iterations rounds."""
    import melspecx

    audio, rate = melspecx.read_audio(path)
    config = melspecx.create_mel_config(rate)

    def one_round():
        melspecx.mel_spec_from_path(path, width_px=128, height_px=64)
        melspecx.read_audio(path)
        melspecx.mel_spectrogram_db(config, audio)

    return curve(one_round, iterations, report)


def growth(samples: list[Sample], warm_up: int) -> tuple[int, int, int]:
    """(RSS growth, heap growth in KiB, descriptor change) from the end of
    the warm-up to the last sample."""
    base, last = samples[warm_up - 1], samples[-1]
    return (last.rss_kib - base.rss_kib, last.heap_kib - base.heap_kib,
            last.fds - base.fds)


# ------------------------------------------------- random state changes

class Outcome(NamedTuple):
    kind: str          # "picture", "error" or "stop"
    steps: list        # the states visited, for the failure message
    detail: str


def random_sequence(path: str, backend: str, rng: random.Random,
                    deadline: float = DEADLINE) -> Outcome:
    """One pipeline, 1-6 random target states with random pauses of
    0-30 ms (mid-stream changes included), then either PLAYING to the end
    (a picture or an error) or NULL (a clean stop).  Raises AssertionError
    when a state change or the end does not come within @deadline."""
    pipeline = wav_pipeline(path, backend)
    bus, sink = pipeline.get_bus(), pipeline.get_by_name("sink")
    steps, pictures, error = [], 0, None

    def drain():
        nonlocal pictures, error
        while sink.emit("try-pull-sample", 0) is not None:
            pictures += 1
        msg = bus.pop_filtered(Gst.MessageType.ERROR)
        if msg is not None and error is None:
            error = msg.parse_error()[0].message

    try:
        for _ in range(rng.randint(1, 6)):
            state = rng.choice(STATES)
            steps.append(state.value_nick)
            set_state(pipeline, state, deadline)
            time.sleep(rng.uniform(0.0, 0.03))
            drain()
        if error is not None:
            return Outcome("error", steps, error)
        if rng.random() < 0.25:
            steps.append("null")
            set_state(pipeline, Gst.State.NULL, deadline)
            return Outcome("stop", steps, "")
        steps.append("playing-to-end")
        set_state(pipeline, Gst.State.PLAYING, deadline)
        end = wait_end(pipeline, deadline)
        pictures += len(end.pictures)
        if end.error:
            return Outcome("error", steps, end.error)
        if pictures == 0:
            raise AssertionError("EOS without a picture")
        return Outcome("picture", steps, "")
    except AssertionError as e:
        raise AssertionError("%s backend=%s after %s" %
                             (e, backend, " → ".join(steps))) from None
    finally:
        set_state(pipeline, Gst.State.NULL, deadline)


def random_states(path: str, iterations: int, seed: int,
                  backends=("cpu", "vulkan"),
                  deadline: float = DEADLINE) -> dict[str, int]:
    """@iterations sequences with a fixed @seed; counts of each outcome."""
    rng = random.Random(seed)
    counts = {"picture": 0, "error": 0, "stop": 0}
    for i in range(iterations):
        outcome = random_sequence(path, rng.choice(backends), rng, deadline)
        counts[outcome.kind] += 1
    return counts


# ------------------------------------------------------------ the bench

def print_curve(name: str, samples: list[Sample], warm_up: int,
                every: int) -> None:
    print("# %s: iteration rss_kib heap_kib fds" % name)
    for s in samples:
        if s.iteration == 1 or s.iteration % every == 0:
            print("%s %5d %8d %8d %4d" % (name, s.iteration, s.rss_kib,
                                          s.heap_kib, s.fds))
    rss, heap, fds = growth(samples, warm_up)
    print("%s: after %d warm-up runs, RSS %+d KiB, heap %+d KiB, "
          "descriptors %+d over %d runs" %
          (name, warm_up, rss, heap, fds, len(samples) - warm_up))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--what", choices=["pipelines", "api", "states",
                                           "all"], default="all")
    parser.add_argument("--iterations", type=int, default=1000)
    parser.add_argument("--backends", default="cpu,vulkan")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--every", type=int, default=50,
                        help="print every Nth point of a curve")
    args = parser.parse_args()
    import tempfile
    backends = args.backends.split(",")
    warm_up = max(1, min(50, args.iterations // 10))
    with tempfile.TemporaryDirectory() as tmp:
        wav = write_wav(os.path.join(tmp, "tone.wav"))
        start = time.monotonic()
        if args.what in ("pipelines", "all"):
            for backend in backends:
                samples = pipeline_soak(wav, backend, args.iterations)
                print_curve("pipelines-" + backend, samples, warm_up,
                            args.every)
        if args.what in ("api", "all"):
            print_curve("api", api_soak(wav, args.iterations), warm_up,
                        args.every)
        if args.what in ("states", "all"):
            counts = random_states(wav, args.iterations, args.seed, backends)
            print("states: %d sequences (seed %d): %s" %
                  (args.iterations, args.seed, counts))
        print("total %.1f s" % (time.monotonic() - start))
    return 0


if __name__ == "__main__":
    sys.exit(main())
