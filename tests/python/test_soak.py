# SPDX-License-Identifier: MIT
"""Soak and concurrency, short enough for CI (bench/soak.py runs the same
loops 1000 times and prints the curves): a process that runs melspecx over
and over keeps its memory and file descriptors flat, a batch of many small
files fits a low descriptor limit, and pipelines that run at once share the
Vulkan device without changing a single byte of their pictures."""
import json
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import python_env, wait_for

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import soak  # noqa: E402

# Growth allowed after the warm-up: a few MB, far below one leaked picture
# per run (200 runs × 32 KiB RGBA) or a leaked Vulkan buffer set.
RSS_SLACK_KIB = 4096


@pytest.fixture(scope="module")
def tones(tmp_path_factory):
    root = tmp_path_factory.mktemp("soak")
    return [soak.write_wav(root / f"tone{f}.wav", 0.5, 16000, f)
            for f in (220.0, 440.0, 1000.0, 3000.0)]


def assert_flat(samples, warm_up, rss_slack=RSS_SLACK_KIB):
    rss, heap, fds = soak.growth(samples, warm_up)
    shape = [s[1:] for s in samples[::20]]
    assert heap < RSS_SLACK_KIB, f"heap grew {heap} KiB: {shape}"
    assert rss < rss_slack, f"RSS grew {rss} KiB: {shape}"
    # A pipeline's bus may be released by a GStreamer thread a moment
    # after the last run returns.
    base = samples[warm_up - 1].fds
    assert fds <= 0 or wait_for(lambda: soak.open_fds() <= base, 5.0), \
        f"{fds} more descriptors open: {shape}"


SOAK = """
import json, sys
sys.path.insert(0, sys.argv[1])
import soak
print(json.dumps(soak.pipeline_soak(sys.argv[2], sys.argv[3], 200)))
"""


@pytest.mark.parametrize("backend, warm_up, rss_slack", [
    ("cpu", 20, RSS_SLACK_KIB), ("vulkan", 60, 4 * RSS_SLACK_KIB)])
def test_pipelines_one_after_another_stay_flat(tones, backend, warm_up,
                                               rss_slack):
    """200 pipelines in a fresh process: the heap in use (every malloc
    arena) within 4 MiB, RSS too on the CPU.  On Vulkan lavapipe starts
    new threads for each device; with glibc's default of an arena per
    thread (up to 8 per core) RSS climbs by the free memory those arenas
    keep, tens of MB, so two arenas here, and RSS still moves by a few MB
    with their fragmentation (bench/soak.py prints the curves)."""
    env = dict(python_env(), MALLOC_ARENA_MAX="2")
    result = subprocess.run(
        [sys.executable, "-c", SOAK, str(Path(soak.__file__).parent),
         tones[1], backend], env=env, capture_output=True, text=True,
        timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    samples = [soak.Sample(*s) for s in
               json.loads(result.stdout.splitlines()[-1])]
    assert len(samples) == 200
    assert_flat(samples, warm_up, rss_slack)


def test_package_calls_stay_flat(tones):
    """mel_spec_from_path, read_audio and mel_spectrogram_db, 100 rounds."""
    assert_flat(soak.api_soak(tones[1], 100), 20)


@pytest.mark.parametrize("backend", ["cpu", "vulkan"])
def test_sixteen_pipelines_at_once_equal_single_runs(tones, backend):
    """16 pipelines in one process (on Vulkan: one shared device and
    queue), four inputs each four times: each picture is byte for byte the
    one the same input gives alone."""
    alone = [soak.run_to_end(soak.wav_pipeline(t, backend)) for t in tones]
    pipelines = [soak.wav_pipeline(tones[i % 4], backend) for i in range(16)]
    try:
        for p in pipelines:
            soak.set_state(p, soak.Gst.State.PLAYING)
        for i, p in enumerate(pipelines):
            end = soak.wait_end(p)
            assert end.error is None, end.error
            assert end.pictures == [alone[i % 4]], f"pipeline {i} differs"
    finally:
        for p in pipelines:
            soak.set_state(p, soak.Gst.State.NULL)


def test_batch_of_600_files_under_256_descriptors(tmp_path):
    """`melspecx batch` over 600 tiny files with `ulimit -n 256`: every
    picture is written (no descriptor is kept per file)."""
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    soak.write_wav(src / "f000.wav", 0.1, 8000)
    data = (src / "f000.wav").read_bytes()
    for i in range(1, 600):
        (src / f"f{i:03d}.wav").write_bytes(data)

    def low_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))

    result = subprocess.run(
        [sys.executable, "-m", "melspecx", "batch", str(src), str(out),
         "-j", "4", "--width-px", "32", "--height-px", "16"],
        env=python_env(), capture_output=True, text=True, timeout=600,
        preexec_fn=low_limit)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "600 written, 0 skipped (already exist), 0 failed" in \
        result.stdout, result.stdout
    pictures = list(out.iterdir())
    assert len(pictures) == 600
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pictures)
