# SPDX-License-Identifier: MIT
"""Faults while a pipeline runs: the file changes under it, the decoder
fails mid-stream, downstream refuses the caps or blocks, states change in
random order, the Vulkan device is lost, a batch is interrupted.  Each ends
in a picture, a clean error or a clean stop within a deadline, never a
hang; every pipeline is driven from here with a bus deadline."""
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from conftest import python_env, wait_for

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import soak  # noqa: E402
from soak import Gst  # noqa: E402

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def tone(tmp_path_factory):
    return soak.write_wav(tmp_path_factory.mktemp("faults") / "tone.wav",
                          0.5, 16000)


def long_wav(path, seconds=20.0):
    return soak.write_wav(path, seconds, 16000)


def stopped_at_buffer(path, n, backend="cpu"):
    """A pipeline whose source side waits after its @n-th buffer (a probe
    behind wavparse), with events to learn it waits and to release it."""
    pipeline = soak.wav_pipeline(path, backend)
    wavparse = [e for e in pipeline.iterate_elements()
                if e.get_factory().get_name() == "wavparse"][0]
    reached, release, count = threading.Event(), threading.Event(), [0]

    def probe(pad, info):
        count[0] += 1
        if count[0] == n:
            reached.set()
            release.wait(30)
        return Gst.PadProbeReturn.OK

    wavparse.get_static_pad("src").add_probe(Gst.PadProbeType.BUFFER, probe)
    return pipeline, reached, release


# ------------------------------------------------- the file under the run

def test_file_deleted_mid_read_still_renders(tmp_path):
    """Unlinking the file while it is read changes nothing: the open
    descriptor keeps the data, the picture is the whole file's."""
    path = long_wav(tmp_path / "a.wav")
    whole = soak.run_to_end(soak.wav_pipeline(path, "cpu"))
    pipeline, reached, release = stopped_at_buffer(path, 3)
    try:
        soak.set_state(pipeline, Gst.State.PLAYING)
        assert reached.wait(30)
        os.unlink(path)
        release.set()
        end = soak.wait_end(pipeline)
        assert end.error is None, end.error
        assert end.pictures == [whole]
    finally:
        release.set()
        soak.set_state(pipeline, Gst.State.NULL)


def test_file_truncated_mid_read_draws_what_was_read(tmp_path):
    """Truncated to its header while being read: wavparse sees the end of
    the file early, and the picture shows the audio read until then (it
    differs from the whole file's)."""
    path = long_wav(tmp_path / "a.wav")
    whole = soak.run_to_end(soak.wav_pipeline(path, "cpu"))
    pipeline, reached, release = stopped_at_buffer(path, 3)
    try:
        soak.set_state(pipeline, Gst.State.PLAYING)
        assert reached.wait(30)
        os.truncate(path, 44)
        release.set()
        end = soak.wait_end(pipeline)
        assert end.error is None, end.error
        assert len(end.pictures) == 1 and end.pictures[0] != whole
    finally:
        release.set()
        soak.set_state(pipeline, Gst.State.NULL)


def played_to_end(description: str, deadline: float = 30
                  ) -> tuple[soak.End, Gst.StateChangeReturn]:
    """Play a gst-launch description until it ends (EOS or ERROR), then
    set it to NULL; returns the end and how the change to NULL went."""
    pipeline = Gst.parse_launch(description)
    try:
        soak.set_state(pipeline, Gst.State.PLAYING)
        end = soak.wait_end(pipeline, deadline)
    finally:
        stopped = soak.set_state(pipeline, Gst.State.NULL, 10)
    return end, stopped


def test_decoder_error_mid_stream_is_a_clean_error(tmp_path):
    """An upstream element that fails after some buffers (as a decoder
    does on corrupt data: ERROR message, flow error): the error reaches
    the application, no picture is pushed, the pipeline stops."""
    path = long_wav(tmp_path / "a.wav", 5.0)
    end, stopped = played_to_end(
        f"filesrc location={path} ! wavparse ! identity error-after=5 ! "
        "melspecx backend=cpu width=128 height=64 ! appsink name=sink "
        "sync=false")
    assert end.error and end.error.startswith("identity"), end
    assert end.pictures == []
    assert stopped == Gst.StateChangeReturn.SUCCESS


def test_corrupt_flac_ends_within_the_deadline(tmp_path, media):
    """Real decoder trouble: a FLAC with garbage over its middle.  The
    package returns a picture or raises GStreamer's error, in time."""
    import melspecx
    data = bytearray(media["flac"].read_bytes())
    middle = len(data) // 2
    data[middle:middle + 2000] = bytes(range(250)) * 8
    path = tmp_path / "corrupt.flac"
    path.write_bytes(bytes(data))
    start = time.monotonic()
    try:
        assert melspecx.mel_spec_from_path(path, timeout=20)[:8] == PNG_MAGIC
    except melspecx.MelSpecError as err:
        assert str(err)
    assert time.monotonic() - start < 30


# ---------------------------------------------------------- downstream

def test_downstream_refusing_every_format_is_a_clean_error(tone):
    """A picture (image mode, framerate 0/1) into a downstream that only
    takes 30 frames a second."""
    end, _ = played_to_end(
        f"filesrc location={tone} ! wavparse ! melspecx backend=cpu "
        "mode=image ! appsink name=sink caps=video/x-raw,framerate=30/1 "
        "sync=false")
    assert end.error and end.error.startswith("melspecx"), end
    assert end.message.startswith(
        "Downstream accepts none of the formats"), end.error
    assert end.pictures == []


def blocked_stream(path):
    """Stream mode from a file into an appsink that takes one frame and
    is never pulled: the element's pushes block downstream."""
    pipeline = Gst.parse_launch(
        f"filesrc location={path} ! wavparse ! melspecx mode=stream "
        "backend=cpu width=64 height=32 ! appsink name=sink sync=false "
        "max-buffers=1 drop=false")
    frames = [0]

    def count(pad, info):
        frames[0] += 1
        return Gst.PadProbeReturn.OK

    pipeline.get_by_name("sink").get_static_pad("sink").add_probe(
        Gst.PadProbeType.BUFFER, count)
    soak.set_state(pipeline, Gst.State.PLAYING)
    # blocked: one frame queued, the next one waits, nothing more comes
    assert wait_for(lambda: frames[0] >= 2, 30)
    time.sleep(0.3)
    assert frames[0] == 2, frames
    return pipeline


def test_downstream_blocks_then_a_flushing_seek_restarts(tmp_path):
    path = long_wav(tmp_path / "a.wav", 10.0)
    pipeline = blocked_stream(path)
    try:
        done = []
        seek = threading.Thread(target=lambda: done.append(
            pipeline.seek_simple(Gst.Format.TIME, Gst.SeekFlags.FLUSH, 0)),
            daemon=True)
        seek.start()
        seek.join(10)
        assert done == [True], "the flushing seek did not return"
        end = soak.wait_end(pipeline, 60)
        assert end.error is None, end.error
        # 10 s at 30 frames/s, from the start again
        assert len(end.pictures) >= 250, len(end.pictures)
    finally:
        soak.set_state(pipeline, Gst.State.NULL, 10)


def test_downstream_blocks_then_stop_is_clean(tmp_path):
    path = long_wav(tmp_path / "a.wav", 10.0)
    pipeline = blocked_stream(path)
    assert soak.set_state(pipeline, Gst.State.NULL, 10) == \
        Gst.StateChangeReturn.SUCCESS


# ------------------------------------------------------ state changes

def test_random_state_changes_end_cleanly(tone):
    """200 random sequences (bench/soak.py --what states: 1000), fixed
    seed, both backends: each ends in a picture, a clean error or a clean
    stop, every state change and the end within the deadline."""
    counts = soak.random_states(tone, 200, seed=20240601, deadline=20.0)
    assert sum(counts.values()) == 200
    assert counts["error"] == 0, counts
    assert counts["picture"] > 100 and counts["stop"] > 20, counts


# ---------------------------------------------------- the Vulkan device

DEVICE_LOST = r"""
import json, sys
sys.path.insert(0, sys.argv[2])
import soak
try:
    png = soak.run_to_end(soak.wav_pipeline(
        sys.argv[1], "vulkan", "chunk-size=4"), 60)
    print(json.dumps({"picture": len(png)}))
except RuntimeError as err:
    print(json.dumps({"error": str(err)}))
"""


@pytest.mark.parametrize("nth, message", [
    (1, "the Vulkan warm-up dispatch failed on "),
    (5, "The compute device failed.")])
def test_vulkan_device_lost_mid_stream_is_a_clean_error(tmp_path, nth,
                                                        message):
    """A submit that reports VK_ERROR_DEVICE_LOST (the core's test hook),
    on the first batch or mid-stream: a clean error on the bus, and the
    process ends normally."""
    path = long_wav(tmp_path / "a.wav", 5.0)
    env = dict(python_env(), MSX_VULKAN_FAULT=f"submit:{nth}")
    result = subprocess.run(
        [sys.executable, "-c", DEVICE_LOST, path,
         str(Path(soak.__file__).parent)],
        env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    outcome = json.loads(result.stdout.splitlines()[-1])
    assert outcome.get("error", "").startswith(message), outcome


# -------------------------------------------------- interrupted batch

@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_parallel_batch_leaves_only_whole_pictures(tmp_path,
                                                               sig):
    """Three jobs at once, interrupted while pictures are being written:
    no temporary or half-written PNG stays, finished ones do, and the
    count printed is the count on disk (the one-job case:
    test_cli_safety.py)."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for i in range(10):
        long_wav(src / f"f{i}.wav", 20.0)
    # hop 64: about 0.2 s of analysis a file, so that the signal lands
    # while files are being rendered (at the default hop the ten files
    # can all end within the poll interval before it is sent)
    proc = subprocess.Popen(
        [sys.executable, "-m", "melspecx", "batch", str(src), str(out),
         "-j", "3", "--backend", "cpu", "--hop-length", "64"],
        env=python_env(),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_for(lambda: out.is_dir() and any(
            p.suffix == ".png" for p in out.iterdir()), 120)
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=60)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 130, stderr
    names = sorted(p.name for p in out.iterdir())
    assert names and not [n for n in names if not n.endswith(".png")], names
    for name in names:
        data = (out / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and data.endswith(
            b"IEND\xaeB`\x82"), name
    assert len(names) < 10
    assert f"interrupted: {len(names)} written" in stderr, stderr


# ------------------------------------------------- the command's files

def run_cli(*args, stdout=subprocess.PIPE):
    return subprocess.run([sys.executable, "-m", "melspecx", *map(str, args)],
                          env=python_env(), stdout=stdout,
                          stderr=subprocess.PIPE, text=True, timeout=120)


def test_directory_as_input_is_one_line(tmp_path):
    result = run_cli("generate", tmp_path, tmp_path / "o.png")
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        f"melspecx: error: {str(tmp_path)!r} is a directory, not an audio "
        "file"], result.stderr


def test_full_disk_for_the_picture_is_one_line(tone):
    """The picture written to standard output on a full device
    (/dev/full): one line with the system's reason, no traceback."""
    with open("/dev/full", "wb") as full:
        result = run_cli("generate", tone, "-", stdout=full)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [
        "melspecx: error: [Errno 28] No space left on device"], result.stderr


# ------------------------------------------- extreme rates, no driver

@pytest.mark.parametrize("rate, warning", [
    (1, "above the Nyquist frequency of 0.5 Hz"),
    (768000, "87 of the n-mels=128 mel bands catch no FFT bin at 768000 Hz")])
def test_extreme_sample_rates_draw_with_a_warning(tmp_path, rate, warning):
    import melspecx
    path = soak.write_wav(tmp_path / "r.wav", max(4, rate // 10) / rate,
                          rate, rate / 20)
    with pytest.warns(melspecx.MelSpecWarning, match=warning):
        assert melspecx.mel_spec_from_path(path)[:8] == PNG_MAGIC


@pytest.mark.parametrize("backend", ["vulkan", "auto"])
def test_missing_vulkan_driver(tone, tmp_path, backend):
    """No driver: backend=vulkan names the reason, auto draws on the CPU."""
    env = dict(python_env(), VK_ICD_FILENAMES=str(tmp_path / "none.json"),
               VK_DRIVER_FILES=str(tmp_path / "none.json"))
    result = subprocess.run(
        [sys.executable, "-m", "melspecx", "generate", tone,
         tmp_path / "o.png", "--backend", backend], env=env,
        capture_output=True, text=True, timeout=120)
    if backend == "auto":
        assert result.returncode == 0, result.stderr
        assert (tmp_path / "o.png").read_bytes()[:8] == PNG_MAGIC
    else:
        assert result.returncode == 1
        assert "The Vulkan backend is not available: no usable Vulkan " \
            "loader or driver" in result.stderr, result.stderr
