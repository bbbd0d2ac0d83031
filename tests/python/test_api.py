# SPDX-License-Identifier: MIT
"""The Python API: every public function, good and bad inputs."""

from __future__ import annotations

import dataclasses
import inspect
import os
import pydoc
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.io.wavfile

import melspecx
import msx_reference as ref
from conftest import make_audio, python_env

PUBLIC = ["mel_spec_from_path", "create_mel_config", "mel_spectrogram_db",
          "mel_spectrogram_db_py", "mel_spectrogram_db_from_path",
          "read_audio", "audio_info", "element_properties"]


# -- mel_spec_from_path --------------------------------------------------------

@pytest.mark.parametrize("name", ["wav", "wav_stereo", "flac", "flac_192k",
                                  "ogg", "opus", "mp3", "wav_8k", "wav_6ch",
                                  "speech"])
def test_png_from_every_format(media, name):
    png = melspecx.mel_spec_from_path(media[name])
    info = ref.png_info(png)
    assert (info["width"], info["height"]) == (1024, 256)
    meta = info["meta"]
    assert meta["n_fft"] == 2048 and meta["hop_length"] == 512
    assert meta["n_mels"] == 128 and meta["colormap"] == "inferno"


def test_png_keywords_reach_the_element(media):
    png = melspecx.mel_spec_from_path(
        media["flac"], n_fft=1024, win_length=800, hop_length=256, f_min=50,
        f_max=6000, n_mels=64, colormap="magma", width_px=320, height_px=96,
        top_db=60, chunk_size=7, mel_scale="htk", window="hamming")
    info = ref.png_info(png)
    assert (info["width"], info["height"]) == (320, 96)
    meta = info["meta"]
    for key, value in dict(n_fft=1024, win_length=800, hop_length=256,
                           n_mels=64, colormap="magma", mel_scale="htk",
                           window="hamming").items():
        assert meta[key] == value, key
    assert meta["f_min"] == pytest.approx(50)
    assert meta["f_max"] == pytest.approx(6000)
    assert meta["top_db"] == pytest.approx(60)


def test_every_element_property_is_a_keyword(media):
    """Each property, passed at its default, is accepted (every element
    property is reachable by keyword)."""
    props = melspecx.element_properties()
    for name in ("n_fft", "hop_length", "n_mels", "colormap", "window",
                 "mel_scale", "mel_norm", "channel_mode", "backend", "mode"):
        assert name in props, name
    baseline = melspecx.mel_spec_from_path(media["wav"], width_px=64,
                                           height_px=32)
    for name, default in props.items():
        if name in ("mode", "width", "height", "win_length") or \
                default is None:
            continue
        png = melspecx.mel_spec_from_path(media["wav"], width_px=64,
                                          height_px=32, **{name: default})
        assert png == baseline, name


def test_png_invert_and_colormap_change_pixels(media):
    kw = dict(width_px=32, height_px=32)
    a = melspecx.mel_spec_from_path(media["speech"], **kw)
    b = melspecx.mel_spec_from_path(media["speech"], invert=True, **kw)
    c = melspecx.mel_spec_from_path(media["speech"], colormap="greys", **kw)
    pa, pb, pc = (ref.png_pixels(x) for x in (a, b, c))
    assert not np.array_equal(pa, pb) and not np.array_equal(pa, pc)


def test_unknown_keyword_is_named(media):
    with pytest.raises(melspecx.MelSpecError) as info:
        melspecx.mel_spec_from_path(media["wav"], n_ffts=1024)
    assert isinstance(info.value, ValueError)
    assert "n_ffts" in str(info.value)


@pytest.mark.parametrize("kwargs,name", [
    (dict(n_fft=401), "n-fft"),
    (dict(n_fft=8), "n-fft"),
    (dict(win_length=4096), "win-length"),
    (dict(hop_length=0), "hop-length"),
    (dict(f_min=9000), "f-min"),
    (dict(n_fft=256, n_mels=200), "n-mels"),
    (dict(n_mels=0), "n-mels"),
    (dict(top_db=0), "top-db"),
    (dict(width_px=0), "width"),
    (dict(height_px=0), "height"),
    (dict(colormap="rainbow"), "colormap"),
    (dict(window="kaiser"), "window"),
    (dict(chunk_size=0), "chunk-size"),
    (dict(center="maybe"), "center"),
    (dict(n_fft="big"), "n-fft"),
])
def test_bad_parameters_are_named(media, kwargs, name):
    with pytest.raises(melspecx.MelSpecParameterError) as info:
        melspecx.mel_spec_from_path(media["wav"], **kwargs)
    assert isinstance(info.value, ValueError)
    assert str(info.value).startswith(name + " "), str(info.value)
    assert "must be" in str(info.value)


@pytest.mark.parametrize("name", ["garbage", "text", "empty"])
def test_undecodable_files_raise_gstreamer_message(media, name):
    with pytest.raises(melspecx.MelSpecError) as info:
        melspecx.mel_spec_from_path(media[name])
    assert not isinstance(info.value, ValueError)
    assert str(info.value) and "\n" not in str(info.value)


def test_missing_file_raises(tmp_path):
    missing = tmp_path / "nope.flac"
    with pytest.raises(melspecx.MelSpecError) as info:
        melspecx.mel_spec_from_path(missing)
    assert str(missing) in str(info.value)
    assert info.value.debug          # GStreamer's debug detail is kept


def test_directory_raises(tmp_path):
    with pytest.raises(melspecx.MelSpecError, match="directory"):
        melspecx.mel_spec_from_path(tmp_path)


def test_missing_plugin_is_a_clear_error(tmp_path, media):
    """With a registry that lacks melspecx, the error names the element."""
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    system = Path(os.path.dirname(
        __import__("gi.repository.Gst", fromlist=["Gst"])
        .Registry.get().find_plugin("coreelements").get_filename()))
    for name in ("coreelements", "playback", "typefindfunctions", "wavparse",
                 "app", "audioconvert"):
        (plugins / f"libgst{name}.so").symlink_to(
            system / f"libgst{name}.so")
    env = python_env()
    env.update(GST_PLUGIN_PATH="", GST_PLUGIN_SYSTEM_PATH_1_0=str(plugins),
               GST_REGISTRY_1_0=str(tmp_path / "registry.bin"))
    code = ("import melspecx\n"
            "try:\n"
            f"    melspecx.mel_spec_from_path({str(media['wav'])!r})\n"
            "except melspecx.MelSpecError as e:\n"
            "    print('ERR', e)\n")
    out = subprocess.run([sys.executable, "-c", code], env=env, timeout=120,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("ERR GStreamer element 'melspecx' is not "
                                 "available"), out.stdout


def test_progress_callback_reports_position(media):
    seen = []
    melspecx.mel_spec_from_path(media["speech"],
                                progress=lambda p, d: seen.append((p, d)))
    for position, duration in seen:
        assert position >= 0 and (duration is None or duration > 0)


def test_stalled_pipeline_times_out():
    """The deadline: a pipeline that never moves is torn down with an error
    instead of hanging (appsrc that is never fed)."""
    from melspecx import pipeline as pl
    from melspecx._gst import Gst
    pipe = Gst.parse_launch("appsrc name=src format=time ! appsink name=sink")
    with pytest.raises(melspecx.MelSpecError, match="no progress"):
        pl.run_pipeline(pipe, pipe.get_by_name("sink"), timeout=0.5)
    assert pipe.get_state(0)[1] == Gst.State.NULL


# -- create_mel_config -----------------------------------------------------------

def test_config_defaults_follow_spec():
    config = melspecx.create_mel_config(44100)
    assert (config.n_fft, config.hop_length, config.n_mels) == (2048, 512, 128)
    assert config.effective_win_length == 2048 and config.center
    assert (config.f_min, config.f_max, config.top_db) == (0.0, 8000.0, 80.0)
    assert (config.window, config.mel_scale, config.mel_norm) == \
        ("hann", "slaney", "slaney")
    assert config.n_frames(44100) == 1 + 44100 // 512
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.n_fft = 1024


@pytest.mark.parametrize("kwargs,name,range_text", [
    (dict(n_fft=17), "n-fft", "even and between 16 and 65536"),
    (dict(n_fft=65538), "n-fft", "between 16 and 65536"),
    (dict(n_fft=512, win_length=513), "win-length", "between 0 and 512"),
    (dict(hop_length=0), "hop-length", "between 1 and 65536"),
    (dict(f_min=-1.0), "f-min", "between 0 and"),
    (dict(f_min=8000.0), "f-min", "below f-max (8000 Hz)"),
    (dict(f_min=100.0, f_max=50.0), "f-min", "below f-max (50 Hz)"),
    (dict(n_fft=512, n_mels=258), "n-mels", "between 1 and 257"),
    (dict(n_mels=0), "n-mels", "between 1"),
    (dict(top_db=0.0), "top-db", "between 0.001 and"),
    (dict(top_db=-5), "top-db", "between 0.001 and"),
    (dict(power=1.5), "power", "1.0 (magnitude) or 2.0 (power)"),
    (dict(chunk_size=0), "chunk-size", "between 1 and 16384"),
    (dict(pad_mode="edge"), "pad-mode", "reflect, constant"),
    (dict(mel_scale="bark"), "mel-scale", "slaney, htk"),
    (dict(channel_mode="left"), "channel-mode", "mix, separate"),
    (dict(center=1), "center", "true or false"),
])
def test_config_refuses_like_the_element(kwargs, name, range_text):
    with pytest.raises(melspecx.MelSpecError) as info:
        melspecx.create_mel_config(16000, **kwargs)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert message.startswith(name + " ") and range_text in message, message


@pytest.mark.parametrize("rate", [0, -1, 2_000_000, 44100.5])
def test_config_refuses_bad_rates(rate):
    with pytest.raises(melspecx.MelSpecParameterError, match="sample-rate"):
        melspecx.create_mel_config(rate)


def test_config_unknown_field():
    with pytest.raises(melspecx.MelSpecParameterError, match="'nfft'"):
        melspecx.create_mel_config(16000, nfft=512)


def test_config_f_max_above_nyquist_is_clamped_with_warning():
    with pytest.warns(UserWarning, match="f-max 8000 Hz is above Nyquist"):
        config = melspecx.create_mel_config(8000)
    assert config.f_max == 4000.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert melspecx.create_mel_config(8000, f_max=0).f_max == 4000.0
        assert melspecx.create_mel_config(48000, f_max=0).f_max == 24000.0


def test_config_accepts_numpy_scalars_and_norm_none():
    config = melspecx.create_mel_config(np.int64(16000), n_fft=np.int32(512),
                                        mel_norm=None, win_length=0)
    assert config.n_fft == 512 and type(config.n_fft) is int
    assert config.mel_norm == "none" and config.win_length is None


# -- mel_spectrogram_db ----------------------------------------------------------

def test_alias_is_the_same_function():
    assert melspecx.mel_spectrogram_db_py is melspecx.mel_spectrogram_db


@pytest.mark.parametrize("audio,match", [
    (np.zeros(1000, np.int16), "floating point"),
    (np.zeros((2, 2, 100), np.float32), "shape"),
    (np.zeros((1000, 2), np.float32), "transpose"),
    (np.zeros((0, 100), np.float32), "channels"),
    ([[1, 2, 3]], "floating point"),
])
def test_db_refuses_bad_audio(audio, match):
    config = melspecx.create_mel_config(16000)
    with pytest.raises(melspecx.MelSpecParameterError, match=match):
        melspecx.mel_spectrogram_db(config, audio)


def test_db_refuses_a_non_config():
    with pytest.raises(melspecx.MelSpecParameterError, match="MelConfig"):
        melspecx.mel_spectrogram_db({"sample_rate": 16000},
                                    np.zeros(100, np.float32))


def test_db_accepts_lists_and_float64():
    config = melspecx.create_mel_config(16000, n_fft=64, hop_length=16,
                                        n_mels=8)
    y = np.sin(np.arange(1600) * 0.3)
    a = melspecx.mel_spectrogram_db(config, y)
    b = melspecx.mel_spectrogram_db(config, y.astype(np.float32).tolist())
    assert a.shape == (8, 101) and np.array_equal(a, b)


@pytest.mark.parametrize("n", [0, 1, 100])
def test_db_short_inputs_give_a_defined_result(n):
    """Empty, one sample, fewer samples than n_fft/2: an array of the right
    height or a MelSpecError, never a crash or a hang."""
    config = melspecx.create_mel_config(16000, n_fft=512, hop_length=128)
    try:
        got = melspecx.mel_spectrogram_db(config, np.full(n, 0.1, np.float32))
    except melspecx.MelSpecError as err:
        assert str(err)
        return
    assert got.dtype == np.float32 and got.shape[0] == 128
    assert np.all(np.isfinite(got))


def test_db_nan_input_is_defined():
    config = melspecx.create_mel_config(16000, n_fft=256, hop_length=64)
    y = np.sin(np.arange(8000) * 0.1).astype(np.float32)
    y[4000] = np.nan
    try:
        got = melspecx.mel_spectrogram_db(config, y)
    except melspecx.MelSpecError as err:
        assert str(err)
        return
    assert got.shape == (128, 1 + 8000 // 64)


# -- read_audio / audio_info -------------------------------------------------------

def test_read_audio_matches_scipy_wav_reader(media):
    audio, rate = melspecx.read_audio(media["speech"])
    wav_rate, pcm = scipy.io.wavfile.read(media["speech"])
    assert rate == wav_rate == 22050
    assert audio.dtype == np.float32 and audio.ndim == 1
    assert np.array_equal(audio, pcm.astype(np.float32) / 32768.0)


def test_read_audio_stereo_is_channels_first(media):
    audio, rate = melspecx.read_audio(media["wav_stereo"])
    wav_rate, pcm = scipy.io.wavfile.read(media["wav_stereo"])
    assert rate == wav_rate == 48000 and audio.shape == (2, pcm.shape[0])
    assert np.array_equal(audio, pcm.T.astype(np.float32) / 32768.0)


def test_read_audio_six_channels_float(media):
    audio, rate = melspecx.read_audio(media["wav_6ch"])
    wav_rate, pcm = scipy.io.wavfile.read(media["wav_6ch"])
    assert audio.shape == (6, pcm.shape[0]) and np.array_equal(audio, pcm.T)


@pytest.mark.parametrize("name,rate,channels", [
    ("flac", 44100, 1), ("ogg", 44100, 2), ("opus", 48000, 1),
    ("mp3", 44100, 2), ("flac_192k", 192000, 2), ("wav_8k", 8000, 1)])
def test_read_audio_compressed(media, name, rate, channels):
    audio, got_rate = melspecx.read_audio(media[name])
    assert got_rate == rate
    assert audio.ndim == (1 if channels == 1 else 2)
    samples = audio.shape[-1]
    assert abs(samples - rate * (0.5 if "192k" in name else 1.0)) < 0.1 * rate
    # audiotestsrc volume 0.5 sine: the peak survives lossy coding.
    assert 0.4 < np.max(np.abs(audio)) < 0.6


def test_audio_info_counts_samples_exactly(tmp_path):
    path = make_audio(tmp_path / "a.flac", "flac", 32000, 2, 1.0)
    info = melspecx.audio_info(path)
    assert (info.sample_rate, info.channels) == (32000, 2)
    assert info.samples == 31 * 1024          # num-buffers x samplesperbuffer
    assert info.duration == pytest.approx(31 * 1024 / 32000)
    assert "audio/x-raw" in info.caps


@pytest.mark.parametrize("name", ["garbage", "text", "empty"])
def test_read_audio_errors(media, name):
    with pytest.raises(melspecx.MelSpecError):
        melspecx.read_audio(media[name])
    with pytest.raises(melspecx.MelSpecError):
        melspecx.audio_info(media[name])


def test_read_audio_missing_file(tmp_path):
    with pytest.raises(melspecx.MelSpecError, match="nope.wav"):
        melspecx.read_audio(tmp_path / "nope.wav")


def test_db_from_path_checks_the_rate(media):
    config = melspecx.create_mel_config(16000)
    with pytest.raises(melspecx.MelSpecParameterError, match="22050 Hz"):
        melspecx.mel_spectrogram_db_from_path(media["speech"], config)


def test_db_from_path_params_override_config(media):
    config = melspecx.create_mel_config(22050, n_mels=64)
    got = melspecx.mel_spectrogram_db_from_path(media["speech"], config,
                                                n_mels=32)
    assert got.shape[0] == 32


def test_db_from_path_separate_stereo(media):
    got = melspecx.mel_spectrogram_db_from_path(media["wav_stereo"],
                                                channel_mode="separate",
                                                n_mels=40)
    assert got.shape == (2, 40, 1 + 47 * 1024 // 512)


# -- the manual ----------------------------------------------------------------------

def test_public_functions_have_hints_and_docstrings():
    for name in PUBLIC:
        func = getattr(melspecx, name)
        assert inspect.getdoc(func) and len(inspect.getdoc(func)) > 40, name
        signature = inspect.signature(func)
        assert signature.return_annotation is not inspect.Signature.empty, \
            name
        for param in signature.parameters.values():
            if param.kind not in (param.VAR_KEYWORD, param.VAR_POSITIONAL):
                assert param.annotation is not inspect.Parameter.empty, \
                    (name, param.name)
    assert inspect.getdoc(melspecx.MelConfig)
    assert set(PUBLIC) <= set(melspecx.__all__)


def test_help_is_a_manual():
    text = pydoc.render_doc(melspecx, renderer=pydoc.plaintext)
    for name in PUBLIC + ["MelSpecError", "MelSpecParameterError",
                          "MelConfig", "GST_DEBUG", "ValueError"]:
        assert name in text, name


def test_exception_hierarchy():
    assert issubclass(melspecx.MelSpecParameterError, melspecx.MelSpecError)
    assert issubclass(melspecx.MelSpecParameterError, ValueError)
    assert not issubclass(melspecx.MelSpecError, ValueError)


def test_element_warnings_become_python_warnings(media):
    with pytest.warns(melspecx.MelSpecWarning, match="Nyquist"):
        melspecx.mel_spec_from_path(media["wav_8k"], width_px=32,
                                    height_px=32)
    with pytest.warns(melspecx.MelSpecWarning, match="n-mels=256"):
        melspecx.mel_spec_from_path(media["flac_192k"], n_fft=512,
                                    n_mels=256, width_px=32, height_px=32)
