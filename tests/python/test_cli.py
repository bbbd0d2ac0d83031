# SPDX-License-Identifier: MIT
"""The melspecx command, run as `python3 -m melspecx` in a subprocess."""

from __future__ import annotations

import json
import os
import re
import pty
import select
import signal
import subprocess
import sys
import time

import pytest

import msx_reference as ref
from conftest import make_audio, python_env


def melspecx(*args: str, timeout: float = 180, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "melspecx", *map(str, args)],
                          env=python_env(), capture_output=True, timeout=timeout,
                          **kw)


def assert_one_line_error(result: subprocess.CompletedProcess,
                          status: int = 1) -> str:
    stderr = result.stderr.decode()
    assert result.returncode == status, (result.returncode, stderr)
    assert stderr.count("\n") == 1 and stderr.endswith("\n"), stderr
    assert stderr.startswith("melspecx: "), stderr
    assert "Traceback" not in stderr
    return stderr


# -- generate ----------------------------------------------------------------

def test_generate_writes_a_png(media, tmp_path):
    out = tmp_path / "a.png"
    result = melspecx("generate", media["mp3"], out)
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""            # silent when not a terminal
    info = ref.png_info(out.read_bytes())
    assert (info["width"], info["height"]) == (1024, 256)
    assert info["meta"]["n_fft"] == 2048 and info["meta"]["n_mels"] == 128


def test_generate_options(media, tmp_path):
    out = tmp_path / "b.png"
    result = melspecx("generate", media["ogg"], out, "--colormap", "viridis",
                      "--width-px", 200, "--height-px", 60, "--n-fft", 1024,
                      "--hop-length", 256, "--n-mels", 60, "--mel-scale",
                      "htk", "--mel-norm", "none", "--window", "blackman",
                      "--no-center", "--top-db", 70, "--chunk-size", 3,
                      "-p", "invert=true", "--f-max", 0)
    assert result.returncode == 0, result.stderr
    info = ref.png_info(out.read_bytes())
    assert (info["width"], info["height"]) == (200, 60)
    meta = info["meta"]
    assert (meta["colormap"], meta["n_fft"], meta["hop_length"],
            meta["n_mels"], meta["mel_scale"], meta["window"]) == \
        ("viridis", 1024, 256, 60, "htk", "blackman")
    assert meta["center"] in (False, 0)
    assert meta["f_max"] == pytest.approx(22050)


def test_generate_to_stdout(media):
    result = melspecx("generate", media["wav"], "-", "--width-px", 50,
                      "--height-px", 20)
    assert result.returncode == 0, result.stderr
    assert ref.png_info(result.stdout)["width"] == 50


def test_generate_help_shows_every_default():
    result = melspecx("generate", "--help")
    text = result.stdout.decode()
    assert result.returncode == 0
    for option, default in [("--n-fft", "2048"), ("--hop-length", "512"),
                            ("--n-mels", "128"), ("--f-max", "8000"),
                            ("--colormap", "inferno"), ("--width-px", "1024"),
                            ("--height-px", "256"), ("--top-db", "80"),
                            ("--chunk-size", "1024"), ("--win-length", "0"),
                            ("--window", "hann"), ("--mel-scale", "slaney")]:
        assert option in text, option
        block = text[text.index("\n  " + option):]
        assert f"(default: {default}" in block.split("\n  -")[1], option


def test_help_says_each_default_once_in_named_groups():
    for command in ("generate", "batch", "info", "live"):
        text = melspecx(command, "--help").stdout.decode()
        options = text.split("\n  -")[1:]
        assert options, command
        for block in options:
            assert block.count("(default") <= 1, block
        assert "\nAnalysis:\n" in text, command
        if command != "info":
            assert "\nPicture:\n" in text, command
        assert not re.search(r"\bSPEC\b|§|issue", text), command


def test_colormap_and_choices_ignore_case(media, tmp_path):
    out = tmp_path / "c.png"
    result = melspecx("generate", media["wav"], out, "--colormap", "Viridis",
                      "--window", "HANN", "--width-px", 40, "--height-px", 20)
    assert result.returncode == 0, result.stderr
    assert ref.png_info(out.read_bytes())["meta"]["colormap"] == "viridis"


def test_output_mode_follows_the_umask_and_keeps_an_existing_mode(media,
                                                                  tmp_path):
    """A new PNG gets 0666 less the umask, as any program's output would;
    rewriting a file keeps the mode it had."""
    new, old = tmp_path / "new.png", tmp_path / "old.png"
    old.write_bytes(b"")
    old.chmod(0o640)
    for umask, path in ((0o022, new), (0o077, old)):
        result = melspecx("generate", media["wav"], path, "--width-px", 40,
                          "--height-px", 20,
                          preexec_fn=lambda m=umask: os.umask(m))
        assert result.returncode == 0, result.stderr
    assert new.stat().st_mode & 0o777 == 0o644
    assert old.stat().st_mode & 0o777 == 0o640
    assert ref.png_info(old.read_bytes())["width"] == 40
    out = tmp_path / "batch"
    result = melspecx("batch", media["wav"].parent, out, "--pattern",
                      "tone.wav", preexec_fn=lambda: os.umask(0o027))
    assert result.returncode == 0, result.stderr
    assert (out / "tone.png").stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("args,status,fragment", [
    (["--n-fft", "401"], 1, "n-fft is 401"),
    (["--n-fft", "abc"], 2, "invalid int value"),
    (["--win-length", "4096"], 1, "win-length"),
    (["--hop-length", "0"], 1, "hop-length"),
    (["--f-min", "9000"], 1, "f-min"),
    (["--n-mels", "0"], 1, "n-mels"),
    (["--top-db", "0"], 1, "top-db"),
    (["--width-px", "0"], 1, "width"),
    (["--colormap", "rainbow"], 2, "invalid choice"),
    (["-p", "nonsense=1"], 1, "nonsense"),
    (["-p", "novalue"], 1, "NAME=VALUE"),
])
def test_generate_bad_options_one_line(media, tmp_path, args, status,
                                       fragment):
    out = tmp_path / "x.png"
    result = melspecx("generate", media["wav"], out, *args)
    assert fragment in assert_one_line_error(result, status)
    assert not out.exists()


@pytest.mark.parametrize("name", ["garbage", "text", "empty"])
def test_generate_undecodable_one_line(media, tmp_path, name):
    result = melspecx("generate", media[name], tmp_path / "x.png")
    assert_one_line_error(result)
    assert list(tmp_path.iterdir()) == []      # no partial output


def test_generate_missing_input_one_line(tmp_path):
    result = melspecx("generate", tmp_path / "nope.wav", tmp_path / "x.png")
    assert "nope.wav" in assert_one_line_error(result)


def test_generate_unwritable_output_one_line(media, tmp_path):
    result = melspecx("generate", media["wav"], tmp_path / "no" / "x.png")
    assert "cannot write" in assert_one_line_error(result)


def test_missing_plugin_is_one_line(tmp_path):
    """The options are read from the element: without the plugin the
    command says so on one line, whatever it was asked."""
    env = python_env()
    env.update(GST_PLUGIN_PATH="", GST_PLUGIN_SYSTEM_PATH_1_0=str(tmp_path),
               GST_REGISTRY_1_0=str(tmp_path / "registry.bin"))
    for args in (["generate", "a.wav", "a.png"], ["--help"]):
        result = subprocess.run([sys.executable, "-m", "melspecx", *args],
                                env=env, capture_output=True, timeout=60)
        assert "'melspecx' is not available" in assert_one_line_error(result)


def test_no_command_is_a_usage_error():
    assert_one_line_error(melspecx(), 2)


def test_version():
    result = melspecx("--version")
    assert result.returncode == 0 and result.stdout.startswith(b"melspecx ")


def test_progress_bar_on_a_terminal_only(long_wav, tmp_path):
    """Under a pseudo-terminal the bar is drawn on stderr; the plain run in
    test_generate_writes_a_png shows it stays silent otherwise.  A hop of
    32 samples (300000 frames) keeps the run going for several polls of the
    bus, on any machine."""
    master, slave = pty.openpty()
    env = python_env()
    env["TERM"] = "xterm"
    proc = subprocess.Popen([sys.executable, "-m", "melspecx", "generate",
                             str(long_wav), str(tmp_path / "long.png"),
                             "--hop-length", "32"],
                            env=env, stderr=slave, stdout=subprocess.DEVNULL)
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    proc.wait(timeout=60)
    os.close(master)
    assert proc.returncode == 0, seen
    assert b"%" in seen and b"/600.0 s" in seen, seen[-300:]
    assert seen.endswith(b"\r\x1b[K"), seen[-50:]    # the bar is cleared
    assert ref.png_info((tmp_path / "long.png").read_bytes())["width"] == 1024


# -- batch ---------------------------------------------------------------------

@pytest.fixture()
def batch_dir(tmp_path, media):
    src = tmp_path / "in"
    src.mkdir()
    make_audio(src / "a.wav", "wav", 16000, 1, 0.5)
    make_audio(src / "b.flac", "flac", 22050, 2, 0.5)
    make_audio(src / "c.ogg", "ogg", 44100, 1, 0.5)
    (src / "broken.mp3").write_bytes(media["garbage"].read_bytes())
    (src / "readme.txt").write_text("not audio, and not an audio name")
    return src


def test_batch_renders_in_parallel_and_reports_failures(batch_dir, tmp_path):
    out = tmp_path / "out"
    result = melspecx("batch", batch_dir, out, "-j", 3, "--width-px", 100,
                      "--height-px", 40)
    stderr = result.stderr.decode()
    assert result.returncode == 1, stderr
    assert sorted(p.name for p in out.iterdir()) == ["a.png", "b.png",
                                                     "c.png"]
    for png in out.iterdir():
        assert ref.png_info(png.read_bytes())["width"] == 100
    failures = [l for l in stderr.splitlines() if "failed:" in l]
    assert len(failures) == 1 and "broken.mp3" in failures[0]
    assert result.stdout.decode().strip() == \
        "3 written, 0 skipped (already exist), 1 failed"

    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    again = melspecx("batch", batch_dir, out, "--pattern", "*.wav")
    assert again.returncode == 0, again.stderr
    assert again.stdout.decode().strip() == \
        "0 written, 1 skipped (already exist), 0 failed"
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before

    forced = melspecx("batch", batch_dir, out, "--pattern", "*.wav",
                      "--force", "-j", 1)
    assert forced.returncode == 0, forced.stderr
    assert forced.stdout.decode().startswith("1 written")
    assert (out / "a.png").stat().st_mtime_ns != before["a.png"]


def test_batch_starts_with_the_largest_files(tmp_path):
    """Files are started largest first, so that the last ones still running
    are short: with one job the pictures are written in that order."""
    src = tmp_path / "in"
    src.mkdir()
    for name, seconds in (("a", 0.5), ("b", 3.0), ("c", 1.5), ("d", 0.2)):
        make_audio(src / f"{name}.wav", "wav", 16000, 1, seconds)
    out = tmp_path / "out"
    result = melspecx("batch", src, out, "-j", 1, "--width-px", 30,
                      "--height-px", 10)
    assert result.returncode == 0, result.stderr
    # non-decreasing: two pictures may share a coarse file timestamp
    mtime = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    order = ["b.png", "c.png", "a.png", "d.png"]
    assert all(mtime[x] <= mtime[y] for x, y in zip(order, order[1:])), mtime


def test_batch_pattern_selects_files(batch_dir, tmp_path):
    out = tmp_path / "flac"
    result = melspecx("batch", batch_dir, out, "--pattern", "*.flac")
    assert result.returncode == 0, result.stderr
    assert [p.name for p in out.iterdir()] == ["b.png"]


def test_batch_keeps_the_extension_when_names_collide(tmp_path):
    """a.flac and a.opus would both be a.png: each keeps its extension
    instead, nothing is overwritten, and the count is what was written."""
    src = tmp_path / "in"
    src.mkdir()
    make_audio(src / "a.flac", "flac", 16000, 1, 0.3)
    make_audio(src / "a.opus", "opus", 48000, 1, 0.3)
    make_audio(src / "b.wav", "wav", 16000, 1, 0.3)
    out = tmp_path / "out"
    result = melspecx("batch", src, out, "--width-px", 30, "--height-px", 10)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == \
        ["a.flac.png", "a.opus.png", "b.png"]
    assert result.stdout.decode().strip() == \
        "3 written, 0 skipped (already exist), 0 failed"
    metas = {p.name: ref.png_info(p.read_bytes())["meta"]
             for p in out.iterdir()}
    assert metas["a.flac.png"]["sample_rate"] == 16000
    assert metas["a.opus.png"]["sample_rate"] == 48000


def test_batch_refuses_names_that_still_collide(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for name in ("a.flac", "a.wav", "a.flac.wav"):
        make_audio(src / name, "wav", 16000, 1, 0.2)
    out = tmp_path / "out"
    stderr = assert_one_line_error(melspecx("batch", src, out))
    assert "a.flac" in stderr and "a.flac.wav" in stderr and \
        "a.flac.png" in stderr, stderr
    assert not out.exists()


def test_batch_errors_one_line(tmp_path):
    assert "does not exist" in assert_one_line_error(
        melspecx("batch", tmp_path / "none", tmp_path / "out"))
    (tmp_path / "emptydir").mkdir()
    assert "no files match" in assert_one_line_error(
        melspecx("batch", tmp_path / "emptydir", tmp_path / "out"))
    assert_one_line_error(melspecx("batch", tmp_path, tmp_path / "o", "-j",
                                   "x"), 2)


def test_batch_bad_option_is_one_error_not_one_per_file(batch_dir, tmp_path):
    stderr = assert_one_line_error(melspecx("batch", batch_dir,
                                            tmp_path / "o", "--n-fft", 401))
    assert "n-fft is 401" in stderr
    assert not (tmp_path / "o").exists()


# -- info ----------------------------------------------------------------------

def test_info_json(tmp_path):
    path = make_audio(tmp_path / "i.flac", "flac", 32000, 2, 1.0)
    result = melspecx("info", path, "--json", "--hop-length", 320,
                      "--n-mels", 80)
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    samples = 31 * 1024
    assert (info["sample_rate"], info["channels"], info["samples"]) == \
        (32000, 2, samples)
    assert info["duration"] == pytest.approx(samples / 32000)
    assert info["frames"] == 1 + samples // 320
    assert info["mel_shape"] == [80, 1 + samples // 320]
    separate = json.loads(melspecx("info", path, "--json", "--channel-mode",
                                   "separate").stdout)
    assert separate["mel_shape"] == [2, 128, 1 + samples // 512]


def test_info_frames_match_the_element(media):
    """The frame count info predicts is the one the element produces."""
    import melspecx as pkg
    result = melspecx("info", media["speech"], "--json")
    info = json.loads(result.stdout)
    db = pkg.mel_spectrogram_db_from_path(media["speech"])
    assert info["mel_shape"] == list(db.shape)


def test_info_text(media):
    result = melspecx("info", media["wav_stereo"])
    text = result.stdout.decode()
    assert result.returncode == 0
    assert "48000 Hz" in text and "channels:    2" in text
    assert "mel shape:   (128, " in text


def test_info_errors_one_line(media, tmp_path):
    assert_one_line_error(melspecx("info", tmp_path / "nope.ogg"))
    assert_one_line_error(melspecx("info", media["text"]))


# -- live ----------------------------------------------------------------------

def test_live_runs_and_stops(tmp_path):
    result = melspecx("live", "--source", "audiotestsrc is-live=true",
                      "--sink", "fakesink", "--duration", "1.5",
                      timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""


def test_live_stops_cleanly_on_ctrl_c():
    proc = subprocess.Popen(
        [sys.executable, "-m", "melspecx", "live", "--source",
         "audiotestsrc is-live=true", "--sink", "fakesink"],
        env=python_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(2.0)
    assert proc.poll() is None, proc.stderr.read()
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=20)
    assert proc.returncode == 0, stderr
    assert stderr == b""


def test_live_without_audio_source_one_line():
    result = melspecx("live", "--source", "osssrc device=/nonexistent/dsp",
                      "--sink", "fakesink", timeout=60)
    assert "no usable audio input" in assert_one_line_error(result)


def test_live_without_display_one_line():
    env = python_env()
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    result = subprocess.run([sys.executable, "-m", "melspecx", "live"],
                            env=env, capture_output=True, timeout=60)
    assert "no display" in assert_one_line_error(result)


def test_live_bad_pipeline_one_line():
    result = melspecx("live", "--source", "nosuchelementsrc",
                      "--sink", "fakesink", timeout=60)
    assert_one_line_error(result)


def test_generate_warning_is_one_line(media, tmp_path):
    result = melspecx("generate", media["wav_8k"], tmp_path / "w.png")
    stderr = result.stderr.decode()
    assert result.returncode == 0, stderr
    assert stderr.count("\n") == 1 and stderr.startswith("melspecx: warning:")
    assert "Nyquist" in stderr
