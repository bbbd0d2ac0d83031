# SPDX-License-Identifier: MIT
"""`melspecx batch --html`: the page it writes, read as HTML and shown by
headless Chromium (Debian's `chromium`): pictures load, nothing is logged
on the console, a hostile file name stays text, and the table sorts."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import urllib.parse
import zlib
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import make_audio, make_speech, python_env

HOSTILE = "<img src=x onerror=alert(1)>.wav"
SCREENSHOT = Path("/tmp/melspecx-gallery.png")
#: Names in the page's first order, and by duration (the broken file,
#: which has none, last).
BY_NAME = [HOSTILE, "broken.mp3", "short.flac", "speech.wav", "tone.wav"]
BY_DURATION = ["short.flac", HOSTILE, "speech.wav", "tone.wav", "broken.mp3"]


def melspecx(*args: object) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "melspecx",
                           *map(str, args)], env=python_env(),
                          capture_output=True, text=True, timeout=180)


def make_inputs(folder: Path) -> Path:
    folder.mkdir()
    # 12 s: sorted as text, "12.0" would come before "3.5".
    make_audio(folder / "tone.wav", "wav", 8000, 1, 12.0)
    make_audio(folder / "short.flac", "flac", 44100, 2, 1.0, freq=440.0)
    # gst-launch syntax cannot name this file: make it, then rename it.
    make_audio(folder / "hostile.wav", "wav", 16000, 1, 2.0,
               wave="pink-noise").rename(folder / HOSTILE)
    make_speech(folder / "speech.wav")           # about 3.5 s
    (folder / "broken.mp3").write_bytes(bytes(range(256)) * 16)
    return folder


@pytest.fixture(scope="module")
def gallery(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """OUT/index.html of a batch over five files, one of them corrupt."""
    root = tmp_path_factory.mktemp("gallery")
    inputs = make_inputs(root / "in")
    result = melspecx("batch", inputs, root / "out", "--html", "-j", 2,
                      "--width-px", 400, "--height-px", 100)
    assert result.returncode == 1, result.stderr     # the corrupt file
    assert "4 written, 0 skipped (already exist), 1 failed" in result.stdout
    return root / "out" / "index.html"


class Page(HTMLParser):
    """The tags of a page with their attributes, and the text of each
    table cell."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.rows: list[list[str]] = []
        self.cell: list[str] | None = None
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self.cell is not None:
            self.rows[-1].append("".join(self.cell))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)

    def attrs(self, tag: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag]


def test_page_has_a_row_per_file_with_relative_addresses(gallery):
    page = Page(gallery.read_text(encoding="utf-8"))
    cells = [row for row in page.rows if row]
    assert [row[0] for row in cells] == BY_NAME
    failed = cells[1]
    assert failed[1].startswith("failed: ") and "broken.mp3" in failed[1]
    assert len(page.attrs("img")) == 4          # none for the failed file
    for attrs in page.attrs("img"):
        assert (gallery.parent / urllib.parse.unquote(attrs["src"])).is_file()
    players = page.attrs("audio")
    assert len(players) == 5
    for attrs, name in zip(players, BY_NAME):
        assert attrs["preload"] == "none" and "controls" in attrs
        source = gallery.parent / urllib.parse.unquote(attrs["src"])
        assert source.resolve() == (gallery.parent.parent / "in" / name)
    # Nothing from elsewhere: every address relative, no stylesheet or
    # script file, and a policy that forbids the network.
    for tag, attrs in page.tags:
        for key in ("src", "href"):
            assert not re.match(r"[a-z]+:|//", attrs.get(key, "")), \
                (tag, attrs)
        assert tag != "link" and not (tag == "script" and "src" in attrs)
        assert not any(key.startswith("on") for key in attrs), (tag, attrs)
    policy = [a["content"] for a in page.attrs("meta")
              if a.get("http-equiv") == "Content-Security-Policy"]
    assert "default-src 'none'" in policy[0]
    durations = [row[2] for row in cells]
    assert re.fullmatch(r"1\.9\d s", durations[0]) and durations[1] == ""


def test_rerun_rewrites_the_page(tmp_path):
    inputs = make_inputs(tmp_path / "in")
    out = tmp_path / "out"
    assert melspecx("batch", inputs, out, "--html", "--width-px", 64,
                    "--height-px", 32).returncode == 1
    assert "1 failed" in (out / "index.html").read_text(encoding="utf-8")
    make_audio(inputs / "broken.mp3", "mp3", 44100, 1, 0.5)
    again = melspecx("batch", inputs, out, "--html", "--width-px", 64,
                     "--height-px", 32)
    assert again.returncode == 0, again.stderr
    assert "1 written, 4 skipped" in again.stdout
    text = (out / "index.html").read_text(encoding="utf-8")
    assert "5 files, 0 failed" in text and "failed: " not in text
    assert len(Page(text).attrs("img")) == 5
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) \
        == []                                   # no temporary file left


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data)))


def test_metadata_is_shown_as_text(tmp_path):
    """A PNG whose melspecx text was written by someone else: its values
    are text, whatever they hold, and a duration that is not a number is
    left blank."""
    from melspecx.gallery import page
    meta = {"duration": "<b>9</b>", "colormap": "</td><script>alert(1)"
            "</script>", "n_mels": 64, "nested": {"x": "<i>"}}
    picture = tmp_path / "a.png"
    picture.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 20, 10, 8, 6, 0, 0, 0))
        + png_chunk(b"tEXt", b"melspecx\0" + json.dumps(meta).encode())
        + png_chunk(b"IEND", b""))
    text = page(tmp_path, tmp_path, [(tmp_path / "a.wav", picture)], {})
    parsed = Page(text)
    assert [t for t, _ in parsed.tags].count("script") == 1
    row = [r for r in parsed.rows if r][0]
    assert row[2] == ""                               # no duration
    assert "colormap </td><script>alert(1)</script>" in row[3]
    assert parsed.attrs("img")[0]["width"] == "20"
    assert 'data-duration=""' in text


# -- in Chromium --------------------------------------------------------------

def chromium(page: Path, *options: str, profile: Path) -> \
        subprocess.CompletedProcess:
    """Headless Chromium on ``page`` (as root it needs --no-sandbox), with
    the page's console on stderr."""
    program = shutil.which("chromium")
    assert program, "chromium is missing (Debian package chromium)"
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    result = subprocess.run(
        [program, "--headless", "--no-sandbox", "--disable-gpu",
         "--no-first-run", f"--user-data-dir={profile}",
         "--enable-logging=stderr", "--v=0", *options, page.as_uri()],
        capture_output=True, text=True, timeout=60, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def console(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stderr.splitlines() if ":CONSOLE" in line]


def probe_result(result: subprocess.CompletedProcess) -> dict:
    """The JSON a probe page left in <pre id="probe">."""
    found = re.search(r'<pre id="probe">(.*?)</pre>', result.stdout, re.S)
    assert found, result.stdout[-2000:]
    return json.loads(html.unescape(found.group(1)))


def test_chromium_shows_the_page_without_console_messages(gallery, tmp_path):
    SCREENSHOT.unlink(missing_ok=True)
    result = chromium(gallery, f"--screenshot={SCREENSHOT}",
                      "--window-size=1200,900", profile=tmp_path / "profile")
    assert console(result) == []       # no error, no blocked load, no log
    assert SCREENSHOT.stat().st_size > 10000


# Test code, not the product: a copy of the page without its security
# policy (so that escaping alone is tested) whose dialogs are recorded
# instead of shown, and which reports what loaded.
PROBE_HEAD = """<script>
window.dialogs = [];
["alert", "confirm", "prompt", "print"].forEach(function (name) {
  window[name] = function (text) { window.dialogs.push(name + " " + text); };
});
</script>"""
PROBE_TAIL = """<script>
var tries = 0;
window.addEventListener("load", function report() {
  var images = Array.prototype.slice.call(document.images);
  if (images.some(function (img) { return !img.complete; }) && ++tries < 200)
    return setTimeout(report, 20);
  var out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify({
    dialogs: window.dialogs,
    images: images.map(function (img) {
      return [img.getAttribute("src"), img.naturalWidth]; }),
    onerror: document.querySelectorAll("[onerror]").length,
    names: Array.prototype.map.call(
      document.querySelectorAll("td.name"), function (td) {
        return td.textContent; })
  });
  document.body.appendChild(out);
});
</script>"""


def test_chromium_loads_every_picture_and_runs_no_name(gallery, tmp_path):
    text = gallery.read_text(encoding="utf-8")
    text = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "",
                  text)
    text = text.replace("<head>", "<head>" + PROBE_HEAD, 1)
    text = text.replace("</body>", PROBE_TAIL + "</body>", 1)
    probe = gallery.parent / "probe.html"
    probe.write_text(text, encoding="utf-8")
    result = chromium(probe, "--window-size=1200,3000",
                      "--virtual-time-budget=5000", "--dump-dom",
                      profile=tmp_path / "profile")
    found = probe_result(result)
    assert found["dialogs"] == [] and found["onerror"] == 0
    assert found["names"] == BY_NAME          # the hostile name as text
    assert len(found["images"]) == 4
    assert all(width == 400 for _, width in found["images"]), found["images"]
    assert console(result) == []


# Test code: loads the page, untouched, in a frame and clicks its headers.
# (Its players are not loaded here: media loads outside the virtual time
# that --dump-dom waits for, so the result would depend on the machine.)
SORTER = """<!DOCTYPE html>
<html><body>
<iframe id="page" src="index.html" width="1200" height="3000"></iframe>
<script>
document.getElementById("page").addEventListener("load", function () {
  var doc = this.contentDocument, order = [];
  function names() {
    return Array.prototype.map.call(doc.querySelectorAll("tbody tr"),
      function (row) { return row.dataset.name; });
  }
  order.push(names());
  doc.querySelector("button[data-sort=duration]").click();
  order.push(names());
  doc.querySelector("button[data-sort=duration]").click();
  order.push(names());
  doc.querySelector("button[data-sort=name]").click();
  order.push(names());
  var out = document.createElement("pre");
  out.id = "probe";
  out.textContent = JSON.stringify(order);
  document.body.appendChild(out);
});
</script>
</body></html>
"""


def test_chromium_sorts_by_duration_and_name(gallery, tmp_path):
    sorter = gallery.parent / "sorter.html"
    sorter.write_text(SORTER, encoding="utf-8")
    # Frames of file: pages may be read by their parent only with this.
    result = chromium(sorter, "--allow-file-access-from-files",
                      "--window-size=1300,3200", "--virtual-time-budget=5000",
                      "--dump-dom", profile=tmp_path / "profile")
    first, by_duration, reversed_, by_name = probe_result(result)
    assert first == BY_NAME
    assert by_duration == BY_DURATION
    assert reversed_ == BY_DURATION[-2::-1] + ["broken.mp3"]
    assert by_name == BY_NAME
    assert console(result) == []
