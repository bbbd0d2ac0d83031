# SPDX-License-Identifier: MIT
"""annotate=true end to end: `melspecx generate --annotate --title` writes a
bigger PNG whose plot is the picture without annotation, pixel for pixel,
records annotate and the title, and `--like` makes the same frame again;
stream mode grows its frames the same way and keeps the plot's size."""

from __future__ import annotations

import gi
import numpy as np
import pytest

gi.require_version("Gst", "1.0")
from gi.repository import Gst  # noqa: E402

from melspecx.pngmeta import read_metadata  # noqa: E402
from test_cli import assert_one_line_error  # noqa: E402
from test_cli import melspecx as run  # noqa: E402
import pipeline_util as pu  # noqa: E402

PIL = pytest.importorskip("PIL.Image")


def _supported() -> bool:
    """Whether this build draws annotations (a 1-buffer pipeline says)."""
    pipe = Gst.parse_launch(
        "audiotestsrc num-buffers=4 ! melspecx annotate=true ! fakesink")
    pipe.set_state(Gst.State.PLAYING)
    msg = pipe.get_bus().timed_pop_filtered(
        10 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    pipe.set_state(Gst.State.NULL)
    return msg is not None and msg.type == Gst.MessageType.EOS


SUPPORTED = _supported()
needs_annotate = pytest.mark.skipif(
    not SUPPORTED, reason="this build has no annotation support")


def _pixels(path) -> np.ndarray:
    return np.asarray(PIL.open(path).convert("RGB"))


def _plot_offset(frame: np.ndarray, plot: np.ndarray) -> tuple[int, int]:
    """Where the plot lies in the frame: the one offset where it matches."""
    h, w = plot.shape[:2]
    hits = [(y, x) for y in range(frame.shape[0] - h + 1)
            for x in range(frame.shape[1] - w + 1)
            if np.array_equal(frame[y, x:x + 8], plot[0, :8])
            and np.array_equal(frame[y:y + h, x:x + w], plot)]
    assert len(hits) == 1, hits
    return hits[0]


@needs_annotate
def test_generate_annotate_title(media, tmp_path):
    plain, ann = tmp_path / "plain.png", tmp_path / "ann.png"
    args = ["--width", "400", "--height", "160"]
    assert run("generate", *args, media["speech"], plain).returncode == 0
    done = run("generate", *args, "--annotate", "--title", "Quick fox",
               media["speech"], ann)
    assert done.returncode == 0, done.stderr.decode()
    p, a = _pixels(plain), _pixels(ann)
    assert p.shape == (160, 400, 3)
    assert a.shape[0] > 160 + 30 and a.shape[1] > 400 + 60
    y, x = _plot_offset(a, p)
    assert 0 < x and 0 < y                 # margins left and top (title)
    assert (a[:y - 2, x:x + 400] < 128).any()      # title text
    assert (a[y:y + 160, :x - 6] < 128).any()      # frequency labels
    assert (a[y + 166:, :] < 128).any()            # time labels
    meta = read_metadata(ann)[0].meta
    assert meta["annotate"] is True and meta["title"] == "Quick fox"
    assert (meta["width"], meta["height"]) == (400, 160)


@needs_annotate
def test_title_unicode_round_trips(media, tmp_path):
    out = tmp_path / "u.png"
    title = 'Fox "quoted" \\ é ✓'
    done = run("generate", "--annotate", "--title", title, "--width", "200",
               "--height", "100", media["speech"], out)
    assert done.returncode == 0, done.stderr.decode()
    assert read_metadata(out)[0].meta["title"] == title


@needs_annotate
def test_like_rebuilds_the_annotated_frame(media, tmp_path):
    first, again = tmp_path / "first.png", tmp_path / "again.png"
    assert run("generate", "--annotate", "--title", "Again", "--width", "300",
               "--height", "120", media["speech"], first).returncode == 0
    done = run("generate", "--like", first, media["speech"], again)
    assert done.returncode == 0, done.stderr.decode()
    assert np.array_equal(_pixels(first), _pixels(again))


@needs_annotate
def test_annotate_off_is_the_picture(media, tmp_path):
    out = tmp_path / "off.png"
    assert run("generate", "--width", "123", "--height", "45",
               media["speech"], out).returncode == 0
    assert _pixels(out).shape == (45, 123, 3)
    assert "annotate" not in read_metadata(out)[0].meta


@needs_annotate
@pytest.mark.parametrize("fmt", ["RGBx", "GRAY8"])
def test_stream_mode_frames(fmt):
    """Stream mode: frames are plot + margins, the plot keeps its size
    (a RECONFIGURE-free run), and a fixed downstream size is honoured."""
    sizes = []
    for caps in (f"video/x-raw,format={fmt}",
                 f"video/x-raw,format={fmt},width=640,height=360"):
        pipe = Gst.parse_launch(
            "audiotestsrc num-buffers=40 ! audio/x-raw,rate=16000,channels=2 "
            "! melspecx mode=stream annotate=true channel-mode=separate "
            f"width=320 height=120 title=Live ! {caps} ! appsink name=s "
            "sync=false max-buffers=4")
        sink = pipe.get_by_name("s")
        pipe.set_state(Gst.State.PLAYING)
        sample = sink.emit("try-pull-sample", 10 * Gst.SECOND)
        assert sample is not None
        s = sample.get_caps().get_structure(0)
        sizes.append((s.get_value("width"), s.get_value("height")))
        while sink.emit("try-pull-sample", 10 * Gst.SECOND) is not None:
            pass                           # every frame, to the EOS
        msg = pipe.get_bus().timed_pop_filtered(
            10 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
        pipe.set_state(Gst.State.NULL)
        assert msg is not None and msg.type == Gst.MessageType.EOS
    assert sizes[0][0] > 320 + 60 and sizes[0][1] > 120 + 30
    assert sizes[1] == (640, 360)


@needs_annotate
def test_no_room_is_one_sentence():
    pipe = Gst.parse_launch(
        "audiotestsrc num-buffers=4 ! melspecx annotate=true ! "
        "video/x-raw,width=30,height=20 ! fakesink")
    pipe.set_state(Gst.State.PLAYING)
    msg = pipe.get_bus().timed_pop_filtered(
        10 * Gst.SECOND, Gst.MessageType.EOS | Gst.MessageType.ERROR)
    pipe.set_state(Gst.State.NULL)
    assert msg.type == Gst.MessageType.ERROR
    assert "no room for the plot" in msg.parse_error()[0].message


@pytest.mark.skipif(SUPPORTED, reason="this build draws annotations")
def test_unsupported_build_refuses_in_one_sentence(media, tmp_path):
    """Built without cairo and pango (-Dannotate=disabled), --annotate is
    one line naming what is missing, and the picture without it still
    works."""
    out = tmp_path / "ann.png"
    done = run("generate", "--annotate", media["speech"], out)
    err = assert_one_line_error(done)
    assert "this build has no annotation support" in err, err
    assert "libcairo2-dev" in err and "-Dannotate" in err, err
    assert "caps" not in err, err
    assert not out.exists()
    assert run("generate", media["speech"], out).returncode == 0


CAIRO_AND_PANGO = ("libcairo.so", "libpango-1.0.so", "libpangocairo-1.0.so")


def _libraries_mapped(description: str) -> set[str]:
    """The cairo and pango libraries a process has mapped after playing
    @description to its end."""
    return pu.libraries_mapped(description, CAIRO_AND_PANGO)


@needs_annotate
def test_cairo_and_pango_load_only_to_annotate():
    """Every process that plays melspecx loads its plugin, and cairo and
    pango bring 29 libraries of their own: they are opened on the first
    annotation, not with the plugin."""
    pipe = "audiotestsrc num-buffers=8 ! melspecx annotate=%s ! fakesink"
    assert _libraries_mapped(pipe % "false") == set()
    assert _libraries_mapped(pipe % "true") == {
        "libcairo.so", "libpango-1.0.so", "libpangocairo-1.0.so"}
