# SPDX-License-Identifier: MIT
"""melspecx — mel spectrograms with the melspecx GStreamer element.

Pictures::

    import melspecx
    png = melspecx.mel_spec_from_path("song.flac", colormap="magma")
    open("song.png", "wb").write(png)

Numbers (librosa's ``power_to_db(melspectrogram(...))``)::

    audio, rate = melspecx.read_audio("song.flac")
    config = melspecx.create_mel_config(rate, n_fft=400, hop_length=160,
                                        n_mels=80)
    db = melspecx.mel_spectrogram_db(config, audio)   # (80, frames) float32

Functions: :func:`mel_spec_from_path`, :func:`create_mel_config`,
:func:`mel_spectrogram_db` (alias :func:`mel_spectrogram_db_py`),
:func:`mel_spectrogram_db_from_path`, :func:`read_audio`,
:func:`audio_info`, :func:`element_properties`.

Errors: every failure raises :class:`MelSpecError` with one line of text
(GStreamer's message for media failures).  Bad arguments raise
:class:`MelSpecParameterError`, a subclass of both MelSpecError and
ValueError.  Warnings of the element (f-max above Nyquist, mel bands that
catch no FFT bin) become :class:`MelSpecWarning` warnings.  No call hangs:
pipelines are polled with a deadline and aborted after ``timeout`` seconds
without progress.

Logging is GStreamer's: ``GST_DEBUG=melspecx:5``.  The command line is
``melspecx`` (or ``python3 -m melspecx``); see ``melspecx --help``.
"""

from __future__ import annotations

import importlib
from typing import Any

from .errors import MelSpecError, MelSpecParameterError, MelSpecWarning

__version__ = "0.1.0"

# The public names and the module that defines each, imported on first use:
# `import melspecx` loads neither GStreamer nor numpy, and a call loads only
# what it needs (numpy for arrays, not for pictures).
_LAZY = {
    "audio_info": "api", "mel_spec_from_path": "api",
    "mel_spectrogram_db": "api", "mel_spectrogram_db_from_path": "api",
    "mel_spectrogram_db_py": "api", "read_audio": "api",
    "MelConfig": "config", "create_mel_config": "config",
    "DEFAULT_TIMEOUT": "pipeline", "AudioInfo": "pipeline",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'melspecx' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


def element_properties() -> dict[str, Any]:
    """The melspecx element's properties: snake_case name -> default value,
    read from the element (what ``gst-inspect-1.0 melspecx`` shows).

    Every one of them is accepted as a keyword by :func:`mel_spec_from_path`.
    Enum defaults are given by their nick (``"hann"``).

    Raises:
        MelSpecError: the melspecx plugin is not installed.
    """
    from .properties import properties
    return {key: prop.default for key, prop in properties().items()}


__all__ = [
    "AudioInfo", "DEFAULT_TIMEOUT", "MelConfig", "MelSpecError",
    "MelSpecParameterError", "MelSpecWarning", "audio_info", "create_mel_config",
    "element_properties", "mel_spec_from_path", "mel_spectrogram_db",
    "mel_spectrogram_db_from_path", "mel_spectrogram_db_py", "read_audio",
]
