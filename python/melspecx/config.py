# SPDX-License-Identifier: MIT
"""Analysis parameters and their validation.

The limits mirror ``core/msx_config.h`` so that Python refuses exactly what
the element refuses, with the same wording: the message names the parameter
and the allowed range.  Parameter names here are the element's property
names with '-' written as '_'.
"""

from __future__ import annotations

import dataclasses
import math
import operator
import warnings
from typing import Any, Mapping

from .errors import MelSpecParameterError

# Limits shared with core/msx_config.h (MSX_MIN_N_FFT ... MSX_MAX_CHUNK_SIZE).
MIN_N_FFT = 16
MAX_N_FFT = 65536
MAX_HOP_LENGTH = 65536
MAX_N_MELS = 1024
MAX_CHANNELS = 64
MAX_SAMPLE_RATE = 1000000
MAX_WIDTH = 16384
MAX_HEIGHT = 16384
MAX_CHUNK_SIZE = 16384
AMIN = 1e-10
# The element's top-db and ref-db ranges (gst/gstmelspecx.c param specs).
MIN_TOP_DB = 0.001
MAX_TOP_DB = 1000.0
MAX_REF_DB = 200.0

PAD_MODES = ("reflect", "constant")
WINDOWS = ("hann", "hamming", "blackman", "rectangular")
MEL_SCALES = ("slaney", "htk")
MEL_NORMS = ("slaney", "none")
CHANNEL_MODES = ("mix", "separate")
BACKENDS = ("auto", "cpu", "vulkan")
COLORMAPS = ("inferno", "viridis", "magma", "plasma", "cividis", "greys",
             "blues", "greens", "reds", "purples", "oranges")


def _fail(name: str, value: Any, requirement: str) -> MelSpecParameterError:
    return MelSpecParameterError(
        f"{name.replace('_', '-')} is {value!r} but must be {requirement}")


def _int(name: str, value: Any) -> int:
    if isinstance(value, bool):
        raise _fail(name, value, "an integer")
    try:
        return operator.index(value)
    except TypeError:
        raise _fail(name, value, "an integer") from None


def _float(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            and not hasattr(value, "__float__"):
        raise _fail(name, value, "a number")
    result = float(value)
    if not math.isfinite(result):
        raise _fail(name, value, "a finite number")
    return result


def _int_range(name: str, value: Any, low: int, high: int,
               note: str = "") -> int:
    result = _int(name, value)
    if not low <= result <= high:
        raise _fail(name, value, f"between {low} and {high}{note}")
    return result


def _choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    if value is None and "none" in choices:
        return "none"
    if not isinstance(value, str) or value.lower() not in choices:
        raise _fail(name, value, "one of " + ", ".join(choices))
    return value.lower()


def check_parameters(params: Mapping[str, Any],
                     sample_rate: int | None = None) -> dict[str, Any]:
    """Validate the analysis parameters present in ``params``.

    Args:
        params: snake_case names to values; absent names take the
            element's defaults for the cross-checks.
        sample_rate: the input rate in Hz when known; it is needed for the
            f_max / Nyquist check only.

    Returns:
        A copy of ``params`` with values normalised (ints as int, choices in
        lower case, ``mel_norm=None`` as ``"none"``).

    Raises:
        MelSpecParameterError: naming the first bad parameter and its range.
    """
    out = dict(params)
    checks = {
        "n_fft": lambda v: _int_range("n_fft", v, MIN_N_FFT, MAX_N_FFT),
        "hop_length": lambda v: _int_range("hop_length", v, 1, MAX_HOP_LENGTH),
        "width": lambda v: _int_range("width", v, 1, MAX_WIDTH),
        "height": lambda v: _int_range("height", v, 1, MAX_HEIGHT),
        "chunk_size": lambda v: _int_range("chunk_size", v, 1, MAX_CHUNK_SIZE),
        "pad_mode": lambda v: _choice("pad_mode", v, PAD_MODES),
        "window": lambda v: _choice("window", v, WINDOWS),
        "mel_scale": lambda v: _choice("mel_scale", v, MEL_SCALES),
        "mel_norm": lambda v: _choice("mel_norm", v, MEL_NORMS),
        "channel_mode": lambda v: _choice("channel_mode", v, CHANNEL_MODES),
        "backend": lambda v: _choice("backend", v, BACKENDS),
        "colormap": lambda v: _choice("colormap", v, COLORMAPS),
    }
    for name, check in checks.items():
        if name in out:
            out[name] = check(out[name])
    n_fft = out.get("n_fft", 2048)
    if n_fft % 2:
        raise _fail("n_fft", n_fft,
                    f"even and between {MIN_N_FFT} and {MAX_N_FFT}")
    if out.get("win_length") is not None:
        out["win_length"] = _int_range(
            "win_length", out["win_length"], 0, n_fft, " (0 = n-fft)")
    if "n_mels" in out:
        high = min(MAX_N_MELS, n_fft // 2 + 1)
        out["n_mels"] = _int_range("n_mels", out["n_mels"], 1, high,
                                   " (n-fft/2+1 FFT bins)"
                                   if high < MAX_N_MELS else "")
    if "power" in out:
        out["power"] = _float("power", out["power"])
        if out["power"] not in (1.0, 2.0):
            raise _fail("power", params["power"],
                        "1.0 (magnitude) or 2.0 (power)")
    if out.get("top_db") is not None:
        out["top_db"] = _float("top_db", out["top_db"])
        if out["top_db"] <= 0:
            raise _fail("top_db", params["top_db"], "greater than 0")
        if not MIN_TOP_DB <= out["top_db"] <= MAX_TOP_DB:
            raise _fail("top_db", params["top_db"],
                        f"between {MIN_TOP_DB:g} and {MAX_TOP_DB:g}")
    if out.get("ref_db") is not None:
        out["ref_db"] = _float("ref_db", out["ref_db"])
        if abs(out["ref_db"]) > MAX_REF_DB:
            raise _fail("ref_db", params["ref_db"],
                        f"between {-MAX_REF_DB:g} and {MAX_REF_DB:g}")
    _check_band(out, sample_rate)
    return out


def _check_band(out: dict[str, Any], sample_rate: int | None) -> None:
    """f_min and f_max: 0 <= f_min < f_max, f_max 0 meaning Nyquist; an
    f_max above Nyquist is clamped to it with a warning, as the element does."""
    f_min = _float("f_min", out.get("f_min", 0.0))
    f_max = _float("f_max", out.get("f_max", 8000.0))
    if f_min < 0:
        raise _fail("f_min", out["f_min"], "at least 0 Hz")
    if f_max < 0:
        raise _fail("f_max", out["f_max"], "at least 0 Hz (0 = Nyquist)")
    if sample_rate is not None:
        nyquist = sample_rate / 2.0
        if f_max > nyquist:
            warnings.warn(
                f"f-max {f_max:g} Hz is above Nyquist ({nyquist:g} Hz for "
                f"{sample_rate} Hz input); clamped to {nyquist:g} Hz",
                stacklevel=4)
            f_max = nyquist
        elif f_max == 0:
            f_max = nyquist
    if f_max != 0 and f_min >= f_max:
        raise _fail("f_min", out.get("f_min", 0.0),
                    f"at least 0 Hz and below f-max ({f_max:g} Hz)")
    if "f_min" in out:
        out["f_min"] = f_min
    if "f_max" in out or sample_rate is not None:
        out["f_max"] = f_max


@dataclasses.dataclass(frozen=True)
class MelConfig:
    """Parameters of one mel-spectrogram analysis, validated.

    Build it with :func:`create_mel_config`, which checks every field.
    Names and meanings are librosa's; each field is also the element
    property of the same name with '_' written as '-'.

    Attributes:
        sample_rate: input rate in Hz (1..1000000).
        n_fft: FFT size, even, 16..65536.
        win_length: window length 1..n_fft; None or 0 means n_fft.
        hop_length: samples between frames, 1..65536.
        center: pad n_fft/2 samples on each side so frame t is centred on
            sample t*hop_length.
        pad_mode: "reflect" or "constant" (zeros), used when center is true.
        window: "hann", "hamming", "blackman" or "rectangular" (periodic,
            zero-padded to n_fft, centred).
        power: 2.0 for the power spectrum, 1.0 for the magnitude.
        n_mels: mel bands, 1..n_fft/2+1.
        f_min: lowest mel edge in Hz.
        f_max: highest mel edge in Hz, already clamped to Nyquist (0 given
            means Nyquist and is stored as Nyquist).
        mel_scale: "slaney" or "htk".
        mel_norm: "slaney" (area normalisation) or "none".
        top_db: floor the result at max - top_db dB; None for no floor.
        ref_db: fixed reference in dB subtracted from every value; None
            means 0 dB (ref = 1.0, librosa's default).
        channel_mode: "mix" (average the channels) or "separate" (one
            spectrogram per channel).
        chunk_size: STFT frames per batch, 1..16384 (speed only).
        backend: "auto", "cpu" or "vulkan" (speed only).
        device_index: Vulkan physical device, -1 to choose.
    """

    sample_rate: int
    n_fft: int = 2048
    win_length: int | None = None
    hop_length: int = 512
    center: bool = True
    pad_mode: str = "reflect"
    window: str = "hann"
    power: float = 2.0
    n_mels: int = 128
    f_min: float = 0.0
    f_max: float = 8000.0
    mel_scale: str = "slaney"
    mel_norm: str = "slaney"
    top_db: float | None = 80.0
    ref_db: float | None = None
    channel_mode: str = "mix"
    chunk_size: int = 1024
    backend: str = "auto"
    device_index: int = -1

    @property
    def onesided(self) -> bool:
        """Always True: the one-sided spectrum, n_fft/2+1 bins (the field of
        the MelSpecX library's MelConfig)."""
        return True

    @property
    def n_freqs(self) -> int:
        """Number of one-sided FFT bins, n_fft/2+1."""
        return self.n_fft // 2 + 1

    @property
    def effective_win_length(self) -> int:
        """The window length in samples (n_fft when win_length is 0/None)."""
        return self.win_length or self.n_fft

    def n_frames(self, n_samples: int) -> int:
        """Number of STFT frames for ``n_samples`` input samples (librosa's
        and torchaudio's count: 1 + n // hop when centred)."""
        if self.center:
            return 1 + n_samples // self.hop_length
        if n_samples < self.n_fft:
            return 0
        return 1 + (n_samples - self.n_fft) // self.hop_length

    def element_properties(self) -> dict[str, Any]:
        """The melspecx element properties (hyphenated names) that carry
        this configuration."""
        props: dict[str, Any] = {
            "n-fft": self.n_fft,
            "win-length": self.win_length or 0,
            "hop-length": self.hop_length,
            "center": self.center,
            "pad-mode": self.pad_mode,
            "window": self.window,
            "power": self.power,
            "n-mels": self.n_mels,
            "f-min": self.f_min,
            "f-max": self.f_max,
            "mel-scale": self.mel_scale,
            "mel-norm": self.mel_norm,
            "channel-mode": self.channel_mode,
            "chunk-size": self.chunk_size,
            "backend": self.backend,
            "device-index": self.device_index,
        }
        if self.top_db is not None:
            props["top-db"] = self.top_db
        if self.ref_db is not None:
            props["ref-db"] = self.ref_db
        return props


def create_mel_config(sample_rate: int, **params: Any) -> MelConfig:
    """Return a validated :class:`MelConfig` for input at ``sample_rate``.

    Keyword arguments are the :class:`MelConfig` fields (``n_fft=400,
    hop_length=160, mel_scale="htk"`` ...); absent ones take the
    element's defaults.  ``onesided=True`` is accepted (and
    ``onesided=False`` refused) as the MelSpecX library's calls pass it.
    ``f_max=0`` means Nyquist; an ``f_max`` above Nyquist is clamped to it
    with a :class:`UserWarning`, as the element does.

    Raises:
        MelSpecParameterError: (a ValueError) for an unknown field or a value
            out of range; the message names the parameter and the range.
    """
    if "onesided" in params:
        _check_onesided(params.pop("onesided"))
    fields = {f.name for f in dataclasses.fields(MelConfig)}
    unknown = sorted(set(params) - fields)
    if unknown:
        raise MelSpecParameterError(
            f"unknown parameter {unknown[0]!r}; known: "
            + ", ".join(sorted(fields - {'sample_rate'})))
    rate = _int_range("sample_rate", sample_rate, 1, MAX_SAMPLE_RATE)
    values = {f.name: f.default for f in dataclasses.fields(MelConfig)
              if f.name != "sample_rate"}
    values.update(params)
    values = check_parameters(values, rate)
    values["center"] = _bool("center", values["center"])
    values["device_index"] = _int_range("device_index",
                                        values["device_index"], -1, 2**31 - 1)
    if values["win_length"] == 0:
        values["win_length"] = None
    return MelConfig(sample_rate=rate, **values)


def _check_onesided(value: Any) -> None:
    """``onesided=True`` is accepted for the MelSpecX library's calls: it is
    the only spectrum there is here."""
    if _bool("onesided", value):
        return
    raise MelSpecParameterError(
        "onesided is False but must be True: the input is real, so the "
        "negative frequencies mirror the positive ones and a mel filterbank "
        "reads only the n_fft/2+1 one-sided bins")


def _bool(name: str, value: Any) -> bool:
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return bool(value)
    raise _fail(name, value, "True or False")
