# SPDX-License-Identifier: MIT
"""Test audio for bench/peers.py: speech over synthesised music, no noise.

A 64-second stereo piece is built from four 16-second sections (120 bpm,
eight 2-second bars each).  Every section has espeak-ng speech (a different
voice and text), plucked-string chords, a plucked melody drawn from a
pentatonic scale with a seeded random generator, and a drum pattern made of
a pitch-swept sine kick, a band-passed noise snare and a high-passed noise
hi-hat.  Long inputs loop the piece with sox's `repeat` effect and cut it to
length, so a 10-hour file costs one sox pass over its bytes, not 10 hours of
synthesis.

Every file is written under a temporary name and renamed when complete, and
its name carries the recipe's version and the duration: an interrupted run
never leaves a file that a later run would reuse.
"""

from __future__ import annotations

import math
import os
import random
import subprocess
from pathlib import Path

RATE = 44100
BAR_S = 2.0                   # 120 bpm, 4/4
STEP_S = BAR_S / 8            # eighth notes
SECTION_BARS = 8
SECTION_S = BAR_S * SECTION_BARS
VERSION = "v1"                # change when the recipe changes

TEXTS = (
    ("en-us", "A mel spectrogram shows how the energy of a sound is spread "
              "over pitch and time. Low notes sit at the bottom, high notes "
              "at the top, and loud moments glow brighter."),
    ("en-gb+f3", "Each column of the picture is a short slice of audio, "
                 "windowed and transformed, then folded onto the mel scale, "
                 "which follows how we hear rather than how we count."),
    ("en-gb-scotland", "The drums draw vertical lines, the chords draw "
                       "stacked horizontal bands, and the voice draws "
                       "curved harmonics that rise and fall with speech."),
    ("en-us+m3", "Ten hours of audio still make a picture one thousand and "
                 "twenty four pixels wide, so every column sums many frames "
                 "of power before it is drawn."),
)

# Chord progressions, one per section: four chords of two bars each.
PROGRESSIONS = (
    (("C3", "E3", "G3", "C4"), ("A2", "C3", "E3", "A3"),
     ("F2", "A2", "C3", "F3"), ("G2", "B2", "D3", "G3")),
    (("D3", "F3", "A3", "D4"), ("A2", "C3", "E3", "A3"),
     ("B2", "D3", "F3", "B3"), ("E3", "G3", "B3", "E4")),
    (("F2", "A2", "C3", "F3"), ("G2", "B2", "D3", "G3"),
     ("E3", "G3", "B3", "E4"), ("A2", "C3", "E3", "A3")),
    (("C3", "E3", "G3", "B3"), ("F2", "A2", "C3", "E3"),
     ("D3", "F3", "A3", "C4"), ("G2", "B2", "D3", "F3")),
)
PENTATONIC = ("C5", "D5", "E5", "G5", "A5", "C6", "D6", "E6")
DRUM_BAR = "KhShKKSh"         # K kick, S snare, h hi-hat, one per eighth


def _sox(*args: str) -> None:
    subprocess.run(("sox", "-V1") + args, check=True)


def _chords(path: Path, progression) -> None:
    """Four plucked strings per chord, mixed to mono, two bars each."""
    chains: list[str] = []
    for chord in progression:
        if chains:
            chains.append(":")
        chains += ["synth", "%g" % (2 * BAR_S)]
        for note in chord:
            chains += ["pluck", note]
        chains += ["remix", "-"]
    _sox("-r", str(RATE), "-c", str(len(progression[0])), "-n", str(path),
         *chains)


def _melody(path: Path, seed: int) -> None:
    """Plucked notes of one or two steps until the section is full."""
    rng = random.Random(seed)
    chains: list[str] = []
    left = SECTION_S
    while left > 1e-9:
        length = min(left, STEP_S * rng.choice((1, 1, 2)))
        if chains:
            chains.append(":")
        chains += ["synth", "%g" % length, "pluck", rng.choice(PENTATONIC)]
        left -= length
    _sox("-r", str(RATE), "-n", str(path), *chains)


def _drum_step(kind: str) -> list[str]:
    """One eighth-note step of the drum track, as a sox effects chain."""
    if kind == "K":
        return ["synth", "0.15", "sine", "150:40", "fade", "0", "0.15", "0.12",
                "pad", "0", "%g" % (STEP_S - 0.15)]
    if kind == "S":
        return ["synth", "0.12", "whitenoise", "gain", "-8", "sinc", "800-5000", "fade", "0",
                "0.12", "0.1", "pad", "0", "%g" % (STEP_S - 0.12)]
    return ["synth", "0.04", "whitenoise", "gain", "-8", "sinc", "7000", "fade", "0",
            "0.04", "0.035", "vol", "0.4", "pad", "0", "%g" % (STEP_S - 0.04)]


def _drums(path: Path) -> None:
    chains: list[str] = []
    for kind in DRUM_BAR * SECTION_BARS:
        if chains:
            chains.append(":")
        chains += _drum_step(kind)
    _sox("-r", str(RATE), "-n", str(path), *chains)


def _speech(path: Path, voice: str, text: str) -> None:
    """espeak-ng speaks at 22.05 kHz: resample, start after half a bar and
    end with the section."""
    raw = path.with_suffix(".espeak.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(raw),
                    text], check=True)
    _sox(str(raw), "-r", str(RATE), str(path), "pad", "%g" % (BAR_S / 2),
         "trim", "0", "%g" % SECTION_S)
    raw.unlink()


def _section(tmp: Path, index: int) -> Path:
    """One 16-second stereo section: each side its own balance of the four
    tracks, so that the channels differ as in a real mix."""
    tracks = {}
    for name in ("chords", "melody", "drums", "speech"):
        tracks[name] = tmp / ("s%d-%s.wav" % (index, name))
    _chords(tracks["chords"], PROGRESSIONS[index])
    _melody(tracks["melody"], seed=index)
    _drums(tracks["drums"])
    _speech(tracks["speech"], *TEXTS[index])
    sides = []
    for side, (chords, melody) in enumerate(((0.35, 0.20), (0.25, 0.30))):
        out = tmp / ("s%d-side%d.wav" % (index, side))
        _sox("-m", "-v", "%g" % chords, str(tracks["chords"]),
             "-v", "%g" % melody, str(tracks["melody"]),
             "-v", "0.5", str(tracks["drums"]),
             "-v", "0.7", str(tracks["speech"]), str(out),
             "trim", "0", "%g" % SECTION_S)
        sides.append(str(out))
    section = tmp / ("section%d.wav" % index)
    _sox("-M", *sides, str(section))
    return section


def make_piece(workdir: Path) -> Path:
    """The 64-second stereo piece every input is cut from (cached)."""
    piece = workdir / ("piece-%s.wav" % VERSION)
    if piece.exists():
        return piece
    tmp = workdir / ("piece-%s.parts" % VERSION)
    tmp.mkdir(parents=True, exist_ok=True)
    sections = [str(_section(tmp, i)) for i in range(len(TEXTS))]
    partial = piece.with_suffix(".part.wav")
    _sox(*sections, str(partial), "gain", "-n", "-1")
    for f in tmp.iterdir():
        f.unlink()
    tmp.rmdir()
    os.replace(partial, piece)
    return piece


# Input name -> (suffix, channels, sox output options, description).
FORMATS = {
    "mp3": (".mp3", 2, ["-C", "192"], "MP3 192 kb/s, 44.1 kHz stereo"),
    "flac": (".flac", 2, [], "FLAC 16-bit, 44.1 kHz stereo"),
    # Stereo at 44.1 kHz would pass the 4 GB size limit of RIFF WAV.
    "wav": (".wav", 1, ["-b", "16"], "WAV 16-bit, 44.1 kHz mono"),
}


def make_input(workdir: Path, name: str, seconds: float) -> Path:
    """@name's input file of @seconds, looped from the piece (cached)."""
    suffix, channels, options, _ = FORMATS[name]
    out = workdir / ("peers-%s-%gs%s" % (VERSION, seconds, suffix))
    if out.exists():
        return out
    piece = make_piece(workdir)
    partial = out.with_name(out.stem + ".part" + suffix)
    repeats = max(0, math.ceil(seconds / (SECTION_S * len(TEXTS))) - 1)
    effects = ["remix", "-"] if channels == 1 else []
    effects += ["repeat", str(repeats)] if repeats else []
    _sox(str(piece), *options, str(partial), *effects,
         "trim", "0", "%g" % seconds)
    os.replace(partial, out)
    return out


def describe(name: str) -> str:
    return FORMATS[name][3]
