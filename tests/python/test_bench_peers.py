# SPDX-License-Identifier: MIT
"""bench/peers.py works: on tiny inputs (--quick) every command of every
peer runs, its picture is checked, and the report has a row of numbers per
input and command, and a chart.  No figure is compared with another: speed
belongs to the benchmark, not to the tests."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
INPUTS = ("mp3", "flac", "wav")


def section(markdown: str, title: str) -> list[str]:
    """The table rows (without header and rule) under '## title'."""
    body = markdown.split("## " + title + "\n", 1)[1].split("\n## ", 1)[0]
    rows = [ln for ln in body.splitlines() if ln.startswith("|")]
    return rows[2:]


def cells(row: str) -> list[str]:
    return [c.strip() for c in row.strip().strip("|").split("|")]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory):
    work = tmp_path_factory.mktemp("peers")
    md, png = work / "report.md", work / "chart.png"
    proc = subprocess.run(
        ["/usr/bin/python3", str(ROOT / "bench" / "peers.py"), "--quick",
         "--workdir", str(work), "--out-md", str(md), "--out-png", str(png)],
        capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return md.read_text(encoding="utf-8"), png


def test_every_peer_is_listed(report):
    commands = [cells(r)[0] for r in section(report[0], "Commands")]
    for peer in ("decode only", "pngenc level 1", "default level 6",
                 "backend=cpu", "Python", "melspecx generate", "sox",
                 "ffmpeg", "torchaudio"):
        assert any(peer in c for c in commands), (peer, commands)
    assert len(commands) == 9


def test_a_row_of_numbers_per_input_and_command(report):
    markdown, _ = report
    commands = [cells(r)[0] for r in section(markdown, "Commands")]
    rows = {(c[0], c[1]): c[2:] for c in map(cells, section(markdown,
                                                             "Results"))}
    assert set(rows) == {(i, c) for i in INPUTS for c in commands}
    for key, values in rows.items():
        assert len(values) == 7, (key, values)
        numbers = [float(v) for v in values]          # fails on "failed: …"
        wall, wall_ratio, cpu, cpu_ratio, rss, rss_ratio, _ = numbers
        assert wall > 0 and cpu > 0 and rss > 1, (key, values)
        assert wall_ratio > 0 and cpu_ratio > 0 and rss_ratio > 0
    for name in INPUTS:
        decode = rows[(name, "decode only (GStreamer)")]
        assert (decode[1], decode[3], decode[5]) == ("1.00",) * 3


def test_inputs_have_the_quick_durations(report):
    durations = {cells(r)[0]: cells(r)[2] for r in section(report[0],
                                                            "Inputs")}
    assert durations == {"mp3": "5 s", "flac": "10 s", "wav": "20 s"}


def test_chart_is_a_png_linked_from_the_report(report):
    markdown, png = report
    head = png.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(head[16:20], "big"), \
        int.from_bytes(head[20:24], "big")
    assert width >= 800 and height >= 400
    assert re.search(r"!\[[^]]*\]\(%s\)" % re.escape(png.name), markdown)
