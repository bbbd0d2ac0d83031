# SPDX-License-Identifier: MIT
"""Applications that embed the element in stream mode, run for real.

The GTK player (examples/gtk-player.py, `melspecx live FILE`) under Xvfb,
looked at through screenshots of its window; live audiotestsrc pipelines
through `melspecx live --sink` and the appsink example; the microphone line
without a sound server.  Xvfb, xwininfo and ImageMagick's import are
needed (scripts/deps.sh --test installs them); a missing one fails.

Set MELSPECX_TEST_SCREENS=DIR to keep the screenshots there.
"""

from __future__ import annotations

import math
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from conftest import make_speech, python_env

EXAMPLES = Path(__file__).resolve().parent.parent.parent / "examples"
SPEECH = ("The quick brown fox jumps over the lazy dog. Mel spectrograms "
          "scroll from right to left while the file plays. One two three "
          "four five six seven eight nine ten.")
#: Height of the player's controls under the picture, with room to spare.
CONTROLS_PX = 60


def _need(tool: str) -> str:
    path = shutil.which(tool)
    assert path, f"{tool} is missing (scripts/deps.sh --test installs it)"
    return path


@pytest.fixture(scope="module")
def display():
    """An Xvfb server of our own, on the first free display number."""
    read, write = os.pipe()
    server = subprocess.Popen(
        [_need("Xvfb"), "-displayfd", str(write), "-screen", "0",
         "1280x720x24", "-nolisten", "tcp"],
        pass_fds=(write,), stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    os.close(write)
    try:
        ready, _, _ = select.select([read], [], [], 20.0)
        number = os.read(read, 16).decode().strip() if ready else ""
        assert number.isdigit(), "Xvfb did not start within 20 s"
        yield f":{number}"
    finally:
        os.close(read)
        server.terminate()
        server.wait(timeout=10)


def _env(display: str, **more: str) -> dict[str, str]:
    env = python_env()
    env.pop("WAYLAND_DISPLAY", None)
    env.update(DISPLAY=display, **more)
    return env


def _find_window(display: str, title: str, proc: subprocess.Popen,
                 timeout: float = 30.0) -> tuple[str, int, int]:
    """The id, width and height of the top-level window whose title starts
    with ``title``, once it is mapped."""
    env = _env(display)
    end = time.monotonic() + timeout
    pattern = re.compile(r'^\s*(0x[0-9a-f]+) "' + re.escape(title)
                         + r'[^"]*": .*?(\d+)x(\d+)\+', re.M)
    while time.monotonic() < end:
        assert proc.poll() is None, proc.communicate()[1].decode()
        tree = subprocess.run([_need("xwininfo"), "-root", "-tree"], env=env,
                              capture_output=True, text=True, timeout=10)
        found = pattern.search(tree.stdout)
        if found:
            return found.group(1), int(found.group(2)), int(found.group(3))
        time.sleep(0.2)
    raise AssertionError(f"no window {title!r} within {timeout:g} s")


def _screenshot(display: str, window: str, path: Path) -> Image.Image:
    subprocess.run([_need("import"), "-window", window, f"png:{path}"],
                   env=_env(display), check=True, timeout=30)
    keep = os.environ.get("MELSPECX_TEST_SCREENS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / path.name)
    return Image.open(path).convert("RGB")


def _picture(shot: Image.Image) -> Image.Image:
    """The spectrogram's part of a screenshot: the window above its
    controls."""
    return shot.crop((0, 0, shot.width, shot.height - CONTROLS_PX))


def _varied(picture: Image.Image) -> bool:
    """Whether the picture holds a drawing, not one flat colour: many
    colours, and at least 3 % of the pixels (about 30 columns, 0.7 s of
    speech) away from the commonest one, the empty background."""
    colours = picture.getcolors(maxcolors=1 << 20) or []
    if len(colours) < 50:
        return False
    commonest = max(count for count, _ in colours)
    return commonest <= 0.97 * picture.width * picture.height


def _changed_fraction(a: Image.Image, b: Image.Image) -> float:
    diff = ImageChops.difference(a, b).convert("L")
    changed = sum(diff.histogram()[16:])           # more than noise
    return changed / (a.width * a.height)


def test_gtk_player_shows_a_moving_spectrogram(display, tmp_path):
    """The GTK example plays a speech file: a screenshot of its window shows
    a spectrogram, and a second one, a second later, shows it moved; then
    the window closes itself (--duration, as a user's close does) and the
    program exits 0 without a word."""
    speech = make_speech(tmp_path / "speech.wav", SPEECH)   # about 9.6 s
    proc = subprocess.Popen(
        [sys.executable, str(EXAMPLES / "gtk-player.py"), str(speech),
         "--duration", "6"],
        env=_env(display), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        window, width, height = _find_window(display, "melspecx — speech",
                                             proc)
        end = time.monotonic() + 15
        first = _picture(_screenshot(display, window, tmp_path / "player-1.png"))
        while not _varied(first) and time.monotonic() < end:
            time.sleep(0.2)
            first = _picture(_screenshot(display, window,
                                         tmp_path / "player-1.png"))
        time.sleep(1.0)
        second = _picture(_screenshot(display, window,
                                      tmp_path / "player-2.png"))
        stdout, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert (width, height) == (1024, 310)
    assert _varied(first), "no spectrogram in the window"
    assert _varied(second)
    assert _changed_fraction(first, second) > 0.005, "the picture did not move"
    assert proc.returncode == 0, stderr.decode()
    assert stderr == b"" and stdout == b""


PLAYER_SCRIPT = """
import json
from melspecx._gst import GLib
from melspecx import player
from melspecx.live import LivePipeline

Gtk = player._load_gtk()
live = LivePipeline("gtksink name=video", "audiotestsrc is-live=true")
window = player.Player(Gtk, live, "melspecx — colormaps")
seen = {}

def look():
    chooser = window.window.get_child().get_children()[1].get_children()[-1]
    seen["choices"] = [row[1] for row in chooser.get_model()]
    seen["active"] = chooser.get_active_id()
    chooser.set_active_id("viridis")
    seen["after"] = live.element.get_property("colormap").value_nick
    seen["state"] = live.pipeline.get_state(0)[1].value_nick
    window.window.close()
    return False

GLib.timeout_add(1500, look)
window.run()
print(json.dumps(seen))
"""


def test_gtk_player_colormaps_are_the_elements(display):
    """The chooser lists the element's colormap enum in its order, starts
    on the element's value, and a choice applies while playing."""
    import json
    from melspecx._gst import Gst
    spec = Gst.ElementFactory.make("melspecx").find_property("colormap")
    nicks = [v.value_nick for _, v in
             sorted(spec.enum_class.__enum_values__.items())]
    result = subprocess.run([sys.executable, "-c", PLAYER_SCRIPT],
                            env=_env(display), capture_output=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    seen = json.loads(result.stdout)
    assert seen == {"choices": nicks, "active": spec.default_value.value_nick,
                    "after": "viridis", "state": "playing"}


def test_live_file_without_window_plays_in_real_time(tmp_path):
    """`melspecx live FILE --sink fakesink`: the file's sound is the clock
    (autoaudiosink, a synchronised fakesink without a device), so one
    second of a 5-second file takes a second, and it stops cleanly."""
    from conftest import make_audio
    tone = make_audio(tmp_path / "tone.wav", seconds=5.0)
    begin = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "melspecx", "live", str(tone), "--sink",
         "fakesink", "--duration", "1"],
        env=python_env(), capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr == b""
    assert time.monotonic() - begin >= 1.0


# -- live audiotestsrc, end to end -------------------------------------------

def test_live_command_runs_a_live_test_source():
    begin = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "melspecx", "live", "--source",
         "audiotestsrc is-live=true", "--sink", "fakesink", "--duration", "2"],
        env=python_env(), capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr == b""
    assert time.monotonic() - begin >= 2.0


def test_live_command_draws_frames_at_the_frame_rate(tmp_path):
    """The same live pipeline into PNG files: about 30 pictures a second of
    a 1 kHz tone, each showing it (not a flat picture)."""
    result = subprocess.run(
        [sys.executable, "-m", "melspecx", "live", "--source",
         "audiotestsrc is-live=true freq=1000", "--sink",
         f"pngenc ! multifilesink location={tmp_path}/%04d.png",
         "--duration", "2", "--width-px", "128", "--height-px", "64"],
        env=python_env(), capture_output=True, timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    frames = sorted(tmp_path.glob("*.png"))
    assert 40 <= len(frames) <= 70, len(frames)
    last = Image.open(frames[-1]).convert("RGB")
    assert last.size == (128, 64)
    assert len(last.getcolors(maxcolors=1 << 16)) > 2


def _expected_tone_row(freq: float, height: int = 256, n_mels: int = 128,
                       f_max: float = 8000.0) -> float:
    """The picture row (0 = top) of a tone: its position among the Slaney
    mel band centres (linear to 1 kHz at 200/3 Hz per mel, then
    logarithmic, 27 mels per factor 6.4), low frequencies at the bottom."""
    def mel(f: float) -> float:
        if f < 1000.0:
            return 3.0 * f / 200.0
        return 15.0 + 27.0 * math.log(f / 1000.0) / math.log(6.4)
    band = mel(freq) / (mel(f_max) / (n_mels + 1)) - 1.0
    return (height - 1) - band * height / n_mels


def test_appsink_example_reads_live_frames():
    """The C example: a live 1 kHz tone for two seconds, read from
    appsink: ~30 frames a second of 1024 × 256 GRAY8, PTS a frame period
    apart, the tone's row the brightest once the picture has it."""
    result = subprocess.run([_need("appsink")], env=python_env(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    frames = [re.match(r"frame (\d+): 1024x256, 262144 bytes, pts "
                       r"(\d+):(\d+):([\d.]+), brightest row (\d+), "
                       r"checksum ([0-9a-f]{8})$", line) for line in lines[:-1]]
    assert all(frames), lines
    assert lines[-1] == f"{len(frames)} frames"
    assert 50 <= len(frames) <= 70
    pts = [int(h) * 3600 + int(m) * 60 + float(s)
           for _, h, m, s, _, _ in (f.groups() for f in frames)]
    steps = [b - a for a, b in zip(pts, pts[1:])]
    assert all(abs(step - 1 / 30) < 1e-3 for step in steps), steps
    rows = [int(f.group(5)) for f in frames[5:]]
    assert all(abs(row - _expected_tone_row(1000.0)) <= 2 for row in rows), \
        (rows, _expected_tone_row(1000.0))
    assert len({f.group(6) for f in frames}) > len(frames) // 2   # it scrolls


def test_appsink_example_missing_file_fails():
    result = subprocess.run([_need("appsink"), "/nonexistent/a.wav"],
                            env=python_env(), capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 1
    assert "Resource not found" in result.stderr


# -- no microphone, no file ----------------------------------------------------

def _one_line_error(result: subprocess.CompletedProcess) -> str:
    stderr = result.stderr.decode()
    assert result.returncode == 1, (result.returncode, stderr)
    assert stderr.count("\n") == 1 and stderr.startswith("melspecx: error: "), \
        stderr
    assert "Traceback" not in stderr
    return stderr


def test_microphone_without_sound_server_fails_in_one_line(display,
                                                           tmp_path):
    """The README's `melspecx live` where no sound server runs: one line,
    status 1, quickly (no window left, no hang)."""
    begin = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "melspecx", "live"],
        env=_env(display, PULSE_SERVER=f"unix:{tmp_path}/no-server"),
        capture_output=True, timeout=30)
    _one_line_error(result)
    assert time.monotonic() - begin < 15


def test_microphone_with_a_silent_sound_server_meets_the_deadline(
        display, tmp_path):
    """A sound server that accepts and never answers holds pulsesrc in its
    state change for 30 s; the window gives up at --timeout, one line."""
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "silent"))
    server.listen(8)
    try:
        begin = time.monotonic()
        result = subprocess.run(
            [sys.executable, str(EXAMPLES / "gtk-player.py"), "--timeout",
             "2"], env=_env(display, PULSE_SERVER=f"unix:{tmp_path}/silent"),
            capture_output=True, timeout=30)
        elapsed = time.monotonic() - begin
    finally:
        server.close()
    assert "did not start within 2 s" in _one_line_error(result)
    assert elapsed < 10


@pytest.mark.parametrize("program", ["gtk-player.py", "melspecx live"])
def test_missing_file_fails_in_one_line(display, tmp_path, program):
    argv = [str(EXAMPLES / "gtk-player.py")] if program == "gtk-player.py" \
        else ["-m", "melspecx", "live"]
    result = subprocess.run(
        [sys.executable, *argv, str(tmp_path / "missing.wav")],
        env=_env(display), capture_output=True, timeout=30)
    assert "missing.wav: no such file" in _one_line_error(result)


def test_player_stops_cleanly_on_sigterm(display):
    proc = subprocess.Popen(
        [sys.executable, "-m", "melspecx", "live", "--source",
         "audiotestsrc is-live=true"], env=_env(display),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _find_window(display, "melspecx — audiotestsrc", proc)
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0 and stderr == b"", stderr
