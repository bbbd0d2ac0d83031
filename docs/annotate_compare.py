#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The same audio drawn twice: `melspecx generate --annotate --title` and a
librosa-style `specshow` with a colour bar (torchaudio + matplotlib).

    meson devenv -C build -w . /usr/bin/python3 docs/annotate_compare.py

writes docs/annotate.png and docs/annotate-matplotlib.png.  The audio is
espeak-ng speech followed by a tone sweep and a few notes with harmonics,
22050 Hz mono, about 14 s, made in a temporary directory and removed.

Both sides analyse alike, with librosa's conventions and melspecx's
defaults: n_fft 2048, hop 512, centred reflect-padded frames, 128 slaney
mel bands with slaney norm from 0 to 8000 Hz, power 2,
power_to_db(ref=max) with top_db 80, the inferno colormap.  Only public
tools are needed: GStreamer and this project's melspecx, espeak-ng, numpy,
torchaudio (Debian python3-torchaudio) and matplotlib (python3-matplotlib).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

import numpy as np

RATE = 22050
N_FFT, HOP, N_MELS, TOP_DB, F_MAX = 2048, 512, 128, 80.0, 8000.0
# The plot size of both pictures (melspecx's frame adds its margins).
WIDTH, HEIGHT = 800, 200
TITLE = "espeak-ng speech, a sweep and three notes"
HERE = Path(__file__).resolve().parent


def speech(tmp: Path) -> np.ndarray:
    """espeak-ng's voice at RATE (its native rate), float in [-1, 1]."""
    path = tmp / "speech.wav"
    subprocess.run(["espeak-ng", "-s", "150", "-w", str(path),
                    "The quick brown fox jumps over the lazy dog. "
                    "Mel spectrograms, with axes and labels."],
                   check=True, timeout=60)
    with wave.open(str(path)) as w:
        assert w.getframerate() == RATE and w.getnchannels() == 1
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    return pcm.astype(np.float64) / 32768.0


def music() -> np.ndarray:
    """A 4 s exponential sweep 80 Hz → 10 kHz, then three 1.2 s notes
    (A3, C#5, E6) with eight decaying harmonics and a fading envelope."""
    t = np.arange(int(4.0 * RATE)) / RATE
    f0, f1, dur = 80.0, 10000.0, 4.0
    k = np.log(f1 / f0) / dur
    sweep = 0.4 * np.sin(2 * np.pi * f0 * (np.exp(k * t) - 1) / k)
    notes = []
    for f in (220.0, 554.37, 1318.5):
        tn = np.arange(int(1.2 * RATE)) / RATE
        env = np.minimum(tn / 0.02, 1.0) * np.exp(-2.5 * tn)
        tone = sum(0.5 / h * np.sin(2 * np.pi * f * h * tn)
                   for h in range(1, 9) if f * h < RATE / 2)
        notes.append(0.5 * env * tone)
    return np.concatenate([sweep, np.zeros(RATE // 4)] + notes)


def write_wav(path: Path, x: np.ndarray) -> None:
    pcm = np.clip(np.round(x * 32767.0), -32768, 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(pcm.tobytes())


def render_melspecx(wav: Path, out: Path, command: list[str]) -> None:
    subprocess.run(command + [
        "generate", "--width", str(WIDTH), "--height", str(HEIGHT),
        "--annotate", "--title", TITLE, str(wav), str(out)],
        check=True, timeout=120)


def render_matplotlib(x: np.ndarray, out: Path, frame: tuple[int, int]) -> None:
    """librosa.display.specshow(y_axis="mel", x_axis="time") of
    power_to_db(S, ref=np.max) and colorbar(format="%+2.0f dB"), in a
    figure of @frame pixels (melspecx's frame size)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, MaxNLocator
    import torch
    import torchaudio

    mel = torchaudio.transforms.MelSpectrogram(
        sample_rate=RATE, n_fft=N_FFT, hop_length=HOP, f_min=0.0,
        f_max=F_MAX, n_mels=N_MELS, power=2.0, center=True,
        pad_mode="reflect", norm="slaney", mel_scale="slaney")
    s = mel(torch.from_numpy(x).float()).double().numpy()
    # librosa.power_to_db(S, ref=np.max, amin=1e-10, top_db=80)
    db = 10.0 * np.log10(np.maximum(s, 1e-10))
    db -= 10.0 * np.log10(max(s.max(), 1e-10))
    db = np.maximum(db, db.max() - TOP_DB)

    # librosa's specshow mel axis: bands at their mel centres, ticks at
    # Hz values (base-2 log locator above 1 kHz), labelled in Hz
    def hz_to_mel(f):
        f = np.asarray(f, dtype=np.float64)
        lin = f / (200.0 / 3)
        log = 15.0 + np.log(np.maximum(f, 1e-9) / 1000.0) / (np.log(6.4) / 27)
        return np.where(f < 1000.0, lin, log)

    edges = np.linspace(hz_to_mel(0.0), hz_to_mel(F_MAX), N_MELS + 1)
    times = np.arange(db.shape[1] + 1) * HOP / RATE
    dpi = 100
    fig = plt.figure(figsize=(frame[0] / dpi, frame[1] / dpi), dpi=dpi)
    ax = fig.add_axes([0.09, 0.17, 0.78, 0.72])
    cax = fig.add_axes([0.885, 0.17, 0.015, 0.72])
    mesh = ax.pcolormesh(times, edges, db, cmap="inferno", shading="flat",
                         rasterized=True)
    ticks = [t for t in (0, 512, 1024, 2048, 4096, 8192) if t <= F_MAX]
    ax.set_yticks(hz_to_mel(ticks), [str(t) for t in ticks])
    ax.set_ylabel("Hz")
    ax.xaxis.set_major_locator(MaxNLocator(nbins=10, steps=[1, 2, 5, 10]))
    ax.xaxis.set_major_formatter(FuncFormatter(
        lambda t, _: f"{int(t) // 60}:{int(t) % 60:02d}"))
    ax.set_xlabel("Time")
    ax.set_title(TITLE)
    fig.colorbar(mesh, cax=cax, format="%+2.0f dB")
    fig.savefig(out, dpi=dpi)
    plt.close(fig)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out-dir", type=Path, default=HERE)
    parser.add_argument("--melspecx", default=None,
                        help="the melspecx command (default: melspecx on "
                        "PATH, else python3 -m melspecx)")
    args = parser.parse_args()
    if shutil.which("espeak-ng") is None:
        sys.exit("annotate_compare.py needs espeak-ng (Debian package "
                 "espeak-ng)")
    command = (args.melspecx.split() if args.melspecx else
               ["melspecx"] if shutil.which("melspecx") else
               [sys.executable, "-m", "melspecx"])
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        x = np.concatenate([speech(tmp), np.zeros(RATE // 2), music()])
        wav = tmp / "compare.wav"
        write_wav(wav, x)
        ours = args.out_dir / "annotate.png"
        render_melspecx(wav, ours, command)
        import PIL.Image
        with PIL.Image.open(ours) as im:
            frame = im.size
        # the same samples the WAV holds
        with wave.open(str(wav)) as w:
            x = np.frombuffer(w.readframes(w.getnframes()),
                              dtype="<i2").astype(np.float64) / 32768.0
        render_matplotlib(x, args.out_dir / "annotate-matplotlib.png", frame)
    for name in ("annotate.png", "annotate-matplotlib.png"):
        path = args.out_dir / name
        print(f"{path}: {os.path.getsize(path) // 1024} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
