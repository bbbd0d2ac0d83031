# SPDX-License-Identifier: MIT
"""The page ``melspecx batch --html`` writes: ``index.html`` in the output
folder, one row per input file with its picture, a player for the audio,
its duration and the parameters the picture was made with.

The page is one self-contained file: inline CSS and a few lines of inline
JavaScript that sort the table, every other address relative (the PNGs
beside it, the audio wherever the batch read it), so that it works offline
and from any copy of the folders.  A Content-Security-Policy allows only
this page's own script and style (by hash) and files from the same place:
nothing from the network, and no script that a hostile file name might
smuggle in would run even if escaping failed.

Everything shown comes from file names and from PNG metadata, neither of
which is trusted: text goes through html.escape, addresses through
urllib.parse.quote, and the sorter reads data-* attributes, never markup.
"""

from __future__ import annotations

import base64
import hashlib
import html
import math
import os
import urllib.parse
from pathlib import Path
from typing import Any, Iterable, Mapping

from .pngmeta import read_png_info

#: The parameters the table shows on one line; the others go in <details>.
SUMMARY = ("sample_rate", "channels", "n_fft", "hop_length", "n_mels",
           "f_min", "f_max", "colormap")


# -- text and addresses ----------------------------------------------------

def _text(value: Any) -> str:
    """``value`` as escaped HTML text.  File names that are not UTF-8 are
    shown with U+FFFD where their bytes do not decode."""
    if isinstance(value, bool):
        value = "true" if value else "false"
    elif isinstance(value, float):
        value = "" if not math.isfinite(value) else f"{value:g}"
    text = str(value).encode("utf-8", "surrogateescape") \
        .decode("utf-8", "replace")
    return html.escape(text, quote=True)


def _href(target: Path | str, base: Path) -> str:
    """The relative URL of ``target`` from the folder ``base``,
    percent-encoded from the file name's bytes (so '#', '?', '%', spaces
    and non-UTF-8 names all reach the right file)."""
    rel = os.path.relpath(os.path.abspath(target), os.path.abspath(base))
    url = urllib.parse.quote(os.fsencode(Path(rel).as_posix()))
    return html.escape(url, quote=True)


def duration_text(seconds: float | None) -> str:
    """1.25 s below a minute; 3:05.2 or 1:02:03 above."""
    if seconds is None or not math.isfinite(seconds):
        return ""
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, secs = divmod(seconds, 60)
    if minutes < 60:
        return f"{int(minutes)}:{secs:04.1f}"
    hours, minutes = divmod(int(minutes), 60)
    return f"{hours}:{minutes:02d}:{int(secs):02d}"


# -- the page -----------------------------------------------------------------

STYLE = """
:root { color-scheme: light dark; font-family: system-ui, sans-serif; }
body { margin: 1.5em; }
h1 { font-size: 1.3em; margin: 0 0 .3em; }
p.summary { margin: 0 0 1em; color: GrayText; }
table { border-collapse: collapse; width: 100%; }
th, td { padding: .4em .6em; border-bottom: 1px solid #8884;
  text-align: left; vertical-align: top; }
th button { font: inherit; font-weight: bold; background: none; border: 0;
  padding: 0; cursor: pointer; color: inherit; }
th[aria-sort=ascending] button::after { content: " \\25B2"; }
th[aria-sort=descending] button::after { content: " \\25BC"; }
td.name { overflow-wrap: anywhere; max-width: 16em; }
td.picture img { display: block; max-width: 100%; height: auto; }
td.picture audio { display: block; width: 100%; margin-top: .3em; }
td.duration { white-space: nowrap; font-variant-numeric: tabular-nums; }
td.failed { color: #c00; }
td.params { font-size: .85em; }
dl { display: grid; grid-template-columns: auto auto; gap: 0 .8em;
  margin: .3em 0 0; }
dd { margin: 0; }
"""

# Sorts the rows by the data-* attribute its header button names; a second
# click reverses.  Files without a duration (failed ones) stay last.
SCRIPT = """
(function () {
  var table = document.getElementById("files");
  var body = table.tBodies[0];
  var collator = new Intl.Collator(undefined, {numeric: true});
  function compare(a, b, key) {
    if (key === "duration")
      return Number(a.dataset.duration) - Number(b.dataset.duration);
    return collator.compare(a.dataset.name, b.dataset.name);
  }
  table.tHead.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-sort]");
    if (!button) return;
    var header = button.parentNode, key = button.dataset.sort;
    var sign = header.getAttribute("aria-sort") === "ascending" ? -1 : 1;
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.dataset.duration === "", y = b.dataset.duration === "";
      if (key === "duration" && x !== y) return x - y;
      return sign * (compare(a, b, key) || compare(a, b, "name"));
    });
    rows.forEach(function (row) { body.appendChild(row); });
    table.querySelectorAll("th[aria-sort]").forEach(function (th) {
      th.removeAttribute("aria-sort");
    });
    header.setAttribute("aria-sort", sign > 0 ? "ascending" : "descending");
  });
})();
"""


def _csp_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _params_cell(meta: Mapping[str, Any]) -> str:
    if not meta:
        return "<td class=\"params\">no melspecx metadata</td>"
    shown = [f"{_text(k)} {_text(meta[k])}" for k in SUMMARY if k in meta]
    rows = "".join(f"<dt>{_text(k)}</dt><dd>{_text(v)}</dd>"
                   for k, v in meta.items()
                   if not isinstance(v, (dict, list)))
    return (f"<td class=\"params\">{', '.join(shown)}<details>"
            f"<summary>all parameters</summary><dl>{rows}</dl></details>"
            "</td>")


def _row(name: str, source: Path, picture: Path, out_dir: Path,
         error: str | None) -> tuple[str, bool]:
    """One <tr>, and whether it has a picture: a failed file (or one whose
    PNG is gone) says why instead."""
    audio = (f"<audio controls preload=\"none\" "
             f"src=\"{_href(source, out_dir)}\"></audio>")
    info = None if error is not None else read_png_info(picture)
    if info is None:
        error = error or "no picture (the PNG is missing or unreadable)"
        return (f"<tr data-name=\"{_text(name)}\" data-duration=\"\">"
                f"<td class=\"name\">{_text(name)}</td>"
                f"<td class=\"picture failed\">failed: {_text(error)}{audio}"
                "</td><td class=\"duration\"></td>"
                "<td class=\"params\"></td></tr>"), False
    duration = _duration(info.meta)
    return (f"<tr data-name=\"{_text(name)}\" "
            f"data-duration=\"{'' if duration is None else repr(duration)}\">"
            f"<td class=\"name\">{_text(name)}</td>"
            f"<td class=\"picture\"><img src=\"{_href(picture, out_dir)}\" "
            f"width=\"{info.width}\" height=\"{info.height}\" "
            f"loading=\"lazy\" alt=\"mel spectrogram of {_text(name)}\">"
            f"{audio}</td>"
            f"<td class=\"duration\">{duration_text(duration)}</td>"
            f"{_params_cell(info.meta)}</tr>"), True


def _duration(meta: Mapping[str, Any]) -> float | None:
    """The metadata's duration in seconds, if it is a finite number."""
    value = meta.get("duration")
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    try:
        value = float(value)
    except OverflowError:                  # an integer beyond any float
        return None
    return value if math.isfinite(value) else None


def page(out_dir: Path, in_dir: Path, jobs: Iterable[tuple[Path, Path]],
         failures: Mapping[Path, str]) -> str:
    """The HTML of the gallery of a batch.

    Args:
        out_dir: the folder index.html goes to; every address is relative
            to it.
        in_dir: the input folder; names are shown relative to it.
        jobs: (source audio, its PNG) for every file of the batch, those
            rendered now and those skipped because their PNG existed.
        failures: the one-line error of each source that failed.
    """
    rows = [_row(_relative_name(src, in_dir), src, dst, out_dir,
                 failures.get(src)) for src, dst in jobs]
    failed = sum(1 for _, shown in rows if not shown)
    body = "\n".join(row for row, _ in rows)
    title = f"melspecx: {_text(os.fspath(in_dir))}"
    csp = ("default-src 'none'; img-src 'self' file:; media-src 'self' file:; "
           f"style-src {_csp_hash(STYLE)}; script-src {_csp_hash(SCRIPT)}")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="melspecx">
<title>{title}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>{title}</h1>
<p class="summary">{len(rows)} files, {failed} failed.</p>
<table id="files">
<thead><tr>
<th aria-sort="ascending"><button type="button" data-sort="name">Name</button>
</th>
<th>Spectrogram and audio</th>
<th><button type="button" data-sort="duration">Duration</button></th>
<th>Parameters</th>
</tr></thead>
<tbody>
{body}
</tbody>
</table>
<script>{SCRIPT}</script>
</body>
</html>
"""


def _relative_name(source: Path, in_dir: Path) -> str:
    try:
        return source.relative_to(in_dir).as_posix()
    except ValueError:
        return source.name
