# SPDX-License-Identifier: MIT
"""Exceptions raised by the melspecx package.

Every failure is a :class:`MelSpecError`.  Failures caused by a bad argument
(a parameter out of range, an unknown keyword, audio of the wrong shape) are
:class:`MelSpecParameterError`, which is also a :class:`ValueError`, so both
``except melspecx.MelSpecError`` and ``except ValueError`` catch them.
Failures of the media (a missing file, undecodable data, a missing plugin)
are plain :class:`MelSpecError` and carry GStreamer's own message.
"""

from __future__ import annotations


class MelSpecError(Exception):
    """Any melspecx failure.  ``str(err)`` is one human-readable line.

    Attributes:
        debug: GStreamer's debug detail for the error (source file, element
            path), or None when the error did not come from GStreamer.
    """

    def __init__(self, message: str, debug: str | None = None) -> None:
        super().__init__(message)
        self.debug = debug


class MelSpecParameterError(MelSpecError, ValueError):
    """A parameter or argument that melspecx refuses; the message names it
    and the allowed range."""


class MelSpecWarning(UserWarning):
    """A warning of the melspecx element (GST_ELEMENT_WARNING on the bus),
    such as f-max above Nyquist or mel bands that catch no FFT bin."""


def one_line(err: BaseException | str) -> str:
    """An error (or a warning's text) on one line, as the command prints
    it and as a batch reports a failed file."""
    text = " ".join(str(err).split())
    return text or type(err).__name__
