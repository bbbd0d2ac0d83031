# SPDX-License-Identifier: MIT
"""``melspecx live``: a scrolling spectrogram of live audio.

The pipeline, shared by the command's headless run (``--sink``) and the
GTK window (:mod:`melspecx.player`)::

    SOURCE ! melspecx mode=stream ! videoconvert ! VIDEO_SINK
    filesrc ! decodebin ! tee ! queue ! audioconvert ! audioresample ! AUDIO_SINK
                          tee ! queue ! melspecx mode=stream ! videoconvert ! VIDEO_SINK

A file is played to the audio sink, whose clock paces the picture as a
microphone would.  Starting has a deadline that holds even when a source
blocks inside its state change (pulsesrc waits 30 s for a sound server
that accepts but never answers): the state change runs on a thread of its
own, and a pipeline still stuck in it is left alone, not set to NULL,
which would wait for it.  Stopping is otherwise clean: the pipeline goes
to NULL and the command exits 0.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from typing import Any, Iterator, Mapping

from ._gst import GLib, Gst
from .api import element_keywords
from .errors import MelSpecError
from .pipeline import POLL_INTERVAL, _error_from_message, set_properties

#: Seconds the pipeline gets to reach PLAYING before it is reported stuck.
START_TIMEOUT = 10.0

#: Where a file's sound goes.  Without a usable audio device autoaudiosink
#: falls back to a fakesink with sync=true, so a file still plays in real
#: time (CI, Xvfb).
DEFAULT_AUDIO_SINK = "autoaudiosink"

NO_DISPLAY = ("no display to show the spectrogram on (DISPLAY and "
              "WAYLAND_DISPLAY are unset)")


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


def has_display() -> bool:
    """Whether a window could be shown (an X or Wayland display is named)."""
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _check_display(sink: str) -> None:
    """autovideosink without a display falls back to sinks that crash the
    process (dfbvideosink segfaults headless); refuse with one line."""
    if sink.split()[0] == "autovideosink" and not has_display():
        raise MelSpecError(NO_DISPLAY + "; pass --sink, e.g. --sink fakesink")


def check_audio_file(path: str | os.PathLike[str]) -> str:
    """``path`` as a string, or a MelSpecError when it cannot be played:
    before any window opens, not as an error of a running pipeline."""
    name = os.fsdecode(path)
    if os.path.isdir(name):
        raise MelSpecError(f"{name!r} is a directory, not an audio file")
    if not os.path.exists(name):
        raise MelSpecError(f"{name}: no such file")
    if not os.access(name, os.R_OK):
        raise MelSpecError(f"{name}: permission denied")
    return name


class LivePipeline:
    """The live pipeline, built and not yet started.

    Attributes:
        pipeline: the Gst.Pipeline.
        element: the melspecx element (mode=stream).
        source: the live source element, or None for a file (an error of
            the source is reported as "no usable audio input").
        is_file: whether a file is played (seekable, has an end).
    """

    def __init__(self, video_sink: str, source: str | None = None,
                 path: str | None = None,
                 audio_sink: str = DEFAULT_AUDIO_SINK) -> None:
        if path is not None:
            head = (f"filesrc name=file ! decodebin ! tee name=split "
                    f"split. ! queue ! audioconvert ! audioresample ! "
                    f"{audio_sink} split. ! queue")
        else:
            head = f"{source} name=source"
        description = (f"{head} ! melspecx name=melspecx mode=stream ! "
                       f"videoconvert ! {video_sink}")
        try:
            self.pipeline = Gst.parse_launch(description)
        except GLib.Error as err:
            raise MelSpecError(f"cannot build {description!r}: "
                               f"{err.message}") from None
        if path is not None:
            # A property, not pasted into the description: any name works.
            self.pipeline.get_by_name("file").set_property("location", path)
        self.element = self.pipeline.get_by_name("melspecx")
        self.source = self.pipeline.get_by_name("source")
        self.is_file = path is not None
        self._start: _Start | None = None

    def start(self, timeout: float = START_TIMEOUT) -> "_Start":
        """Begin going to PLAYING; drive the returned object's step(),
        which fails once ``timeout`` seconds have passed."""
        self._start = _Start(self.pipeline, self.source, timeout)
        return self._start

    def error(self, msg: Gst.Message) -> MelSpecError:
        """An ERROR message as one line, naming the source when it failed."""
        return _live_error(msg, self.source)

    def stop(self) -> None:
        """Set the pipeline to NULL, unless a start is still stuck in its
        state change (then NULL would wait for it: the process is ending
        and takes the pipeline with it)."""
        if self._start is not None:
            self._start.finish()
            if self._start.stuck:
                return
        self.pipeline.set_state(Gst.State.NULL)


class _Start:
    """Going to PLAYING on a thread of its own, with a deadline."""

    def __init__(self, pipeline: Gst.Pipeline, source: Gst.Element | None,
                 timeout: float) -> None:
        self.pipeline, self.source = pipeline, source
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout
        self.result: Gst.StateChangeReturn | None = None
        self._quiet: contextlib.ExitStack | None = contextlib.ExitStack()
        self._quiet.enter_context(_quiet_c_stderr())
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name="melspecx-start")
        self._thread.start()

    def _run(self) -> None:
        self.result = self.pipeline.set_state(Gst.State.PLAYING)

    @property
    def stuck(self) -> bool:
        """Whether the state change has not returned (yet)."""
        return self._thread.is_alive()

    def finish(self) -> None:
        """Give stderr back (once)."""
        if self._quiet is not None:
            self._quiet.close()
            self._quiet = None

    def step(self, msg: Gst.Message | None) -> bool:
        """Look at a bus message (or None, on a tick): True once the
        pipeline plays.

        Raises:
            MelSpecError: on an ERROR message, a failed state change, or
                when the timeout has passed.
        """
        try:
            return self._step(msg)
        except MelSpecError:
            self.finish()
            raise

    def _step(self, msg: Gst.Message | None) -> bool:
        if msg is not None and msg.type == Gst.MessageType.ERROR:
            raise _live_error(msg, self.source)
        if self.result == Gst.StateChangeReturn.FAILURE:
            # The element's ERROR, posted before the change returned, says
            # why; it may have arrived after this step's message was read.
            late = self.pipeline.get_bus().pop_filtered(
                Gst.MessageType.ERROR)
            if late is not None:
                raise _live_error(late, self.source)
            raise MelSpecError("the live pipeline failed to start")
        if not self.stuck:
            _, current, _ = self.pipeline.get_state(0)
            if current == Gst.State.PLAYING:
                self.finish()
                return True
        if time.monotonic() > self.deadline:
            raise MelSpecError(f"the live pipeline did not start within "
                               f"{self.timeout:g} s (no audio device or "
                               f"sound server answering?)")
        return False


def run_live(source: str, sink: str, kwargs: Mapping[str, Any],
             duration: float = 0.0, path: str | None = None,
             audio_sink: str = DEFAULT_AUDIO_SINK,
             start_timeout: float = START_TIMEOUT) -> None:
    """Run the live pipeline without a window of its own.

    Args:
        source: gst-launch description of the live source
            (``autoaudiosrc``); unused when ``path`` is given.
        sink: gst-launch description of the video sink (``fakesink``,
            ``autovideosink``).
        kwargs: melspecx properties as for mel_spec_from_path.
        duration: seconds to run; 0 runs until Ctrl-C or the end of the
            source.
        path: an audio file to play instead of the source.
        audio_sink: where a file's sound goes.
        start_timeout: seconds the pipeline gets to reach PLAYING.

    Raises:
        MelSpecError: one line, when the source or sink fails.
    """
    props = element_keywords(dict(kwargs), mode="stream")
    _check_display(sink)
    if path is not None:
        path = check_audio_file(path)
    live = LivePipeline(sink, source, path, audio_sink)
    set_properties(live.element, props)
    bus = live.pipeline.get_bus()
    wait = int(POLL_INTERVAL * Gst.SECOND)
    try:
        start = live.start(start_timeout)
        while not start.step(bus.timed_pop_filtered(
                wait, Gst.MessageType.ERROR)):
            pass
        end = time.monotonic() + duration if duration > 0 else None
        while end is None or time.monotonic() < end:
            msg = bus.timed_pop_filtered(
                wait, Gst.MessageType.ERROR | Gst.MessageType.EOS)
            if msg is None:
                continue
            if msg.type == Gst.MessageType.EOS:
                break
            raise live.error(msg)
    except KeyboardInterrupt:
        pass                      # Ctrl-C is how live is meant to end
    finally:
        live.stop()
