"""melspecx from the pipeline user's side: the README's pipelines, image mode.

The README's first pipeline must work exactly as written, with no
audioconvert and no capsfilter, for every container/codec, channel count and
sample rate a user may feed it.  The inputs are made by GStreamer's own
encoders into tmp_path; the output PNG is checked byte by byte (chunks, CRC),
decoded, and compared with a float64 Slaney mel reference (pipeline_util).
"""

import json
import os
import shlex
import subprocess

import numpy as np
import pytest

import pipeline_util as pu
from pipeline_util import Gst

VERBATIM = ("filesrc location={src} ! decodebin ! melspecx ! pngenc ! "
            "filesink location={dst}")

# Tolerance for the 1 kHz row, in image rows: one mel band is two rows at
# the default 128 bands / 256 rows; allow a band and a half for lossy codecs,
# the STFT edge frames and resize conventions (pixel centres vs corners).
ROW_TOLERANCE = 3.0


@pytest.fixture(scope="module", autouse=True)
def _elements():
    for name in ("melspecx", "decodebin", "pngenc", "pngdec", "wavenc",
                 "flacenc", "vorbisenc", "opusenc", "oggmux", "lamemp3enc"):
        pu.require_element(name)


def _cases():
    """(encoder, sample format, rate, channels): every common rate on
    WAV and FLAC, every channel count on each multichannel codec, and the
    rates each lossy encoder supports (MP3: MPEG-1/2/2.5 rates, mono and
    stereo only; Opus: its native rates, others resampled when encoding)."""
    cases = []
    for rate in (8000, 16000, 22050, 44100, 48000, 96000, 192000):
        cases.append(("wav", "S16LE", rate, 1))
        cases.append(("flac", None, rate, 2))
    cases += [("wav", "S24LE", 44100, 1), ("wav", "F32LE", 48000, 2),
              ("wav", "S24LE", 96000, 6), ("wav", "F32LE", 44100, 8)]
    for ch in (1, 6, 8):
        cases.append(("flac", None, 48000, ch))
    for rate, ch in ((8000, 1), (22050, 2), (44100, 6), (48000, 8),
                     (96000, 2), (192000, 1)):
        cases.append(("vorbis", None, rate, ch))
    for rate, ch in ((8000, 1), (16000, 2), (48000, 6), (48000, 8),
                     (44100, 2)):
        cases.append(("opus", None, rate, ch))
    for rate, ch in ((8000, 1), (16000, 2), (22050, 1), (44100, 2),
                     (48000, 2)):
        cases.append(("mp3", None, rate, ch))
    return cases


def _case_id(case):
    enc, fmt, rate, ch = case
    return "%s%s-%dHz-%dch" % (enc, "-" + fmt if fmt else "", rate, ch)


def _assert_tone_picture(rgb, rate, what):
    """A 1 kHz tone: not uniform, drawn with the inferno map, brightest
    where the Slaney mel scale puts 1 kHz."""
    assert rgb.std() > 1.0, "%s: the picture is uniform" % what
    levels, worst = pu.rgb_to_level(rgb)
    assert worst <= 3.0, "%s: colours off the inferno map by %.1f" % (
        what, worst)
    got, profile = pu.measured_tone_row(levels)
    want = pu.expected_tone_row(1000.0, rate)
    assert abs(got - want) <= ROW_TOLERANCE, \
        "%s: 1 kHz brightest at row %.1f, the mel scale puts it at %.1f " \
        "(profile top rows %s)" % (what, got, want,
                                   np.argsort(profile)[::-1][:6].tolist())
    # The tone stands far above the rest of its column.
    assert profile.max() - np.median(profile) > 100, what


@pytest.mark.parametrize("case", _cases(), ids=_case_id)
def test_verbatim_pipeline(tmp_path, case):
    """The README's first pipeline through Gst.parse_launch: one 1024x256 PNG whose
    brightest row is 1 kHz on the Slaney mel scale."""
    enc, fmt, rate, ch = case
    src = pu.make_audio(tmp_path / ("in." + pu.EXTENSIONS[enc]), enc, rate,
                        ch, fmt)
    dst = tmp_path / "in.png"
    result = pu.run_pipeline(VERBATIM.format(src=shlex.quote(src),
                                             dst=shlex.quote(str(dst))))
    assert result.eos and not result.errors, result.describe()
    assert not result.stop_hung, result.describe()
    _, rgb = pu.check_png_file(dst)
    _assert_tone_picture(rgb, rate, _case_id(case))


@pytest.mark.parametrize("enc,rate,ch", [("mp3", 44100, 2),
                                          ("flac", 96000, 6),
                                          ("opus", 48000, 8)])
def test_verbatim_gst_launch(tmp_path, enc, rate, ch):
    """The same line typed into a shell: the real gst-launch-1.0 exits 0
    and writes the PNG."""
    src = pu.make_audio(tmp_path / ("song." + pu.EXTENSIONS[enc]), enc, rate,
                        ch)
    dst = tmp_path / "song.png"
    proc = pu.run_gst_launch(VERBATIM.format(src=shlex.quote(src),
                                             dst=shlex.quote(str(dst))))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "ERROR" not in proc.stdout + proc.stderr
    _, rgb = pu.check_png_file(dst)
    _assert_tone_picture(rgb, rate, "gst-launch %s" % enc)


def test_png_without_pngenc_has_metadata(tmp_path):
    """`melspecx ! filesink`: the element encodes the PNG itself and adds a
    tEXt chunk "melspecx" with the analysis parameters as JSON."""
    src = pu.make_audio(tmp_path / "a.wav", "wav", 22050, 2, seconds=3.0)
    dst = tmp_path / "a.png"
    result = pu.run_pipeline(
        "filesrc location=%s ! decodebin ! melspecx ! filesink location=%s" %
        (shlex.quote(src), shlex.quote(str(dst))))
    assert result.eos and not result.errors, result.describe()
    png, rgb = pu.check_png_file(dst)
    assert "melspecx" in png.text, "tEXt keys: %s" % list(png.text)
    meta = json.loads(png.text["melspecx"])
    assert meta["n_fft"] == 2048 and meta["hop_length"] == 512
    assert meta["sample_rate"] == 22050
    assert meta["duration"] == pytest.approx(3.0, abs=0.05)
    assert isinstance(meta["version"], str) and meta["version"]
    _assert_tone_picture(rgb, 22050, "melspecx ! filesink")


def test_downstream_caps_set_the_size(tmp_path):
    """Width and height fixed by a downstream capsfilter win over the
    properties."""
    src = pu.make_audio(tmp_path / "a.flac", "flac", 44100, 1)
    dst = tmp_path / "big.png"
    result = pu.run_pipeline(
        "filesrc location=%s ! decodebin ! melspecx ! "
        "video/x-raw,width=2048,height=512 ! pngenc ! filesink location=%s" %
        (shlex.quote(src), shlex.quote(str(dst))))
    assert result.eos and not result.errors, result.describe()
    _, rgb = pu.check_png_file(dst, 2048, 512)
    levels, _ = pu.rgb_to_level(rgb)
    got, _ = pu.measured_tone_row(levels)
    want = pu.expected_tone_row(1000.0, 44100, height=512)
    assert abs(got - want) <= 2 * ROW_TOLERANCE, (got, want)


def test_mode_auto_on_a_file_gives_one_picture(tmp_path):
    """A file source is not live, so mode=auto (the default) is image mode:
    exactly one frame, at EOS, with framerate 0/1."""
    src = pu.make_audio(tmp_path / "a.ogg", "vorbis", 48000, 2, seconds=4.0)
    pipeline = Gst.parse_launch(
        "filesrc location=%s ! decodebin ! melspecx mode=auto ! "
        "video/x-raw ! appsink name=sink sync=false emit-signals=true" %
        shlex.quote(src))
    frames = []
    pipeline.get_by_name("sink").connect(
        "new-sample", lambda sink: frames.append(sink.emit("pull-sample"))
        or Gst.FlowReturn.OK)
    result = pu.run_pipeline(pipeline)
    assert result.eos and not result.errors, result.describe()
    assert len(frames) == 1, "%d frames" % len(frames)
    s = frames[0].get_caps().get_structure(0)
    assert (s.get_value("width"), s.get_value("height")) == (1024, 256)
    ok, num, den = s.get_fraction("framerate")
    assert ok and (num, den) == (0, 1)


def test_speech_from_espeak(tmp_path):
    """Real speech (espeak-ng, 22050 Hz mono S16): a picture with the
    harmonics and formants of voiced speech between gaps of silence.  The
    voiced parts concentrate energy below ~4 kHz, so the lower half of the
    picture is brighter than the upper, and the pauses between words make
    some columns much darker than others."""
    wav = tmp_path / "speech.wav"
    # espeak-ng is not ours: keep a sanitizer preload (ASan runs) away.
    env = {k: v for k, v in os.environ.items() if k != "LD_PRELOAD"}
    subprocess.run(["espeak-ng", "-w", str(wav),
                    "The quick brown fox jumps over the lazy dog. "
                    "Mel spectrograms show speech clearly."],
                   check=True, timeout=60, env=env)
    dst = tmp_path / "speech.png"
    result = pu.run_pipeline(VERBATIM.format(src=shlex.quote(str(wav)),
                                             dst=shlex.quote(str(dst))))
    assert result.eos and not result.errors, result.describe()
    _, rgb = pu.check_png_file(dst)
    if os.environ.get("MELSPECX_KEEP_PNG"):
        import shutil
        shutil.copy(dst, os.environ["MELSPECX_KEEP_PNG"])
    levels, worst = pu.rgb_to_level(rgb)
    assert worst <= 3.0
    assert levels[128:].mean() > levels[:128].mean() + 10
    col = levels.mean(axis=0)
    assert col.max() - col.min() > 40, "no pauses visible"


def _peak_rss_kib(tmp_path, minutes, rate=44100):
    """Peak RSS of one gst-launch-1.0 rendering @minutes of stereo white
    noise in image mode (audiotestsrc is not live)."""
    spb = rate  # one-second buffers
    desc = ("audiotestsrc wave=white-noise num-buffers=%d samplesperbuffer=%d "
            "! audio/x-raw,rate=%d,channels=2 ! melspecx mode=image ! pngenc "
            "! filesink location=%s" %
            (minutes * 60, spb, rate, tmp_path / ("%dmin.png" % minutes)))
    rc, out, rss, wall = pu.run_measured(["gst-launch-1.0", "-q"] +
                                         shlex.split(desc), timeout=120)
    assert rc == 0, out
    pu.check_png_file(tmp_path / ("%dmin.png" % minutes))
    return rss, wall


def test_image_mode_memory_is_bounded(tmp_path):
    """Peak memory does not grow with the input.  10 and 60 minutes
    of noise (44.1 kHz stereo: 51680 and 310078 STFT frames, both far more
    than the 1024 columns) differ in peak RSS by less than 8 MB.  Peak RSS
    comes from the kernel (os.wait4's ru_maxrss for that one gst-launch-1.0
    child: RUSAGE_CHILDREN would be the maximum over every child pytest has
    reaped).  Keeping every frame would cost 128 floats x 258398 frames =
    132 MB more.  About 10 s on two cores."""
    rss10, _ = _peak_rss_kib(tmp_path, 10)
    rss60, _ = _peak_rss_kib(tmp_path, 60)
    assert abs(rss60 - rss10) < 8 * 1024, \
        "peak RSS 10 min %.1f MB, 60 min %.1f MB" % (rss10 / 1024,
                                                     rss60 / 1024)
