# SPDX-License-Identifier: MIT
"""preset=librosa|torchaudio|whisper|kaldi against each library, on the
real engine (no mocks), with speech from espeak-ng and music-like tones:

- librosa: torch.stft with librosa's conventions (constant padding, the
  Slaney mel bank of torchaudio.functional.melscale_fbanks), power_to_db
  with ref=np.max and top_db 80;
- torchaudio: torchaudio.transforms.MelSpectrogram() + AmplitudeToDB();
- whisper: a float64 numpy log_mel_spectrogram, 80 and 128 mels;
- kaldi: torchaudio.compliance.kaldi.fbank(waveform, dither=0.0).

Tolerances: melspecx computes in float32 (FFT, |X|², mel sums) and
torchaudio too, the whisper reference in float64.  A float32 mel value is
within ~1e-6 relative of the exact one, i.e. ~5e-6 dB; the checks allow
0.01 dB (torchaudio's own float32 error included) over the top 80 dB, and
the equivalent in ln (kaldi) and whisper units.  Below that, the values
are dominated by rounding noise in both and are not compared.

Then the property itself: what each preset sets, read back; notify;
properties set after it win (gst-launch order); whisper and kaldi refuse
input that is not 16 kHz; Python and the command line.
"""

from __future__ import annotations

import json
import math
import wave

import numpy as np
import pytest
import scipy.signal

import melspecx
import msx_reference as ref
from conftest import available_backends, make_speech
from melspecx.pngmeta import read_metadata
from test_cli import melspecx as run

torch = pytest.importorskip("torch")
torchaudio = pytest.importorskip("torchaudio")

DB_TOL = 0.01                       # dB, over the top 80 dB
FLT_EPSILON = float(np.finfo(np.float32).eps)


BACKENDS = available_backends()


def _tones(rate: int, seconds: float) -> np.ndarray:
    """Music-like: a melody of harmonic notes with decays, and a chord."""
    t = np.arange(int(rate * seconds)) / rate
    y = np.zeros_like(t)
    for i, f in enumerate((220.0, 277.18, 329.63, 440.0, 392.0, 293.66)):
        start = i * seconds / 6
        env = np.where(t >= start, np.exp(-(t - start) * 3.0), 0.0)
        for h in range(1, 6):
            y += 0.15 / h * env * np.sin(2 * np.pi * f * h * (t - start))
    y += 0.05 * np.sin(2 * np.pi * 1760.0 * t)
    return y


@pytest.fixture(scope="module")
def speech22k(tmp_path_factory) -> np.ndarray:
    path = make_speech(tmp_path_factory.mktemp("presets") / "speech.wav")
    with wave.open(str(path)) as w:
        assert w.getframerate() == 22050 and w.getsampwidth() == 2
        data = np.frombuffer(w.readframes(w.getnframes()), "<i2")
    return data.astype(np.float64) / 32768.0


@pytest.fixture(scope="module")
def signals(speech22k) -> dict[int, np.ndarray]:
    """Speech then tones, at 16 kHz and at espeak-ng's 22050 Hz, float32."""
    out = {}
    for rate in (16000, 22050):
        speech = speech22k if rate == 22050 else \
            scipy.signal.resample_poly(speech22k, 320, 441)
        y = np.concatenate([speech, _tones(rate, 1.5)])
        out[rate] = (0.8 * y / np.abs(y).max()).astype(np.float32)
    return out


def _max_diff(got: np.ndarray, want: np.ndarray, range_: float) -> float:
    """max |got - want| where want is within range_ of its maximum."""
    assert got.shape == want.shape, (got.shape, want.shape)
    mask = want > want.max() - range_
    return float(np.max(np.abs(got.astype(np.float64) - want)[mask]))


# -- against each library -----------------------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("rate", [16000, 22050])
def test_librosa(signals, rate, backend):
    y = signals[rate]
    config = melspecx.create_mel_config(rate, preset="librosa",
                                        backend=backend)
    got = melspecx.mel_spectrogram_db(config, y)
    # librosa.feature.melspectrogram(y=y, sr=rate): torch.stft with
    # center=True, pad_mode="constant" (librosa >= 0.10), periodic Hann
    spec = torch.stft(torch.from_numpy(y.astype(np.float64)), 2048, 512,
                      window=torch.hann_window(2048, dtype=torch.float64),
                      center=True, pad_mode="constant",
                      return_complex=True).abs() ** 2
    fb = torchaudio.functional.melscale_fbanks(
        1025, 0.0, rate / 2, 128, rate, norm="slaney", mel_scale="slaney")
    mel = (fb.double().T @ spec).numpy()
    # power_to_db(S, ref=np.max, amin=1e-10, top_db=80)
    want = 10 * np.log10(np.maximum(1e-10, mel))
    want = np.maximum(want - want.max(), -80.0)
    got = got - got.max()
    diff = _max_diff(got, want, 80.0)
    print(f"librosa {rate} Hz {backend}: max |diff| {diff:.2e} dB")
    assert got.shape == (128, 1 + len(y) // 512)
    assert diff < DB_TOL


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("rate", [16000, 22050])
def test_torchaudio(signals, rate, backend):
    y = signals[rate]
    config = melspecx.create_mel_config(rate, preset="torchaudio",
                                        backend=backend)
    assert config.top_db is None          # AmplitudeToDB(top_db=None)
    got = melspecx.mel_spectrogram_db(config, y)
    mel = torchaudio.transforms.MelSpectrogram(sample_rate=rate)(
        torch.from_numpy(y))
    want = torchaudio.transforms.AmplitudeToDB(stype="power")(mel)
    want = want.double().numpy()
    diff = _max_diff(got, want, 80.0)
    print(f"torchaudio {rate} Hz {backend}: max |diff| {diff:.2e} dB")
    assert got.shape == want.shape == (128, 1 + len(y) // 200)
    assert diff < DB_TOL


def _whisper_reference(y: np.ndarray, n_mels: int) -> np.ndarray:
    """whisper.audio.log_mel_spectrogram in float64."""
    x = np.pad(y.astype(np.float64), 200, mode="reflect")
    frames = 1 + (len(x) - 400) // 160
    idx = np.arange(400)[None, :] + 160 * np.arange(frames)[:, None]
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(400) / 400)
    power = np.abs(np.fft.rfft(x[idx] * window, axis=1)).T ** 2
    power = power[:, :-1]                              # stft[..., :-1]
    fb = ref.mel_filterbank(16000, 400, n_mels, 0.0, 8000.0, htk=False,
                            slaney_norm=True)
    log_spec = np.log10(np.maximum(fb @ power, 1e-10))
    log_spec = np.maximum(log_spec, log_spec.max() - 8.0)
    return (log_spec + 4.0) / 4.0


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("n_mels", [80, 128])
def test_whisper(signals, n_mels, backend):
    y = signals[16000]
    config = melspecx.create_mel_config(16000, preset="whisper",
                                        n_mels=n_mels, backend=backend)
    got = melspecx.mel_spectrogram_db(config, y)
    want = _whisper_reference(y, n_mels)
    assert got.shape == want.shape == (n_mels, len(y) // 160)
    assert config.n_frames(len(y)) == len(y) // 160
    # 0.01 dB is 0.01/40 in whisper's unit; the floor (max - 2) included
    diff = float(np.max(np.abs(got - want)))
    print(f"whisper {n_mels} mels {backend}: max |diff| {diff:.2e} "
          f"({diff * 40:.2e} dB)")
    assert diff < DB_TOL / 40
    assert got.min() == pytest.approx(want.max() - 2.0, abs=1e-4)


def test_kaldi(signals):
    y = signals[16000]
    config = melspecx.create_mel_config(16000, preset="kaldi")
    got = melspecx.mel_spectrogram_db(config, y).T
    want = torchaudio.compliance.kaldi.fbank(
        torch.from_numpy(y)[None], dither=0.0).double().numpy()
    assert got.shape == want.shape == (1 + (len(y) - 400) // 160, 23)
    assert config.n_frames(len(y)) == got.shape[0]
    # 0.01 dB in ln is 0.01·ln(10)/10
    tol = DB_TOL * math.log(10) / 10
    diff = _max_diff(got, want, 80.0 * math.log(10) / 10)
    print(f"kaldi cpu: max |diff| {diff:.2e} ln ({diff / tol * DB_TOL:.2e} "
          "dB)")
    assert diff < tol
    # Kaldi's own tools see int16 integers: their features are these plus
    # 2·ln(32768) wherever both are above the FLT_EPSILON floor
    scaled = torchaudio.compliance.kaldi.fbank(
        torch.from_numpy(y * 32768.0)[None], dither=0.0).double().numpy()
    above = got > math.log(FLT_EPSILON) + 1.0
    assert np.max(np.abs(scaled - got - 2 * math.log(32768.0))[above]) < tol


def test_kaldi_backends(signals):
    """framing=kaldi runs on the CPU: auto picks it, vulkan is refused in
    one sentence."""
    y = signals[16000][:16000]
    auto = melspecx.create_mel_config(16000, preset="kaldi", backend="auto")
    cpu = melspecx.create_mel_config(16000, preset="kaldi", backend="cpu")
    assert np.array_equal(melspecx.mel_spectrogram_db(auto, y),
                          melspecx.mel_spectrogram_db(cpu, y))
    if "vulkan" not in BACKENDS:
        return
    vulkan = melspecx.create_mel_config(16000, preset="kaldi",
                                        backend="vulkan")
    with pytest.raises(melspecx.MelSpecError, match="framing=kaldi .* "
                       "computed on the CPU only"):
        melspecx.mel_spectrogram_db(vulkan, y)


@pytest.mark.parametrize("preset", ["whisper", "kaldi"])
def test_16khz_presets_refuse_other_rates(signals, preset):
    config = melspecx.create_mel_config(22050, preset=preset)
    with pytest.raises(melspecx.MelSpecError) as info:
        melspecx.mel_spectrogram_db(config, signals[22050])
    message = str(info.value)
    assert f"preset={preset} analyses 16000 Hz audio, but the input is " \
        "22050 Hz" in message and "audioresample" in message, message


# -- the property --------------------------------------------------------------

EXPECTED = {
    "librosa": {"n-fft": 2048, "win-length": 0, "hop-length": 512,
                "center": True, "pad-mode": "constant", "window": "hann",
                "framing": "stft", "preemphasis": 0.0, "drop-last": False,
                "power": 2.0, "n-mels": 128, "f-min": 0.0, "f-max": 0.0,
                "mel-scale": "slaney", "mel-norm": "slaney", "amin": 1e-10,
                "log-scale": "db", "top-db": 80.0},
    "torchaudio": {"n-fft": 400, "win-length": 0, "hop-length": 200,
                   "center": True, "pad-mode": "reflect", "window": "hann",
                   "framing": "stft", "preemphasis": 0.0,
                   "drop-last": False, "power": 2.0, "n-mels": 128,
                   "f-min": 0.0, "f-max": 0.0, "mel-scale": "htk",
                   "mel-norm": "none", "amin": 1e-10, "log-scale": "db",
                   "top-db": 80.0},
    "whisper": {"n-fft": 400, "win-length": 0, "hop-length": 160,
                "center": True, "pad-mode": "reflect", "window": "hann",
                "framing": "stft", "preemphasis": 0.0, "drop-last": True,
                "power": 2.0, "n-mels": 80, "f-min": 0.0, "f-max": 8000.0,
                "mel-scale": "slaney", "mel-norm": "slaney", "amin": 1e-10,
                "log-scale": "whisper", "top-db": 80.0},
    "kaldi": {"n-fft": 512, "win-length": 400, "hop-length": 160,
              "center": False, "pad-mode": "reflect", "window": "povey",
              "framing": "kaldi", "preemphasis": 0.97, "drop-last": False,
              "power": 2.0, "n-mels": 23, "f-min": 20.0, "f-max": 0.0,
              "mel-scale": "kaldi", "mel-norm": "none",
              "amin": FLT_EPSILON, "log-scale": "ln", "top-db": 80.0},
}


def _element():
    from melspecx._gst import Gst
    return Gst.ElementFactory.make("melspecx")


def _read(element, name):
    value = element.get_property(name)
    return value.value_nick if hasattr(value, "value_nick") else value


@pytest.mark.parametrize("preset", list(EXPECTED))
def test_values_read_back(preset):
    element = _element()
    element.set_property("preset", preset)
    assert _read(element, "preset") == preset
    for name, want in EXPECTED[preset].items():
        assert _read(element, name) == pytest.approx(want), name
    # none restores the element's own defaults
    element.set_property("preset", "none")
    for name in EXPECTED[preset]:
        spec = element.find_property(name)
        default = spec.default_value
        default = getattr(default, "value_nick", default)
        assert _read(element, name) == pytest.approx(default), name


def test_notify_names_what_changed():
    element = _element()
    seen = []
    element.connect("notify", lambda obj, spec: seen.append(spec.name))
    element.set_property("preset", "torchaudio")
    assert sorted(seen) == ["f-max", "hop-length", "mel-norm", "mel-scale",
                            "n-fft", "preset"]
    seen.clear()
    element.set_property("preset", "whisper")
    assert sorted(seen) == ["drop-last", "f-max", "hop-length", "log-scale",
                            "mel-norm", "mel-scale", "n-mels", "preset"]


def test_properties_after_the_preset_override_it():
    from melspecx._gst import Gst
    first = Gst.parse_launch("audiotestsrc ! melspecx name=m preset=kaldi "
                             "n-mels=40 ! fakesink").get_by_name("m")
    assert first.get_property("n-mels") == 40
    assert first.get_property("hop-length") == 160
    before = Gst.parse_launch("audiotestsrc ! melspecx name=m n-mels=40 "
                              "preset=kaldi ! fakesink").get_by_name("m")
    assert before.get_property("n-mels") == 23


def test_preset_is_set_before_playing():
    """The preset changes the analysis: like n-fft in image mode, it is
    refused while one runs (GST_PARAM_MUTABLE_READY)."""
    from melspecx._gst import Gst
    spec = _element().find_property("preset")
    assert not spec.flags & Gst.PARAM_MUTABLE_PLAYING


# -- Python and the command line -----------------------------------------------

def test_python_config():
    config = melspecx.create_mel_config(16000, preset="whisper", n_mels=128)
    assert (config.preset, config.n_fft, config.hop_length, config.n_mels,
            config.drop_last, config.log_scale, config.top_db) == \
        ("whisper", 400, 160, 128, True, "whisper", 80.0)
    kaldi = melspecx.create_mel_config(16000, preset="kaldi")
    assert (kaldi.framing, kaldi.window, kaldi.win_length, kaldi.center,
            kaldi.preemphasis, kaldi.amin, kaldi.top_db) == \
        ("kaldi", "povey", 400, False, 0.97, FLT_EPSILON, None)
    assert list(config.element_properties())[0] == "preset"
    with pytest.raises(melspecx.MelSpecParameterError,
                       match="preset is 'htk' but must be one of none, "
                       "librosa, torchaudio, whisper, kaldi"):
        melspecx.create_mel_config(16000, preset="htk")


def _write_wav(path, y: np.ndarray, rate: int):
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((np.clip(y, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def test_command_line_preset_and_like(signals, tmp_path):
    audio = _write_wav(tmp_path / "a.wav", signals[16000][:32000], 16000)
    png = tmp_path / "kaldi.png"
    result = run("generate", "--preset", "kaldi", "--n-mels", "40", audio, png)
    assert result.returncode == 0, result.stderr
    meta = read_metadata(png)[0].meta
    assert (meta["framing"], meta["window"], meta["mel_scale"],
            meta["log_scale"], meta["n_mels"], meta["n_fft"],
            meta["win_length"], meta["center"], meta["preemphasis"]) == \
        ("kaldi", "povey", "kaldi", "ln", 40, 512, 400, False, 0.97)
    info = run("info", png)
    assert info.returncode == 0 and b"framing:" in info.stdout
    again = tmp_path / "again.png"
    result = run("generate", "--like", png, audio, again)
    assert result.returncode == 0, result.stderr
    assert read_metadata(again)[0].meta == meta
    assert again.read_bytes() == png.read_bytes()


def test_command_line_refuses_whisper_at_22050(signals, tmp_path):
    audio = _write_wav(tmp_path / "a.wav", signals[22050][:22050], 22050)
    result = run("generate", "--preset", "whisper", audio, tmp_path / "w.png")
    assert result.returncode != 0
    assert b"audioresample" in result.stderr, result.stderr
