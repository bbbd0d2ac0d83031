# SPDX-License-Identifier: MIT
"""GStreamer pipelines behind the public functions.

Every pipeline is built from named elements, run to EOS while the bus is
polled with a deadline, and set to NULL in ``finally`` (the shape of
Mopidy's scanner).  GStreamer errors become :class:`MelSpecError` with
GStreamer's message; a pipeline that stops making progress for
``timeout`` seconds is torn down with an error instead of hanging.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import stat
import threading
import time
import warnings
from typing import Any, Callable, Mapping, Sequence

from . import properties
from ._gst import GLib, Gst
from .errors import MelSpecError, MelSpecParameterError, MelSpecWarning
from .properties import make_element

#: Seconds a pipeline may go without progress (position, output) before it
#: is declared stalled and torn down.
DEFAULT_TIMEOUT = 60.0

#: How often the bus is polled, in seconds (also the progress refresh rate).
POLL_INTERVAL = 0.1

#: Caps of the element's machine-readable output (dB values; the README's
#: "Raw floats for machines").
RAW_CAPS = "application/x-mel-spectrogram"

ProgressCallback = Callable[[float, "float | None"], None]


# -- elements and properties ------------------------------------------------

def set_properties(element: Gst.Element, props: Mapping[str, Any]) -> None:
    """Set melspecx properties given by snake_case (or hyphenated) name.

    Raises:
        MelSpecParameterError: for an unknown property (naming it) or a value
            the property cannot hold.
    """
    # a preset first: it sets the analysis properties, the others given
    # then change what differs
    items = sorted(props.items(),
                   key=lambda item: item[0].replace("_", "-") != "preset")
    for key, value in items:
        prop = properties.get(key)
        element.set_property(prop.name, prop.gvalue(value))


# -- running a pipeline -----------------------------------------------------

_APP_ERROR = "melspecx-python-error"


def _post_error(element: Gst.Element, text: str,
                parameter: bool = False) -> None:
    """Report an error found in a streaming-thread callback to the bus
    (exceptions there cannot reach the caller); ``parameter`` makes it a
    MelSpecParameterError."""
    structure = Gst.Structure.new_empty(_APP_ERROR)
    structure.set_value("message", text)
    structure.set_value("parameter", parameter)
    element.post_message(Gst.Message.new_application(element, structure))


def _error_from_message(msg: Gst.Message,
                        context: str | None = None) -> MelSpecError:
    """GStreamer's error as a MelSpecError: "CONTEXT: message (detail)",
    the detail being the human part of the debug string when it has one
    (filesrc says "Resource not found." there and 'No such file "x"' in
    the detail)."""
    prefix = f"{context}: " if context else ""
    if msg.type == Gst.MessageType.APPLICATION:
        structure = msg.get_structure()
        cls = MelSpecParameterError if structure.get_value("parameter") \
            else MelSpecError
        return cls(prefix + structure.get_string("message"))
    error, debug = msg.parse_error()
    text = prefix + error.message.rstrip()
    detail = debug.split(":\n", 1)[1].strip() if debug and ":\n" in debug \
        else ""
    if detail:
        text += f" ({' '.join(detail.split())})"
    settings = (error.domain == GLib.quark_to_string(Gst.ResourceError.quark())
                and error.code == int(Gst.ResourceError.SETTINGS))
    cls = MelSpecParameterError if settings else MelSpecError
    return cls(text, debug)


def _warn(msg: Gst.Message, context: str | None) -> None:
    """Pass a GST_ELEMENT_WARNING on as a Python MelSpecWarning (e.g.
    f-max above Nyquist, mel bands that catch no FFT bin)."""
    warning, _debug = msg.parse_warning()
    prefix = f"{context}: " if context else ""
    warnings.warn(prefix + " ".join(warning.message.split()), MelSpecWarning,
                  stacklevel=2)


def _pending_error(bus: Gst.Bus,
                   context: str | None) -> MelSpecError | None:
    msg = bus.pop_filtered(Gst.MessageType.ERROR)
    return _error_from_message(msg, context) if msg is not None else None


def _query_seconds(pipeline: Gst.Pipeline, what: str,
                   reader: Gst.Element | None = None) -> float | None:
    """The pipeline's duration, or the position of the audio that
    ``reader`` has been given (asked upstream of its sink pad: in image
    mode nothing reaches the sink before EOS, so the sink cannot say how
    far the input is)."""
    if what == "position" and reader is not None:
        ok, value = reader.get_static_pad("sink").peer_query_position(
            Gst.Format.TIME)
    elif what == "position":
        ok, value = pipeline.query_position(Gst.Format.TIME)
    else:
        ok, value = pipeline.query_duration(Gst.Format.TIME)
    if not ok or value < 0:
        return None
    return value / Gst.SECOND


@dataclasses.dataclass
class _Output:
    """What an appsink received: the buffers' bytes and the last caps."""
    keep: bool = True
    chunks: list[bytes] = dataclasses.field(default_factory=list)
    total_bytes: int = 0
    caps: Gst.Caps | None = None
    capses: list[Gst.Caps] = dataclasses.field(default_factory=list)

    def drain(self, sink: Gst.Element) -> bool:
        """Take what the appsink holds, without waiting.  Through its action
        signal, not GstApp's methods: no GstApp typelib to load, and it
        works whichever Python class the application's appsinks got."""
        got = False
        while True:
            sample = sink.emit("try-pull-sample", 0)
            if sample is None:
                return got
            got = True
            caps = sample.get_caps()
            if caps is not None and (self.caps is None
                                     or not caps.is_equal(self.caps)):
                self.caps = caps
                self.capses.append(caps)
            buf = sample.get_buffer()
            size = buf.get_size() if buf is not None else 0
            self.total_bytes += size
            if size and self.keep:
                self.chunks.append(buf.extract_dup(0, size))


def run_pipeline(pipeline: Gst.Pipeline, sink: Gst.Element | None,
                 progress: ProgressCallback | None = None,
                 timeout: float = DEFAULT_TIMEOUT,
                 before_play: Callable[[], None] | None = None,
                 keep: bool = True, context: str | None = None,
                 reader: Gst.Element | None = None,
                 more: Sequence[tuple[Gst.Element, _Output]] = ()
                 ) -> _Output:
    """Play ``pipeline`` to EOS and return what ``sink`` received.

    The bus is polled every POLL_INTERVAL for ERROR and EOS; the run fails
    when neither the position nor the output moves for ``timeout`` seconds.
    The pipeline is set to NULL whatever happens.

    Args:
        before_play: called once the pipeline is PAUSED (sources started),
            e.g. to push data into an appsrc.
        keep: keep the received bytes (else only count them).
        context: prefix of error messages (the file name).
        reader: the element whose input position is the progress.
        more: further (appsink, _Output) pairs to drain as ``sink``.
    """
    out = _Output(keep=keep)
    bus = pipeline.get_bus()
    try:
        _change_state(pipeline, bus, Gst.State.PAUSED, context)
        if before_play is not None:
            before_play()
        _change_state(pipeline, bus, Gst.State.PLAYING, context)
        _wait_eos(pipeline, bus, [(sink, out), *more], progress, timeout,
                  context, reader)
    finally:
        pipeline.set_state(Gst.State.NULL)
    return out


def _change_state(pipeline: Gst.Pipeline, bus: Gst.Bus,
                  state: Gst.State, context: str | None) -> None:
    if pipeline.set_state(state) == Gst.StateChangeReturn.FAILURE:
        # No local name for the error: the traceback's frame would hold it,
        # a cycle that keeps the pipeline (and its bus's sockets) alive
        # until the garbage collector runs.
        raise _pending_error(bus, context) or MelSpecError(
            f"GStreamer could not set the pipeline to {state.value_nick}")


def _wait_eos(pipeline: Gst.Pipeline, bus: Gst.Bus,
              outputs: Sequence[tuple[Gst.Element | None, _Output]],
              progress: ProgressCallback | None, timeout: float,
              context: str | None, reader: Gst.Element | None) -> None:
    types = (Gst.MessageType.ERROR | Gst.MessageType.EOS
             | Gst.MessageType.APPLICATION | Gst.MessageType.WARNING)
    last_change = time.monotonic()
    last_position = None
    while True:
        msg = bus.timed_pop_filtered(int(POLL_INTERVAL * Gst.SECOND), types)
        moved = _drain(outputs)
        if msg is not None:
            if msg.type == Gst.MessageType.EOS:
                _drain(outputs)
                return
            if msg.type == Gst.MessageType.WARNING:
                _warn(msg, context)
            elif msg.type == Gst.MessageType.ERROR or \
                    msg.get_structure().get_name() == _APP_ERROR:
                raise _error_from_message(msg, context)
        position = _query_seconds(pipeline, "position", reader)
        if position != last_position:
            moved = True
            last_position = position
            if progress is not None and position is not None:
                progress(position, _query_seconds(pipeline, "duration"))
        now = time.monotonic()
        if moved:
            last_change = now
        elif now - last_change > timeout:
            raise MelSpecError(
                (f"{context}: " if context else "") +
                f"GStreamer pipeline made no progress for {timeout:g} s "
                f"(stalled at {last_position or 0:.2f} s of input)")


def _drain(outputs: Sequence[tuple[Gst.Element | None, _Output]]) -> bool:
    """Drain every appsink; whether any held something."""
    moved = False
    for sink, out in outputs:
        if sink is not None and out.drain(sink):
            moved = True
    return moved


# -- decoding a file --------------------------------------------------------

def _file_source(pipeline: Gst.Pipeline, path: str | os.PathLike,
                 target: Gst.Element,
                 check_audio: Callable[[Gst.Caps], str | None] | None = None
                 ) -> None:
    """filesrc ! decodebin, linking the first audio stream to ``target``
    and any other stream to a fakesink.

    ``check_audio``, called with the decoded caps before linking (in the
    streaming thread), returns None to go on or a sentence that stops the
    run with a MelSpecParameterError.  The signal handlers hold no
    reference to the pipeline: a cycle through GObject closures would keep
    it, and the file descriptors of its bus, alive after the run."""
    location = os.fsdecode(path)
    src = make_element("filesrc", "source")
    src.set_property("location", location)
    decoder = make_element("decodebin", "decoder")
    pipeline.add(src)
    pipeline.add(decoder)
    src.link(decoder)
    state = {"linked": False}

    def pad_added(element: Gst.Element, pad: Gst.Pad) -> None:
        caps = pad.get_current_caps() or pad.query_caps(None)
        name = caps.get_structure(0).get_name() if caps.get_size() else ""
        if not name.startswith("audio/") or state["linked"]:
            _discard(element.get_parent(), pad)
            return
        state["linked"] = True
        refused = check_audio(caps) if check_audio is not None else None
        if refused:
            _post_error(element, refused, parameter=True)
            return
        sink = target.get_static_pad("sink")
        try:
            pad.link(sink)
        except Gst.LinkError:
            _post_error(element, _refusal(caps, sink))

    def no_more_pads(element: Gst.Element) -> None:
        if not state["linked"]:
            _post_error(element, "no audio stream in the file")

    decoder.connect("pad-added", pad_added)
    decoder.connect("no-more-pads", no_more_pads)


def _refusal(caps: Gst.Caps, sink: Gst.Pad) -> str:
    """Why ``sink`` refuses ``caps``: the first field of the decoded caps
    outside what its element takes, e.g. "65 channels"."""
    name = sink.get_parent_element().get_factory().get_name()
    accepted = sink.query_caps(None)
    decoded = caps.get_structure(0)
    for index in range(decoded.n_fields()):
        field = decoded.nth_field_name(index)
        structure = Gst.Structure.new_empty(decoded.get_name())
        structure.set_value(field, decoded.get_value(field))
        alone = Gst.Caps.new_empty()
        alone.append_structure(structure)
        if accepted.can_intersect(alone):
            continue
        allowed = [accepted.get_structure(i).get_value(field)
                   for i in range(accepted.get_size())
                   if accepted.get_structure(i).has_field(field)]
        shown = ", ".join(sorted({str(v) for v in allowed})) or "none"
        return (f"{name} cannot take the decoded audio: {field} "
                f"{decoded.get_value(field)} (it takes {shown})")
    return f"{name} cannot take the decoded audio ({caps.to_string()})"


def _discard(pipeline: Gst.Bin, pad: Gst.Pad) -> None:
    sink = make_element("fakesink")
    sink.set_property("sync", False)
    sink.set_property("async", False)
    pipeline.add(sink)
    sink.sync_state_with_parent()
    pad.link(sink.get_static_pad("sink"))


def _app_sink(pipeline: Gst.Pipeline, caps: str, name: str = "sink"
              ) -> tuple[Gst.Element, Gst.Element]:
    """capsfilter ! appsink; returns (capsfilter, appsink)."""
    capsfilter = make_element("capsfilter", f"{name}-format")
    capsfilter.set_property("caps", Gst.Caps.from_string(caps))
    sink = make_element("appsink", name)
    sink.set_property("sync", False)
    sink.set_property("emit-signals", False)
    # Post EOS at once, even with samples queued: the bus loop takes them
    # after EOS, and would otherwise hold the EOS for one poll interval.
    sink.set_property("wait-on-eos", False)
    pipeline.add(capsfilter)
    pipeline.add(sink)
    capsfilter.link(sink)
    return capsfilter, sink


@contextlib.contextmanager
def _readable(path: str | os.PathLike, timeout: float):
    """Checks ``path`` before filesrc opens it, for the whole run.

    Opening a FIFO for reading blocks until a writer opens it, and filesrc
    opens in a state change that no bus deadline covers.  So a FIFO is
    opened here first, in a thread, within ``timeout``; the descriptor is
    held for the run, so that filesrc's own open returns at once and the
    writer never sees the FIFO without a reader.  A directory, which
    filesrc would read as an empty stream, is refused here."""
    if os.path.isdir(path):
        raise MelSpecError(f"{os.fsdecode(path)!r} is a directory, "
                           "not an audio file")
    try:
        is_fifo = stat.S_ISFIFO(os.stat(path).st_mode)
    except OSError:
        is_fifo = False  # filesrc reports a missing file with its own words
    if not is_fifo:
        yield
        return
    fd = _open_fifo(os.fsdecode(path), timeout)
    try:
        yield
    finally:
        os.close(fd)


def _open_fifo(path: str, timeout: float) -> int:
    opened: list[int] = []
    opener = threading.Thread(
        target=lambda: opened.append(os.open(path, os.O_RDONLY)),
        name="melspecx-fifo-open", daemon=True)
    opener.start()
    opener.join(timeout)
    if opener.is_alive():
        while opener.is_alive():  # be the writer it waits for
            with contextlib.suppress(OSError):
                os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
            opener.join(0.1)
        for fd in opened:
            os.close(fd)
        raise MelSpecError(f"{path}: no program opened this FIFO for "
                           f"writing within {timeout:g} s")
    if not opened:
        raise MelSpecError(f"{path}: the FIFO could not be opened")
    return opened[0]


def render_png(path: str | os.PathLike, props: Mapping[str, Any],
               progress: ProgressCallback | None = None,
               timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """filesrc ! decodebin ! melspecx mode=image ! image/png ! appsink.

    ``props`` are melspecx properties by snake_case name."""
    with _readable(path, timeout):
        return _render_png(path, props, progress, timeout)


def _render_png(path: str | os.PathLike, props: Mapping[str, Any],
                progress: ProgressCallback | None, timeout: float) -> bytes:
    pipeline = Gst.Pipeline.new("melspecx-png")
    element = make_element("melspecx", "melspecx")
    set_properties(element, props)
    pipeline.add(element)
    capsfilter, sink = _app_sink(pipeline, "image/png")
    if not element.link(capsfilter):
        raise MelSpecError("the melspecx element cannot produce image/png")
    _file_source(pipeline, path, element)
    out = run_pipeline(pipeline, sink, progress, timeout,
                       context=os.fsdecode(path), reader=element)
    if not out.chunks:
        raise MelSpecError(f"no image was produced for {os.fsdecode(path)!r}")
    return b"".join(out.chunks)


@dataclasses.dataclass(frozen=True)
class AudioInfo:
    """What decoding a file found.

    Attributes:
        sample_rate: Hz.
        channels: channel count.
        samples: samples per channel, counted by decoding the whole file.
        duration: samples / sample_rate, in seconds.
        caps: the decoded stream's caps as GStreamer prints them.
    """

    sample_rate: int
    channels: int
    samples: int
    duration: float
    caps: str


def _decode(path: str | os.PathLike, keep: bool,
            progress: ProgressCallback | None, timeout: float
            ) -> tuple[_Output, int, int, int]:
    """Decode to interleaved F32LE; returns (output, rate, channels,
    total bytes).  With ``keep`` False the data is counted, not kept."""
    pipeline = Gst.Pipeline.new("melspecx-decode")
    convert = make_element("audioconvert", "convert")
    pipeline.add(convert)
    capsfilter, sink = _app_sink(
        pipeline, "audio/x-raw,format=F32LE,layout=interleaved")
    convert.link(capsfilter)
    _file_source(pipeline, path, convert, check_audio=_convertible)
    with _readable(path, timeout):
        out = run_pipeline(pipeline, sink, progress, timeout, keep=keep,
                           context=os.fsdecode(path), reader=convert)
    if out.caps is None:
        raise MelSpecError(f"no audio could be decoded from "
                           f"{os.fsdecode(path)!r}")
    if len(out.capses) > 1:
        raise MelSpecError("the audio format changes mid-stream ("
                           f"{out.capses[0].to_string()} then "
                           f"{out.capses[-1].to_string()})")
    structure = out.caps.get_structure(0)
    rate = structure.get_int("rate")[1]
    channels = structure.get_int("channels")[1]
    return out, rate, channels, out.total_bytes


# GStreamer's channel mixer, which audioconvert builds for any conversion,
# asserts below 64 channels and the process then crashes.
_CONVERTER_MAX_CHANNELS = 63


def _convertible(caps: Gst.Caps) -> str | None:
    """Refuses what audioconvert cannot convert to float32."""
    if not caps.get_size():
        return None
    ok, channels = caps.get_structure(0).get_int("channels")
    if ok and channels > _CONVERTER_MAX_CHANNELS:
        return (f"{channels} channels: GStreamer's audioconvert converts at "
                f"most {_CONVERTER_MAX_CHANNELS}, so the samples cannot be "
                "read as float32 (mel_spec_from_path and the melspecx "
                "element read up to 64 channels)")
    return None


def audio_info(path: str | os.PathLike,
               timeout: float = DEFAULT_TIMEOUT) -> AudioInfo:
    """Decode ``path`` completely and report its format and exact length.

    Raises:
        MelSpecError: with GStreamer's message when the file is missing or
            cannot be decoded.
    """
    out, rate, channels, total = _decode(path, False, None, timeout)
    samples = total // (4 * channels)
    return AudioInfo(rate, channels, samples, samples / rate,
                     out.caps.to_string())


def decode_interleaved(path: str | os.PathLike,
                       timeout: float = DEFAULT_TIMEOUT
                       ) -> tuple[bytes, int, int]:
    """Decode ``path`` to interleaved float32 bytes: (data, rate, channels)."""
    out, rate, channels, _ = _decode(path, True, None, timeout)
    return b"".join(out.chunks), rate, channels


def _push_audio(src: Gst.Element, data: bytes, rate: int,
                channels: int) -> None:
    """Push interleaved F32LE ``data`` in one-second buffers, then EOS."""
    frame_bytes = 4 * channels
    step = rate * frame_bytes
    offset = 0
    while offset < len(data):
        chunk = data[offset:offset + step]
        first = offset // frame_bytes
        count = len(chunk) // frame_bytes
        buf = Gst.Buffer.new_wrapped(chunk)
        buf.pts = Gst.util_uint64_scale(first, Gst.SECOND, rate)
        buf.duration = Gst.util_uint64_scale(first + count, Gst.SECOND,
                                             rate) - buf.pts
        buf.offset = first
        if src.emit("push-buffer", buf) != Gst.FlowReturn.OK:
            break
        offset += step
    src.emit("end-of-stream")


@dataclasses.dataclass
class RawSpectrogram:
    """What the element's raw output held: ``data`` is frames x lanes x
    n_mels float32 dB values, time-major; ``n_mels`` and ``lanes`` are -1
    when no frame came out (no caps reached the appsink)."""
    data: bytes
    n_mels: int
    lanes: int


def _melspecx_raw(pipeline: Gst.Pipeline, props: Mapping[str, Any],
                  caps: str = RAW_CAPS, name: str = "melspecx"
                  ) -> tuple[Gst.Element, Gst.Element]:
    """melspecx ! ``caps`` ! appsink in ``pipeline``; returns (melspecx,
    appsink)."""
    element = make_element("melspecx", name)
    set_properties(element, props)
    pipeline.add(element)
    capsfilter, sink = _app_sink(pipeline, caps, f"{name}-sink")
    if not element.link(capsfilter):
        raise MelSpecError(f"the melspecx element cannot produce {caps}")
    return element, sink


def _raw_result(out: _Output) -> RawSpectrogram:
    if out.caps is None:
        return RawSpectrogram(b"", -1, -1)
    structure = out.caps.get_structure(0)
    return RawSpectrogram(b"".join(out.chunks),
                          structure.get_int("n-mels")[1],
                          structure.get_int("lanes")[1])


def raw_spectrogram(props: Mapping[str, Any], data: bytes, rate: int,
                    channels: int, timeout: float = DEFAULT_TIMEOUT
                    ) -> RawSpectrogram:
    """appsrc ! melspecx ! application/x-mel-spectrogram ! appsink, for
    ``data``: interleaved float32 audio."""
    pipeline = Gst.Pipeline.new("melspecx-raw")
    src = make_element("appsrc", "source")
    caps = (f"audio/x-raw,format=F32LE,layout=interleaved,rate={rate},"
            f"channels={channels}")
    if channels > 2:
        caps += ",channel-mask=(bitmask)0"   # unpositioned channels
    src.set_property("caps", Gst.Caps.from_string(caps))
    src.set_property("format", Gst.Format.TIME)
    src.set_property("block", False)
    src.set_property("max-bytes", 0)       # 0 = unlimited queue
    pipeline.add(src)
    element, sink = _melspecx_raw(pipeline, props)
    if not src.link(element):
        raise MelSpecError("appsrc cannot feed the melspecx element")
    out = run_pipeline(pipeline, sink, None, timeout,
                       before_play=lambda: _push_audio(src, data, rate,
                                                       channels))
    return _raw_result(out)


def raw_spectrogram_of_file(path: str | os.PathLike,
                            props: Mapping[str, Any],
                            rate: int | None = None,
                            timeout: float = DEFAULT_TIMEOUT
                            ) -> RawSpectrogram:
    """filesrc ! decodebin ! melspecx ! application/x-mel-spectrogram !
    appsink: the decoded audio goes straight to the element.

    ``rate``: the sample rate the parameters were made for; a file at
    another rate stops the run with a MelSpecParameterError."""
    context = os.fsdecode(path)
    pipeline = Gst.Pipeline.new("melspecx-raw-file")
    element, sink = _melspecx_raw(pipeline, props)

    def check_rate(caps: Gst.Caps) -> str | None:
        ok, got = caps.get_structure(0).get_int("rate")
        if rate is None or not ok or got == rate:
            return None
        return f"config.sample_rate is {rate} but the file is at {got} Hz"

    _file_source(pipeline, path, element, check_rate)
    with _readable(path, timeout):
        out = run_pipeline(pipeline, sink, None, timeout, context=context,
                           reader=element)
    return _raw_result(out)


def features_of_file(path: str | os.PathLike, props: Mapping[str, Any],
                     with_png: bool, timeout: float = DEFAULT_TIMEOUT,
                     progress: ProgressCallback | None = None
                     ) -> tuple[RawSpectrogram, bytes | None, dict[str, int]]:
    """The raw dB frames of a file and, with ``with_png``, its picture,
    from one decoding: ``filesrc ! decodebin ! tee``, one branch into
    ``melspecx ! application/x-mel-spectrogram ! appsink``, the other into
    ``melspecx mode=image ! image/png ! appsink``.

    Returns (frames, PNG bytes or None, {"sample_rate", "channels"} of the
    decoded audio)."""
    context = os.fsdecode(path)
    pipeline = Gst.Pipeline.new("melspecx-features")
    props = dict(props, mode="image")
    raw_element, raw_sink = _melspecx_raw(pipeline, props, RAW_CAPS, "raw")
    audio: dict[str, int] = {}

    def note_format(caps: Gst.Caps) -> str | None:
        structure = caps.get_structure(0)
        audio["sample_rate"] = structure.get_int("rate")[1]
        audio["channels"] = structure.get_int("channels")[1]
        return None

    more: list[tuple[Gst.Element, _Output]] = []
    target = raw_element
    if with_png:
        tee = make_element("tee", "split")
        pipeline.add(tee)
        png_element, png_sink = _melspecx_raw(pipeline, props, "image/png",
                                              "picture")
        # The picture comes at EOS: waiting for it to preroll would hold
        # the pipeline in PAUSED while the frames' queue fills (a deadlock).
        png_sink.set_property("async", False)
        for element in (raw_element, png_element):
            queue = make_element("queue")
            pipeline.add(queue)
            tee.link(queue)
            queue.link(element)
        target = tee
        more.append((png_sink, _Output()))
    _file_source(pipeline, path, target, note_format)
    with _readable(path, timeout):
        out = run_pipeline(pipeline, raw_sink, progress, timeout,
                           context=context, reader=raw_element, more=more)
    png = b"".join(more[0][1].chunks) if more else None
    if with_png and not png:
        raise MelSpecError(f"no image was produced for {context!r}")
    return _raw_result(out), png, audio
