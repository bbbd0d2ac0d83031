# SPDX-License-Identifier: MIT
"""Numbers: melspecx.mel_spectrogram_db against float64 references.

Tolerances: max |dB error| <= 0.01 dB wherever the reference is above
max - top_db, and relative L2 error of the mel power matrix < 1e-4.
References: torchaudio's MelSpectrogram (float64) where it can express the
configuration, otherwise librosa's formulas written out in msx_reference.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.signal

import melspecx
import msx_reference as ref
from conftest import available_backends, make_speech

DB_TOL = 0.01
L2_TOL = 1e-4
SR = 22050          # espeak-ng's rate; the synthetic signals use it too


BACKENDS = available_backends()


def _signal(kind: str, tmp_path) -> np.ndarray:
    t = np.arange(int(2.0 * SR)) / SR
    if kind == "sweep":
        return (0.5 * scipy.signal.chirp(t, f0=50, t1=t[-1], f1=10000,
                                         method="logarithmic")
                ).astype(np.float32)
    if kind == "noise":
        return (0.1 * np.random.default_rng(1).standard_normal(len(t))
                ).astype(np.float32)
    if kind == "click":
        y = np.zeros(len(t), np.float32)
        y[12345] = 1.0
        return y
    if kind == "speech":
        audio, rate = melspecx.read_audio(make_speech(tmp_path / "s.wav"))
        assert rate == SR and audio.ndim == 1
        return audio
    raise AssertionError(kind)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("n_fft,hop", [(400, 160), (2048, 512)])
@pytest.mark.parametrize("mel_scale", ["slaney", "htk"])
@pytest.mark.parametrize("mel_norm", ["slaney", "none"])
@pytest.mark.parametrize("kind", ["sweep", "noise", "speech", "click"])
def test_against_torchaudio(kind, mel_scale, mel_norm, n_fft, hop, backend,
                            tmp_path):
    y = _signal(kind, tmp_path)
    n_mels = 80 if n_fft == 400 else 128
    config = melspecx.create_mel_config(
        SR, n_fft=n_fft, hop_length=hop, n_mels=n_mels, mel_scale=mel_scale,
        mel_norm=mel_norm, backend=backend)
    got = melspecx.mel_spectrogram_db(config, y)
    assert got.dtype == np.float32
    assert got.shape == (n_mels, 1 + len(y) // hop)
    power = ref.torchaudio_mel_power(y, SR, n_fft, hop, n_mels, 0.0, 8000.0,
                                     mel_scale, mel_norm)
    db_err, rel_l2 = ref.compare(got, power)
    assert db_err <= DB_TOL, f"max dB error {db_err:.5f}"
    assert rel_l2 < L2_TOL, f"relative L2 error {rel_l2:.2e}"
    # The floor: nothing below max - top_db, and it is reached exactly.
    assert got.min() >= got.max() - 80.0 - 1e-4


def test_torchaudio_and_numpy_references_agree():
    """The two references check each other (float64, so 1e-9)."""
    y = _signal("noise", None)
    a = ref.torchaudio_mel_power(y, SR, 400, 160, 80, 0.0, 8000.0, "htk",
                                 "none")
    b = ref.mel_power(y, SR, 400, hop_length=160, n_mels=80, mel_scale="htk",
                      mel_norm="none")
    assert np.max(np.abs(a - b) / (np.abs(b) + 1e-12)) < 1e-9


@pytest.mark.parametrize("n_fft,hop", [(400, 160), (2048, 512)])
def test_silence_is_all_floor(n_fft, hop):
    config = melspecx.create_mel_config(16000, n_fft=n_fft, hop_length=hop)
    got = melspecx.mel_spectrogram_db(config, np.zeros(16000, np.float32))
    assert got.shape == (128, 1 + 16000 // hop)
    # 10*log10(amin) = -100 dB everywhere: max and floor coincide.
    assert np.all(got == got.flat[0])
    assert got.flat[0] == pytest.approx(-100.0, abs=1e-4)


# Configurations torchaudio cannot express, against the numpy reference.
NUMPY_CASES = {
    "win_length<n_fft": dict(n_fft=512, win_length=300, hop_length=128),
    "hamming": dict(window="hamming"),
    "blackman": dict(window="blackman", n_fft=1024, hop_length=256),
    "rectangular": dict(window="rectangular", n_fft=256, hop_length=64,
                        n_mels=64),
    "power1": dict(power=1.0),
    "pad_constant": dict(pad_mode="constant", n_fft=400, hop_length=160,
                         n_mels=40),
    "no_center": dict(center=False, n_fft=400, hop_length=100, n_mels=40),
    "f_range_htk": dict(f_min=300.0, f_max=0.0, mel_scale="htk",
                        mel_norm="none", n_mels=60),
    "odd_hop": dict(n_fft=1024, hop_length=333, win_length=1000),
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", sorted(NUMPY_CASES))
@pytest.mark.parametrize("kind", ["sweep", "noise"])
def test_against_numpy_reference(case, kind, backend):
    y = _signal(kind, None)
    params = NUMPY_CASES[case]
    config = melspecx.create_mel_config(SR, backend=backend, **params)
    got = melspecx.mel_spectrogram_db(config, y)
    expect = ref.mel_power(
        y, SR, n_fft=config.n_fft, win_length=config.win_length,
        hop_length=config.hop_length, center=config.center,
        pad_mode=config.pad_mode, window_name=config.window,
        power=config.power, n_mels=config.n_mels, f_min=config.f_min,
        f_max=config.f_max, mel_scale=config.mel_scale,
        mel_norm=config.mel_norm)
    assert got.shape == expect.shape == (config.n_mels,
                                         config.n_frames(len(y)))
    db_err, rel_l2 = ref.compare(got, expect, config.power)
    assert db_err <= DB_TOL, f"max dB error {db_err:.5f}"
    assert rel_l2 < L2_TOL, f"relative L2 error {rel_l2:.2e}"


def test_ref_db_shifts_values():
    y = _signal("noise", None)
    plain = melspecx.create_mel_config(SR, top_db=None)
    shifted = melspecx.create_mel_config(SR, top_db=None, ref_db=-20.0)
    a = melspecx.mel_spectrogram_db(plain, y).astype(np.float64)
    b = melspecx.mel_spectrogram_db(shifted, y).astype(np.float64)
    assert np.max(np.abs((b - a) - 20.0)) < 1e-3
    # No top_db: the values are 10*log10(max(amin, S)) unfloored.
    expect = ref.to_db(ref.mel_power(y, SR), top_db=None)
    mask = expect > expect.max() - 80
    assert np.max(np.abs(a - expect)[mask]) <= DB_TOL


def test_top_db_floor_matches_librosa_rule():
    y = _signal("click", None)
    for top_db in (20.0, 50.0, 120.0):
        config = melspecx.create_mel_config(SR, top_db=top_db)
        got = melspecx.mel_spectrogram_db(config, y).astype(np.float64)
        expect = ref.to_db(ref.mel_power(y, SR), top_db=top_db)
        assert got.min() == pytest.approx(max(got.max() - top_db, -100.0),
                                          abs=1e-4)
        mask = expect > expect.max() - top_db
        assert np.max(np.abs(got - expect)[mask]) <= DB_TOL
        assert np.allclose(got[~mask], expect[~mask], atol=DB_TOL)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("channel_mode", ["mix", "separate"])
def test_chunk_size_never_changes_the_numbers(channel_mode, backend):
    y = np.stack([_signal("sweep", None), _signal("noise", None)])
    results = []
    for chunk in (1, 7, 4096):
        config = melspecx.create_mel_config(SR, chunk_size=chunk,
                                            channel_mode=channel_mode,
                                            backend=backend)
        results.append(melspecx.mel_spectrogram_db(config, y))
    assert results[0].shape == results[1].shape == results[2].shape
    assert np.array_equal(results[0], results[1])
    assert np.array_equal(results[0], results[2])


@pytest.mark.parametrize("backend", BACKENDS)
def test_chunk_size_never_changes_the_png(media, backend):
    """Every PNG chunk is byte-identical except the tEXt metadata, which
    records chunk_size itself (and nothing else differs in it)."""
    pngs = [melspecx.mel_spec_from_path(media["speech"], chunk_size=chunk,
                                        width_px=300, height_px=80,
                                        backend=backend)
            for chunk in (1, 7, 4096)]
    image = [[c for c in ref.png_chunks(png) if c[0] != b"tEXt"]
             for png in pngs]
    assert image[0] == image[1] == image[2]
    metas = [ref.png_info(png)["meta"] for png in pngs]
    assert [m.pop("chunk_size") for m in metas] == [1, 7, 4096]
    assert metas[0] == metas[1] == metas[2]


def test_separate_channels_on_stereo():
    left, right = _signal("sweep", None), _signal("noise", None)
    config = melspecx.create_mel_config(SR, n_fft=1024, hop_length=256,
                                        channel_mode="separate")
    got = melspecx.mel_spectrogram_db(config, np.stack([left, right]))
    frames = 1 + len(left) // 256
    assert got.shape == (2, 128, frames)
    power = np.stack([ref.mel_power(ch, SR, 1024, hop_length=256)
                      for ch in (left, right)])
    # One floor over both lanes, as librosa's power_to_db on the 3-D array.
    db_err, rel_l2 = ref.compare(got, power)
    assert db_err <= DB_TOL and rel_l2 < L2_TOL, (db_err, rel_l2)
    # The lanes are the channels in order (sweep is not noise).
    assert not np.allclose(got[0], got[1], atol=1.0)


def test_mix_averages_channels():
    left, right = _signal("sweep", None), _signal("noise", None)
    config = melspecx.create_mel_config(SR)
    got = melspecx.mel_spectrogram_db(config, np.stack([left, right]))
    mixed = (left.astype(np.float64) + right) / 2
    db_err, rel_l2 = ref.compare(got, ref.mel_power(mixed, SR))
    assert got.shape == (128, 1 + len(left) // 512)
    assert db_err <= DB_TOL and rel_l2 < L2_TOL, (db_err, rel_l2)


def test_six_channels_separate():
    rng = np.random.default_rng(7)
    y = (0.05 * rng.standard_normal((6, SR // 2))
         * np.arange(1, 7)[:, None]).astype(np.float32)
    config = melspecx.create_mel_config(SR, n_fft=512, hop_length=128,
                                        n_mels=40, channel_mode="separate")
    got = melspecx.mel_spectrogram_db(config, y)
    power = np.stack([ref.mel_power(ch, SR, 512, hop_length=128, n_mels=40)
                      for ch in y])
    db_err, rel_l2 = ref.compare(got, power)
    assert got.shape == (6, 40, 1 + y.shape[1] // 128)
    assert db_err <= DB_TOL and rel_l2 < L2_TOL, (db_err, rel_l2)


def test_from_path_equals_array_path(media):
    audio, rate = melspecx.read_audio(media["speech"])
    config = melspecx.create_mel_config(rate, n_mels=64)
    a = melspecx.mel_spectrogram_db(config, audio)
    b = melspecx.mel_spectrogram_db_from_path(media["speech"], n_mels=64)
    c = melspecx.mel_spectrogram_db_from_path(media["speech"], config)
    assert np.array_equal(a, b) and np.array_equal(a, c)


def test_png_puts_low_frequencies_at_the_bottom(tmp_path):
    """A 1 kHz tone: the brightest row of the picture is the 1 kHz band,
    counted from the bottom."""
    from conftest import make_audio
    path = make_audio(tmp_path / "k.wav", "wav", 16000, 1, 1.0, freq=1000)
    png = melspecx.mel_spec_from_path(path, n_mels=64, width_px=16,
                                      height_px=64, f_max=8000)
    pixels = ref.png_pixels(png)[..., :3].astype(np.float64)
    brightness = pixels.sum(axis=2).mean(axis=1)
    fb = ref.mel_filterbank(16000, 2048, 64, 0, 8000, False, True)
    band = int(np.argmax(fb[:, round(1000 * 2048 / 16000)]))
    assert abs(int(np.argmax(brightness)) - (63 - band)) <= 1
