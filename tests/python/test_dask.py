# SPDX-License-Identifier: MIT
"""melspecx on a real Dask cluster (distributed.LocalCluster with worker
processes), and the feature files of ``batch --format npy|both``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import melspecx
from melspecx.pngmeta import read_metadata
from conftest import make_audio, make_speech, python_env, wait_for

distributed = pytest.importorskip("distributed")
import melspecx.dask  # noqa: E402  (after the skip: it needs distributed)

WAVES = ("sine", "square", "saw", "triangle", "pink-noise")


@pytest.fixture(scope="module")
def twenty(tmp_path_factory) -> Path:
    """20 short files: speech, tones and noise in three formats, one in a
    sub-folder."""
    root = tmp_path_factory.mktemp("dataset") / "in"
    (root / "sub").mkdir(parents=True)
    make_speech(root / "speech.wav")
    for i in range(19):
        folder = root / "sub" if i == 7 else root
        fmt = ("wav", "flac", "ogg")[i % 3]
        make_audio(folder / f"clip{i:02d}.{fmt}", fmt, (16000, 22050)[i % 2],
                   1 + i % 2, 0.4 + 0.05 * i, wave=WAVES[i % len(WAVES)],
                   freq=150.0 + 97 * i)
    return root


@pytest.fixture(scope="module")
def cluster():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1,
                                       processes=True,
                                       dashboard_address=None)
    client = distributed.Client(cluster)
    yield cluster, client
    client.close()
    cluster.close()


def run_batch(*args, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "melspecx", "batch",
                           *map(str, args)], capture_output=True,
                          env=python_env(), timeout=600, cwd=cwd)


def outputs(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_cluster_writes_what_one_job_writes(twenty, cluster, tmp_path):
    _, client = cluster
    local = run_batch(twenty, tmp_path / "j1", "-j", 1, "--format", "both",
                      "--pattern", "**/*")
    assert local.returncode == 0, local.stderr
    summary = melspecx.dask.batch(client, twenty, tmp_path / "dask",
                                  format="both", pattern="**/*")
    assert len(summary.written) == 20 and not summary.failed, summary
    assert not summary.skipped
    expected = outputs(tmp_path / "j1")
    assert len(expected) == 60 and "sub/clip07.npy" in expected
    assert outputs(tmp_path / "dask") == expected      # byte for byte
    durations = [read_metadata(p)[0].meta["duration"]
                 for p in (tmp_path / "dask").rglob("*.png")]
    assert summary.audio_seconds == pytest.approx(sum(durations))

    again = melspecx.dask.batch(client, twenty, tmp_path / "dask",
                                format="both", pattern="**/*")
    assert len(again.skipped) == 20 and not again.written


def test_files_are_grouped_into_tasks(twenty, cluster, tmp_path):
    _, client = cluster
    assert melspecx.dask.group_size(20, 2) == 3
    assert melspecx.dask.group_size(10**6, 64) == \
        melspecx.dask.MAX_FILES_PER_TASK
    seen = []
    summary = melspecx.dask.batch(
        client, str(twenty / "*.wav"), tmp_path / "out", files_per_task=4,
        on_result=lambda result, done, total: seen.append((done, total)),
        width_px=64, height_px=32)
    assert seen[-1] == (len(summary.written), len(summary.written))
    tasks = [key for key in client.run_on_scheduler(
        lambda dask_scheduler: list(dask_scheduler.task_prefixes))]
    assert "run_group" in tasks


def test_a_corrupt_file_is_reported_not_fatal(twenty, cluster, tmp_path,
                                              media):
    _, client = cluster
    files = sorted(twenty.glob("*.flac"))[:3]
    broken = tmp_path / "broken.flac"
    broken.write_bytes(media["garbage"].read_bytes())
    summary = melspecx.dask.batch(client, [*files, broken], tmp_path / "o",
                                  format="npy")
    assert len(summary.written) == 3
    assert [src for src, _ in summary.failed] == [str(broken)]
    assert "\n" not in summary.failed[0][1] and summary.failed[0][1]


def test_a_killed_worker_still_writes_every_file_once(cluster, tmp_path):
    """A worker process killed mid-job: its task runs again elsewhere, the
    files it had finished are not written again, none is missing and no
    temporary file is left."""
    _, client = cluster
    src = tmp_path / "in"
    src.mkdir()
    for i in range(12):
        make_audio(src / f"long{i:02d}.wav", "wav", 16000, 1, 20.0,
                   wave="pink-noise")
    out = tmp_path / "out"
    result = {}

    def job():
        # one task: the worker that runs it is the one killed
        result["summary"] = melspecx.dask.batch(client, src, out,
                                                files_per_task=12,
                                                format="npy", backend="cpu")

    runner = threading.Thread(target=job)
    runner.start()
    assert wait_for(lambda: len(list(out.glob("*.json"))) >= 2, 120)
    busy = [w for w, keys in client.processing().items() if keys]
    pids = client.run(os.getpid)
    # finished: the .json is written after the .npy (dataset.py)
    before = {p.name: p.stat().st_ino for p in out.glob("*.npy")
              if p.with_suffix(".json").exists()}
    os.kill(pids[busy[0]], signal.SIGKILL)
    runner.join(timeout=300)
    assert not runner.is_alive()
    summary = result["summary"]
    assert not summary.failed, summary.failed
    # the files finished before the kill were skipped by the task's rerun
    assert len(summary.skipped) >= len(before) >= 2, summary
    assert len(summary.written) + len(summary.skipped) == 12
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"long{i:02d}.{ext}" for i in range(12) for ext in ("json", "npy"))
    after = {p.name: p.stat().st_ino for p in out.glob("*.npy")}
    assert {k: after[k] for k in before} == before   # not written again
    assert sorted(client.run(os.getpid).values()) != sorted(pids.values())


def test_npy_holds_what_mel_spectrogram_db_returns(twenty, tmp_path):
    out = tmp_path / "out"
    result = run_batch(twenty, out, "--format", "npy", "--pattern",
                       "clip0[0-3].*", "--n-mels", 40, "--channel-mode",
                       "separate")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"clip0{i}.{e}" for i in range(4) for e in ("json", "npy"))
    for i, fmt in zip(range(4), ("wav", "flac", "ogg", "wav")):
        db = np.load(out / f"clip0{i}.npy")
        expected = melspecx.mel_spectrogram_db_from_path(
            twenty / f"clip0{i}.{fmt}", n_mels=40, channel_mode="separate")
        assert db.dtype == np.float32
        np.testing.assert_array_equal(db, expected)
        meta = json.loads((out / f"clip0{i}.json").read_text())
        assert meta["shape"] == list(db.shape)
        assert meta["axes"] == (["lane", "mel", "frame"] if i % 2 else
                                ["mel", "frame"])
        assert meta["parameters"]["n_mels"] == 40
        assert meta["sample_rate"] == (16000, 22050)[i % 2]


@pytest.mark.parametrize("preset", ["whisper", "kaldi"])
def test_npy_of_a_preset_is_in_its_unit(twenty, tmp_path, preset):
    """whisper's (log10 + 4) / 4 with its clamp, kaldi's unfloored ln:
    what mel_spectrogram_db_from_path gives with the preset."""
    out = tmp_path / "out"
    result = run_batch(twenty, out, "--format", "npy", "--pattern",
                       "clip0[02].*", "--preset", preset)
    assert result.returncode == 0, result.stderr
    for name in ("clip00.wav", "clip02.ogg"):
        db = np.load(out / Path(name).with_suffix(".npy").name)
        expected = melspecx.mel_spectrogram_db_from_path(twenty / name,
                                                         preset=preset)
        np.testing.assert_array_equal(db, expected)
        meta = json.loads((out / Path(name).with_suffix(".json").name)
                          .read_text())
        assert meta["parameters"]["preset"] == preset
        assert meta["parameters"]["log_scale"] == \
            ("whisper" if preset == "whisper" else "ln")
    if preset == "whisper":
        assert db.max() - db.min() <= 2.0 + 1e-6      # max - 8 in log10


def test_html_needs_pictures_and_scheduler_needs_a_scheduler(twenty,
                                                             tmp_path):
    refused = run_batch(twenty, tmp_path / "o", "--format", "npy", "--html")
    assert refused.returncode == 1
    assert b"--html shows pictures" in refused.stderr
    unreachable = run_batch(twenty, tmp_path / "o", "--scheduler",
                            "tcp://127.0.0.1:9", "--connect-timeout", 2)
    assert unreachable.returncode == 1
    lines = unreachable.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "cannot reach the Dask scheduler" in lines[0]
    assert not (tmp_path / "o").exists()


def test_command_line_on_a_cluster(twenty, cluster, tmp_path):
    cl, _ = cluster
    result = run_batch(twenty, tmp_path / "out", "--scheduler",
                       cl.scheduler_address, "--pattern", "*.ogg",
                       "--width-px", 80, "--height-px", 20)
    assert result.returncode == 0, result.stderr
    ogg = sorted(twenty.glob("*.ogg"))
    assert result.stdout.decode().startswith(f"{len(ogg)} written, 0 "
                                             "skipped (already exist), 0 "
                                             "failed; ")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == \
        sorted(p.with_suffix(".png").name for p in ogg)


def test_bench_batch_runs(tmp_path):
    """bench/batch.py on 4 files, one round: every command runs and writes
    every output, and its tables (whole commands, the files alone, the
    files decoded only) have their rows."""
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).parents[2] / "bench" / "batch.py"),
         "--quick", "--workdir", str(tmp_path)], capture_output=True,
        text=True, env=python_env(), timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [line for line in proc.stdout.splitlines()
            if line.startswith("| `melspecx batch")]
    assert [row.split("`")[1] for row in rows] == [
        "melspecx batch -j 1", "melspecx batch -j 2",
        "melspecx batch Dask, 2 workers"]
    for row in rows:
        files_per_s = float(row.split("|")[3])
        assert files_per_s > 0
    # the files alone, start-up left out, then the same files decoded
    # only: one row per thread count in each
    after = proc.stdout.split("The files alone")[1]
    alone, decoded = after.split("decoded only")
    for table in (alone, decoded):
        rows = [line for line in table.splitlines()
                if line.startswith("| 1 |") or line.startswith("| 2 |")]
        assert [row.split("|")[1].strip() for row in rows] == ["1", "2"]
        for row in rows:
            assert float(row.split("|")[3]) > 0


def test_gallery_of_a_cluster_run_names_its_failures(twenty, cluster,
                                                     tmp_path, media):
    cl, _ = cluster
    src = tmp_path / "in"
    src.mkdir()
    (src / "good.wav").write_bytes((twenty / "clip00.wav").read_bytes())
    (src / "broken.mp3").write_bytes(media["garbage"].read_bytes())
    # relative names, as typed: the workers get absolute ones
    result = run_batch("in", "out", "--scheduler", cl.scheduler_address,
                       "--html", cwd=tmp_path)
    assert result.returncode == 1
    page = (tmp_path / "out" / "index.html").read_text()
    row = page[page.index("broken.mp3"):]
    row = row[:row.index("</tr>")]
    # the decoder's own error, not the gallery's "no picture"
    assert "failed: " in row and "no picture" not in row, row
    assert "good.png" in page
