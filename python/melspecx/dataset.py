# SPDX-License-Identifier: MIT
"""A folder of audio files turned into pictures and feature files on disk.

What ``melspecx batch`` does for each file, whether its threads run it or
the workers of a Dask cluster (:mod:`melspecx.dask`): where each output
goes, when a file counts as done (every output exists, so a re-run skips
it), and how outputs are written (a hidden temporary file in the same
folder, renamed over the name: an interrupted run leaves no half file under
the output's name).

Outputs of a file ``NAME.EXT``:

- ``png``: ``NAME.png``, the element's picture (its parameters in a tEXt
  chunk, see ``melspecx info``).
- ``npy``: ``NAME.npy``, the float32 dB matrix that
  :func:`melspecx.mel_spectrogram_db_from_path` returns, shape
  ``(n_mels, frames)`` or ``(lanes, n_mels, frames)`` for
  ``channel_mode="separate"`` (2+ channels) and ``"mid-side"``; and
  ``NAME.json``, its parameters, written last.
- ``both``: all three, from one decoding of the file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import os
import stat
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from .errors import MelSpecError

FORMATS = ("png", "npy", "both")
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".m4a",
                  ".aac", ".aif", ".aiff", ".wv", ".webm", ".mka")
#: Temporary outputs are hidden files with this prefix in the output folder.
TEMPORARY_PREFIX = ".melspecx-"
#: MelConfig fields that change speed, not numbers: left out of sidecars.
_SPEED_FIELDS = ("chunk_size", "backend", "device_index")


def find_inputs(in_dir: str | os.PathLike[str],
                pattern: str | None = None) -> list[Path]:
    """The files of ``in_dir`` matching the glob ``pattern`` (relative to
    it, ``**`` recursing), or without one the files with a known audio
    extension; sorted.  Raises MelSpecError when the folder is missing or
    nothing matches."""
    folder = Path(in_dir)
    if not folder.is_dir():
        raise MelSpecError(f"input directory {str(folder)!r} does not exist")
    files = sorted(p for p in folder.glob(pattern or "*") if p.is_file()
                   and (pattern or p.suffix.lower() in AUDIO_SUFFIXES))
    if not files:
        raise MelSpecError(f"no files match {pattern or '*'!r} in "
                           f"{str(folder)!r}")
    return files


def output_stems(files: list[Path], in_dir: str | os.PathLike[str],
                 out_dir: str | os.PathLike[str], fmt: str = "png"
                 ) -> list[Path]:
    """``OUT_DIR/NAME`` for each ``IN_DIR/NAME.EXT`` (sub-folders kept); the
    outputs append ``.png``, ``.npy`` and ``.json``.  Inputs that differ
    only in their extension (a.flac, a.opus) keep it (``a.flac``,
    ``a.opus``), so that no output overwrites another; names that still
    collide are refused, naming both inputs."""
    relative = [f.relative_to(in_dir) for f in files]
    plain = [r.with_suffix("") for r in relative]
    counts: dict[Path, int] = {}
    for name in plain:
        counts[name] = counts.get(name, 0) + 1
    names = [r if counts[p] > 1 else p for r, p in zip(relative, plain)]
    seen: dict[Path, Path] = {}
    for f, name in zip(files, names):
        if name in seen:
            shown = outputs(name, fmt)[-1]
            raise MelSpecError(f"{str(seen[name])!r} and {str(f)!r} would "
                               f"both be written to {str(shown)!r}; rename "
                               "one or select with --pattern")
        seen[name] = f
    return [Path(out_dir) / name for name in names]


def check_format(fmt: str) -> None:
    """Raises MelSpecError unless ``fmt`` is one of FORMATS."""
    if fmt not in FORMATS:
        raise MelSpecError(f"format {fmt!r} is not one of "
                           + ", ".join(FORMATS))


def outputs(stem: Path, fmt: str) -> list[Path]:
    """The files a run in format ``fmt`` writes for ``stem``; the one that
    completes a file comes last."""
    check_format(fmt)
    png = [_suffixed(stem, ".png")] if fmt in ("png", "both") else []
    npy = [_suffixed(stem, ".npy"), _suffixed(stem, ".json")] \
        if fmt in ("npy", "both") else []
    return npy + png


def _suffixed(stem: Path, suffix: str) -> Path:
    return stem.with_name(stem.name + suffix)


def is_done(stem: Path, fmt: str) -> bool:
    """Whether every output of ``stem`` exists."""
    return all(p.exists() for p in outputs(stem, fmt))


@dataclasses.dataclass(frozen=True)
class FileResult:
    """What became of one input.

    Attributes:
        source: the input's path.
        status: ``"written"``, ``"skipped"`` (its outputs existed) or
            ``"failed"``.
        error: the one-line reason of a failure, else None.
        seconds: the audio's duration (0.0 when skipped or failed).
    """

    source: str
    status: str
    error: str | None = None
    seconds: float = 0.0


def process(source: Path, stem: Path, fmt: str, props: Mapping[str, Any],
            *, force: bool = False, timeout: float | None = None,
            progress: Callable[[float, float | None], None] | None = None
            ) -> FileResult:
    """Write the outputs of ``source`` (see the module's text), unless they
    all exist and ``force`` is false.

    Args:
        props: melspecx properties by snake_case name (checked by the
            caller); ``mode`` is set here.
        progress: called with (position_s, duration_s) about ten times a
            second while the file is decoded; an exception it raises
            stops the file.

    Raises:
        MelSpecError: the file cannot be decoded or an output written; the
            outputs already written for it stay (a re-run redoes the file).
    """
    from .pipeline import DEFAULT_TIMEOUT
    timeout = DEFAULT_TIMEOUT if timeout is None else timeout
    if not force and is_done(stem, fmt):
        return FileResult(str(source), "skipped")
    for path in outputs(stem, fmt):
        with contextlib.suppress(OSError):  # an output not written yet
            if os.path.samefile(source, path):
                raise MelSpecError(f"{str(path)!r} is the input file: the "
                                   "output would replace the audio")
    stem.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "png":
        from . import mel_spec_from_path
        png = mel_spec_from_path(source, progress=progress, timeout=timeout,
                                 **props)
        return _finish(source, stem, png, None)
    features, png = _features(source, props, fmt == "both", timeout,
                              progress)
    return _finish(source, stem, png, features)


def _finish(source: Path, stem: Path, png: bytes | None,
            features: tuple[Any, dict[str, Any]] | None) -> FileResult:
    """Writes the outputs, the one that completes the file last."""
    seconds = 0.0
    if features is not None:
        db, sidecar = features
        buffer = io.BytesIO()
        import numpy as np
        np.save(buffer, db, allow_pickle=False)
        write_atomically(_suffixed(stem, ".npy"), buffer.getvalue())
        write_atomically(_suffixed(stem, ".json"),
                         (json.dumps(sidecar, indent=1) + "\n").encode())
        seconds = sidecar["frames"] / sidecar["frame_rate"]
    if png is not None:
        write_atomically(_suffixed(stem, ".png"), png)
        from .pngmeta import parse_metadata
        seconds = float(parse_metadata(png, str(source))[0]
                        .meta.get("duration", seconds))
    return FileResult(str(source), "written", None, seconds)


def _features(source: Path, props: Mapping[str, Any], with_png: bool,
              timeout: float,
              progress: Callable[[float, float | None], None] | None
              ) -> tuple[tuple[Any, dict[str, Any]], bytes | None]:
    """The dB matrix of ``source`` with its sidecar, and with ``with_png``
    its picture too, from one decoding."""
    from . import pipeline
    from .api import db_of_file
    from .config import _fields, config_values
    from .properties import properties
    # the numbers mel_spectrogram_db_from_path gives for these options:
    # its MelConfig fields (a preset's floor included), the element's
    # properties for the rest (ref-mode)
    fields = set(_fields())
    values = config_values({k: v for k, v in props.items() if k in fields})
    raw, png, audio = pipeline.features_of_file(source, dict(props),
                                                with_png, timeout, progress)
    db = db_of_file(raw, values)
    values["ref_mode"] = props.get("ref_mode",
                                   properties()["ref_mode"].default)
    sidecar = _sidecar(source, values, db, audio)
    return (db, sidecar), png


def _sidecar(source: Path, values: Mapping[str, Any], db: Any,
             audio: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters of a feature file: what produced the numbers, not how
    fast (backend, chunk size) nor how they would be drawn."""
    from .config import _fields
    from . import __version__
    analysis = {key: values[key] for key in [*_fields(), "ref_mode"]
                if key in values and key not in _SPEED_FIELDS}
    return {
        "version": __version__,
        "source": source.name,
        "shape": list(db.shape),
        "dtype": "float32",
        "axes": (["lane"] if db.ndim == 3 else []) + ["mel", "frame"],
        "sample_rate": audio["sample_rate"],
        "channels": audio["channels"],
        "frames": int(db.shape[-1]),
        "frame_rate": audio["sample_rate"] / values["hop_length"],
        "parameters": analysis,
    }


# -- writing whole files ---------------------------------------------------

def write_atomically(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same directory, renamed over
    ``path`` at the end, so that a failed run leaves no partial output
    (which a re-run would skip as done).

    The file gets the mode any program would give it: a new one 0666
    less the umask (the kernel applies it to os.open's mode), an existing
    one keeps its own.  A symbolic link is written through (its target
    gets the data, as cp does), and an output that is not a regular
    file (/dev/null, a FIFO) is written into, never renamed over: as root
    that would replace the device node.

    Raises:
        MelSpecError: "cannot write 'PATH': REASON".
    """
    try:
        found = os.stat(path)
    except OSError:
        found = None
    if found is not None and not stat.S_ISREG(found.st_mode):
        try:
            with open(path, "wb") as out:
                out.write(data)
        except OSError as err:
            raise _cannot_write(path, err) from None
        return
    if os.path.islink(path):
        path = Path(os.path.realpath(path))
    directory = path.parent if str(path.parent) else Path(".")
    keep_mode = stat.S_IMODE(found.st_mode) if found is not None else None
    try:
        fd, tmp = _create_temporary(directory, path.suffix)
    except OSError as err:
        raise _cannot_write(path, err) from None
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            if keep_mode is not None:
                os.fchmod(out.fileno(), keep_mode)
        os.replace(tmp, path)
    except OSError as err:
        os.unlink(tmp)
        raise _cannot_write(path, err) from None
    except BaseException:
        os.unlink(tmp)
        raise


def _cannot_write(path: Path, err: OSError) -> MelSpecError:
    return MelSpecError(f"cannot write {str(path)!r}: {err.strerror or err}")


def _create_temporary(directory: Path, suffix: str) -> tuple[int, str]:
    """A new hidden file in ``directory``, created with mode 0666 (so the
    umask applies; tempfile.mkstemp would force 0600)."""
    while True:
        name = os.path.join(
            directory, f"{TEMPORARY_PREFIX}{os.urandom(6).hex()}{suffix}")
        try:
            return os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL
                           | os.O_CLOEXEC, 0o666), name
        except FileExistsError:
            continue


def remove_temporaries(folders: Iterable[Path]) -> int:
    """Remove the temporary outputs left in ``folders`` by processes that
    were killed while writing (a dead cluster worker); call it when no run
    writes there any more.  Returns how many were removed."""
    removed = 0
    for folder in set(folders):
        with contextlib.suppress(OSError):
            for entry in os.scandir(folder):
                if entry.name.startswith(TEMPORARY_PREFIX) and \
                        entry.is_file(follow_symlinks=False):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(entry.path)
                        removed += 1
    return removed
