# SPDX-License-Identifier: MIT
"""What a call leaves in the process: the modules it imports, the file
descriptors it opens, and the appsinks of the application around it."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import melspecx
from conftest import make_audio, python_env, wait_for


def _run(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], env=python_env(),
                          capture_output=True, text=True, timeout=120)


def test_import_loads_neither_gstreamer_nor_numpy():
    out = _run("import sys, melspecx\n"
               "print(sorted(m for m in ('numpy', 'gi', 'gi.repository.Gst')"
               " if m in sys.modules))")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_a_picture_loads_no_numpy_and_no_gstapp(media):
    out = _run("import sys, melspecx\n"
               f"png = melspecx.mel_spec_from_path({str(media['wav'])!r})\n"
               "assert png.startswith(b'\\x89PNG')\n"
               "print(sorted(m for m in ('numpy', 'gi.repository.GstApp')"
               " if m in sys.modules))")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_works_after_the_application_made_an_appsink(media):
    """An appsink created before GstApp's typelib is loaded is a plain
    Gst.Element to PyGObject, without GstApp's methods; melspecx drives its
    own appsinks and appsrcs through action signals, so any import order
    works, GstApp imported first or never."""
    for first in ("", "gi.require_version('GstApp', '1.0')\n"
                      "from gi.repository import GstApp\n"):
        code = ("import gi\n"
                "gi.require_version('Gst', '1.0')\n" + first +
                "from gi.repository import Gst\n"
                "Gst.init(None)\n"
                "mine = Gst.ElementFactory.make('appsink')\n"
                "import melspecx, numpy\n"
                f"path = {str(media['wav'])!r}\n"
                "png = melspecx.mel_spec_from_path(path)\n"
                "audio, rate = melspecx.read_audio(path)\n"
                "config = melspecx.create_mel_config(rate)\n"
                "db = melspecx.mel_spectrogram_db(config, audio)\n"
                "assert numpy.array_equal(db, "
                "melspecx.mel_spectrogram_db_from_path(path))\n"
                "print(type(mine).__name__, len(png) > 0, db.shape)\n")
        out = _run(code)
        assert out.returncode == 0, (first, out.stderr)
        assert out.stdout.split()[1:] == ["True", "(128,", "87)"], out.stdout


def _open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


def _back_to(count: int) -> bool:
    """The last pipeline's bus may be released by a GStreamer thread a
    moment after the call returns: wait for it, without collecting
    garbage (a reference cycle would keep the descriptors)."""
    return wait_for(lambda: _open_files() <= count, 5.0)


def test_calls_close_their_file_descriptors(tmp_path):
    """100 calls leave /proc/self/fd as it was: every pipeline, its bus
    and its file are released when the call returns."""
    path = make_audio(tmp_path / "short.wav", "wav", 16000, 1, 0.1)
    calls = [lambda: melspecx.read_audio(path),
             lambda: melspecx.mel_spec_from_path(path, width_px=16,
                                                 height_px=8),
             lambda: melspecx.mel_spectrogram_db_from_path(path)]
    for call in calls:
        call()                              # first-use set-up, once
        before = _open_files()
        for _ in range(100):
            call()
        assert _back_to(before), (_open_files(), before)


def test_failed_calls_close_their_file_descriptors(media, tmp_path):
    wrong_rate = melspecx.create_mel_config(16000)
    calls = [lambda p: melspecx.mel_spec_from_path(p),
             lambda p: melspecx.read_audio(p),
             lambda p: melspecx.mel_spectrogram_db_from_path(p, wrong_rate)]

    def fail_twice():
        for path in (media["garbage"], tmp_path / "missing.wav",
                     media["speech"]):
            for call in calls[2:] if path == media["speech"] else calls:
                try:
                    call(path)
                except melspecx.MelSpecError:
                    pass
    fail_twice()
    before = _open_files()
    for _ in range(30):
        fail_twice()
    assert _back_to(before), (_open_files(), before)


def test_db_from_path_equals_decode_then_analyse(media):
    """One pipeline from the file gives the numbers of decoding to numpy
    and pushing the samples through the element."""
    cases = [("speech", {}), ("wav_stereo", {"n_mels": 40}),
             ("flac", {"n_fft": 512, "hop_length": 128}),
             ("mp3", {"channel_mode": "separate", "n_mels": 32}),
             ("wav_6ch", {"channel_mode": "separate", "top_db": None})]
    for name, params in cases:
        audio, rate = melspecx.read_audio(media[name])
        config = melspecx.create_mel_config(rate, **params)
        want = melspecx.mel_spectrogram_db(config, audio)
        got = melspecx.mel_spectrogram_db_from_path(media[name], **params)
        assert got.dtype == np.float32 and got.shape == want.shape, name
        assert np.array_equal(got, want), (name, np.abs(got - want).max())
        again = melspecx.mel_spectrogram_db_from_path(media[name], config)
        assert np.array_equal(again, want), name


def test_db_from_path_lowers_f_max_like_the_config(media):
    """Without a config the file's rate is known only to the pipeline: the
    element lowers an f-max above Nyquist and warns, as create_mel_config
    does for a given rate."""
    with pytest.warns(melspecx.MelSpecWarning, match="Nyquist"):
        got = melspecx.mel_spectrogram_db_from_path(media["wav_8k"])
    audio, rate = melspecx.read_audio(media["wav_8k"])
    with pytest.warns(UserWarning, match="Nyquist"):
        config = melspecx.create_mel_config(rate)
    assert np.array_equal(got, melspecx.mel_spectrogram_db(config, audio))
