"""Helpers for the pipeline tests: run GStreamer pipelines with a deadline,
make test audio with GStreamer's own encoders, read PNGs back, and compute
where librosa's (Slaney) mel scale puts a tone.

Everything here talks to GStreamer directly through PyGObject; the melspecx
Python package is deliberately not used, so that these tests see the element
exactly as a gst-launch-1.0 user does.
"""

import dataclasses
import os
import shlex
import struct
import subprocess
import sys
import threading
import time
import zlib

import gi

gi.require_version("Gst", "1.0")
from gi.repository import GLib, Gst  # noqa: E402

import numpy as np  # noqa: E402

Gst.init(None)

# Seconds a pipeline may take before the test calls it a hang.  Every wait on
# a bus in these tests goes through run_pipeline(), so nothing can block
# forever.
DEFAULT_TIMEOUT = 60.0

DEFAULT_WIDTH = 1024
DEFAULT_HEIGHT = 256
DEFAULT_N_MELS = 128
DEFAULT_N_FFT = 2048
DEFAULT_F_MAX = 8000.0
DEFAULT_TOP_DB = 80.0

# GStreamer channel-mask bits (GstAudioChannelPosition): FL=0 FR=1 FC=2
# LFE1=3 RL=4 RR=5 SL=10 SR=11.  5.1 = FL FR FC LFE RL RR; 7.1 adds SL SR,
# the layout Vorbis, Opus and FLAC accept for eight channels.
CHANNEL_MASKS = {1: None, 2: 0x3, 6: 0x3F, 8: 0xC3F}

# Encoders by short name: the GStreamer elements after the capsfilter, and
# whether the encoder needs an audioresample in front (Opus only takes 8, 12,
# 16, 24 and 48 kHz).
ENCODERS = {
    "wav": "wavenc",
    "flac": "flacenc",
    "vorbis": "vorbisenc ! oggmux",
    "opus": "opusenc ! oggmux",
    "mp3": "lamemp3enc",
}
EXTENSIONS = {"wav": "wav", "flac": "flac", "vorbis": "ogg", "opus": "opus",
              "mp3": "mp3"}


def require_element(name):
    """Fail (never skip) when an element is missing: a skipped suite hides a
    broken build."""
    if Gst.ElementFactory.find(name) is None:
        raise AssertionError(
            "GStreamer element %r not found (GST_PLUGIN_PATH=%r); run the "
            "tests through `meson devenv -C BUILD`" %
            (name, os.environ.get("GST_PLUGIN_PATH")))


# ---------------------------------------------------------------- running

@dataclasses.dataclass
class BusMessage:
    source: str
    message: str
    debug: str
    domain: str
    code: int

    def text(self):
        return "%s: %s [%s %d] (%s)" % (self.source, self.message, self.domain,
                                        self.code, self.debug)

    def is_settings_error(self):
        """GStreamer's code for a bad configuration: RESOURCE/SETTINGS."""
        return (self.domain == "gst-resource-error-quark" and
                self.code == int(Gst.ResourceError.SETTINGS))


@dataclasses.dataclass
class PipelineResult:
    eos: bool = False
    timed_out: bool = False
    stop_hung: bool = False
    state_failed: bool = False
    errors: list = dataclasses.field(default_factory=list)
    warnings: list = dataclasses.field(default_factory=list)
    seconds: float = 0.0

    @property
    def finished(self):
        """It ended by itself (EOS or an error) and stopped cleanly."""
        return (self.eos or bool(self.errors)) and not self.timed_out \
            and not self.stop_hung

    def describe(self):
        parts = ["eos=%s timed_out=%s stop_hung=%s %.1fs" %
                 (self.eos, self.timed_out, self.stop_hung, self.seconds)]
        parts += ["ERROR " + e.text() for e in self.errors]
        parts += ["WARNING " + w.text() for w in self.warnings]
        return "\n".join(parts)

    def warnings_from(self, name_prefix):
        return [w for w in self.warnings if w.source.startswith(name_prefix)]


def _bus_message(msg):
    if msg.type == Gst.MessageType.ERROR:
        err, debug = msg.parse_error()
    else:
        err, debug = msg.parse_warning()
    source = msg.src.get_name() if msg.src is not None else "?"
    return BusMessage(source, err.message, debug or "", err.domain, err.code)


def _collect(bus, result, msg):
    if msg.type == Gst.MessageType.ERROR:
        result.errors.append(_bus_message(msg))
    elif msg.type == Gst.MessageType.WARNING:
        result.warnings.append(_bus_message(msg))
    elif msg.type == Gst.MessageType.EOS:
        result.eos = True


def _stop(pipeline, timeout):
    """Set the pipeline to NULL in a helper thread, so that an element that
    deadlocks on shutdown shows up as a failed test instead of a hung run."""
    done = threading.Event()

    def stop():
        pipeline.set_state(Gst.State.NULL)
        done.set()

    threading.Thread(target=stop, daemon=True).start()
    return done.wait(timeout)


def run_pipeline(pipeline, timeout=DEFAULT_TIMEOUT):
    """Play @pipeline (a Gst.Pipeline or a gst-launch description) until EOS,
    the first ERROR or @timeout seconds; always end in NULL.  Returns a
    PipelineResult with every ERROR and WARNING seen on the bus."""
    if isinstance(pipeline, str):
        pipeline = Gst.parse_launch(pipeline)
    result = PipelineResult()
    bus = pipeline.get_bus()
    mask = (Gst.MessageType.ERROR | Gst.MessageType.EOS |
            Gst.MessageType.WARNING)
    start = time.monotonic()
    deadline = start + timeout
    if pipeline.set_state(Gst.State.PLAYING) == Gst.StateChangeReturn.FAILURE:
        result.state_failed = True
    try:
        while not result.eos and not result.errors:
            remaining = deadline - time.monotonic()
            msg = None
            if remaining > 0:
                msg = bus.timed_pop_filtered(int(remaining * Gst.SECOND), mask)
            if msg is None:
                result.timed_out = True
                break
            _collect(bus, result, msg)
    finally:
        result.stop_hung = not _stop(pipeline, 20.0)
        # Warnings posted after the first ERROR/EOS still count.
        while True:
            msg = bus.pop_filtered(Gst.MessageType.ERROR |
                                   Gst.MessageType.WARNING)
            if msg is None:
                break
            _collect(bus, result, msg)
        result.seconds = time.monotonic() - start
    return result


# Plays a description to its end in a fresh process, then prints which of
# the given file names that process has mapped.
_MAPPED = r"""
import sys
sys.path.insert(0, sys.argv[2])
from pipeline_util import run_pipeline
result = run_pipeline(sys.argv[1])
assert result.eos and not result.errors, result.describe()
maps = open("/proc/self/maps").read()
print(" ".join(name for name in sys.argv[3:] if name in maps))
"""


def libraries_mapped(description, names, extra_env=None):
    """Which of @names (parts of file names: "libcairo.so") a fresh process
    has mapped once it has played @description to its end: what loading
    the plugin and running it brought in."""
    env = dict(os.environ)
    env.update(extra_env or {})
    done = subprocess.run(
        [sys.executable, "-c", _MAPPED, description,
         os.path.dirname(os.path.abspath(__file__))] + list(names),
        capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    return set(done.stdout.split())


def run_gst_launch(description, timeout=DEFAULT_TIMEOUT, extra_env=None):
    """Run the real gst-launch-1.0 on @description (words quoted as a user
    types them in a shell); returns the CompletedProcess.  A run longer than
    @timeout is killed and fails the test."""
    env = dict(os.environ)
    env.update(extra_env or {})
    argv = ["gst-launch-1.0"] + shlex.split(description)
    try:
        return subprocess.run(argv, capture_output=True, text=True, env=env,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError("gst-launch-1.0 %s: no exit within %ds" %
                             (description, timeout))


def run_measured(argv, timeout=DEFAULT_TIMEOUT, env=None):
    """Run @argv, reap it with os.wait4 and return (returncode, stdout+stderr
    text, peak RSS in KiB of that one child, wall seconds)."""
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, env=env)
    chunks = []
    reader = threading.Thread(target=lambda: chunks.append(proc.stdout.read()),
                              daemon=True)
    reader.start()
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            break
        if time.monotonic() > deadline:
            proc.kill()
            os.wait4(proc.pid, 0)
            raise AssertionError("%s: no exit within %ds" %
                                 (" ".join(argv), timeout))
        time.sleep(0.05)
    proc.returncode = os.waitstatus_to_exitcode(status)
    reader.join(5)
    text = b"".join(chunks).decode("utf-8", "replace")
    return proc.returncode, text, usage.ru_maxrss, time.monotonic() - start


# ---------------------------------------------------------- making audio

def raw_caps(rate, channels, fmt=None):
    caps = "audio/x-raw,rate=%d,channels=%d" % (rate, channels)
    if fmt:
        caps += ",format=%s" % fmt
    mask = CHANNEL_MASKS.get(channels)
    if mask is not None and channels > 2:
        caps += ",channel-mask=(bitmask)0x%x" % mask
    return caps


def make_audio(path, encoder="wav", rate=44100, channels=1, fmt=None,
               seconds=2.0, wave="sine", freq=1000.0, volume=0.8):
    """Write @seconds of audiotestsrc output, encoded by @encoder (a key of
    ENCODERS), to @path with GStreamer.  Returns @path."""
    n_buffers = max(1, int(round(seconds * 10)))
    spb = max(1, int(round(rate * seconds / n_buffers)))
    resample = "audioresample ! audio/x-raw,rate=48000 ! " \
        if encoder == "opus" and rate not in (8000, 12000, 16000, 24000,
                                              48000) else ""
    desc = ("audiotestsrc wave=%s freq=%g volume=%g num-buffers=%d "
            "samplesperbuffer=%d ! %s ! %s%s ! filesink location=%s" %
            (wave, freq, volume, n_buffers, spb, raw_caps(rate, channels, fmt),
             resample, ENCODERS[encoder], shlex.quote(str(path))))
    result = run_pipeline(desc)
    assert result.eos and not result.errors, \
        "could not make %s:\n%s\n%s" % (path, desc, result.describe())
    assert os.path.getsize(path) > 0
    return str(path)


def make_wav_s16(path, samples, rate):
    """Write a mono S16LE WAV of @samples (floats in -1..1) by hand."""
    data = np.clip(np.round(np.asarray(samples) * 32767), -32768,
                   32767).astype("<i2").tobytes()
    header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(data),
                         b"WAVE", b"fmt ", 16, 1, 1, rate, rate * 2, 2, 16,
                         b"data", len(data))
    with open(path, "wb") as f:
        f.write(header + data)
    return str(path)


def appsrc_pipeline(caps, tail):
    """A pipeline `appsrc name=src caps=CAPS format=time ! TAIL`; returns
    (pipeline, appsrc)."""
    pipeline = Gst.parse_launch("appsrc name=src format=time caps=%s ! %s" %
                                (shlex.quote(caps), tail))
    return pipeline, pipeline.get_by_name("src")


def push_f32(appsrc, samples, rate):
    """Queue one buffer of interleaved float32 @samples (shape (n,) or
    (n, channels)) with timestamps, then EOS."""
    samples = np.ascontiguousarray(samples, dtype="<f4")
    n = samples.shape[0]
    if n:
        buf = Gst.Buffer.new_wrapped(samples.tobytes())
        buf.pts = 0
        buf.duration = Gst.util_uint64_scale(n, Gst.SECOND, rate)
        assert appsrc.emit("push-buffer", buf) == Gst.FlowReturn.OK
    assert appsrc.emit("end-of-stream") == Gst.FlowReturn.OK


# ------------------------------------------------------------ reading PNG

@dataclasses.dataclass
class PngFile:
    width: int
    height: int
    bit_depth: int
    color_type: int
    text: dict
    chunk_types: list


_CHANNELS_BY_COLOR_TYPE = {0: 1, 2: 3, 4: 2, 6: 4}


def parse_png(data):
    """Check a PNG byte for byte: signature, chunk CRCs, IHDR first, IEND
    last, and that the IDAT stream inflates to exactly height filtered rows.
    Returns a PngFile; raises AssertionError on anything wrong."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "no PNG signature: %r" % data[:8]
    pos, chunks, text, idat = 8, [], {}, b""
    while pos < len(data):
        assert pos + 12 <= len(data), "truncated chunk at %d" % pos
        length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc, = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert zlib.crc32(ctype + body) == crc, "bad CRC in %r" % ctype
        chunks.append(ctype.decode("latin-1"))
        if ctype == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif ctype == b"tEXt":
            key, _, value = body.partition(b"\0")
            text[key.decode("latin-1")] = value.decode("latin-1")
        elif ctype == b"IDAT":
            idat += body
        pos += 12 + length
    assert chunks[0] == "IHDR" and chunks[-1] == "IEND", chunks
    width, height, depth, ctype, _, _, interlace = ihdr
    assert width > 0 and height > 0
    if interlace == 0:
        bpp = _CHANNELS_BY_COLOR_TYPE.get(ctype, 1) * depth // 8
        raw = zlib.decompress(idat)
        assert len(raw) == height * (1 + width * bpp), \
            "IDAT inflates to %d bytes, expected %d" % \
            (len(raw), height * (1 + width * bpp))
    return PngFile(width, height, depth, ctype, text, chunks)


def decode_png(path, timeout=30.0):
    """Decode a PNG file with GStreamer's pngdec into an (H, W, 3) uint8 RGB
    array (videoconvert does any format change)."""
    pipeline = Gst.parse_launch(
        "filesrc location=%s ! pngdec ! videoconvert ! "
        "video/x-raw,format=RGB ! appsink name=sink sync=false" %
        shlex.quote(str(path)))
    sink = pipeline.get_by_name("sink")
    pipeline.set_state(Gst.State.PLAYING)
    try:
        sample = sink.emit("try-pull-sample", int(timeout * Gst.SECOND))
        assert sample is not None, "pngdec gave no picture for %s" % path
        s = sample.get_caps().get_structure(0)
        w, h = s.get_value("width"), s.get_value("height")
        buf = sample.get_buffer()
        ok, info = buf.map(Gst.MapFlags.READ)
        assert ok
        try:
            stride = (w * 3 + 3) // 4 * 4   # GStreamer rows are 4-aligned
            rows = np.frombuffer(info.data, dtype=np.uint8)[:stride * h]
            rgb = rows.reshape(h, stride)[:, :w * 3].reshape(h, w, 3).copy()
        finally:
            buf.unmap(info)
    finally:
        _stop(pipeline, 20.0)
    return rgb


def check_png_file(path, width=DEFAULT_WIDTH, height=DEFAULT_HEIGHT):
    """Parse and decode @path; assert its size.  Returns (PngFile, rgb)."""
    assert os.path.exists(path), "%s was not written" % path
    data = open(path, "rb").read()
    assert len(data) > 0, "%s is empty" % path
    png = parse_png(data)
    assert (png.width, png.height) == (width, height), \
        "%s is %dx%d, expected %dx%d" % (path, png.width, png.height, width,
                                          height)
    rgb = decode_png(path)
    assert rgb.shape == (height, width, 3)
    return png, rgb


_COLORMAP_CACHE = {}


def colormap_table(name="inferno"):
    """matplotlib's 256-entry table as uint8 RGB: the independent reference
    for what melspecx draws."""
    if name not in _COLORMAP_CACHE:
        import matplotlib
        cmap = matplotlib.colormaps[name]
        table = cmap(np.linspace(0.0, 1.0, 256))[:, :3]
        _COLORMAP_CACHE[name] = np.round(table * 255).astype(np.int32)
    return _COLORMAP_CACHE[name]


def rgb_to_level(rgb, name="inferno"):
    """Map each pixel back to its colormap index (0 = quiet, 255 = loud) by
    the nearest table entry; returns (levels float array (H, W), worst
    distance in RGB units, to show the picture really uses the map)."""
    table = colormap_table(name)
    flat = rgb.reshape(-1, 3).astype(np.int32)
    colors, inverse = np.unique(flat, axis=0, return_inverse=True)
    d2 = ((colors[:, None, :] - table[None, :, :]) ** 2).sum(axis=2)
    nearest = d2.argmin(axis=1)
    worst = float(np.sqrt(d2[np.arange(len(colors)), nearest].max()))
    levels = nearest[inverse.reshape(-1)].reshape(rgb.shape[:2])
    return levels.astype(np.float64), worst


# ---------------------------------------------- the mel scale (reference)

def hz_to_mel_slaney(f):
    """librosa.hz_to_mel(htk=False): linear below 1 kHz (3 mels per 200 Hz),
    logarithmic above (27 mels per factor 6.4)."""
    f = np.asarray(f, dtype=np.float64)
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, np.log(6.4) / 27.0
    return np.where(f >= min_log_hz,
                    min_log_mel + np.log(np.maximum(f, 1e-12) / min_log_hz) /
                    logstep, f / f_sp)


def mel_to_hz_slaney(m):
    m = np.asarray(m, dtype=np.float64)
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, np.log(6.4) / 27.0
    return np.where(m >= min_log_mel,
                    min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)


def mel_filterbank(sr, n_fft, n_mels, f_min=0.0, f_max=None):
    """librosa.filters.mel(norm='slaney', htk=False) in float64:
    (n_mels, n_fft//2+1) triangles with unit area scaling 2/(f[i+2]-f[i])."""
    if f_max is None or f_max <= 0 or f_max > sr / 2:
        f_max = sr / 2
    fft_f = np.linspace(0, sr / 2, 1 + n_fft // 2)
    mel_f = mel_to_hz_slaney(np.linspace(hz_to_mel_slaney(f_min),
                                         hz_to_mel_slaney(f_max), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fft_f[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2:] - mel_f[:-2]))[:, None]
    return weights


def tone_mel_db(freq, sr, n_fft=DEFAULT_N_FFT, n_mels=DEFAULT_N_MELS,
                f_max=DEFAULT_F_MAX, top_db=DEFAULT_TOP_DB):
    """dB per mel band (floored at max - top_db) of one hann-windowed frame
    of a steady tone: what every middle column of a tone's picture shows."""
    n = np.arange(n_fft)
    window = 0.5 - 0.5 * np.cos(2 * np.pi * n / n_fft)   # periodic hann
    spec = np.abs(np.fft.rfft(window * np.sin(2 * np.pi * freq * n / sr))) ** 2
    mel = mel_filterbank(sr, n_fft, n_mels, 0.0, f_max) @ spec
    db = 10 * np.log10(np.maximum(mel, 1e-10))
    return np.maximum(db, db.max() - top_db)


def bands_to_rows(values, height):
    """Resample a per-band profile (band 0 = lowest frequency) to @height
    image rows, top row first: linear interpolation between band centres
    (pixel-centre convention) when upscaling, box averages when shrinking."""
    n = len(values)
    if height >= n:
        y = (np.arange(height) + 0.5) * n / height - 0.5
        rows = np.interp(y, np.arange(n), values)
    else:
        edges = np.linspace(0, n, height + 1)
        rows = np.array([values[int(np.floor(a)):max(int(np.ceil(b)),
                                                       int(np.floor(a)) + 1)]
                         .mean() for a, b in zip(edges[:-1], edges[1:])])
    return rows[::-1]


def peak_row(profile, within=1.0):
    """Centre of the rows within @within of the profile's maximum (a tone's
    peak spans a plateau of equal rows once it is floored and quantised)."""
    profile = np.asarray(profile, dtype=np.float64)
    rows = np.nonzero(profile >= profile.max() - within)[0]
    return float(rows.mean())


def expected_tone_row(freq, sr, height=DEFAULT_HEIGHT, n_mels=DEFAULT_N_MELS,
                      n_fft=DEFAULT_N_FFT, f_max=DEFAULT_F_MAX):
    """Where (row from the top, fractional) the brightest part of a steady
    tone's picture lies, from the float64 Slaney reference above."""
    db = tone_mel_db(freq, sr, n_fft, n_mels, f_max)
    levels = (db - db.min()) / max(db.max() - db.min(), 1e-12) * 255.0
    return peak_row(bands_to_rows(levels, height))


def measured_tone_row(levels):
    """The brightest row of a picture's middle half of columns (the edges
    hold the padded, partial frames)."""
    w = levels.shape[1]
    profile = np.median(levels[:, w // 4: 3 * w // 4], axis=1)
    return peak_row(profile), profile
