#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""melspecx against its peers: the same audio file to a 1024x256 picture.

Every command runs as its own process on the same input; the commands are
run in turn, one run each per round (the first command of a round rotates),
so that a slow spell of a shared machine falls on all of them alike.  For
each command the median of --runs rounds is reported: wall time, CPU time
(user + system of the process and the children it waited for) and peak RSS,
all from os.wait4, as absolute values and as ratios to decoding the same
file with GStreamer (decodebin into fakesink).  A ratio is the median of
each round's ratio to that round's decoding run: a round that the machine
slowed for every command then does not move it, where a ratio of medians
may take its two medians from different rounds.  Every run's picture is
checked (a PNG of the expected size); a command that fails is reported as
failed, not timed.

Inputs (made once and cached in --workdir, default /tmp/melspecx-peers):
speech over synthesised music (bench/peers_audio.py), a 7-minute MP3, a
1-hour FLAC and a 10-hour WAV; --quick uses 5, 10 and 20 seconds and one
run, to prove the script works.

Run it after the README's set-up (scripts/demo.sh builds ./build; the peers
are installed by scripts/deps.sh --test, which scripts/test.sh runs):

    /usr/bin/python3 bench/peers.py                    # all inputs, 5 runs
    /usr/bin/python3 bench/peers.py --inputs mp3 --runs 7
    /usr/bin/python3 bench/peers.py --quick            # seconds, not hours
    meson devenv -C build -w . /usr/bin/python3 bench/peers.py   # same

Without --build, the environment's melspecx is used when GStreamer finds
one, else the uninstalled build in ./build.  Writes a markdown report
(--out-md, default docs/benchmarks.md) and a bar chart of wall-time ratios
(--out-png, default docs/benchmarks.png); --quick writes both into the work
directory unless told otherwise.  Exit status 1 when a melspecx command
fails (a peer's failure is reported, not fatal).
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import peers_audio  # noqa: E402

PYTHON = "/usr/bin/python3"
WIDTH, HEIGHT = 1024, 256
# sox's spectrogram computes an FFT of 2 * (height - 1) points and is fast
# only for a power of two: -y 256 takes about 25 times as long as -y 257
# here.  Its picture is one row taller rather than needlessly slow.  Its
# width may fall a few pixels short of -x when it cannot know the duration
# in advance (a short MP3): its manual calls -x a maximum.
SOX_HEIGHT = 257

DURATIONS = {"mp3": 7 * 60, "flac": 3600, "wav": 10 * 3600}
QUICK_DURATIONS = {"mp3": 5, "flac": 10, "wav": 20}

PY_CALL = ("import sys, melspecx; open(sys.argv[2], 'wb').write("
           "melspecx.mel_spec_from_path(sys.argv[1]))")


@dataclass
class Command:
    key: str
    label: str
    argv: list            # with "{in}" and "{out}" placeholders
    size: tuple | None    # expected PNG size; None: no picture (decode)
    ours: bool            # a melspecx command (its failure fails the run)
    slack: int = 0        # pixels the width may fall short by

    def render(self, src: Path, out: Path) -> list:
        return [a.replace("{in}", str(src)).replace("{out}", str(out))
                for a in self.argv]

    def shown(self) -> str:
        """The command as one would type it in a shell, from the root of
        the repository."""
        words = []
        for word in self.render(Path("IN"), Path("OUT.png")):
            word = word.replace(str(ROOT) + os.sep, "")
            if re.fullmatch(r"[\w@%+=:,./!-]+", word):
                words.append(word)
            elif not re.search(r'["$`\\]', word):
                words.append('"%s"' % word)
            else:
                words.append(shlex.quote(word))
        return " ".join(words)


def commands(cli_argv: list) -> list:
    gst = ["gst-launch-1.0", "-q", "filesrc", "location={in}", "!",
           "decodebin", "!"]
    # The README's line: pngenc at zlib level 1 (docs/performance.md, PNG).
    png = ["!", "pngenc", "compression-level=1", "!", "filesink",
           "location={out}"]
    return [
        Command("decode", "decode only (GStreamer)", gst + ["fakesink"],
                None, True),
        Command("melspecx", "melspecx pipeline (pngenc level 1)",
                gst + ["melspecx"] + png, (WIDTH, HEIGHT), True),
        Command("melspecx-png6", "melspecx pipeline, pngenc's default level 6",
                gst + ["melspecx", "!", "pngenc", "!", "filesink",
                       "location={out}"], (WIDTH, HEIGHT), True),
        Command("melspecx-cpu", "melspecx pipeline, backend=cpu",
                gst + ["melspecx", "backend=cpu"] + png, (WIDTH, HEIGHT),
                True),
        Command("python", "Python mel_spec_from_path",
                [PYTHON, "-c", PY_CALL, "{in}", "{out}"], (WIDTH, HEIGHT),
                True),
        Command("cli", "melspecx generate",
                cli_argv + ["generate", "{in}", "{out}"], (WIDTH, HEIGHT),
                True),
        Command("sox", "sox spectrogram",
                ["sox", "-V1", "{in}", "-n", "remix", "-", "spectrogram",
                 "-x", str(WIDTH), "-y", str(SOX_HEIGHT), "-r", "-o",
                 "{out}"], (WIDTH, SOX_HEIGHT), False, slack=WIDTH // 100),
        Command("ffmpeg", "ffmpeg showspectrumpic",
                ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i",
                 "{in}", "-lavfi",
                 "showspectrumpic=s=%dx%d:legend=0" % (WIDTH, HEIGHT),
                 "{out}"], (WIDTH, HEIGHT), False),
        Command("torch", "torchaudio + matplotlib + PIL",
                [PYTHON, str(HERE / "peers_torch.py"), "{in}", "{out}"],
                (WIDTH, HEIGHT), False),
    ]


# -- running one process --------------------------------------------------------

@dataclass
class Run:
    wall: float
    cpu: float
    rss_mb: float
    error: str = ""       # empty when the run succeeded


def png_size(path: Path):
    """(width, height) from a PNG's IHDR, or None when it is not a PNG."""
    try:
        head = path.read_bytes()[:24]
    except OSError:
        return None
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or \
            head[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", head[16:24])


def spawn_and_wait(argv: list, env: dict, err_path: Path, timeout: float):
    """Runs @argv with stdin and stdout on /dev/null and stderr in
    @err_path; returns (wall seconds, wait status, rusage, timed out)."""
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
        (os.POSIX_SPAWN_OPEN, 2, str(err_path),
         os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644),
    ]
    killed = threading.Event()
    start = time.monotonic()
    pid = os.posix_spawnp(argv[0], argv, env, file_actions=actions)

    def kill():
        killed.set()
        os.kill(pid, signal.SIGKILL)
    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        _, status, usage = os.wait4(pid, 0)
    finally:
        timer.cancel()
    return time.monotonic() - start, status, usage, killed.is_set()


def run_once(cmd: Command, src: Path, out: Path, env: dict, timeout: float):
    if out.exists():
        out.unlink()
    err_path = out.with_suffix(".stderr")
    try:
        wall, status, usage, timed_out = spawn_and_wait(
            cmd.render(src, out), env, err_path, timeout)
    except OSError as e:
        return Run(0, 0, 0, "cannot start: %s" % e)
    run = Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)
    code = os.waitstatus_to_exitcode(status)
    if timed_out:
        run.error = "timed out after %g s" % timeout
    elif code != 0:
        tail = err_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        run.error = "exit status %d%s" % (
            code, (": " + tail[-1][:200]) if tail else "")
    elif cmd.size is not None:
        got = png_size(out)
        if got is None:
            run.error = "no PNG written"
        elif not (cmd.size[0] - cmd.slack <= got[0] <= cmd.size[0] and
                  got[1] == cmd.size[1]):
            run.error = "PNG is %dx%d, not %dx%d" % (got + cmd.size)
    return run


# -- the benchmark --------------------------------------------------------------

@dataclass
class Result:
    cmd: Command
    runs: list = field(default_factory=list)
    error: str = ""

    def median(self, attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in self.runs)

    def ratio(self, base: "Result", attr: str) -> float:
        """The median over rounds of this run's ``attr`` over ``base``'s
        run of the same round (a command that failed has no runs)."""
        return statistics.median(getattr(r, attr) / getattr(b, attr)
                                 for r, b in zip(self.runs, base.runs))


def bench_input(name: str, src: Path, cmds: list, args, env: dict,
                out_dir: Path) -> list:
    results = [Result(c) for c in cmds]
    rounds = [("warm-up", i) for i in range(args.warmup)] + \
        [("run", i) for i in range(args.runs)]
    for kind, i in rounds:
        turn = results[i % len(results):] + results[:i % len(results)]
        for res in turn:
            if res.error:
                continue
            out = out_dir / ("%s-%s.png" % (name, res.cmd.key))
            run = run_once(res.cmd, src, out, env, args.timeout)
            if run.error:
                res.error = run.error
                log("  %-13s %s %d: FAILED: %s" % (res.cmd.key, kind, i + 1,
                                                   run.error))
                continue
            if kind == "run":
                res.runs.append(run)
            log("  %-13s %s %d: %7.2f s wall %7.2f s CPU %7.1f MB" % (
                res.cmd.key, kind, i + 1, run.wall, run.cpu, run.rss_mb))
    return results


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


# -- environment ------------------------------------------------------------------

def element_found(env: dict) -> bool:
    return subprocess.run(["gst-inspect-1.0", "melspecx"], env=env,
                          stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def child_env(args) -> tuple:
    """The environment the commands run in, and the melspecx command's
    argv.  GStreamer gets a registry file of its own, so that another
    program's rescan of the shared one never lands in a timed run."""
    env = dict(os.environ)
    env["GST_REGISTRY"] = str(args.workdir / "gst-registry.bin")
    build = args.build
    if build is None and not element_found(env) and \
            (ROOT / "build" / "gst").is_dir():
        build = ROOT / "build"
    if build is not None:
        env["GST_PLUGIN_PATH"] = str(Path(build).resolve() / "gst")
        env["PYTHONPATH"] = os.pathsep.join(
            [str(ROOT / "python")] + [p for p in env.get(
                "PYTHONPATH", "").split(os.pathsep) if p])
    if not element_found(env):
        sys.exit("peers.py: GStreamer finds no melspecx element: build it "
                 "(scripts/demo.sh, or meson setup build && meson compile "
                 "-C build) or pass --build DIR")
    # The package on PYTHONPATH is the one that goes with the plugin found:
    # run its command through the interpreter rather than an installed copy.
    uninstalled = str(ROOT / "python") in env.get("PYTHONPATH", "").split(
        os.pathsep)
    installed = shutil.which("melspecx")
    cli = [installed] if installed and not uninstalled else \
        [PYTHON, "-m", "melspecx"]
    if uninstalled:
        # Byte-compiled, as `meson install` leaves it: with
        # PYTHONDONTWRITEBYTECODE set, every run would compile the modules.
        compileall.compile_dir(str(ROOT / "python" / "melspecx"), quiet=1)
    return env, cli, build


def first_line(argv: list) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True).stdout
    except OSError:
        return "not installed"
    lines = [ln for ln in out.splitlines() if ln.strip()]
    return lines[0].strip() if lines else "?"


def machine() -> list:
    """Lines describing the machine and the versions of every tool."""
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = "?"
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            mem = "%.0f GB" % (int(line.split()[1]) / 1024 ** 2)
    debian = Path("/etc/debian_version")
    system = "Debian %s, " % debian.read_text().strip() if debian.exists() \
        else ""
    py_versions = first_line([PYTHON, "-c", (
        "import importlib.metadata as m; print(', '.join('%s %s' % (p, "
        "m.version(p)) for p in ('torch', 'torchaudio', 'matplotlib', "
        "'Pillow', 'numpy')))")])
    git = subprocess.run(["git", "-C", str(ROOT), "describe", "--always",
                          "--dirty"], capture_output=True, text=True)
    icds = sorted(p.name.split("_icd")[0] for d in
                  ("/usr/share/vulkan/icd.d", "/etc/vulkan/icd.d")
                  if os.path.isdir(d) for p in Path(d).glob("*.json"))
    return [
        "CPU: %s, %d cores; memory %s; %sLinux %s" % (
            cpu, os.cpu_count() or 0, mem, system, platform.release()),
        "melspecx %s; %s; %s; %s" % (
            git.stdout.strip() or "?",
            first_line(["gst-launch-1.0", "--version"])
            .replace("gst-launch-1.0 version", "GStreamer"),
            first_line(["sox", "--version"]).replace("sox:", "").strip(),
            first_line(["ffmpeg", "-version"]).replace(
                "ffmpeg version", "FFmpeg").split(" Copyright")[0]),
        "Python %s: %s" % (platform.python_version(), py_versions),
        "Vulkan drivers installed: %s" % (", ".join(icds) or "none"),
    ]


# -- report ---------------------------------------------------------------------

def fmt(value: float, digits: int = 2) -> str:
    return "%.*f" % (digits, value)


def table_rows(name: str, results: list) -> list:
    base = results[0] if results[0].cmd.key == "decode" and \
        results[0].runs else None
    rows = []
    for res in results:
        if res.error or not res.runs:
            rows.append("| %s | %s | failed: %s |||||||" % (
                name, res.cmd.label, (res.error or "no run").replace(
                    "|", "/")))
            continue
        wall, cpu, rss = (res.median(a) for a in ("wall", "cpu", "rss_mb"))
        if base:
            br = base.median("rss_mb")
            ratios = (fmt(res.ratio(base, "wall")),
                      fmt(res.ratio(base, "cpu")), fmt(rss / br),
                      "%+.1f" % (rss - br))
        else:
            ratios = ("–",) * 4
        rows.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            name, res.cmd.label, fmt(wall), ratios[0], fmt(cpu), ratios[1],
            fmt(rss, 1), ratios[2], ratios[3]))
    return rows


def write_markdown(path: Path, chart: Path, args, inputs: dict,
                   results: dict, cmds: list, about: list,
                   loads: tuple, elapsed: float, spent: dict) -> None:
    lines = [
        "# melspecx and its peers",
        "",
        "Written by `%s` on %s, in %.0f s. Every command "
        "turns the same file into a %dx%d picture (sox: %dx%d, see below) "
        "as a process of its own; the commands take turns, one run each per "
        "round, and the figures are medians of %d round%s%s. Ratios are to "
        "decoding the same file (`decodebin ! fakesink`): the median of "
        "each round's ratio to that round's decoding run (peak RSS: the "
        "ratio of the medians). CPU is user + system time of the process "
        "and its children; peak RSS is the largest resident set of the "
        "process (both from `wait4`)." % (
            " ".join(["bench/peers.py"] + args.argv_shown), datetime.now(timezone.utc).strftime(
                "%Y-%m-%d %H:%M UTC"), elapsed, WIDTH, HEIGHT, WIDTH,
            SOX_HEIGHT, args.runs, "" if args.runs == 1 else "s",
            " after %d untimed warm-up round%s" % (
                args.warmup, "" if args.warmup == 1 else "s")
            if args.warmup else ""),
        "",
        "## Machine",
        "",
    ] + ["- " + a for a in about] + [
        "- load average (1 min) before: %.2f, after: %.2f" % loads,
        "",
        "## Inputs",
        "",
        "Speech (espeak-ng, four voices) over music synthesised with sox "
        "(plucked chords and melody, drums from noise bursts and a swept "
        "sine): a 64-second piece, looped to length. Benchmark time: all "
        "rounds on that input, warm-up included.",
        "",
        "| input | format | duration | size | benchmark time |",
        "|---|---|---|---|---|",
    ]
    for name, src in inputs.items():
        secs = args.durations[name]
        lines.append("| %s | %s | %s | %.1f MB | %.0f s |" % (
            name, peers_audio.describe(name), duration(secs),
            src.stat().st_size / 1e6, spent[name]))
    lines += ["", "## Commands", "", "| command | runs |", "|---|---|"]
    for cmd in cmds:
        lines.append("| %s | `%s` |" % (cmd.label, cmd.shown().replace(
            "|", "\\|")))
    lines += [
        "",
        "The melspecx commands use their defaults (n-fft 2048, hop 512, 128 "
        "Slaney mels up to 8 kHz, 80 dB, inferno). The torchaudio script "
        "(`bench/peers_torch.py`) computes the same mel power and draws it "
        "the same way, streaming the file ten seconds at a time. sox and "
        "ffmpeg draw their own kind of spectrogram (linear frequency) of the "
        "mono mix; sox's height is %d because its FFT is fast only for a "
        "power of two (`-y 256` is about 25 times slower), and its width may "
        "fall up to 1 %% short of `-x` (its manual calls `-x` a maximum)." %
        SOX_HEIGHT,
        "",
        "## Results",
        "",
        "| input | command | wall s | wall × decode | CPU s | CPU × decode "
        "| peak RSS MB | RSS × decode | RSS − decode MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, res in results.items():
        lines += table_rows(name, res)
    lines += ["", "![wall time relative to decoding](%s)" % os.path.relpath(
        chart, path.parent), ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


def duration(secs: float) -> str:
    if secs >= 3600:
        return "%g h" % (secs / 3600)
    if secs >= 60:
        return "%g min" % (secs / 60)
    return "%g s" % secs


def write_chart(path: Path, results: dict, args) -> None:
    """Grouped bars: wall time / decode-only per input and command."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    names = list(results)
    keys = [r.cmd for r in next(iter(results.values()))
            if r.cmd.key != "decode"]
    fig, ax = plt.subplots(figsize=(12, 5.5), dpi=110)
    width = 0.8 / max(1, len(keys))
    colours = plt.get_cmap("tab10")
    top = bottom = 1.0
    for k, cmd in enumerate(keys):
        for i, name in enumerate(names):
            res = {r.cmd.key: r for r in results[name]}
            x = i + (k - (len(keys) - 1) / 2) * width
            base, this = res.get("decode"), res[cmd.key]
            if this.error or not this.runs or not base or not base.runs:
                ax.text(x, 1.0, "failed", rotation=90, ha="center",
                        va="bottom", fontsize=8, color="crimson")
                continue
            ratio = this.ratio(base, "wall")
            top, bottom = max(top, ratio), min(bottom, ratio)
            ax.bar(x, ratio, width * 0.92, color=colours(k % 10),
                   label=cmd.label if i == 0 else None)
            ax.text(x, ratio * 1.04, "%.2f" % ratio, ha="center",
                    va="bottom", fontsize=7, rotation=90)
    ax.axhline(1.0, color="black", linewidth=0.8)
    ax.set_yscale("log")
    ax.set_ylim(min(0.5, bottom / 1.5), top * 3)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: "%g×" % v))
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(["%s, %s" % (n, duration(args.durations[n]))
                        for n in names])
    ax.set_ylabel("wall time / decode-only wall time")
    ax.set_title("Audio file to a %dx%d spectrogram: wall time relative to "
                 "decoding the same file\n(median of the ratios in %d "
                 "alternating round%s; lower is better; 1 = decode only)" % (
                     WIDTH, HEIGHT, args.runs, "" if args.runs == 1 else "s"))
    ax.legend(loc="upper left", fontsize=8, ncol=2)
    ax.grid(axis="y", which="both", alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


# -- command line ---------------------------------------------------------------

def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="Commands: decode, melspecx, melspecx-png6, melspecx-cpu, "
        "python, cli, sox, ffmpeg, torch (decode is always run: it is the "
        "reference).")
    parser.add_argument("--quick", action="store_true",
                        help="5 s / 10 s / 20 s inputs, one run, no warm-up")
    parser.add_argument("--inputs", default="mp3,flac,wav",
                        help="comma-separated, of mp3, flac, wav")
    parser.add_argument("--commands", default="all",
                        help="comma-separated command names, or all")
    parser.add_argument("--runs", type=int, default=None,
                        help="timed rounds (default 5; --quick: 1)")
    parser.add_argument("--warmup", type=int, default=None,
                        help="untimed rounds first (default 1; --quick: 0)")
    parser.add_argument("--timeout", type=float, default=3600,
                        help="seconds before a run is killed as failed")
    parser.add_argument("--workdir", type=Path,
                        default=Path("/tmp/melspecx-peers"),
                        help="where inputs are cached and pictures written")
    parser.add_argument("--build", type=Path, default=None,
                        help="uninstalled meson build directory to use")
    parser.add_argument("--out-md", type=Path, default=None)
    parser.add_argument("--out-png", type=Path, default=None)
    args = parser.parse_args(argv)
    args.argv_shown = sys.argv[1:] if argv is None else list(argv)
    args.runs = args.runs or (1 if args.quick else 5)
    if args.warmup is None:
        args.warmup = 0 if args.quick else 1
    args.durations = QUICK_DURATIONS if args.quick else DURATIONS
    args.inputs = [s for s in args.inputs.split(",") if s]
    bad = [s for s in args.inputs if s not in DURATIONS]
    if bad:
        parser.error("unknown input %s (mp3, flac, wav)" % ", ".join(bad))
    docs = args.workdir if args.quick else ROOT / "docs"
    args.out_md = args.out_md or docs / "benchmarks.md"
    args.out_png = args.out_png or docs / "benchmarks.png"
    args.workdir = args.workdir.resolve()
    return args, parser


def select(all_cmds: list, spec: str, parser) -> list:
    if spec == "all":
        return all_cmds
    wanted = set(s for s in spec.split(",") if s) | {"decode"}
    unknown = wanted - {c.key for c in all_cmds}
    if unknown:
        parser.error("unknown command %s" % ", ".join(sorted(unknown)))
    return [c for c in all_cmds if c.key in wanted]


def main(argv=None) -> int:
    args, parser = parse_args(argv)
    started = time.monotonic()
    args.workdir.mkdir(parents=True, exist_ok=True)
    env, cli, build = child_env(args)
    cmds = select(commands(cli), args.commands, parser)
    log("melspecx from %s" % (build or "the environment"))
    about = machine()  # before anything is written: the commit is the one run
    loads = [os.getloadavg()[0]]

    inputs = {}
    for name in args.inputs:
        t = time.monotonic()
        inputs[name] = peers_audio.make_input(args.workdir, name,
                                              args.durations[name])
        log("input %s: %s (%.1f s to make or find)" % (
            name, inputs[name], time.monotonic() - t))

    out_dir = args.workdir / "out"
    out_dir.mkdir(exist_ok=True)
    results, spent = {}, {}
    for name, src in inputs.items():
        t = time.monotonic()
        log("%s (%s):" % (name, duration(args.durations[name])))
        results[name] = bench_input(name, src, cmds, args, env, out_dir)
        spent[name] = time.monotonic() - t
        log("%s: %.0f s" % (name, spent[name]))
    loads.append(os.getloadavg()[0])

    elapsed = time.monotonic() - started
    write_chart(args.out_png, results, args)
    write_markdown(args.out_md, args.out_png, args, inputs, results, cmds,
                   about, tuple(loads), elapsed, spent)
    print("\n".join(ln for name in results
                    for ln in table_rows(name, results[name])))
    log("wrote %s and %s" % (args.out_md, args.out_png))
    ours_failed = [r for rs in results.values() for r in rs
                   if r.cmd.ours and (r.error or not r.runs)]
    return 1 if ours_failed else 0


if __name__ == "__main__":
    sys.exit(main())
