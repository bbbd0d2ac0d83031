# SPDX-License-Identifier: MIT
"""The ``melspecx`` command: generate, batch, info, live.

Every error ends the command with status 1 and one line on stderr
("melspecx: error: ..."); usage errors exit with status 2, also on one line.
A progress bar is drawn on stderr only when stderr is a terminal.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any, Sequence

PROG = "melspecx"
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".m4a",
                  ".aac", ".aif", ".aiff", ".wv", ".webm", ".mka")


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
PICTURE = ("colormap", "invert", "width", "height", "top-db", "ref-mode",
           "ref-db")
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

def _write_atomically(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same directory, renamed over
    ``path`` at the end, so that a failed run leaves no partial PNG (which
    batch would then skip as done).

    The file gets the mode any program would give it: a new one 0666
    less the umask (the kernel applies it to os.open's mode), an existing
    one keeps its own."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        keep_mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        keep_mode = None
    try:
        fd, tmp = _create_temporary(directory)
    except OSError as err:
        raise CommandError(f"cannot write {str(path)!r}: "
                           f"{err.strerror or err}") from None
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            if keep_mode is not None:
                os.fchmod(out.fileno(), keep_mode)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _create_temporary(directory: Path) -> tuple[int, str]:
    """A new hidden file in ``directory``, created with mode 0666 (so the
    umask applies; tempfile.mkstemp would force 0600)."""
    while True:
        name = os.path.join(directory, f".melspecx-{os.urandom(6).hex()}.png")
        try:
            return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                           | os.O_CLOEXEC, 0o666), name
        except FileExistsError:
            continue


def cmd_generate(args: argparse.Namespace) -> int:
    from . import mel_spec_from_path
    kwargs = _element_kwargs(args)
    bar = ProgressBar(os.path.basename(args.input))
    try:
        png = mel_spec_from_path(args.input, progress=bar.update, **kwargs)
    finally:
        bar.close()
    if args.output == "-":
        sys.stdout.buffer.write(png)
        sys.stdout.buffer.flush()
    else:
        _write_atomically(Path(args.output), png)
    return 0


def _batch_jobs(args: argparse.Namespace) -> list[tuple[Path, Path]]:
    in_dir, out_dir = Path(args.in_dir), Path(args.out_dir)
    if not in_dir.is_dir():
        raise CommandError(f"input directory {str(in_dir)!r} does not exist")
    pattern = args.pattern or "*"
    files = sorted(p for p in in_dir.glob(pattern) if p.is_file()
                   and (args.pattern or p.suffix.lower() in AUDIO_SUFFIXES))
    if not files:
        raise CommandError(f"no files match {pattern!r} in {str(in_dir)!r}")
    relative = [f.relative_to(in_dir) for f in files]
    return list(zip(files, (out_dir / name for name in _png_names(relative))))


def _png_names(files: list[Path]) -> list[Path]:
    """NAME.png for each input NAME.EXT; inputs that differ only in their
    extension (a.flac, a.opus) keep it instead (a.flac.png, a.opus.png), so
    that no picture overwrites another.  Names that still collide are
    refused, naming both inputs."""
    plain = [f.with_suffix(".png") for f in files]
    counts: dict[Path, int] = {}
    for name in plain:
        counts[name] = counts.get(name, 0) + 1
    names = [f.with_name(f.name + ".png") if counts[p] > 1 else p
             for f, p in zip(files, plain)]
    seen: dict[Path, Path] = {}
    for f, name in zip(files, names):
        if name in seen:
            raise CommandError(f"{str(seen[name])!r} and {str(f)!r} would "
                               f"both be written to {str(name)!r}; rename "
                               "one or select with --pattern")
        seen[name] = f
    return names


def cmd_batch(args: argparse.Namespace) -> int:
    from . import MelSpecError, mel_spec_from_path
    from .api import element_keywords
    kwargs = _element_kwargs(args)
    element_keywords(dict(kwargs))     # a bad option: one error, not one a file
    jobs = _batch_jobs(args)
    todo = [(src, dst) for src, dst in jobs if args.force or not dst.exists()]
    skipped = len(jobs) - len(todo)
    failures: list[tuple[Path, str]] = []
    bar = ProgressBar("batch", delay=0.0)

    def render(src: Path, dst: Path) -> None:
        png = mel_spec_from_path(src, **kwargs)
        dst.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(dst, png)

    # Threads, not processes: a file's work is GStreamer's, in its own
    # threads and without the GIL; the calling thread holds the GIL for
    # about 2 ms of a file's 30-60 ms of CPU, and a process would pay the
    # start-up of Python and GStreamer (~0.13 s) again.
    workers = args.jobs or os.cpu_count() or 1
    import concurrent.futures           # only batch needs it
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(render, src, dst): src for src, dst in todo}
        for done, future in enumerate(
                concurrent.futures.as_completed(futures), 1):
            try:
                future.result()
            except (MelSpecError, CommandError, OSError) as err:
                failures.append((futures[future], _one_line(err)))
            bar.update(done, len(todo), "files")
    bar.close()
    for src, message in failures:
        print(f"{PROG}: failed: {src}: {message}", file=sys.stderr)
    written = len(todo) - len(failures)
    print(f"{written} written, {skipped} skipped (already exist), "
          f"{len(failures)} failed")
    return 1 if failures else 0


def cmd_info(args: argparse.Namespace) -> int:
    from . import audio_info, create_mel_config
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
    from .live import run_live
    run_live(args.source, args.sink, _element_kwargs(args), args.duration)
    return 0


# -- main ---------------------------------------------------------------------

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
    _add_property_options(gen, ("Analysis", "Picture", "Speed"))
    gen.set_defaults(func=cmd_generate)

    batch = sub.add_parser("batch", formatter_class=fmt,
                           help="render every audio file of a directory",
                           description="Render every audio file of IN_DIR "
                           "to OUT_DIR/NAME.png in parallel; existing PNGs "
                           "are skipped unless --force.")
    batch.add_argument("in_dir", metavar="IN_DIR")
    batch.add_argument("out_dir", metavar="OUT_DIR")
    batch.add_argument("-j", "--jobs", type=int, default=0,
                       help="files rendered at once (0 = number of CPUs)")
    batch.add_argument("--pattern", default=None,
                       help="glob relative to IN_DIR, e.g. '*.flac' or "
                       "'**/*.mp3' (default: files with a known audio "
                       "extension: " + " ".join(AUDIO_SUFFIXES) + ")")
    batch.add_argument("--force", action="store_true",
                       help="render files whose PNG already exists")
    _add_property_options(batch, ("Analysis", "Picture", "Speed"))
    batch.set_defaults(func=cmd_batch)

    info = sub.add_parser("info", formatter_class=fmt,
                          help="describe an audio file and its spectrogram",
                          description="Decode IN and print its duration, "
                          "rate, channels, the number of STFT frames and "
                          "the shape of its mel spectrogram.")
    info.add_argument("input", metavar="IN")
    info.add_argument("--json", action="store_true",
                      help="print one JSON object")
    _add_property_options(info, ("Analysis",))
    info.set_defaults(func=cmd_info)

    live = sub.add_parser("live", formatter_class=fmt,
                          help="scrolling spectrogram of the microphone",
                          description="Show a scrolling mel spectrogram of "
                          "live audio until Ctrl-C.")
    live.add_argument("--source", default="autoaudiosrc",
                      help="GStreamer source description")
    live.add_argument("--sink", default="autovideosink",
                      help="GStreamer video sink description")
    live.add_argument("--duration", type=float, default=0.0,
                      help="stop after this many seconds (0 = until Ctrl-C)")
    _add_property_options(live, ("Analysis", "Picture", "Speed"))
    live.set_defaults(func=cmd_live)
    return parser


def _version() -> str:
    from . import __version__
    return __version__


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    return text or type(err).__name__


def _show_warning(message: Any, category: Any, filename: str, lineno: int,
                  file: Any = None, line: Any = None) -> None:
    print(f"{PROG}: warning: {_one_line(message)}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command with ``argv`` (default: sys.argv[1:]); returns the
    exit status."""
    from .errors import MelSpecError
    try:
        parser = build_parser()      # its options come from the element
    except MelSpecError as err:
        print(f"{PROG}: error: {_one_line(err)}", file=sys.stderr)
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
        print(f"{PROG}: error: {_one_line(err)}", file=sys.stderr)
        return 1
