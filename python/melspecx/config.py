# SPDX-License-Identifier: MIT
"""Analysis parameters and their validation.

Ranges, choices and defaults are the element's (:mod:`.properties` reads
them from its GParamSpecs); what the param specs cannot express — n-fft
even, win-length and n-mels bounded by n-fft, f-min below f-max, power 1
or 2 — is checked here with the same wording, so that Python refuses what
the element would refuse when the audio arrives, before any pipeline runs.
Parameter names are the element's property names with '-' written as '_'.
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from typing import Any, Mapping

from . import properties
from .errors import MelSpecParameterError


def check_parameters(params: Mapping[str, Any],
                     sample_rate: int | None = None) -> dict[str, Any]:
    """Validate element parameters given by snake_case name.

    Args:
        params: names to values; absent names take the element's defaults
            for the checks across parameters (n_fft for win_length...).
            ``win_length``, ``top_db`` and ``ref_db`` may be None (n_fft,
            no floor, no fixed reference), ``mel_norm`` None means "none".
        sample_rate: the input rate in Hz when known; it is needed for the
            f_max / Nyquist check only.

    Returns:
        A copy of ``params`` with values normalised (ints as int, enums as
        their nick in lower case).

    Raises:
        MelSpecParameterError: naming the first bad parameter and its range,
            or an unknown parameter.
    """
    out = dict(params)
    for key, value in params.items():
        prop = properties.get(key)
        if value is None and key in ("win_length", "top_db", "ref_db"):
            continue
        if value is None and key == "mel_norm":
            value = "none"
        out[key] = prop.check(value)
    _check_fft(out)
    _check_band(out, sample_rate)
    return out


def _default(key: str) -> Any:
    return properties.get(key).default


def _check_fft(out: dict[str, Any]) -> None:
    """The rules between n-fft, win-length, n-mels and power."""
    n_fft = out.get("n_fft", _default("n_fft"))
    if n_fft % 2:
        prop = properties.get("n_fft")
        raise prop.refuse(n_fft, "even and " + prop.range_text())
    win_length = out.get("win_length")
    if win_length is not None and win_length > n_fft:
        raise properties.get("win_length").refuse(
            win_length, f"between 0 and {n_fft} (0 = n-fft)")
    n_mels = out.get("n_mels", _default("n_mels"))
    if n_mels > n_fft // 2 + 1:
        raise properties.get("n_mels").refuse(
            n_mels, f"between 1 and {n_fft // 2 + 1} (n-fft/2+1 FFT bins)")
    power = out.get("power", _default("power"))
    if power not in (1.0, 2.0):
        raise properties.get("power").refuse(
            power, "1.0 (magnitude) or 2.0 (power)")


def _check_band(out: dict[str, Any], sample_rate: int | None) -> None:
    """0 <= f_min < f_max, f_max 0 meaning Nyquist; an f_max above Nyquist
    is clamped to it with a warning, as the element does."""
    f_min = out.get("f_min", _default("f_min"))
    f_max = out.get("f_max", _default("f_max"))
    if sample_rate is not None:
        nyquist = sample_rate / 2.0
        if f_max > nyquist:
            warnings.warn(
                f"f-max {f_max:g} Hz is above Nyquist ({nyquist:g} Hz for "
                f"{sample_rate} Hz input); clamped to {nyquist:g} Hz",
                stacklevel=5)
            f_max = nyquist
        elif f_max == 0:
            f_max = nyquist
        out["f_max"] = f_max
    if f_max != 0 and f_min >= f_max:
        raise properties.get("f_min").refuse(
            f_min, f"at least 0 Hz and below f-max ({f_max:g} Hz)")


@dataclasses.dataclass(frozen=True, kw_only=True)
class MelConfig:
    """Parameters of one mel-spectrogram analysis, validated.

    Build it with :func:`create_mel_config`, which checks every field and
    fills the absent ones with the element's defaults
    (``gst-inspect-1.0 melspecx``).  Names and meanings are librosa's; each
    field but ``sample_rate`` is the element property of the same name with
    '_' written as '-'.

    Attributes:
        sample_rate: input rate in Hz.
        preset: the library whose defaults the other fields started from
            ("none", "librosa", "torchaudio", "whisper", "kaldi"); the
            element checks the rate whisper and kaldi need (16 kHz).
        n_fft: FFT size, even.
        win_length: window length 1..n_fft; None means n_fft.
        hop_length: samples between frames.
        center: pad n_fft/2 samples on each side so frame t is centred on
            sample t*hop_length.
        pad_mode: how the centre padding is filled ("reflect", "constant").
        window: the analysis window ("hann", "hamming", ...).
        power: 2.0 for the power spectrum, 1.0 for the magnitude.
        n_mels: mel bands, 1..n_fft/2+1.
        f_min: lowest mel edge in Hz.
        f_max: highest mel edge in Hz, already clamped to Nyquist (0 given
            means Nyquist and is stored as Nyquist).
        mel_scale: "slaney" or "htk".
        mel_norm: "slaney" (area normalisation) or "none".
        framing: "stft", or "kaldi" (win_length samples from the first on,
            mean removed, pre-emphasised, zero-padded to n_fft).
        preemphasis: the pre-emphasis coefficient of kaldi framing.
        drop_last: leave out the last frame (whisper).
        amin: the smallest mel value the logarithm sees.
        log_scale: the unit of the numbers: "db", "ln" (kaldi) or
            "whisper" ((log10 + 4) / 4).
        top_db: floor the result at max - top_db dB (in the unit of
            log_scale: max - top_db times its size of a dB); None for no
            floor.
        ref_db: fixed reference in dB subtracted from every value; None
            means 0 dB (ref = 1.0, librosa's default).
        channel_mode: "mix" (average the channels) or "separate" (one
            spectrogram per channel).
        chunk_size: STFT frames per batch (speed only).
        backend: where the FFTs run (speed only).
        device_index: Vulkan physical device, -1 to choose.
    """

    sample_rate: int
    preset: str
    n_fft: int
    win_length: int | None
    hop_length: int
    center: bool
    pad_mode: str
    window: str
    power: float
    n_mels: int
    f_min: float
    f_max: float
    mel_scale: str
    mel_norm: str
    framing: str
    preemphasis: float
    drop_last: bool
    amin: float
    log_scale: str
    top_db: float | None
    ref_db: float | None
    channel_mode: str
    chunk_size: int
    backend: str
    device_index: int

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
        and torchaudio's count: 1 + n // hop when centred; kaldi's
        1 + (n - win_length) // hop; one fewer with drop_last)."""
        span = self.effective_win_length if self.framing == "kaldi" \
            else self.n_fft
        if self.center:
            count = 1 + n_samples // self.hop_length
        elif n_samples < span:
            count = 0
        else:
            count = 1 + (n_samples - span) // self.hop_length
        return max(0, count - 1) if self.drop_last else count

    def log_slope(self) -> float:
        """How much one dB is in the unit of ``log_scale``."""
        return log_slope(self.log_scale, self.power)

    def element_properties(self) -> dict[str, Any]:
        """The melspecx element properties (hyphenated names) that carry
        this configuration."""
        return element_properties_of(dataclasses.asdict(self))


def element_properties_of(values: Mapping[str, Any]) -> dict[str, Any]:
    """The element properties (hyphenated names) for MelConfig field
    values: None means the element's own meaning (win-length 0 = n-fft) or
    that the property is not set (no floor, no fixed reference)."""
    props = {}
    for key, value in values.items():
        if key == "win_length":
            value = value or 0
        if key != "sample_rate" and value is not None:
            props[key.replace("_", "-")] = value
    return props


#: The presets whose library floors nothing: torchaudio's AmplitudeToDB()
#: (top_db=None) and kaldi's fbank.  Their top_db stays the element's for
#: pictures, but the numbers are not floored unless top_db is given.
UNFLOORED_PRESETS = ("torchaudio", "kaldi")


def log_slope(log_scale: str, power: float) -> float:
    """The size of one dB in ``log_scale`` (the core's
    msx_log_scale_slope): 1 for db, ln(10)/k for ln, 1/(4k) for whisper,
    k = 10 for power 2 and 20 for power 1."""
    k = 20.0 if power == 1.0 else 10.0
    if log_scale == "ln":
        return math.log(10.0) / k
    if log_scale == "whisper":
        return 1.0 / (4.0 * k)
    return 1.0


def _fields() -> list[str]:
    return [f.name for f in dataclasses.fields(MelConfig)
            if f.name != "sample_rate"]


def _config_default(key: str) -> Any:
    """A field's default: the element's, where None carries the element's
    meaning (win_length 0 = n_fft) or MelConfig's (no fixed reference)."""
    if key == "ref_db":
        return None
    value = _default(key)
    return None if key == "win_length" and value == 0 else value


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
        MelSpecError: the melspecx plugin is not installed.
    """
    rate = _check_rate(sample_rate)
    return MelConfig(sample_rate=rate, **config_values(params, rate))


def config_values(params: Mapping[str, Any],
                  sample_rate: int | None = None) -> dict[str, Any]:
    """The MelConfig fields but sample_rate for ``params``, checked, the
    absent ones the element's defaults.  Without ``sample_rate`` f_max is
    left for the element to clamp to Nyquist."""
    params = dict(params)
    if "onesided" in params:
        _check_onesided(params.pop("onesided"))
    fields = _fields()
    unknown = sorted(set(params) - set(fields))
    if unknown:
        raise MelSpecParameterError(
            f"unknown parameter {unknown[0]!r}; known: "
            + ", ".join(sorted(fields)))
    values = {key: _config_default(key) for key in fields}
    preset = params.get("preset", values["preset"])
    if preset is not None and preset != values["preset"]:
        chosen = properties.get("preset").check(preset)
        preset_values = properties.preset_values(chosen)
        values.update({key: preset_values[key] for key in fields
                       if key in preset_values and key != "ref_db"})
        if chosen in UNFLOORED_PRESETS:
            values["top_db"] = None
    values.update(params)
    values = check_parameters(values, sample_rate)
    if values["win_length"] == 0:
        values["win_length"] = None
    return values


def _check_rate(sample_rate: Any) -> int:
    low, high = properties.input_limits()["rate"]
    if isinstance(sample_rate, bool) or not hasattr(sample_rate, "__index__"):
        raise MelSpecParameterError(
            f"sample-rate is {sample_rate!r} but must be an integer")
    if not low <= int(sample_rate) <= high:
        raise MelSpecParameterError(
            f"sample-rate is {sample_rate!r} but must be between {low} and "
            f"{high}")
    return int(sample_rate)


def _check_onesided(value: Any) -> None:
    """``onesided=True`` is accepted for the MelSpecX library's calls: it is
    the only spectrum there is here."""
    if value is True or type(value).__name__ == "bool_" and bool(value):
        return
    raise MelSpecParameterError(
        f"onesided is {value!r} but must be True: the input is real, so the "
        "negative frequencies mirror the positive ones and a mel filterbank "
        "reads only the n_fft/2+1 one-sided bins")
