# SPDX-License-Identifier: MIT
"""melspecx on a Dask cluster: a dataset's pictures and features, written
by the cluster's workers to a folder they all share.

::

    from distributed import Client
    import melspecx.dask
    client = Client("tcp://scheduler:8786")
    summary = melspecx.dask.batch(client, "/data/audio", "/data/mels",
                                  format="npy", n_mels=80)
    print(summary.line())

Each task takes a group of files (many small files make one task, so
the scheduler is not paid per file) and runs melspecx on its worker, one
GStreamer pipeline per file, exactly as ``melspecx batch`` does on one
machine (:mod:`melspecx.dataset`): outputs are written under a temporary
name and renamed, a file whose outputs all exist is skipped, and a file
that fails is reported with its one-line error without failing the job.
A task lost with its worker is run again elsewhere; the files it had
finished are skipped there, so every output is written once.

The workers need what a machine running ``melspecx batch`` needs: the
melspecx plugin and this package (the same version on every host) and
read access to the inputs and write access to the output folder under
the same paths.
"""

from __future__ import annotations

import dataclasses
import glob
import math
import os
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from . import dataset
from .errors import MelSpecError, one_line

#: At most this many files in one task: a task lost with its worker
#: costs at most this many files' work again.
MAX_FILES_PER_TASK = 64
#: Tasks per worker thread when the group size is chosen: enough to keep
#: every thread busy to the end while the slower files finish.
TASKS_PER_THREAD = 4


@dataclasses.dataclass
class Summary:
    """What a batch did.

    Attributes:
        written: the inputs whose outputs were written.
        skipped: the inputs whose outputs all existed.
        failed: (input, one-line error) for each input that failed.
        audio_seconds: the duration of the written inputs' audio.
        wall: seconds from the call to the last result.
    """

    written: list[str] = dataclasses.field(default_factory=list)
    skipped: list[str] = dataclasses.field(default_factory=list)
    failed: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    audio_seconds: float = 0.0
    wall: float = 0.0

    def add(self, result: dataset.FileResult) -> None:
        if result.status == "written":
            self.written.append(result.source)
            self.audio_seconds += result.seconds
        elif result.status == "skipped":
            self.skipped.append(result.source)
        else:
            self.failed.append((result.source, result.error or "failed"))

    def line(self) -> str:
        """``N written, N skipped (already exist), N failed``, with the
        audio's duration and the wall time."""
        return (f"{len(self.written)} written, {len(self.skipped)} skipped "
                f"(already exist), {len(self.failed)} failed; "
                f"{self.audio_seconds:.1f} s of audio in {self.wall:.2f} s")


def resolve_inputs(inputs: str | os.PathLike[str] | Iterable[Any],
                   pattern: str | None = None,
                   in_dir: str | os.PathLike[str] | None = None
                   ) -> tuple[list[Path], Path]:
    """The input files and the folder their output names are relative to.

    ``inputs`` is a folder (its audio files, or those matching the glob
    ``pattern``), a glob (``"/data/**/*.flac"``), or a list of files; the
    outputs of a list or a glob keep the sub-folders below ``in_dir``
    (default: the deepest folder holding them all)."""
    if isinstance(inputs, (str, os.PathLike)) and \
            os.path.isdir(os.fspath(inputs)):
        return dataset.find_inputs(inputs, pattern), Path(inputs)
    if isinstance(inputs, (str, os.PathLike)):
        expression = os.fspath(inputs)
        files = sorted(Path(p) for p in glob.glob(expression, recursive=True)
                       if os.path.isfile(p))
        if not files:
            raise MelSpecError(f"no files match {expression!r}")
    else:
        files = [Path(p) for p in inputs]
        if not files:
            raise MelSpecError("no input files were given")
    files = [f.absolute() for f in files]
    root = Path(in_dir).absolute() if in_dir is not None else \
        Path(os.path.commonpath([f.parent for f in files]))
    outside = [f for f in files if root not in f.parents]
    if outside:
        raise MelSpecError(f"{str(outside[0])!r} is not inside "
                           f"{str(root)!r}")
    return files, root


def group_size(n_files: int, threads: int) -> int:
    """Files per task: about TASKS_PER_THREAD tasks per worker thread, at
    most MAX_FILES_PER_TASK files each."""
    per_task = math.ceil(n_files / max(1, threads * TASKS_PER_THREAD))
    return max(1, min(MAX_FILES_PER_TASK, per_task))


def run_group(jobs: Sequence[tuple[str, str]], fmt: str,
              props: dict[str, Any], force: bool,
              timeout: float | None) -> list[dataset.FileResult]:
    """One task, on a worker: every (input, output stem) of the group in
    turn; a failure is recorded and the next file goes on."""
    results = []
    for source, stem in jobs:
        try:
            results.append(dataset.process(Path(source), Path(stem), fmt,
                                           props, force=force,
                                           timeout=timeout))
        except Exception as err:  # noqa: BLE001 — reported, never fatal
            results.append(dataset.FileResult(source, "failed",
                                              one_line(err)))
    return results


def batch(client: Any, inputs: str | os.PathLike[str] | Iterable[Any],
          out_dir: str | os.PathLike[str], *, format: str = "png",
          pattern: str | None = None,
          in_dir: str | os.PathLike[str] | None = None, force: bool = False,
          files_per_task: int | None = None, timeout: float | None = None,
          on_result: Callable[[dataset.FileResult, int, int], None]
          | None = None, **props: Any) -> Summary:
    """Write the pictures and/or features of ``inputs`` into ``out_dir``
    on the workers of ``client`` (a ``distributed.Client``).

    Args:
        inputs: a folder, a glob or a list of files (:func:`resolve_inputs`).
        out_dir: where the outputs go, the input names' sub-folders kept;
            the workers must see it under this path.
        format: ``"png"``, ``"npy"`` (float32 dB matrix and a JSON
            sidecar) or ``"both"``; see :mod:`melspecx.dataset`.
        force: write files whose outputs exist.
        files_per_task: files in one task; None chooses from the number of
            inputs and worker threads (:func:`group_size`).
        timeout: seconds without progress before a file is given up.
        on_result: called on the client with (result, done, total) as
            each file's result arrives.
        **props: melspecx properties by snake_case name, as for
            :func:`melspecx.mel_spec_from_path`.

    Returns:
        A :class:`Summary`.  Temporary files left by killed workers are
        removed before it returns.

    Raises:
        MelSpecParameterError: a bad property (before any task is sent).
        MelSpecError: no inputs, or two inputs that would share outputs.
    """
    from .api import element_keywords
    from distributed import as_completed
    start = time.monotonic()
    props = element_keywords(dict(props))
    dataset.check_format(format)
    files, root = resolve_inputs(inputs, pattern, in_dir)
    stems = dataset.output_stems(files, root, Path(out_dir).absolute(),
                                 format)
    jobs = [(str(f), str(s)) for f, s in zip(files, stems)]
    threads = sum(client.nthreads().values()) or 1
    size = files_per_task or group_size(len(jobs), threads)
    if size < 1:
        raise MelSpecError(f"files_per_task is {size} but must be 1 or more")
    groups = [jobs[i:i + size] for i in range(0, len(jobs), size)]
    futures = {client.submit(run_group, group, format, props, force,
                             timeout, pure=False): group for group in groups}
    summary = Summary()
    try:
        for future in as_completed(futures):
            for result in _results(future, futures[future]):
                summary.add(result)
                if on_result is not None:
                    on_result(result, len(summary.written)
                              + len(summary.skipped) + len(summary.failed),
                              len(jobs))
    finally:
        client.cancel(list(futures))
    # Every task has ended: what is left under a temporary name was being
    # written by a worker that died.
    dataset.remove_temporaries({s.parent for s in stems})
    summary.wall = time.monotonic() - start
    return summary


def _results(future: Any, group: Sequence[tuple[str, str]]
             ) -> list[dataset.FileResult]:
    """A task's results; a task the cluster gave up on (its workers kept
    dying, e.g. out of memory) fails its files, not the job."""
    try:
        return future.result()
    except Exception as err:  # noqa: BLE001 — the job goes on
        return [dataset.FileResult(source, "failed", one_line(err))
                for source, _ in group]
