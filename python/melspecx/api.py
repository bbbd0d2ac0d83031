# SPDX-License-Identifier: MIT
"""The public functions of the melspecx package."""

from __future__ import annotations

import dataclasses
import os
from typing import TYPE_CHECKING, Any

from . import pipeline, properties
from .config import MelConfig, check_parameters, config_values, \
    element_properties_of
from .config import log_slope as config_log_slope
from .errors import MelSpecError, MelSpecParameterError
from .pipeline import DEFAULT_TIMEOUT, AudioInfo, ProgressCallback

if TYPE_CHECKING:
    import numpy as np

# numpy is imported by the functions that return arrays, not here: a
# picture (mel_spec_from_path) does not pay for it.

PathLike = "str | os.PathLike[str]"


def element_keywords(more: dict[str, Any], mode: str = "image",
                     **named: Any) -> dict[str, Any]:
    """Merge mel_spec_from_path-style keywords into element properties
    (snake_case names): ``width_px``/``height_px`` are ``width``/``height``,
    a keyword left at None takes the element's default, unknown names are
    refused."""
    for key in ("width_px", "height_px"):
        if key in more:
            named[key[:-3]] = more.pop(key)
    merged = {k: v for k, v in named.items() if v is not None}
    merged.update((k.replace("-", "_"), v) for k, v in more.items())
    merged.setdefault("mode", mode)
    return check_parameters(merged)


def mel_spec_from_path(path: str | os.PathLike[str], n_fft: int | None = None,
                       win_length: int | None = None,
                       hop_length: int | None = None,
                       f_min: float | None = None, f_max: float | None = None,
                       n_mels: int | None = None, colormap: str | None = None,
                       width_px: int | None = None,
                       height_px: int | None = None,
                       top_db: float | None = None,
                       chunk_size: int | None = None, *,
                       progress: ProgressCallback | None = None,
                       timeout: float = DEFAULT_TIMEOUT,
                       **more: Any) -> bytes:
    """Render the mel spectrogram of an audio file as PNG bytes.

    Runs ``filesrc ! decodebin ! melspecx mode=image ! image/png ! appsink``:
    any file GStreamer can decode (WAV, FLAC, Ogg Vorbis, Opus, MP3...).
    The PNG carries a tEXt chunk with key ``melspecx`` whose text is JSON of
    every analysis parameter.

    Every parameter left at None takes the element's default, as
    ``gst-inspect-1.0 melspecx`` and :func:`element_properties` list them.

    Args:
        path: the audio file.
        n_fft, hop_length, f_min, f_max, n_mels, colormap, top_db,
        chunk_size: the element properties of the same name.
        win_length: window length; None (and 0) mean n_fft.
        width_px, height_px: picture size (element properties ``width`` and
            ``height``; passing ``width=``/``height=`` overrides them).
        progress: optional callable(position_s, duration_s or None), called
            about ten times a second while the file is decoded.
        timeout: seconds without progress after which the run is aborted.
        **more: any other melspecx property by snake_case name
            (``mel_scale="htk"``, ``window="hamming"``, ``invert=True``,
            ``channel_mode="separate"``, ``backend="cpu"``...).

    Returns:
        The PNG file's bytes.

    Raises:
        MelSpecParameterError: an unknown keyword (named) or a value out of
            range (named, with the range).  Also a ValueError.
        MelSpecError: the file is missing or cannot be decoded, or the
            plugin is missing; the message is GStreamer's.
    """
    props = element_keywords(more, n_fft=n_fft, win_length=win_length,
                             hop_length=hop_length, f_min=f_min, f_max=f_max,
                             n_mels=n_mels, colormap=colormap, width=width_px,
                             height=height_px, top_db=top_db,
                             chunk_size=chunk_size)
    return pipeline.render_png(path, props, progress, timeout)


def read_audio(path: str | os.PathLike[str],
               timeout: float = DEFAULT_TIMEOUT) -> tuple[np.ndarray, int]:
    """Decode an audio file to float32 samples at its own rate.

    Runs ``filesrc ! decodebin ! audioconvert !
    audio/x-raw,format=F32LE,layout=interleaved ! appsink``; nothing is
    resampled.

    Returns:
        ``(audio, sample_rate)``.  ``audio`` is float32 of shape
        ``(samples,)`` for a mono file and ``(channels, samples)`` for two or
        more channels (librosa's ``mono=False`` convention); integer formats
        are scaled to [-1, 1).

    Raises:
        MelSpecError: GStreamer's message for a missing or undecodable file.
    """
    import numpy as np
    data, rate, channels = pipeline.decode_interleaved(path, timeout)
    samples = np.frombuffer(data, dtype="<f4").astype(np.float32)
    samples = samples[:len(samples) // channels * channels]
    if channels == 1:
        return samples, rate
    return np.ascontiguousarray(samples.reshape(-1, channels).T), rate


def audio_info(path: str | os.PathLike[str],
               timeout: float = DEFAULT_TIMEOUT) -> AudioInfo:
    """Decode ``path`` and return its rate, channels and exact length.

    Returns:
        An :class:`AudioInfo` (sample_rate, channels, samples, duration,
        caps).

    Raises:
        MelSpecError: GStreamer's message for a missing or undecodable file.
    """
    return pipeline.audio_info(path, timeout)


def _as_waveform(audio: Any) -> np.ndarray:
    """Check a waveform argument: 1-D, or 2-D (channels, samples)."""
    import numpy as np
    array = np.asarray(audio)
    if not np.issubdtype(array.dtype, np.floating):
        raise MelSpecParameterError(
            f"audio has dtype {array.dtype} but must be floating point "
            "(scale integer samples to [-1, 1] first)")
    if array.ndim not in (1, 2):
        raise MelSpecParameterError(
            f"audio has shape {array.shape} but must be (samples,) or "
            "(channels, samples)")
    low, high = properties.input_limits()["channels"]
    if array.ndim == 2 and not low <= array.shape[0] <= high:
        hint = " (transpose it?)" if array.shape[1] <= high else ""
        raise MelSpecParameterError(
            f"audio has {array.shape[0]} channels (shape {array.shape}) but "
            f"must have between {low} and {high}{hint}")
    return array


def mel_spectrogram_db(config: MelConfig, audio: Any, *,
                       timeout: float = DEFAULT_TIMEOUT) -> np.ndarray:
    """Mel spectrogram in dB of a waveform, computed by the melspecx element.

    Pushes the samples through ``appsrc ! melspecx !
    application/x-mel-spectrogram ! appsink`` and returns what librosa's
    ``power_to_db(melspectrogram(...), ref=1.0, amin=1e-10, top_db=...)``
    returns: ``10*log10(max(1e-10, S))`` (``20*log10`` for ``power=1``),
    minus ``config.ref_db`` when set, floored at ``max - top_db`` over the
    whole result.  With ``log_scale`` "ln" or "whisper" (the kaldi and
    whisper presets) the values are in that unit and the floor is top_db
    dB in it: ``create_mel_config(16000, preset="whisper")`` gives
    whisper's ``log_mel_spectrogram`` (its clamp at max - 8 included).

    Args:
        config: from :func:`create_mel_config`; its ``sample_rate`` is the
            rate of ``audio``.
        audio: float samples, shape ``(samples,)`` or ``(channels,
            samples)``.  Channels are averaged (``channel_mode="mix"``),
            analysed one by one (``"separate"``), or, for two, as mid and
            side (``"mid-side"``).

    Returns:
        float32 array ``(n_mels, frames)``; for ``channel_mode="separate"``
        with 2-D input, ``(channels, n_mels, frames)``; for
        ``"mid-side"`` (stereo input), ``(2, n_mels, frames)``: mid
        (L+R)/2, then side (L−R)/2.  ``frames`` is
        ``config.n_frames(samples)``.

    Raises:
        MelSpecParameterError: a config that is not a MelConfig, or audio
            of the wrong type or shape.
        MelSpecError: GStreamer's message if the element fails.
    """
    if not isinstance(config, MelConfig):
        raise MelSpecParameterError(
            f"config is {type(config).__name__} but must be a MelConfig "
            "(use melspecx.create_mel_config)")
    import numpy as np
    array = _as_waveform(audio)
    channels = 1 if array.ndim == 1 else array.shape[0]
    interleaved = np.ascontiguousarray(array.T, dtype="<f4")
    props = dict(config.element_properties(), mode="image")
    raw = pipeline.raw_spectrogram(props, interleaved.tobytes(),
                                   config.sample_rate, channels, timeout)
    lanes = _lanes(config.channel_mode, channels)
    return _db_array(raw, config.n_mels, lanes, config.top_db,
                     config.channel_mode == "mid-side" or
                     (lanes > 1 and array.ndim == 2), config.log_slope())


def _lanes(channel_mode: str, channels: int) -> int:
    """How many lanes the element draws: one per channel (separate), mid
    and side (mid-side), else one."""
    if channel_mode == "mid-side":
        return 2
    return channels if channel_mode == "separate" else 1


def _db_array(raw: pipeline.RawSpectrogram, n_mels: int, lanes: int,
              top_db: float | None, per_lane: bool,
              slope: float = 1.0) -> np.ndarray:
    """The element's raw values (dB, or the unit of log-scale, ``slope``
    of it per dB) as (n_mels, frames), or (lanes, n_mels, frames) when
    ``per_lane``, floored at max - top_db dB (the element leaves the floor
    to the consumer): whisper's max - 8 in log10 is top_db 80."""
    import numpy as np
    got = (raw.n_mels, raw.lanes) if raw.n_mels >= 0 else (n_mels, lanes)
    if got != (n_mels, lanes):
        raise MelSpecError(
            f"the element produced n-mels={got[0]}, lanes={got[1]}; "
            f"expected {n_mels} and {lanes}")
    db = np.frombuffer(raw.data, dtype="<f4").astype(np.float32)
    db = db.reshape(-1, lanes, n_mels).transpose(1, 2, 0)
    if top_db is not None and db.size:
        db = np.maximum(db, db.max() - np.float32(top_db * slope))
    return np.ascontiguousarray(db if per_lane else db[0])


#: Alias of :func:`mel_spectrogram_db` (the name used by earlier versions).
mel_spectrogram_db_py = mel_spectrogram_db


def mel_spectrogram_db_from_path(path: str | os.PathLike[str],
                                 config: MelConfig | None = None, *,
                                 timeout: float = DEFAULT_TIMEOUT,
                                 **params: Any) -> np.ndarray:
    """Mel spectrogram in dB of an audio file (see :func:`mel_spectrogram_db`).

    One pipeline, ``filesrc ! decodebin ! melspecx !
    application/x-mel-spectrogram ! appsink``: the decoded audio goes
    straight to the element, at the file's own rate.  The result is
    (n_mels, frames), or (channels, n_mels, frames) for
    ``channel_mode="separate"`` and a file of two or more channels.

    Args:
        path: the audio file.
        config: a MelConfig whose ``sample_rate`` matches the file; or None
            for the file's rate (an f_max above its Nyquist frequency is
            then lowered with a :class:`MelSpecWarning`).
        **params: :class:`MelConfig` fields (``n_mels=64``...), applied on
            top of ``config`` when both are given.

    Raises:
        MelSpecParameterError: bad parameters, or a config whose
            sample_rate is not the file's.
        MelSpecError: GStreamer's message for a missing or undecodable file.
    """
    rate = None
    if config is not None:
        fields = dataclasses.asdict(config)
        rate = fields.pop("sample_rate")
        fields.update(params)
        params = fields
    values = config_values(params, rate)
    props = dict(element_properties_of(values), mode="image")
    raw = pipeline.raw_spectrogram_of_file(path, props, rate, timeout)
    return db_of_file(raw, values)


def db_of_file(raw: pipeline.RawSpectrogram,
               values: dict[str, Any]) -> np.ndarray:
    """The array of a file's raw frames made with the MelConfig field
    ``values`` (:func:`config_values`): (n_mels, frames), or (lanes,
    n_mels, frames) for several lanes, floored as the fields say."""
    several = values["channel_mode"] in ("separate", "mid-side")
    lanes = raw.lanes if several and raw.lanes > 0 else 1
    return _db_array(raw, values["n_mels"], lanes, values["top_db"],
                     several and (lanes > 1 or
                                  values["channel_mode"] == "mid-side"),
                     config_log_slope(values["log_scale"], values["power"]))
