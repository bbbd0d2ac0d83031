#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""melspecx's core against torchaudio: STFT + mel + dB, one thread, same samples.

Both compute, for the same mono float32 samples, what the element computes
with its defaults: frames of n_fft 2048 every 512 samples, centred with
reflect padding, a periodic Hann window, power spectrum, 128 Slaney mel
bands (Slaney norm) from 0 to 8 kHz, and 10*log10(max(1e-10, S)) (dB re
1.0, no floor):

  torchaudio  MelSpectrogram + AmplitudeToDB(stype="power", top_db=None)
              with torch.set_num_threads(1)
  melspecx    bench/msx_bench --stft-file (msx_stft, CPU backend, one
              thread), the code every pipeline runs

Each side is timed from samples in memory to dB frames in memory (median of
--repeat runs, transforms built beforehand, torchaudio in float32 as users
run it); the script prints frames per second and the ratio.  So that the
speed compared is that of the same work, it also runs torchaudio once in
float64 and fails when melspecx differs from that by more than 0.01 dB
anywhere within 80 dB of the loudest value (the accuracy the project
promises); the float32 run's own distance is printed beside it.

  bench/core_vs_torchaudio.py --msx-bench BUILD/bench/msx_bench \\
      [--input some.wav] [--seconds 60] [--rate 22050] [--repeat 7]

Without --input the samples are synthesised (chords, a sweep and noise,
seeded).  Public tools only: Debian's python3-torchaudio and numpy.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import wave

import numpy as np

N_FFT, HOP, N_MELS, F_MAX = 2048, 512, 128, 8000.0
TOP_DB, DB_TOL = 80.0, 0.01


def synthesise(seconds: float, rate: int) -> np.ndarray:
    """Chords with a tremolo, a slow sweep and soft noise, in [-1, 1]."""
    t = np.arange(int(seconds * rate)) / rate
    x = np.zeros_like(t)
    for f in (110.0, 220.0, 330.0, 440.0, 554.4, 659.3):
        x += np.sin(2 * np.pi * f * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))
    x += 2 * np.sin(2 * np.pi * (100 * t + 30 * t * t))
    x += 0.3 * np.random.default_rng(7).standard_normal(t.size)
    return (0.9 * x / np.abs(x).max()).astype(np.float32)


def read_wav(path: str) -> tuple[np.ndarray, int]:
    """A 16-bit PCM WAV as mono float32 (channels averaged) and its rate."""
    with wave.open(path, "rb") as w:
        if w.getsampwidth() != 2:
            sys.exit("%s: only 16-bit PCM WAV is read here" % path)
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        x = data.reshape(-1, w.getnchannels()).astype(np.float64) / 32768.0
        return x.mean(axis=1).astype(np.float32), w.getframerate()


def transforms(rate: int, dtype):
    """MelSpectrogram and AmplitudeToDB built in @dtype (filters, window)."""
    import torch
    import torchaudio

    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        mel = torchaudio.transforms.MelSpectrogram(
            sample_rate=rate, n_fft=N_FFT, win_length=N_FFT,
            hop_length=HOP, f_min=0.0, f_max=F_MAX, n_mels=N_MELS, power=2.0,
            center=True, pad_mode="reflect", norm="slaney", mel_scale="slaney")
        to_db = torchaudio.transforms.AmplitudeToDB(stype="power",
                                                    top_db=None)
    finally:
        torch.set_default_dtype(previous)
    return mel, to_db


def time_torchaudio(x: np.ndarray, rate: int, repeat: int):
    import torch

    torch.set_num_threads(1)
    mel, to_db = transforms(rate, torch.float32)
    signal = torch.from_numpy(x)
    with torch.inference_mode():
        out = to_db(mel(signal))          # warm-up, untimed
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            out = to_db(mel(signal))
            times.append(time.perf_counter() - t0)
        mel64, to_db64 = transforms(rate, torch.float64)
        exact = to_db64(mel64(signal.double()))
    # (frames, mels): the float32 result timed, and the float64 reference
    return float(np.median(times)), out.numpy().T, exact.numpy().T


def time_melspecx(msx_bench: str, x: np.ndarray, rate: int, repeat: int):
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "x.f32"), os.path.join(tmp, "mel.f32")
        x.tofile(src)
        run = subprocess.run(
            [msx_bench, "--stft-file", src, "--rate", str(rate), "--repeat",
             str(repeat), "--threads", "1", "--backend", "cpu", "--out", dst],
            capture_output=True, text=True, check=True)
        fps = float(re.search(r"frames_per_second=([\d.]+)",
                              run.stdout).group(1))
        frames = np.fromfile(dst, dtype=np.float32).reshape(-1, N_MELS)
    return frames.shape[0] / fps, frames, run.stdout.strip()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--msx-bench", required=True,
                    help="the msx_bench program of a melspecx build")
    ap.add_argument("--input", help="a 16-bit PCM WAV (else synthesised)")
    ap.add_argument("--seconds", type=float, default=60.0,
                    help="length of the synthesised input (default 60)")
    ap.add_argument("--rate", type=int, default=22050,
                    help="its sample rate (default 22050)")
    ap.add_argument("--repeat", type=int, default=7,
                    help="timed runs of each side; the median counts")
    args = ap.parse_args()

    if args.input:
        x, rate = read_wav(args.input)
        source = args.input
    else:
        x, rate = synthesise(args.seconds, args.rate), args.rate
        source = "synthesised, %g s" % args.seconds
    t_torch, ref32, ref = time_torchaudio(x, rate, args.repeat)
    t_msx, got, line = time_melspecx(args.msx_bench, x, rate, args.repeat)

    if got.shape != ref.shape:
        print("frame counts differ: melspecx %s, torchaudio %s"
              % (got.shape, ref.shape))
        return 1
    shown = ref > ref.max() - TOP_DB
    db_diff = float(np.abs(got - ref)[shown].max())
    db_diff32 = float(np.abs(ref32 - ref)[shown].max())
    frames = ref.shape[0]
    print("input: %s, %d samples at %d Hz, %d frames" % (source, x.size, rate,
                                                         frames))
    print("melspecx: %s" % line)
    print()
    print("| one thread, n_fft %d, hop %d, %d mels, dB | frames/s | "
          "ratio |" % (N_FFT, HOP, N_MELS))
    print("|---|---|---|")
    print("| torchaudio MelSpectrogram + AmplitudeToDB | %.0f | 1.00 |"
          % (frames / t_torch))
    print("| melspecx core (msx_stft, cpu) | %.0f | %.2f |"
          % (frames / t_msx, t_torch / t_msx))
    print()
    print("largest difference from torchaudio in float64, within %g dB of "
          "the maximum: melspecx %.5f dB, torchaudio float32 %.5f dB"
          % (TOP_DB, db_diff, db_diff32))
    if db_diff > DB_TOL:
        print("the results differ by more than %g dB: not the same work"
              % DB_TOL)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
