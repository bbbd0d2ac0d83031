# SPDX-License-Identifier: MIT
"""Shared fixtures: real audio files made by GStreamer and espeak-ng.

Nothing is skipped: a missing gi, plugin or tool fails the tests, because a
skipped suite hides a broken build.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

import gi

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

Gst.init(None)

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# Encoders by container; each takes audio/x-raw after audioconvert.
ENCODERS = {
    "wav": "wavenc",
    "flac": "flacenc",
    "ogg": "vorbisenc ! oggmux",
    "opus": "audioresample ! opusenc ! oggmux",
    "mp3": "lamemp3enc ! id3v2mux",
}


def pytest_sessionstart(session: pytest.Session) -> None:
    """Fail early and loudly when the element or a tool is missing."""
    missing = [name for name in ("melspecx", "wavenc", "flacenc", "vorbisenc",
                                 "opusenc", "lamemp3enc", "oggmux", "appsrc",
                                 "appsink", "decodebin", "audiotestsrc")
               if Gst.ElementFactory.find(name) is None]
    if shutil.which("espeak-ng") is None:
        missing.append("espeak-ng")
    if missing:
        raise pytest.UsageError(
            "missing GStreamer elements or tools: " + ", ".join(missing)
            + " (run the tests under `meson devenv -C BUILD`)")


def run_gst(description: str, timeout: float = 60.0) -> None:
    """Run a gst-launch style pipeline to EOS (fails the test on error)."""
    pipeline = Gst.parse_launch(description)
    bus = pipeline.get_bus()
    try:
        assert pipeline.set_state(Gst.State.PLAYING) != \
            Gst.StateChangeReturn.FAILURE, description
        msg = bus.timed_pop_filtered(int(timeout * Gst.SECOND),
                                     Gst.MessageType.ERROR
                                     | Gst.MessageType.EOS)
        assert msg is not None, f"timeout: {description}"
        if msg.type == Gst.MessageType.ERROR:
            err, debug = msg.parse_error()
            raise AssertionError(f"{description}: {err.message} ({debug})")
    finally:
        pipeline.set_state(Gst.State.NULL)


def make_audio(path: Path, fmt: str = "wav", rate: int = 44100,
               channels: int = 1, seconds: float = 1.0,
               wave: str = "sine", freq: float = 1000.0,
               sample_format: str = "S16LE") -> Path:
    """Encode ``seconds`` of audiotestsrc into ``path`` with GStreamer."""
    per_buffer = 1024
    buffers = max(1, int(round(seconds * rate / per_buffer)))
    raw = f"audio/x-raw,rate={rate},channels={channels}"
    if fmt == "wav":
        raw += f",format={sample_format}"
    run_gst(f"audiotestsrc wave={wave} freq={freq} volume=0.5 "
            f"samplesperbuffer={per_buffer} num-buffers={buffers} ! "
            f"audioconvert ! {raw} ! {ENCODERS[fmt]} ! "
            f"filesink location={path}")
    return path


def make_speech(path: Path, text: str = "The quick brown fox jumps over "
                "the lazy dog. Mel spectrograms, please.") -> Path:
    """Speech from espeak-ng as a 22050 Hz mono 16-bit WAV."""
    # espeak-ng is a tool here, not under test: keep a sanitizer run's
    # LD_PRELOAD (libasan) away from it (it hangs under it).
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    subprocess.run(["espeak-ng", "-w", str(path), text], check=True,
                   timeout=60, env=env)
    return path


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A small library of real files, made once per session."""
    root = tmp_path_factory.mktemp("media")
    files = {
        "wav": make_audio(root / "tone.wav", "wav", 44100, 1, 1.0),
        "wav_stereo": make_audio(root / "stereo.wav", "wav", 48000, 2, 1.0),
        "flac": make_audio(root / "tone.flac", "flac", 44100, 1, 1.0),
        "flac_192k": make_audio(root / "hi.flac", "flac", 192000, 2, 0.5),
        "ogg": make_audio(root / "tone.ogg", "ogg", 44100, 2, 1.0),
        "opus": make_audio(root / "tone.opus", "opus", 48000, 1, 1.0),
        "mp3": make_audio(root / "tone.mp3", "mp3", 44100, 2, 1.0),
        "wav_8k": make_audio(root / "low.wav", "wav", 8000, 1, 1.0),
        "wav_6ch": make_audio(root / "six.wav", "wav", 48000, 6, 0.5,
                              sample_format="F32LE"),
        "speech": make_speech(root / "speech.wav"),
    }
    garbage = root / "garbage.mp3"
    garbage.write_bytes(bytes(range(256)) * 64)
    files["garbage"] = garbage
    text = root / "notes.txt"
    text.write_text("This is not audio.\n" * 100)
    files["text"] = text
    empty = root / "empty.wav"
    empty.write_bytes(b"")
    files["empty"] = empty
    return files


@pytest.fixture(scope="session")
def long_wav(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 10-minute WAV: long enough for the progress bar to appear."""
    root = tmp_path_factory.mktemp("long")
    return make_audio(root / "long.wav", "wav", 16000, 1, 600.0,
                      wave="pink-noise")


def available_backends() -> list[str]:
    """cpu, and vulkan unless the build left Vulkan out (-Dvulkan=disabled:
    the element then says so).  Any other Vulkan failure (no driver, no
    lavapipe) keeps "vulkan" in the list, so it fails the tests."""
    import numpy as np
    import melspecx
    config = melspecx.create_mel_config(16000, n_fft=64, hop_length=32,
                                        n_mels=8, backend="vulkan")
    try:
        melspecx.mel_spectrogram_db(config, np.zeros(256, np.float32))
    except melspecx.MelSpecError as err:
        if "built without Vulkan" in str(err):
            return ["cpu"]
    return ["cpu", "vulkan"]


def python_env() -> dict[str, str]:
    """The environment for subprocesses: the devenv's (GST_PLUGIN_PATH,
    PYTHONPATH) as inherited by pytest."""
    env = dict(os.environ)
    env.setdefault("PYTHONPATH", str(HERE.parent.parent / "python"))
    return env


def wait_for(predicate, timeout: float = 10.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False
