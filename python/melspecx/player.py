# SPDX-License-Identifier: MIT
"""The melspecx player: a GTK 3 window with the live mel spectrogram of an
audio file as it plays, or of the microphone.

``melspecx live [FILE]`` and ``examples/gtk-player.py [FILE]`` open it.
The picture is melspecx mode=stream drawn by gtksink (the pipeline is
:class:`melspecx.live.LivePipeline`); under it, play/pause, a seek slider
(files only) and a colormap chooser whose choices are read from the
element's ``colormap`` param spec and apply while playing.

Closing the window, Ctrl-C or SIGTERM stop the pipeline (NULL) and return
normally.  A missing file, display, GTK or audio device, or a pipeline
that does not reach PLAYING in time (live.START_TIMEOUT), is a MelSpecError
with one line, raised before or instead of running the window.
"""

from __future__ import annotations

import os
import signal
from typing import Any, Mapping

import gi

from ._gst import GLib, Gst
from .api import element_keywords
from .errors import MelSpecError
from .live import (DEFAULT_AUDIO_SINK, NO_DISPLAY, START_TIMEOUT,
                   LivePipeline, check_audio_file, has_display)
from .pipeline import POLL_INTERVAL, set_properties

#: The window's size at start: the element's default picture (1024 × 256)
#: at one pixel per pixel, with the controls under it.
WINDOW_SIZE = (1024, 310)


def _load_gtk() -> Any:
    """Gtk 3, initialised on the display, or a MelSpecError saying what is
    missing."""
    if not has_display():
        raise MelSpecError(NO_DISPLAY)
    try:
        gi.require_version("Gtk", "3.0")
        from gi.repository import Gtk
    except (ImportError, ValueError):
        raise MelSpecError("GTK 3 for Python is not installed (Debian: "
                           "gir1.2-gtk-3.0)") from None
    if not Gtk.init_check(None)[0]:
        name = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
        raise MelSpecError(f"cannot open the display {name}")
    if Gst.ElementFactory.find("gtksink") is None:
        raise MelSpecError("GStreamer's gtksink is not installed (Debian: "
                           "gstreamer1.0-gtk3)")
    return Gtk


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}:{seconds:02d}"


class Player:
    """The window around a LivePipeline whose video sink is gtksink."""

    def __init__(self, Gtk: Any, live: LivePipeline, title: str,
                 duration: float = 0.0,
                 start_timeout: float = START_TIMEOUT) -> None:
        self.Gtk, self.live = Gtk, live
        self.duration = duration
        self.error: MelSpecError | None = None
        self.ended = False
        self.length = 0.0                  # the file's duration, once known
        self._moving_slider = False
        self.window = Gtk.Window(title=title)
        self.window.set_default_size(*WINDOW_SIZE)
        self.window.connect("delete-event", self._on_close)
        box = Gtk.Box(orientation=Gtk.Orientation.VERTICAL)
        video = live.pipeline.get_by_name("video").get_property("widget")
        box.pack_start(video, True, True, 0)
        box.pack_start(self._controls(), False, False, 0)
        self.window.add(box)
        bus = live.pipeline.get_bus()
        bus.add_signal_watch()
        bus.connect("message", self._on_message)
        GLib.timeout_add(int(POLL_INTERVAL * 1000), self._on_tick)
        for signum in (signal.SIGINT, signal.SIGTERM):
            GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, self.quit)
        self.window.show_all()
        # After the widget is taken: gtksink without it opens a window of
        # its own when it starts.
        self.starting = live.start(start_timeout)

    # -- the controls ---------------------------------------------------------

    def _controls(self) -> Any:
        Gtk = self.Gtk
        row = Gtk.Box(spacing=8, margin=6)
        self.play = Gtk.Button(label="Pause")
        self.play.connect("clicked", self._on_play)
        self.slider = Gtk.Scale.new_with_range(
            Gtk.Orientation.HORIZONTAL, 0.0, 1.0, 1.0)
        self.slider.set_draw_value(False)
        self.slider.set_sensitive(False)      # until a file's length is known
        self.slider.connect("change-value", self._on_seek)
        self.time = Gtk.Label(label="0:00")
        row.pack_start(self.play, False, False, 0)
        row.pack_start(self.slider, True, True, 0)
        row.pack_start(self.time, False, False, 0)
        row.pack_start(Gtk.Label(label="colormap"), False, False, 0)
        row.pack_start(self._colormaps(), False, False, 0)
        return row

    def _colormaps(self) -> Any:
        """A chooser of the element's colormaps, as its param spec lists
        them (nick shown, in the enum's order)."""
        element = self.live.element
        spec = element.find_property("colormap")
        self.colormaps = [v for _, v in
                          sorted(spec.enum_class.__enum_values__.items())]
        combo = self.Gtk.ComboBoxText()
        for value in self.colormaps:
            combo.append(value.value_nick, value.value_nick)
        combo.set_active_id(element.get_property("colormap").value_nick)
        combo.connect("changed", self._on_colormap)
        return combo

    def _on_colormap(self, combo: Any) -> None:
        nick = combo.get_active_id()
        value = next(v for v in self.colormaps if v.value_nick == nick)
        self.live.element.set_property("colormap", value)

    def _on_play(self, button: Any) -> None:
        _, state, pending = self.live.pipeline.get_state(0)
        target = pending if pending != Gst.State.VOID_PENDING else state
        if target == Gst.State.PLAYING:
            self.live.pipeline.set_state(Gst.State.PAUSED)
            button.set_label("Play")
            return
        if self.ended:                    # play again from the start
            self._seek(0.0)
        self.live.pipeline.set_state(Gst.State.PLAYING)
        button.set_label("Pause")

    def _on_seek(self, scale: Any, scroll: Any, value: float) -> bool:
        if not self._moving_slider:
            self._seek(min(max(value, 0.0), self.length))
        return False

    def _seek(self, seconds: float) -> None:
        self.ended = False
        self.live.pipeline.seek_simple(
            Gst.Format.TIME, Gst.SeekFlags.FLUSH | Gst.SeekFlags.KEY_UNIT,
            int(seconds * Gst.SECOND))

    def _show_position(self) -> None:
        pipeline = self.live.pipeline
        if self.live.is_file and self.length <= 0:
            ok, length = pipeline.query_duration(Gst.Format.TIME)
            if ok and length > 0:
                self.length = length / Gst.SECOND
                self.slider.set_range(0.0, self.length)
                self.slider.set_sensitive(True)
        ok, position = pipeline.query_position(Gst.Format.TIME)
        if not ok:
            return
        seconds = position / Gst.SECOND
        self.time.set_text(_clock(seconds) + (
            f" / {_clock(self.length)}" if self.length > 0 else ""))
        if self.length > 0:
            self._moving_slider = True
            self.slider.set_value(seconds)
            self._moving_slider = False

    # -- the pipeline ---------------------------------------------------------

    def _on_tick(self) -> bool:
        if self.starting is not None:
            self._step_start(None)
        else:
            self._show_position()
        return self.error is None

    def _step_start(self, msg: Gst.Message | None) -> None:
        try:
            if not self.starting.step(msg):
                return
        except MelSpecError as err:
            self.fail(err)
            return
        self.starting = None
        if self.duration > 0:
            # Closing as a window manager would: the same delete-event.
            GLib.timeout_add(int(self.duration * 1000), self._close_later)

    def _close_later(self) -> bool:
        self.window.close()
        return False

    def _on_message(self, bus: Gst.Bus, msg: Gst.Message) -> None:
        if msg.type == Gst.MessageType.ERROR:
            if self.starting is not None:
                self._step_start(msg)
            else:
                self.fail(self.live.error(msg))
        elif msg.type == Gst.MessageType.EOS:
            if not self.live.is_file:
                self.quit()               # a live source that ended
                return
            self.ended = True             # stay on the last picture
            self.live.pipeline.set_state(Gst.State.PAUSED)
            self.play.set_label("Play")

    def fail(self, err: MelSpecError) -> None:
        """End the window with ``err``, which run() raises."""
        if self.error is None:
            self.error = err
        self.quit()

    def quit(self) -> bool:
        self.Gtk.main_quit()
        return True                       # keep the signal handlers

    def _on_close(self, window: Any, event: Any) -> bool:
        self.quit()
        return False

    def run(self) -> None:
        """Run the window until it is closed; the pipeline is NULL after.

        Raises:
            MelSpecError: the error that ended it, if any.
        """
        try:
            self.Gtk.main()
        finally:
            self.live.pipeline.get_bus().remove_signal_watch()
            self.live.stop()
            self.window.destroy()
        if self.error is not None:
            raise self.error


def run_player(path: str | os.PathLike[str] | None = None,
               source: str = "autoaudiosrc",
               kwargs: Mapping[str, Any] | None = None,
               duration: float = 0.0,
               audio_sink: str = DEFAULT_AUDIO_SINK,
               start_timeout: float = START_TIMEOUT) -> None:
    """Open the window on ``path`` (played to ``audio_sink``), or on the
    live ``source`` when path is None, until it is closed.

    Args:
        path: an audio file (any format GStreamer decodes).
        source: gst-launch description of the live source.
        kwargs: melspecx properties as for mel_spec_from_path.
        duration: close the window after this many seconds of playing
            (0: when the user closes it).
        audio_sink: gst-launch description of where a file's sound goes.
        start_timeout: seconds the pipeline gets to reach PLAYING.

    Raises:
        MelSpecError: one line; nothing is left running.
    """
    props = element_keywords(dict(kwargs or {}), mode="stream")
    name = check_audio_file(path) if path is not None else None
    Gtk = _load_gtk()
    live = LivePipeline("gtksink name=video", source, name, audio_sink)
    set_properties(live.element, props)
    title = f"melspecx — {os.path.basename(name)}" if name else \
        f"melspecx — {source}"
    Player(Gtk, live, title, duration, start_timeout).run()
