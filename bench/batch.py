#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Files per second of `melspecx batch`: one job, two jobs, a Dask cluster.

    meson devenv -C BUILD -w . /usr/bin/python3 bench/batch.py [--files 20]
        [--rounds 5] [--format png] [--workers 2] [--quick]

Makes --files short files (5-25 s of speech over music from
bench/peers_audio.py, FLAC and MP3 alternately), then runs in alternating
rounds, each a whole `melspecx batch` process writing into an empty folder:

  -j 1, -j 2                  threads on this machine
  --scheduler ADDRESS         a Dask LocalCluster of --workers worker
                              processes of one thread each

and prints, per command, the median wall time, the files/s it gives and
the ratio to -j 1's files/s, as a markdown table.  The cluster is started
before each Dask run and closed after it, and its start-up is not counted
(a real one would be running already); each command's own start-up
(Python, GStreamer, connecting) is.

A second table times the files alone: the same `melspecx batch -j 1` and
`-j 2`, run in a process that has loaded Python, GStreamer and the
command already, so that the start-up that no number of jobs shortens is
left out.  Beside it, the same files are decoded only (`filesrc !
decodebin ! fakesink`, largest first, one pipeline a file on -j threads
of a started process): decoding is about half of a short file's cost,
and how far two threads speed up decoding alone on this machine shows
what `-j 2` can be expected to give.

The tables give the cores a command kept busy (its CPU seconds over its
wall seconds; not for Dask, whose work is in the cluster's processes).
One job can keep more than one core busy (decoding and analysis run on
two threads), so with C CPUs no number of jobs can give more than
C / (cores busy at -j 1) times its files/s: the last line prints that
ceiling.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import importlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import peers_audio  # noqa: E402


def make_files(folder: Path, count: int, work: Path) -> list[Path]:
    """``count`` cuts of the peers' piece, 5 to 25 s long, FLAC and MP3."""
    piece = peers_audio.make_piece(work)
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(count):
        seconds = 5 + (i * 7) % 21
        start = (i * 11) % 40
        ext = ("flac", "mp3")[i % 2]
        out = folder / f"clip{i:02d}.{ext}"
        if not out.exists():
            subprocess.run(["sox", str(piece), str(out), "trim", str(start),
                            str(seconds)], check=True)
        files.append(out)
    return files


def cpu_seconds(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of ``command``, a process of its own."""
    cpu = cpu_seconds(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return (time.monotonic() - start,
            cpu_seconds(resource.RUSAGE_CHILDREN) - cpu)


def started_child(*args: object) -> tuple[float, float]:
    """Wall and CPU seconds that this script, run with ``args`` (--files-alone
    or --decode-alone), measured in a process of its own once it had started
    (see the module's text)."""
    proc = subprocess.run(
        [sys.executable, __file__, *map(str, args)], check=True,
        capture_output=True, text=True)
    wall, cpu = proc.stdout.split()[-2:]
    return float(wall), float(cpu)


def files_alone_child(inputs: Path, out: Path, fmt: str, jobs: int) -> int:
    """--files-alone: runs `melspecx batch` in this process once Python,
    GStreamer and the command's options are loaded, and prints the seconds
    it took."""
    from melspecx import cli
    cli.build_parser()          # the start-up left out: Gst.init, the element
    cpu = cpu_seconds(resource.RUSAGE_SELF)
    start = time.monotonic()
    status = cli.main(["batch", str(inputs), str(out), "--format", fmt,
                       "-j", str(jobs)])
    print(f"{time.monotonic() - start:.4f} "
          f"{cpu_seconds(resource.RUSAGE_SELF) - cpu:.4f}")
    return status


def decode_alone_child(inputs: Path, jobs: int) -> int:
    """--decode-alone: the files of ``inputs``, largest first as `melspecx
    batch` takes them, each through `filesrc ! decodebin ! fakesink` on
    one of ``jobs`` threads; prints the seconds it took."""
    import concurrent.futures
    import gi
    gi.require_version("Gst", "1.0")
    from gi.repository import Gst
    Gst.init(None)
    files = sorted(inputs.iterdir(), key=lambda p: p.stat().st_size,
                   reverse=True)

    def decode(path: Path) -> None:
        pipeline = Gst.parse_launch("filesrc name=src ! decodebin ! fakesink")
        pipeline.get_by_name("src").set_property("location", str(path))
        pipeline.set_state(Gst.State.PLAYING)
        msg = pipeline.get_bus().timed_pop_filtered(
            60 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
        pipeline.set_state(Gst.State.NULL)
        if msg is None:
            raise RuntimeError(f"{path}: not decoded within 60 s")
        if msg.type == Gst.MessageType.ERROR:
            raise RuntimeError(f"{path}: {msg.parse_error()[0].message}")

    cpu = cpu_seconds(resource.RUSAGE_SELF)
    start = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(decode, files))
    print(f"{time.monotonic() - start:.4f} "
          f"{cpu_seconds(resource.RUSAGE_SELF) - cpu:.4f}")
    return 0


@contextlib.contextmanager
def dask_cluster(workers: int):
    """A Dask LocalCluster of ``workers`` one-thread processes, started
    before and closed after the one command that uses it: idle, its
    processes still take ~5 % of this machine's two cores (heartbeats),
    which would be taken from the commands timed without it."""
    from distributed import Client, LocalCluster
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1,
                           processes=True, dashboard_address=None)
    try:
        # Warm, as a cluster that has served before: GStreamer loaded and
        # the package imported in every worker.
        with Client(cluster.scheduler_address) as client:
            client.run(importlib.import_module, "melspecx.dataset")
            client.run(importlib.import_module, "melspecx.pipeline")
        yield cluster.scheduler_address
    finally:
        cluster.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--format", default="png",
                        choices=("png", "npy", "both"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quick", action="store_true",
                        help="4 files, one round: proves the script works")
    parser.add_argument("--workdir", type=Path,
                        default=Path(tempfile.gettempdir()) / "melspecx-batch")
    parser.add_argument("--files-alone", nargs=4,
                        metavar=("IN", "OUT", "FORMAT", "J"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--decode-alone", nargs=2, metavar=("IN", "J"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.decode_alone:
        return decode_alone_child(Path(args.decode_alone[0]),
                                  int(args.decode_alone[1]))
    if args.files_alone:
        inputs, out, fmt, jobs = args.files_alone
        return files_alone_child(Path(inputs), Path(out), fmt, int(jobs))
    if args.quick:
        args.files, args.rounds = 4, 1
    # The package byte-compiled, as `meson install` leaves it: with
    # PYTHONDONTWRITEBYTECODE set, every run would compile the modules.
    import melspecx
    compileall.compile_dir(str(Path(melspecx.__file__).parent), quiet=1)
    inputs = args.workdir / f"in-{args.files}"
    files = make_files(inputs, args.files, args.workdir)
    seconds = sum(float(subprocess.run(
        ["soxi", "-D", str(f)], check=True, capture_output=True,
        text=True).stdout) for f in files)

    base = [sys.executable, "-m", "melspecx", "batch", str(inputs)]
    commands = {
        "-j 1": ["-j", "1"],
        "-j 2": ["-j", "2"],
        f"Dask, {args.workers} workers": ["--scheduler"],
    }
    runs: dict[str, list[tuple[float, float]]] = {name: []
                                                  for name in commands}
    alone: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
    decoding: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
    out = args.workdir / "out"
    try:
        for _ in range(args.rounds):
            for jobs in alone:
                shutil.rmtree(out, ignore_errors=True)
                alone[jobs].append(started_child(
                    "--files-alone", inputs, out, args.format, jobs))
                decoding[jobs].append(started_child(
                    "--decode-alone", inputs, jobs))
            for name, extra in commands.items():
                shutil.rmtree(out, ignore_errors=True)
                command = base + [str(out), "--format", args.format] + extra
                if "--scheduler" in extra:
                    with dask_cluster(args.workers) as address:
                        runs[name].append(timed(command + [address]))
                else:
                    runs[name].append(timed(command))
                written = len(list(out.iterdir()))
                expected = args.files * (1 if args.format == "png" else
                                         2 if args.format == "npy" else 3)
                if written != expected:
                    raise SystemExit(f"{name}: {written} outputs, "
                                     f"expected {expected}")
    finally:
        shutil.rmtree(out, ignore_errors=True)
    print(f"{args.files} files, {seconds:.0f} s of audio, --format "
          f"{args.format}, medians of {args.rounds} alternating rounds, "
          f"{os.cpu_count()} CPUs\n")
    print("| command | wall | files/s | vs -j 1 | cores busy |")
    print("|---|---:|---:|---:|---:|")
    rows = {f"`melspecx batch {name}`": (times, "Dask" not in name)
            for name, times in runs.items()}
    busy = table(rows, args.files)
    print("\nThe files alone, in a process already started:\n")
    print("| -j | wall | files/s | vs -j 1 | cores busy |")
    print("|---|---:|---:|---:|---:|")
    alone_busy = table({str(jobs): (times, True)
                        for jobs, times in alone.items()}, args.files)
    print("\nThe same files decoded only (`filesrc ! decodebin ! fakesink`),"
          " in a process already started:\n")
    print("| -j | wall | files/s | vs -j 1 | cores busy |")
    print("|---|---:|---:|---:|---:|")
    table({str(jobs): (times, True) for jobs, times in decoding.items()},
          args.files)
    cpus = os.cpu_count() or 1
    print(f"\nCeiling for any number of jobs on {cpus} CPUs: "
          f"{cpus / busy:.2f} × (whole commands), "
          f"{cpus / alone_busy:.2f} × (the files alone).")
    return 0


def table(rows: dict[str, tuple[list[tuple[float, float]], bool]],
          files: int) -> float:
    """Prints one markdown row per command: its median wall, files/s, the
    ratio to the first row's files/s, and (where ``True``) the median of
    CPU over wall.  Returns the first row's cores busy."""
    first_rate = first_busy = 0.0
    for name, (times, with_cpu) in rows.items():
        wall = statistics.median(t[0] for t in times)
        busy = statistics.median(t[1] / t[0] for t in times)
        rate = files / wall
        if not first_rate:
            first_rate, first_busy = rate, busy
        print(f"| {name} | {wall:.2f} s | {rate:.1f} | "
              f"{rate / first_rate:.2f} × | "
              f"{f'{busy:.2f}' if with_cpu else '—'} |")
    return first_busy


if __name__ == "__main__":
    sys.exit(main())
