"""melspecx on bad input and bad settings: every case ends with a
picture or a clean error, within a bus deadline (pipeline_util.run_pipeline
never waits without one, and a NULL state change that hangs fails the test).

What each case gave when written (GStreamer 1.22, CPU backend) is in its
docstring; where either a picture or a clean error is acceptable the test
accepts both and checks whichever came.
"""

import json
import os
import re
import shlex
import warnings

import numpy as np
import pytest

import pipeline_util as pu
from pipeline_util import Gst

TO_PNG = "filesrc location={src} ! decodebin ! melspecx ! filesink location={dst}"


@pytest.fixture(scope="module", autouse=True)
def _elements():
    for name in ("melspecx", "decodebin", "appsrc", "pngenc", "pngdec"):
        pu.require_element(name)


def _to_png(src, dst, timeout=30):
    return pu.run_pipeline(TO_PNG.format(src=shlex.quote(str(src)),
                                         dst=shlex.quote(str(dst))), timeout)


def _metadata(png):
    return json.loads(png.text["melspecx"])


def _assert_uniform(rgb, what):
    first = rgb[0, 0]
    assert (rgb == first).all(), "%s: %d distinct colours" % (
        what, len(np.unique(rgb.reshape(-1, 3), axis=0)))


def _assert_no_picture(path):
    """filesink opens (and so creates) its file at READY, before any error;
    a failed run leaves it empty."""
    assert not os.path.exists(path) or os.path.getsize(path) == 0


# ------------------------------------------------------------- bad files

def test_garbage_file(tmp_path):
    """100 kB of random bytes: decodebin's typefind posts "Could not
    determine type of stream." (CORE/STREAM error); no picture."""
    src = tmp_path / "garbage.bin"
    src.write_bytes(np.random.default_rng(7).bytes(100_000))
    result = _to_png(src, tmp_path / "out.png")
    assert result.finished and not result.eos, result.describe()
    assert "type of stream" in result.errors[0].message, result.describe()
    _assert_no_picture(tmp_path / "out.png")


def test_empty_file(tmp_path):
    """A zero-byte file: typefind posts "Stream contains no data."; no
    picture."""
    src = tmp_path / "empty.wav"
    src.write_bytes(b"")
    result = _to_png(src, tmp_path / "out.png")
    assert result.finished and not result.eos, result.describe()
    assert "no data" in result.errors[0].message, result.describe()
    _assert_no_picture(tmp_path / "out.png")


def test_nonexistent_path(tmp_path):
    """filesrc posts RESOURCE/NOT_FOUND "Resource not found." with the path
    in the debug text; no picture."""
    missing = tmp_path / "no-such-file.mp3"
    result = _to_png(missing, tmp_path / "out.png")
    assert result.finished and not result.eos, result.describe()
    err = result.errors[0]
    assert err.domain == "gst-resource-error-quark"
    assert err.code == int(Gst.ResourceError.NOT_FOUND)
    assert str(missing) in err.debug
    _assert_no_picture(tmp_path / "out.png")


@pytest.mark.parametrize("enc", ["wav", "mp3", "flac"])
def test_truncated_file(tmp_path, enc):
    """A 3 s stereo 1 kHz file cut in half.  GStreamer decodes what is
    there and reaches EOS: the picture covers the first half (metadata
    duration 1.50 s WAV, 1.46 s MP3 and FLAC, whole frames) and shows the
    tone at its mel row.  A clean decoder error would also be accepted."""
    src = pu.make_audio(tmp_path / ("cut." + pu.EXTENSIONS[enc]), enc, 44100,
                        2, seconds=3.0)
    data = open(src, "rb").read()
    open(src, "wb").write(data[:len(data) // 2])
    dst = tmp_path / "cut.png"
    result = _to_png(src, dst)
    assert result.finished, result.describe()
    if result.errors:
        assert result.errors[0].message, result.describe()
        return
    png, rgb = pu.check_png_file(dst)
    assert 1.2 < _metadata(png)["duration"] < 1.6, _metadata(png)
    levels, _ = pu.rgb_to_level(rgb)
    got, _ = pu.measured_tone_row(levels)
    assert abs(got - pu.expected_tone_row(1000.0, 44100)) <= 3.0


# ---------------------------------------------------------- odd samples

def _appsrc_png(tmp_path, samples, rate=44100, channels=1, props=""):
    """Push float32 @samples through appsrc ! melspecx ! filesink; returns
    (PipelineResult, png path)."""
    dst = tmp_path / "out.png"
    caps = pu.raw_caps(rate, channels, "F32LE") + ",layout=interleaved"
    pipeline, appsrc = pu.appsrc_pipeline(
        caps, "melspecx %s ! filesink location=%s" %
        (props, shlex.quote(str(dst))))
    pu.push_f32(appsrc, samples, rate)
    return pu.run_pipeline(pipeline), dst


def test_eos_before_data(tmp_path):
    """appsrc sends caps and EOS, no buffer: a valid 1024x256 picture, all
    of it the colormap's floor colour (inferno[0]), metadata duration 0.
    (A clean error would be acceptable too.)"""
    result, dst = _appsrc_png(tmp_path, np.zeros(0, np.float32))
    assert result.finished, result.describe()
    if result.errors:
        return
    png, rgb = pu.check_png_file(dst)
    _assert_uniform(rgb, "EOS before data")
    assert _metadata(png)["duration"] == 0


def test_wav_with_no_samples(tmp_path):
    """A well-formed WAV header with an empty data chunk, through decodebin:
    the same uniform floor-colour picture as EOS before data."""
    src = pu.make_wav_s16(tmp_path / "nothing.wav", [], 44100)
    result = _to_png(src, tmp_path / "out.png")
    assert result.finished, result.describe()
    if result.errors:
        return
    _, rgb = pu.check_png_file(tmp_path / "out.png")
    _assert_uniform(rgb, "empty WAV")


def test_single_sample(tmp_path):
    """One sample (0.5): one STFT frame stretched over all 1024 columns, so
    every column is the same; metadata duration 1/44100 s."""
    result, dst = _appsrc_png(tmp_path, np.array([0.5], np.float32))
    assert result.eos and not result.errors, result.describe()
    png, rgb = pu.check_png_file(dst)
    assert (rgb == rgb[:, :1]).all(), "columns differ for a single frame"
    assert _metadata(png)["duration"] == pytest.approx(1 / 44100, rel=1e-6)


def test_silence_is_uniform(tmp_path):
    """2 s of zeros: every mel power is at amin, the dB range is empty, and
    the whole picture is one colour, inferno's floor (0, 0, 4)."""
    result, dst = _appsrc_png(tmp_path, np.zeros(88200, np.float32))
    assert result.eos and not result.errors, result.describe()
    _, rgb = pu.check_png_file(dst)
    _assert_uniform(rgb, "silence")
    assert tuple(rgb[0, 0]) == tuple(pu.colormap_table()[0])


def test_nan_and_inf_samples(tmp_path):
    """A 1 kHz sine with 100 NaN, one +Inf and one -Inf sample: a valid
    picture of the tone at its mel row (non-finite samples count as 0, so
    they neither blank the picture nor make it one colour)."""
    x = 0.5 * np.sin(2 * np.pi * 1000 * np.arange(88200) / 44100)
    x[1000:1100] = np.nan
    x[30000], x[50000] = np.inf, -np.inf
    result, dst = _appsrc_png(tmp_path, x)
    assert result.eos and not result.errors, result.describe()
    _, rgb = pu.check_png_file(dst)
    levels, worst = pu.rgb_to_level(rgb)
    assert worst <= 3.0
    got, _ = pu.measured_tone_row(levels)
    assert abs(got - pu.expected_tone_row(1000.0, 44100)) <= 3.0


def test_all_nan_is_silence(tmp_path):
    """One second of NaN draws like silence: uniform, floor colour."""
    result, dst = _appsrc_png(tmp_path, np.full(44100, np.nan, np.float32))
    assert result.eos and not result.errors, result.describe()
    _, rgb = pu.check_png_file(dst)
    _assert_uniform(rgb, "all NaN")


# ------------------------------------------------------- bad properties

# (property, bad value, other properties, a number the message must give
# as the allowed range).  "set" cases are outside the GParamSpec range:
# g_object_set warns and keeps the old value.  "bus" cases need other
# properties or the sample rate to judge and end in a RESOURCE/SETTINGS
# error at negotiation whose message names the property and its range.
INVALID = [
    ("n-fft", 2047, {}, "65536", "bus"),           # odd
    ("n-fft", 0, {}, None, "set"),                  # below 16
    ("win-length", 4096, {}, "2048", "bus"),        # > n-fft
    ("win-length", 1024, {"n-fft": 512}, "512", "bus"),
    ("hop-length", 0, {}, None, "set"),
    ("f-min", 8000.0, {}, "8000", "bus"),           # == f-max
    ("f-min", 9000.0, {}, "8000", "bus"),           # > f-max
    ("f-min", 30000.0, {"f-max": 0.0}, "22050", "bus"),  # > Nyquist
    ("f-max", 100.0, {"f-min": 200.0}, "100", "bus"),
    ("n-mels", 0, {}, None, "set"),
    ("n-mels", 200, {"n-fft": 256}, "129", "bus"),  # > n_fft/2+1
    ("n-mels", 1025, {}, None, "set"),              # > 1024 (= 2048/2+1)
    ("top-db", 0.0, {}, None, "set"),
    ("top-db", -10.0, {}, None, "set"),
    ("width", 0, {}, None, "set"),
    ("height", 0, {}, None, "set"),
    ("power", 1.5, {}, "2.0", "bus"),
]


def _invalid_id(case):
    prop, value, extra, _, _ = case
    return "%s=%s%s" % (prop, value, "".join(",%s=%s" % kv
                                             for kv in extra.items()))


@pytest.mark.parametrize("case", INVALID, ids=_invalid_id)
def test_invalid_property(tmp_path, case):
    """Refused at set time (value unchanged, GLib's warning names the
    property; the pipeline then runs with the old value), or an ERROR on
    the bus at negotiation naming the property and its allowed range."""
    prop, value, extra, range_token, how = case
    src = pu.make_audio(tmp_path / "tone.wav", "wav", 44100, 1, seconds=1.0)
    dst = tmp_path / "out.png"
    pipeline = Gst.parse_launch(
        "filesrc location=%s ! decodebin ! melspecx name=m ! "
        "filesink location=%s" % (shlex.quote(src), shlex.quote(str(dst))))
    element = pipeline.get_by_name("m")
    for key, val in extra.items():
        element.set_property(key, val)
    before = element.get_property(prop)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        element.set_property(prop, value)
    result = pu.run_pipeline(pipeline)
    assert result.finished, result.describe()
    assert bool(caught) == (how == "set"), (how, caught, result.describe())
    if caught:
        assert prop in str(caught[0].message), str(caught[0].message)
        assert element.get_property(prop) == before
        assert result.eos and not result.errors, result.describe()
        pu.check_png_file(dst)
    else:
        assert result.errors and not result.eos, \
            "%s=%s accepted and rendered:\n%s" % (prop, value,
                                                  result.describe())
        err = result.errors[0]
        assert err.source == "m", err.text()
        assert prop in err.message, err.text()
        assert range_token is None or range_token in err.message, err.text()
        assert err.is_settings_error(), err.text()


def test_invalid_property_with_gst_launch(tmp_path):
    """The same refusal seen from a shell: gst-launch-1.0 exits non-zero and
    prints the element's sentence naming n-fft."""
    src = pu.make_audio(tmp_path / "tone.wav", "wav", 44100, 1, seconds=1.0)
    proc = pu.run_gst_launch(
        "filesrc location=%s ! decodebin ! melspecx n-fft=1001 ! pngenc ! "
        "fakesink" % shlex.quote(src))
    assert proc.returncode != 0
    assert re.search(r"n-fft is 1001", proc.stdout + proc.stderr), \
        proc.stdout + proc.stderr


# ------------------------------------------------------- warnings only

def test_empty_mel_bands_warn(tmp_path):
    """192 kHz with n-fft 256 (750 Hz bins), 128 mels up to Nyquist: many
    low bands catch no FFT bin.  Not an error: a picture and one warning
    naming n-fft and n-mels and giving the number of empty bands (the
    float64 Slaney filterbank counts them); those bands draw at the floor.
    height=128 makes one row per band, so the rows can be checked."""
    rate, n_fft, n_mels = 192000, 256, 128
    fb = pu.mel_filterbank(rate, n_fft, n_mels, 0.0, rate / 2)
    empty = np.nonzero(fb.max(axis=1) == 0)[0]
    assert len(empty) > 0
    src = pu.make_audio(tmp_path / "noise.wav", "wav", rate, 1,
                        wave="white-noise", seconds=1.0)
    dst = tmp_path / "out.png"
    result = pu.run_pipeline(
        "filesrc location=%s ! decodebin ! melspecx name=m n-fft=%d "
        "n-mels=%d f-max=0 height=%d ! pngenc ! filesink location=%s" %
        (shlex.quote(src), n_fft, n_mels, n_mels, shlex.quote(str(dst))))
    assert result.eos and not result.errors, result.describe()
    mine = result.warnings_from("m")
    assert len(mine) == 1, result.describe()
    text = mine[0].message
    assert "n-fft" in text and "n-mels" in text, text
    assert str(len(empty)) in re.findall(r"\d+", text), \
        "reference: %d empty bands; %s" % (len(empty), text)
    _, rgb = pu.check_png_file(dst, 1024, n_mels)
    levels, _ = pu.rgb_to_level(rgb)
    band_level = levels[::-1].mean(axis=1)   # row 0 = band 0
    full = np.setdiff1d(np.arange(n_mels), empty)
    assert band_level[empty].max() == 0, band_level[empty]
    assert band_level[full].min() > 100, band_level[full].min()


def test_f_max_above_nyquist_warns(tmp_path):
    """8 kHz input with the default f-max 8000: f-max is lowered to the
    4000 Hz Nyquist frequency with one warning naming f-max; the picture is
    drawn (and the 1 kHz row follows the 4 kHz scale)."""
    src = pu.make_audio(tmp_path / "tone.wav", "wav", 8000, 1)
    dst = tmp_path / "out.png"
    result = pu.run_pipeline(
        "filesrc location=%s ! decodebin ! melspecx name=m ! pngenc ! "
        "filesink location=%s" % (shlex.quote(src), shlex.quote(str(dst))))
    assert result.eos and not result.errors, result.describe()
    mine = result.warnings_from("m")
    assert len(mine) == 1 and "f-max" in mine[0].message, result.describe()
    _, rgb = pu.check_png_file(dst)
    levels, _ = pu.rgb_to_level(rgb)
    got, _ = pu.measured_tone_row(levels)
    assert abs(got - pu.expected_tone_row(1000.0, 8000)) <= 3.0


def _sox_channels(path, channels, bits):
    """One second of 440 Hz in ``channels`` equal channels, ``bits`` deep."""
    import subprocess
    subprocess.run(["sox", "-n", "-c", str(channels), "-r", "8000",
                    "-b", str(bits), str(path), "synth", "1", "sine", "440"],
                   check=True, timeout=60)
    return path


@pytest.mark.parametrize("channels", [63, 64])
@pytest.mark.parametrize("bits", [16, 24])
def test_up_to_64_channels(tmp_path, channels, bits):
    """64 channels of 24-bit audio crashed the process (rc 139):
    GStreamer's channel mixer, built to convert the format, stops at 63.
    The element reads every format itself now."""
    import melspecx
    src = _sox_channels(tmp_path / "many.wav", channels, bits)
    png = melspecx.mel_spec_from_path(src, f_max=4000.0)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_65_channels_named(tmp_path):
    """65 channels: refused, naming the channel count, not a traceback
    and a 'not-linked' stream error."""
    import melspecx
    src = _sox_channels(tmp_path / "many.wav", 65, 16)
    with pytest.raises(melspecx.MelSpecError, match=r"channels 65"):
        melspecx.mel_spec_from_path(src, f_max=4000.0)


def test_read_audio_refuses_64_channels(tmp_path):
    """read_audio converts through audioconvert, whose mixer asserts at 64
    channels (the process crashed): refused with the reason instead."""
    import melspecx
    src = _sox_channels(tmp_path / "many.wav", 64, 16)
    with pytest.raises(melspecx.MelSpecError, match=r"64 channels.*at most 63"):
        melspecx.read_audio(src)
    src63 = _sox_channels(tmp_path / "63.wav", 63, 16)
    audio, rate = melspecx.read_audio(src63)
    assert audio.shape == (63, 8000) and rate == 8000


def test_stream_mode_png_is_explained(tmp_path):
    """mel_spec_from_path(mode='stream') used to fail with "A parameter is
    outside its allowed range."; now the sentence says which mode makes
    a PNG."""
    import melspecx
    src = _sox_channels(tmp_path / "mono.wav", 1, 16)
    with pytest.raises(melspecx.MelSpecError,
                       match=r"mode=stream .* cannot produce image/png; "
                             r"use mode=image"):
        melspecx.mel_spec_from_path(src, mode="stream", f_max=4000.0)


def test_separate_lanes_too_low_names_height(tmp_path):
    """6 lanes in 4 rows: refused at negotiation, naming height."""
    import melspecx
    src = _sox_channels(tmp_path / "six.wav", 6, 16)
    with pytest.raises(melspecx.MelSpecError,
                       match=r"channel-mode=separate draws 6 lanes.*"
                             r"height 4 is too small"):
        melspecx.mel_spec_from_path(src, channel_mode="separate",
                                    height_px=4, f_max=4000.0)
