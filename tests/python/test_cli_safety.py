# SPDX-License-Identifier: MIT
"""What the command and the package must never do: overwrite the audio,
hang on a FIFO, or leave work running (or half-written PNGs) after Ctrl-C."""
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

import melspecx
from conftest import make_audio, python_env, wait_for
from test_cli import assert_one_line_error, melspecx as run_cli

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_generate_refuses_to_overwrite_its_input(media, tmp_path):
    wav = tmp_path / "a.wav"
    wav.write_bytes(media["wav"].read_bytes())
    before = wav.read_bytes()
    message = assert_one_line_error(run_cli("generate", wav, wav))
    assert "input file" in message
    assert wav.read_bytes() == before
    # the same file by another name
    os.link(wav, tmp_path / "b.png")
    assert "input file" in assert_one_line_error(
        run_cli("generate", wav, tmp_path / "b.png"))
    assert wav.read_bytes() == before


def test_generate_into_a_directory_names_the_picture(media, tmp_path):
    result = run_cli("generate", media["flac"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "tone.png").read_bytes().startswith(PNG_MAGIC)
    assert [p.name for p in tmp_path.iterdir()] == ["tone.png"]


class unblock_later:
    """``with``: after ``seconds``, another process opens ``fifo`` for
    writing and closes it, so that a reader blocked in open() returns (and
    sees end of file): a regression fails the test instead of hanging the
    suite.  A process, because a reader blocked inside a GStreamer call may
    hold Python's GIL."""

    def __init__(self, fifo, seconds=20):
        self.proc = subprocess.Popen(
            ["sh", "-c", f'sleep {seconds}; : > "$0"', str(fifo)])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()


def test_fifo_without_writer_times_out(tmp_path):
    fifo = tmp_path / "in.wav"
    os.mkfifo(fifo)
    start = time.monotonic()
    with unblock_later(fifo), pytest.raises(melspecx.MelSpecError,
                                            match="FIFO"):
        melspecx.mel_spec_from_path(fifo, timeout=1.5)
    assert time.monotonic() - start < 10
    assert [t for t in threading.enumerate()
            if t.name == "melspecx-fifo-open"] == []


def test_fifo_with_writer_renders(media, tmp_path):
    fifo = tmp_path / "in.wav"
    os.mkfifo(fifo)
    data = media["wav"].read_bytes()

    def write():
        with open(fifo, "wb") as out:
            out.write(data)

    writer = threading.Thread(target=write)
    writer.start()
    png = melspecx.mel_spec_from_path(fifo, timeout=20)
    writer.join(10)
    assert png == melspecx.mel_spec_from_path(media["wav"])


def test_cli_fifo_without_writer_exits(tmp_path):
    fifo = tmp_path / "in.wav"
    os.mkfifo(fifo)
    with unblock_later(fifo):
        result = run_cli("generate", fifo, tmp_path / "o.png", "--timeout",
                         "1.5", timeout=60)
    assert "FIFO" in assert_one_line_error(result)
    assert not (tmp_path / "o.png").exists()


@pytest.fixture(scope="module")
def batch_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("batch-in")
    for i in range(12):
        make_audio(root / f"f{i:02d}.wav", "wav", 44100, 2, 20.0,
                   wave="pink-noise")
    return root


def start_batch(batch_dir, out):
    return subprocess.Popen(
        [sys.executable, "-m", "melspecx", "batch", str(batch_dir), str(out),
         "-j", "1", "--backend", "cpu"], env=python_env(),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def assert_only_whole_pictures(out):
    names = sorted(p.name for p in out.iterdir())
    assert not [n for n in names if n.startswith(".")], names
    for name in names:
        data = (out / name).read_bytes()
        assert data.startswith(PNG_MAGIC) and data.endswith(
            b"IEND\xaeB`\x82"), name
    return names


@pytest.mark.parametrize("signals", [[signal.SIGINT],
                                     [signal.SIGINT] * 3,
                                     [signal.SIGTERM]])
def test_interrupted_batch_stops_and_keeps_finished(batch_dir, tmp_path,
                                                    signals):
    out = tmp_path / "out"
    proc = start_batch(batch_dir, out)
    assert wait_for(lambda: out.is_dir() and any(
        p.suffix == ".png" for p in out.iterdir()), 120), \
        proc.communicate(timeout=5)
    for sig in signals:
        proc.send_signal(sig)
        time.sleep(0.05)
    start = time.monotonic()
    stdout, stderr = proc.communicate(timeout=60)
    stopped_in = time.monotonic() - start
    text = stderr.decode()
    assert proc.returncode == 130, text
    assert "Traceback" not in text and "interrupted" in text, text
    names = assert_only_whole_pictures(out)
    assert 1 <= len(names) < 12, names
    assert f"{len(names)} written" in text, text
    # the queue was dropped: far less than the rest of the work
    assert stopped_in < 15, stopped_in


def test_device_outputs_are_written_into_not_replaced(media, tmp_path):
    """As root, renaming the temporary picture over /dev/null or /dev/full
    replaced the device node with a regular file; such outputs are written
    into, as any program would.  As root the test makes its own null and
    full nodes (so that a regression cannot break the machine's); others
    cannot replace /dev's and use them."""
    import stat as st
    null, full = "/dev/null", "/dev/full"
    if os.geteuid() == 0:
        null, full = str(tmp_path / "null"), str(tmp_path / "full")
        os.mknod(null, st.S_IFCHR | 0o666, os.makedev(1, 3))
        os.mknod(full, st.S_IFCHR | 0o666, os.makedev(1, 7))
    result = run_cli("generate", media["wav"], null)
    assert result.returncode == 0, result.stderr
    assert st.S_ISCHR(os.stat(null).st_mode)
    stderr = assert_one_line_error(run_cli("generate", media["wav"], full))
    assert "No space left on device" in stderr, stderr
    assert st.S_ISCHR(os.stat(full).st_mode)


def test_symlink_output_is_written_through(media, tmp_path):
    """A link to a picture keeps being a link; its target gets the new
    picture (cp's behaviour), and the target's mode is kept."""
    target = tmp_path / "real.png"
    target.write_bytes(b"old")
    target.chmod(0o640)
    link = tmp_path / "link.png"
    link.symlink_to(target)
    result = run_cli("generate", media["wav"], link)
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert target.stat().st_mode & 0o777 == 0o640
