#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets: tests/fuzz/corpus/<target>/.

    tests/fuzz/make_corpus.py [CORPUS_DIR]

The fuzz_core inputs are encoded exactly as fuzz_core.c reads them (its
make_config() and run()), so that each seed starts from a chosen
configuration and pushes real samples; the fuzz_png_info seeds are small
PNGs built here byte by byte (a sound melspecx PNG, one without the chunk,
damaged ones).  Files named regress-* once failed: for fuzz_core they are
written here from the configuration that failed; for fuzz_element the
failing input itself is kept by hand (its bytes are a script with no
simpler encoding).  Only the standard library is used and the
output is the same on every run.
"""
import json
import math
import random
import struct
import sys
import zlib
from pathlib import Path


# fuzz_core: the byte reader of fuzz_core.c, in reverse

class CoreInput:
    """Bytes that fuzz_core.c's take()/pick() read back as the given
    values."""

    def __init__(self):
        self.data = bytearray()

    def take(self, value, k):
        self.data += int(value).to_bytes(k, "little")

    def pick(self, value, lo, hi):
        span = hi - lo + 1
        k = 1 if span <= 256 else 2 if span <= 65536 else 4
        self.take(value - lo, k)

    def pick_double(self, fraction):
        self.take(round(fraction * 65535), 2)


def core_input(rate=22050, channels=1, mode=0, n_fft=512, win=0, hop=128,
               center=1, pad=0, window=0, power=2, n_mels=32, f_max=0.0,
               f_min=0.0, htk=0, norm=0, top_db=0.08, colormap=0, invert=0,
               width=32, height=32, chunk=16, fmt=0, frames_per_column=0.0,
               wild=0, edges=(), script=()):
    """An input for fuzz_core: the config (fractions for f_max, f_min of
    their ranges; top_db a fraction of 0.001..1000), then the script: a
    list of ('push', n_samples, bytes) and ('op', code, argument bytes)
    entries (codes as step() in fuzz_core.c: 0 flush, 1 finish, 2 reset,
    3 render the scroll, 4 change it, 5 render the picture, 6 its look,
    7 finish or reset it)."""
    b = CoreInput()
    b.take(wild, 4)
    b.pick(rate, 1, 768000)
    b.take(0, 1)  # channels from 1..4
    b.pick(channels, 1, 4)
    b.pick(mode, 0, 2)
    b.take(0, 1)  # n_fft from 16..1024
    b.pick(n_fft // 2, 8, 512)
    b.pick(win, 0, n_fft)
    b.pick(hop, 1, 2 * n_fft)
    b.pick(center, 0, 1)
    b.pick(pad, 0, 1)
    b.pick(window, 0, 3)
    b.pick(power, 1, 2)
    bins = n_fft // 2 + 1
    b.pick(n_mels, 1, min(bins, 160))
    if f_max == 0.0:
        b.take(0, 1)
    else:
        b.take(200, 1)
        b.pick_double(f_max)
    b.pick_double(f_min)
    b.take(htk, 1)
    b.take(norm, 1)
    b.pick_double(top_db)
    b.take(colormap, 1)
    b.take(invert, 1)
    b.pick(width, 1, 64)
    b.pick(height, 1, 96)
    b.pick(chunk, 1, 300)
    for e in edges:  # one index per set bit of wild, lowest bit first
        b.take(e, 1)
    b.take(fmt, 1)
    if frames_per_column == 0.0:
        b.take(0, 1)
    else:
        b.take(200, 1)
        b.pick_double((frames_per_column - 0.05) / 7.95)
    for step in script:
        if step[0] == "push":
            b.take(8, 1)
            b.pick(step[1], 0, 2048)
            b.data += step[2]
        else:  # ('op', code, its argument bytes)
            b.take(step[1], 1)
            b.data += step[2] if len(step) > 2 else b""
    return bytes(b.data)


def sine_s16(n, channels, freq, rate, amp=0.5):
    out = bytearray()
    for i in range(n):
        v = int(amp * 32767 * math.sin(2 * math.pi * freq * i / rate))
        out += struct.pack("<h", v) * channels
    return bytes(out)


def sine_f32(n, channels, freq, rate, amp=0.5):
    out = bytearray()
    for i in range(n):
        v = amp * math.sin(2 * math.pi * freq * i / rate)
        out += struct.pack("<f", v) * channels
    return bytes(out)


def core_seeds(rng):
    seeds = {}
    tone = sine_s16(600, 1, 440, 8000)
    seeds["mono-s16-sine"] = core_input(
        rate=8000, fmt=2, script=[("push", 600, tone), ("op", 0),
                                  ("op", 3, b"\0\0"),
                                  ("op", 5, b"\4\x1f\x1f\0")])
    stereo = sine_f32(300, 2, 1000, 16000)
    seeds["stereo-separate-f32"] = core_input(
        rate=16000, channels=2, mode=1, fmt=0, height=40,
        script=[("push", 150, stereo[:1200]), ("op", 4, b"\3\x64\0"),
                ("op", 1), ("push", 150, stereo[1200:]), ("op", 2),
                ("op", 3, b"\5\1")])
    seeds["mid-side-paced"] = core_input(
        rate=16000, channels=2, mode=2, fmt=0, frames_per_column=2.5,
        script=[("push", 300, stereo), ("op", 3, b"\1\0"), ("op", 7),
                ("op", 6, b"\7\1\0\x40")])
    noise = bytes(rng.randrange(256) for _ in range(8 * 200 * 3))
    seeds["f64-noise-3ch"] = core_input(
        rate=44100, channels=3, fmt=1, n_fft=64, hop=16, n_mels=16,
        chunk=3, script=[("push", 200, noise), ("op", 3, b"\0\0")])
    seeds["s32-htk-magnitude"] = core_input(
        rate=48000, fmt=3, power=1, htk=1, norm=1, window=2, center=0,
        f_max=0.4, f_min=0.1, n_fft=256, hop=300,
        script=[("push", 400, bytes(rng.randrange(256)
                                    for _ in range(1600)))])
    # wild: bit 5 (n_fft) set to an edge value, so the config is refused
    seeds["refused-n-fft"] = core_input(wild=1 << 5, edges=[3])

    # Configurations that once failed.  One mel band over bins 1..9 of 10
    # read before the spectrum:
    seeds["regress-mel-band-n-fft-18"] = core_input(
        rate=22000, n_fft=18, hop=4, n_mels=1, fmt=2,
        script=[("push", 300, sine_s16(300, 1, 3000, 22000))])
    # top_db 5e-324 (edge 4, bit 16) made the stream reference NaN; amin
    # 1e-45 (edge 10, bit 17) made the dB of silence -Inf:
    seeds["regress-top-db-denormal"] = core_input(
        wild=1 << 16, edges=[4], height=69, width=1, fmt=2,
        script=[("push", 200, bytes(400))])
    seeds["regress-amin-below-float"] = core_input(
        wild=1 << 17, edges=[10], fmt=2,
        script=[("push", 600, bytes(1200)), ("op", 3, b"\0\0")])
    return seeds


# fuzz_png_info: PNGs built by hand

def chunk(kind, data):
    body = kind + data
    return (struct.pack(">I", len(data)) + body +
            struct.pack(">I", zlib.crc32(body) & 0xffffffff))


def png(text=None, width=4, height=2, key=b"melspecx"):
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\0" + bytes(3 * width) for _ in range(height))
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
    if text is not None:
        out += chunk(b"tEXt", key + b"\0" + text)
    return out + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def png_seeds():
    meta = json.dumps({"version": "0.1.0", "sample_rate": 22050,
                       "n_fft": 2048, "hop_length": 512, "n_mels": 128,
                       "colormap": "inferno", "nested": [1, -2.5e3, None,
                                                         True, "\u00e9"]})
    good = png(meta.encode("latin-1", "replace"))
    bad_crc = bytearray(good)
    bad_crc[-5] ^= 0xff  # IEND's CRC
    return {
        "melspecx": good,
        "no-chunk": png(),
        "other-key": png(b"{}", key=b"Comment"),
        "not-json": png(b"{\"a\": [1, 2}"),
        "truncated": good[:len(good) // 2],
        "bad-crc": bytes(bad_crc),
        "deep": png(b"{\"a\":" + b"[" * 40 + b"]" * 40 + b"}"),
    }


def element_seeds(rng):
    # fuzz_element reads its input as a script too; random bytes reach
    # every branch quickly, so its seeds are a few fixed random inputs.
    return {"seed-%d" % i: bytes(rng.randrange(256) for _ in range(n))
            for i, n in enumerate((16, 48, 200, 600))}


def main():
    root = Path(sys.argv[1] if len(sys.argv) > 1 else
                Path(__file__).resolve().parent / "corpus")
    rng = random.Random(20251201)
    for target, seeds in (("fuzz_core", core_seeds(rng)),
                          ("fuzz_png_info", png_seeds()),
                          ("fuzz_element", element_seeds(rng))):
        out = root / target
        out.mkdir(parents=True, exist_ok=True)
        for name, data in seeds.items():
            (out / name).write_bytes(data)


if __name__ == "__main__":
    main()
