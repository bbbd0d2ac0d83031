# SPDX-License-Identifier: MIT
"""The ``melspecx`` command: generate, batch, info, live.

Every error ends the command with status 1 and one line on stderr
("melspecx: error: ..."); usage errors exit with status 2, also on one line.
A progress bar is drawn on stderr only when stderr is a terminal.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any, Sequence

from .dataset import AUDIO_SUFFIXES, FORMATS, write_atomically
from .errors import MelSpecError, one_line

PROG = "melspecx"


class CommandError(Exception):
    """An error the command reports on one line."""


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Adds "(default: X)" once: not where the help already says what the
    default is, and not for options without one."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = action.default
        if "(default" in text or default is None or default is False \
                or default == [] or default is argparse.SUPPRESS:
            return text
        return super()._get_help_string(action)


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (and status 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{PROG}: error: {message} (see {self.prog} --help)\n")


# -- options ------------------------------------------------------------------
#
# Every option of an element property is made from the element's param spec:
# its name, type, range, choices, default and description, so that the
# command, the Python functions and gst-inspect-1.0 melspecx say the same.

#: How --help groups the properties: the picture's look and size, what only
#: changes speed; every other property (new ones too) is Analysis.
PICTURE = ("colormap", "colormap-file", "gamma", "invert", "width", "height",
           "top-db", "ref-mode", "ref-db", "scroll-duration")
SPEED = ("backend", "device-index", "chunk-size")
#: Option names that differ from the property's: the MelSpecX library's.
OPTION_NAMES = {"width": "--width-px", "height": "--height-px"}
#: Properties the command sets itself (generate renders one picture, live
#: a scrolling one).
COMMAND_SET = ("mode",)


def _option_help(prop: Any) -> str:
    """The param spec's description, range and default, one "(default:
    ...)" per option."""
    text = prop.blurb.rstrip(".") + "."
    if prop.kind in ("int", "float"):
        text += (f" Range: {prop.text(prop.minimum)} to "
                 f"{prop.text(prop.maximum)}.")
    return f"{text} (default: {prop.text(prop.default)})"


def _add_property_option(group: argparse._ArgumentGroup, prop: Any) -> None:
    flag = OPTION_NAMES.get(prop.name, "--" + prop.name)
    kwargs: dict[str, Any] = dict(dest=prop.key, default=None,
                                  help=_option_help(prop))
    if prop.kind == "bool":
        kwargs["action"] = argparse.BooleanOptionalAction
    elif prop.kind == "enum":
        kwargs.update(choices=prop.choices, type=str.lower)
    elif prop.kind in ("int", "float"):
        kwargs.update(type=int if prop.kind == "int" else float,
                      metavar=prop.key.upper())
    group.add_argument(flag, **kwargs)


def _add_property_options(parser: argparse.ArgumentParser,
                          groups: Sequence[str]) -> None:
    """One option per element property, in the groups named (Analysis,
    Picture, Speed), then -p NAME=VALUE for anything else."""
    from .properties import properties
    sections = {name: parser.add_argument_group(name) for name in groups}
    for prop in properties().values():
        group = "Picture" if prop.name in PICTURE else \
            "Speed" if prop.name in SPEED else "Analysis"
        if group in sections and prop.name not in COMMAND_SET:
            _add_property_option(sections[group], prop)
    if "Picture" in sections:
        sections["Picture"].add_argument(
            "-p", "--property", action="append", default=[],
            metavar="NAME=VALUE",
            help="any melspecx element property, as gst-inspect-1.0 "
            "melspecx names it (repeatable)")


def _element_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """Keywords for mel_spec_from_path: the options given (the others keep
    the element's defaults) and -p NAME=VALUE."""
    from .properties import properties
    kwargs = {key: getattr(args, key) for key in properties()
              if getattr(args, key, None) is not None}
    for item in getattr(args, "property", []):
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise CommandError(f"--property {item!r} is not NAME=VALUE")
        kwargs[name.strip().replace("-", "_")] = value.strip()
    return kwargs


# -- progress -------------------------------------------------------------------

class ProgressBar:
    """A one-line bar on a terminal; does nothing when the stream is not a
    terminal.  Appears for inputs of at least ``long_input`` (in the bar's
    unit: a minute of audio) or once ``delay`` seconds have passed, so short
    inputs stay silent."""

    def __init__(self, label: str, stream: Any = None,
                 delay: float = 0.5, long_input: float = 60.0) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = hasattr(self.stream, "isatty") and \
            self.stream.isatty() and os.environ.get("TERM") != "dumb"
        self.label = label
        self.start = time.monotonic()
        self.delay = delay
        self.long_input = long_input
        self.drawn = False
        self.lock = threading.Lock()

    def update(self, done: float, total: float | None,
               unit: str = "s") -> None:
        if not self.enabled:
            return
        if time.monotonic() - self.start < self.delay and not (
                total and total >= self.long_input):
            return
        width = 30
        if total:
            fraction = min(max(done / total, 0.0), 1.0)
            bar = "#" * int(fraction * width)
            text = (f"[{bar:<{width}}] {fraction * 100:3.0f}%  "
                    f"{done:.1f}/{total:.1f} {unit}")
        else:
            text = f"[{'?' * width}] {done:.1f} {unit}"
        with self.lock:
            self.stream.write(f"\r\033[K{self.label} {text}")
            self.stream.flush()
            self.drawn = True

    def close(self) -> None:
        with self.lock:
            if self.drawn:
                self.stream.write("\r\033[K")
                self.stream.flush()
                self.drawn = False


# -- commands ---------------------------------------------------------------------

def _output_path(source: Path, output: Path) -> Path:
    """Where the picture of ``source`` goes: ``output``, or
    ``output/SOURCE-NAME.png`` when ``output`` is a directory (as cp
    does).  Never the input itself."""
    if output.is_dir():
        output = output / source.with_suffix(".png").name
    with contextlib.suppress(OSError):  # an output that does not exist yet
        if os.path.samefile(source, output):
            raise CommandError(f"{str(output)!r} is the input file: the "
                               "picture would replace the audio")
    return output


def cmd_generate(args: argparse.Namespace) -> int:
    from . import mel_spec_from_path
    kwargs = _element_kwargs(args)
    if args.like is not None:
        from .pngmeta import element_keywords, read_metadata
        # the picture's parameters, then what the command line says
        kwargs = {**element_keywords(read_metadata(args.like)[0].meta),
                  **kwargs}
    output = None if args.output == "-" else \
        _output_path(Path(args.input), Path(args.output))
    bar = ProgressBar(os.path.basename(args.input))
    try:
        png = mel_spec_from_path(args.input, progress=bar.update,
                                 timeout=args.timeout, **kwargs)
    finally:
        bar.close()
    if output is None:
        sys.stdout.buffer.write(png)
        sys.stdout.buffer.flush()
    else:
        write_atomically(output, png)
    return 0


def _batch_jobs(args: argparse.Namespace) -> list[tuple[Path, Path]]:
    """(input, output stem) for every input of the batch."""
    from .dataset import find_inputs, output_stems
    files = find_inputs(args.in_dir, args.pattern)
    return list(zip(files, output_stems(files, args.in_dir, args.out_dir,
                                        args.format)))


def _largest_first(jobs: list[tuple[Path, Path]]) -> list[tuple[Path, Path]]:
    """The jobs, largest input first: the files still running when the
    others are done are then short ones, and no thread idles long at the
    end.  Unreadable ones go last; they fail fast."""
    def size(job: tuple[Path, Path]) -> int:
        try:
            return os.stat(job[0]).st_size
        except OSError:
            return -1
    return sorted(jobs, key=size, reverse=True)


class _Cancelled(Exception):
    """A batch job stopped by an interrupt."""


def cmd_batch(args: argparse.Namespace) -> int:
    from .api import element_keywords
    from .dataset import is_done
    kwargs = element_keywords(_element_kwargs(args))  # one error, not one a file
    if args.html and args.format == "npy":
        raise CommandError("--html shows pictures: use --format png or both")
    if args.scheduler:
        return _batch_on_cluster(args, kwargs)
    jobs = _batch_jobs(args)
    todo = [(src, stem) for src, stem in jobs
            if args.force or not is_done(stem, args.format)]
    skipped = len(jobs) - len(todo)
    failures: list[tuple[Path, str]] = []
    written: list[Path] = []
    bar = ProgressBar("batch", delay=0.0)
    cancel = threading.Event()
    render = _batch_renderer(args, kwargs, cancel)
    # Threads, not processes: a file's work is GStreamer's, in its own
    # threads and without the GIL; the calling thread holds the GIL for
    # about 2 ms of a file's 30-60 ms of CPU, and a process would pay the
    # start-up of Python and GStreamer (~0.13 s) again.
    workers = args.jobs or os.cpu_count() or 1
    import concurrent.futures           # only batch needs it
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=workers)
    futures = {pool.submit(render, src, stem): src
               for src, stem in _largest_first(todo)}
    try:
        with _terminate_as_interrupt():
            for done, future in enumerate(
                    concurrent.futures.as_completed(futures), 1):
                try:
                    written.append(future.result())
                except (MelSpecError, CommandError, OSError) as err:
                    failures.append((futures[future], one_line(err)))
                bar.update(done, len(todo), "files")
    except KeyboardInterrupt:
        return _stop_batch(pool, cancel, bar, futures)
    finally:
        pool.shutdown()
    bar.close()
    if args.html:
        _write_gallery(args, jobs, dict(failures))
    for src, message in failures:
        print(f"{PROG}: failed: {src}: {message}", file=sys.stderr)
    print(f"{len(written)} written, {skipped} skipped (already exist), "
          f"{len(failures)} failed")
    return 1 if failures else 0


def _batch_on_cluster(args: argparse.Namespace, kwargs: dict[str, Any]
                      ) -> int:
    """batch --scheduler: the same job on the workers of a Dask cluster."""
    try:
        from distributed import Client
    except ImportError:
        raise CommandError("--scheduler needs Dask's distributed package "
                           "(Debian: python3-distributed)") from None
    from . import dask as on_dask
    if args.jobs:
        raise CommandError("-j is for one machine; with --scheduler the "
                           "workers' threads run the files")
    jobs = _batch_jobs(args)
    bar = ProgressBar("batch", delay=0.0)
    try:
        client = Client(args.scheduler, timeout=args.connect_timeout)
    except (OSError, TimeoutError) as err:
        raise CommandError(f"cannot reach the Dask scheduler at "
                           f"{args.scheduler}: {one_line(err)}") from None
    try:
        summary = on_dask.batch(
            client, [src for src, _ in jobs], args.out_dir,
            in_dir=args.in_dir, format=args.format, force=args.force,
            timeout=args.timeout,
            on_result=lambda result, done, total:
                bar.update(done, total, "files"), **kwargs)
    finally:
        client.close()
        bar.close()
    if args.html:
        # the summary names inputs by absolute path, the gallery as given
        given = {src.absolute(): src for src, _ in jobs}
        failures = {given.get(Path(src), Path(src)): message
                    for src, message in summary.failed}
        _write_gallery(args, jobs, failures)
    for src, message in summary.failed:
        print(f"{PROG}: failed: {src}: {message}", file=sys.stderr)
    print(summary.line())
    return 1 if summary.failed else 0


def _write_gallery(args: argparse.Namespace, jobs: list[tuple[Path, Path]],
                   failures: dict[Path, str]) -> None:
    """OUT_DIR/index.html for --html, replaced whole on every run."""
    from .gallery import page
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)   # when every file failed
    pictures = [(src, stem.with_name(stem.name + ".png"))
                for src, stem in jobs]
    html = page(out_dir, Path(args.in_dir), pictures, failures)
    write_atomically(out_dir / "index.html", html.encode("utf-8"))


def _batch_renderer(args: argparse.Namespace, kwargs: dict[str, Any],
                    cancel: threading.Event) -> Any:
    """The job of one file, which gives up as soon as ``cancel`` is set:
    before it starts, or at the next progress report of its pipeline
    (about every 0.1 s), which tears the pipeline down."""
    from .dataset import process

    def check(position: float, duration: float | None) -> None:
        if cancel.is_set():
            raise _Cancelled()

    def render(src: Path, stem: Path) -> Path:
        check(0.0, None)
        process(src, stem, args.format, kwargs, force=True,
                timeout=args.timeout, progress=check)
        return stem

    return render


class _terminate_as_interrupt:
    """``with``: SIGTERM stops the batch as Ctrl-C does."""

    def __enter__(self) -> None:
        self.old = signal.getsignal(signal.SIGTERM)
        signal.signal(signal.SIGTERM, signal.default_int_handler)

    def __exit__(self, *exc: Any) -> None:
        signal.signal(signal.SIGTERM, self.old)


def _stop_batch(pool: Any, cancel: threading.Event, bar: "ProgressBar",
                futures: dict[Any, Path]) -> int:
    """After an interrupt: queued files never start, running ones stop
    within a poll interval and leave no file (their temporary PNG is
    removed); finished pictures stay.  Further interrupts are ignored
    meanwhile, so that a second Ctrl-C cannot leave a traceback or a
    half-written file."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    cancel.set()
    pool.shutdown(wait=True, cancel_futures=True)
    bar.close()
    finished = sum(1 for f in futures
                   if not f.cancelled() and f.exception() is None)
    print(f"{PROG}: interrupted: {finished} written, "
          f"{len(futures) - finished} not done", file=sys.stderr)
    return 130


def _is_png(path: str) -> bool:
    from .pngmeta import PNG_SIGNATURE
    try:
        with open(path, "rb") as f:
            return f.read(8) == PNG_SIGNATURE
    except OSError:
        return False


def _info_png(args: argparse.Namespace) -> int:
    """The parameters stored in a melspecx PNG."""
    from .pngmeta import read_metadata
    png, text = read_metadata(args.input)
    if args.json:
        print(text)
        return 0
    print(f"file:        {args.input}")
    print(f"picture:     {png.width} x {png.height}")
    for key, value in png.meta.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        print(f"{key + ':':<14}{value}")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    from . import audio_info, create_mel_config
    if _is_png(args.input):
        return _info_png(args)
    info = audio_info(args.input)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # f-max clamping: not news here
        config = create_mel_config(info.sample_rate, **_element_kwargs(args))
    frames = config.n_frames(info.samples)
    shape = [config.n_mels, frames]
    if config.channel_mode == "separate" and info.channels > 1:
        shape.insert(0, info.channels)
    result = {"path": args.input, "duration": info.duration,
              "sample_rate": info.sample_rate, "channels": info.channels,
              "samples": info.samples, "frames": frames, "mel_shape": shape,
              "caps": info.caps}
    if args.json:
        import json
        print(json.dumps(result))
        return 0
    print(f"file:        {args.input}")
    print(f"duration:    {info.duration:.3f} s")
    print(f"sample rate: {info.sample_rate} Hz")
    print(f"channels:    {info.channels}")
    print(f"samples:     {info.samples} per channel")
    print(f"frames:      {frames} (n-fft {config.n_fft}, hop "
          f"{config.hop_length}, {'centred' if config.center else 'not centred'})")
    print(f"mel shape:   {tuple(shape)}")
    return 0


def cmd_live(args: argparse.Namespace) -> int:
    kwargs = _element_kwargs(args)
    if args.sink is None:
        from .player import run_player
        run_player(args.input, args.source, kwargs, args.duration,
                   args.audio_sink, args.timeout)
    else:
        from .live import run_live
        run_live(args.source, args.sink, kwargs, args.duration, args.input,
                 args.audio_sink, args.timeout)
    return 0


# -- main ---------------------------------------------------------------------

def _add_timeout_option(parser: argparse.ArgumentParser) -> None:
    from .pipeline import DEFAULT_TIMEOUT
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        metavar="SECONDS",
                        help="give up on a file after this long without "
                        "progress (a stalled decoder, a FIFO that nobody "
                        "writes)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``melspecx`` command."""
    fmt = _HelpFormatter
    parser = _Parser(prog=PROG, formatter_class=fmt,
                     description="Mel spectrograms with the melspecx "
                     "GStreamer element.  Logging: GST_DEBUG=melspecx:5.")
    parser.add_argument("--version", action="version",
                        version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND",
                                parser_class=_Parser)
    sub.required = True

    gen = sub.add_parser("generate", formatter_class=fmt,
                         help="render one audio file to a PNG",
                         description="Render the mel spectrogram of IN "
                         "(any format GStreamer decodes) to the PNG OUT "
                         "('-' for stdout).")
    gen.add_argument("input", metavar="IN")
    gen.add_argument("output", metavar="OUT")
    gen.add_argument("--like", metavar="PNG",
                     help="make the picture with the parameters stored in "
                     "PNG (a picture melspecx made); options given as well "
                     "override them")
    _add_timeout_option(gen)
    _add_property_options(gen, ("Analysis", "Picture", "Speed"))
    gen.set_defaults(func=cmd_generate)

    batch = sub.add_parser("batch", formatter_class=fmt,
                           help="render every audio file of a directory",
                           description="Render every audio file of IN_DIR "
                           "to OUT_DIR/NAME.png (and/or NAME.npy with its "
                           "parameters in NAME.json) in parallel, on this "
                           "machine or on a Dask cluster; files whose "
                           "outputs all exist are skipped unless --force.")
    batch.add_argument("in_dir", metavar="IN_DIR")
    batch.add_argument("out_dir", metavar="OUT_DIR")
    batch.add_argument("-j", "--jobs", type=int, default=0,
                       help="files rendered at once on this machine (0 = "
                       "number of CPUs)")
    batch.add_argument("--pattern", default=None,
                       help="glob relative to IN_DIR, e.g. '*.flac' or "
                       "'**/*.mp3' (default: files with a known audio "
                       "extension: " + " ".join(AUDIO_SUFFIXES) + ")")
    batch.add_argument("--force", action="store_true",
                       help="render files whose outputs already exist")
    batch.add_argument("--format", choices=FORMATS, default="png",
                       help="png: the picture; npy: the float32 dB matrix "
                       "(n_mels x frames, or lanes x n_mels x frames) that "
                       "mel_spectrogram_db returns, with its parameters in "
                       "NAME.json; both: all three from one decoding")
    batch.add_argument("--scheduler", metavar="ADDRESS",
                       help="run on the workers of the Dask cluster whose "
                       "scheduler is at ADDRESS (tcp://HOST:8786); IN_DIR "
                       "and OUT_DIR must have the same paths on the "
                       "workers")
    batch.add_argument("--connect-timeout", type=float, default=10.0,
                       metavar="SECONDS",
                       help="with --scheduler: give up if the scheduler "
                       "does not answer within this long")
    batch.add_argument("--html", action="store_true",
                       help="also write OUT_DIR/index.html: every file's "
                       "picture, an audio player, its duration and "
                       "parameters, sortable; works offline")
    _add_timeout_option(batch)
    _add_property_options(batch, ("Analysis", "Picture", "Speed"))
    batch.set_defaults(func=cmd_batch)

    info = sub.add_parser("info", formatter_class=fmt,
                          help="describe an audio file and its spectrogram, "
                          "or print the parameters of a melspecx PNG",
                          description="Decode IN and print its duration, "
                          "rate, channels, the number of STFT frames and "
                          "the shape of its mel spectrogram; for a PNG "
                          "that melspecx made, print the parameters stored "
                          "in it (--json: as stored).")
    info.add_argument("input", metavar="IN")
    info.add_argument("--json", action="store_true",
                      help="print one JSON object")
    _add_property_options(info, ("Analysis",))
    info.set_defaults(func=cmd_info)

    live = sub.add_parser("live", formatter_class=fmt,
                          help="scrolling spectrogram of the microphone or "
                          "of a file as it plays, in a window",
                          description="Show a scrolling mel spectrogram of "
                          "the microphone (or --source), or of FILE as it "
                          "plays, in a window with play/pause, a seek "
                          "slider and a colormap chooser, until the window "
                          "is closed or Ctrl-C.  With --sink, no window: "
                          "the picture goes to that video sink.")
    live.add_argument("input", metavar="FILE", nargs="?", default=None,
                      help="an audio file to play instead of the "
                      "microphone")
    live.add_argument("--source", default="autoaudiosrc",
                      help="GStreamer source description")
    live.add_argument("--sink", default=None,
                      help="GStreamer video sink description instead of "
                      "the window (e.g. fakesink, autovideosink)")
    from .live import DEFAULT_AUDIO_SINK, START_TIMEOUT
    live.add_argument("--audio-sink", default=DEFAULT_AUDIO_SINK,
                      help="where a file's sound goes; without a sound "
                      "device autoaudiosink plays it to a synchronised "
                      "fakesink")
    live.add_argument("--duration", type=float, default=0.0,
                      help="stop after this many seconds (0 = until Ctrl-C "
                      "or the window is closed)")
    live.add_argument("--timeout", type=float, default=START_TIMEOUT,
                      metavar="SECONDS",
                      help="give up when the audio has not started after "
                      "this long (no device, a sound server that does not "
                      "answer)")
    _add_property_options(live, ("Analysis", "Picture", "Speed"))
    live.set_defaults(func=cmd_live)
    return parser


def _version() -> str:
    from . import __version__
    return __version__


def _show_warning(message: Any, category: Any, filename: str, lineno: int,
                  file: Any = None, line: Any = None) -> None:
    print(f"{PROG}: warning: {one_line(message)}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command with ``argv`` (default: sys.argv[1:]); returns the
    exit status."""
    from .errors import MelSpecError
    try:
        parser = build_parser()      # its options come from the element
    except MelSpecError as err:
        print(f"{PROG}: error: {one_line(err)}", file=sys.stderr)
        return 1
    args = parser.parse_args(argv)
    warnings.showwarning = _show_warning
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 1
    except Exception as err:     # noqa: BLE001 — one line, never a traceback
        print(f"{PROG}: error: {one_line(err)}", file=sys.stderr)
        return 1
