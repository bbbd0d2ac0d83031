# SPDX-License-Identifier: MIT
"""``melspecx live``: a scrolling spectrogram of live audio.

``SOURCE ! melspecx mode=stream ! videoconvert ! SINK``, run until Ctrl-C
(or --duration).  Stopping is clean: the pipeline goes to NULL and the
command exits 0.
"""

from __future__ import annotations

import contextlib
import os
import time
from typing import Any, Iterator, Mapping

from ._gst import GLib, Gst
from .api import element_keywords
from .errors import MelSpecError
from .pipeline import POLL_INTERVAL, _error_from_message, set_properties

#: Seconds the source gets to start before the command reports it stuck.
START_TIMEOUT = 10.0


@contextlib.contextmanager
def _quiet_c_stderr() -> Iterator[None]:
    """Silence file descriptor 2 while audio devices are probed: ALSA and
    OpenAL print a dozen lines there when no sound card exists, and the
    command promises one line per error."""
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _live_error(msg: Gst.Message, source: Gst.Element | None) -> MelSpecError:
    error = _error_from_message(msg, None)
    origin = msg.src
    while origin is not None and origin is not source and source is not None:
        origin = origin.get_parent()
    if source is not None and origin is source:
        return MelSpecError(f"no usable audio input from "
                            f"{source.get_factory().get_name()}: {error}",
                            error.debug)
    return error


def _check_display(sink: str) -> None:
    """autovideosink without a display falls back to sinks that crash the
    process (dfbvideosink segfaults headless); refuse with one line."""
    if sink.split()[0] == "autovideosink" and not (
            os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise MelSpecError("no display to show the spectrogram on (DISPLAY "
                           "and WAYLAND_DISPLAY are unset); pass --sink, "
                           "e.g. --sink fakesink")


def _build(source: str, sink: str) -> tuple[Gst.Pipeline, Gst.Element,
                                            Gst.Element | None]:
    description = (f"{source} name=source ! melspecx name=melspecx ! "
                   f"videoconvert ! {sink}")
    try:
        pipeline = Gst.parse_launch(description)
    except GLib.Error as err:
        raise MelSpecError(f"cannot build {description!r}: {err.message}") \
            from None
    return pipeline, pipeline.get_by_name("melspecx"), \
        pipeline.get_by_name("source")


def _start(pipeline: Gst.Pipeline, source: Gst.Element | None) -> None:
    bus = pipeline.get_bus()
    with _quiet_c_stderr():
        result = pipeline.set_state(Gst.State.PLAYING)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            msg = bus.timed_pop_filtered(
                int(POLL_INTERVAL * Gst.SECOND),
                Gst.MessageType.ERROR | Gst.MessageType.ASYNC_DONE)
            if msg is not None and msg.type == Gst.MessageType.ERROR:
                raise _live_error(msg, source)
            if msg is not None or result == Gst.StateChangeReturn.SUCCESS:
                return
            if result == Gst.StateChangeReturn.FAILURE:
                raise MelSpecError("the live pipeline failed to start")
    raise MelSpecError(f"the live pipeline did not start within "
                       f"{START_TIMEOUT:g} s")


def run_live(source: str, sink: str, kwargs: Mapping[str, Any],
             duration: float = 0.0) -> None:
    """Run ``source ! melspecx mode=stream ! videoconvert ! sink``.

    Args:
        source, sink: gst-launch descriptions (``autoaudiosrc``,
            ``autovideosink``).
        kwargs: melspecx properties as for mel_spec_from_path.
        duration: seconds to run; 0 runs until Ctrl-C or the end of the
            source.

    Raises:
        MelSpecError: one line, when the source or sink fails.
    """
    props = element_keywords(dict(kwargs), mode="stream")
    _check_display(sink)
    pipeline, element, src = _build(source, sink)
    set_properties(element, props)
    bus = pipeline.get_bus()
    try:
        _start(pipeline, src)
        end = time.monotonic() + duration if duration > 0 else None
        while end is None or time.monotonic() < end:
            msg = bus.timed_pop_filtered(
                int(POLL_INTERVAL * Gst.SECOND),
                Gst.MessageType.ERROR | Gst.MessageType.EOS)
            if msg is None:
                continue
            if msg.type == Gst.MessageType.EOS:
                break
            raise _live_error(msg, src)
    except KeyboardInterrupt:
        pass                      # Ctrl-C is how live is meant to end
    finally:
        pipeline.set_state(Gst.State.NULL)
