#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The torchaudio peer of bench/peers.py: audio file -> 1024x256 PNG.

    /usr/bin/python3 bench/peers_torch.py IN OUT

What a careful torchaudio user writes for the picture melspecx draws with
its defaults: torchaudio's MelSpectrogram (n_fft 2048, hop 512, 128 Slaney
mels up to 8 kHz, power) on the mono mix, AmplitudeToDB with an 80 dB range,
resized to 1024x256, matplotlib's inferno table, saved by PIL.

The file is streamed (torchaudio.io.StreamReader, ten seconds at a time):
loading ten hours at once would need tens of GB.  Frames are summed into at
most 4096 columns of mel power, merged pairwise when full, and averaged to
1024 at the end, as melspecx does; a shorter input is interpolated.
"""

import sys

import matplotlib
import numpy as np
import torch
import torch.nn.functional as F
import torchaudio
from PIL import Image
from torchaudio.io import StreamReader

N_FFT, HOP, N_MELS, F_MAX, TOP_DB = 2048, 512, 128, 8000.0, 80.0
WIDTH, HEIGHT = 1024, 256
MAX_COLUMNS = 4 * WIDTH


class Columns:
    """Mel power summed over runs of frames; runs double when full."""

    def __init__(self):
        self.sums = torch.zeros(MAX_COLUMNS, N_MELS, dtype=torch.float64)
        self.counts = torch.zeros(MAX_COLUMNS, dtype=torch.float64)
        self.run = 1            # frames per column
        self.frames = 0

    def add(self, mel):         # mel: (n_mels, frames)
        while mel.shape[1]:
            if self.frames // self.run >= MAX_COLUMNS:
                self._merge()
            room = MAX_COLUMNS * self.run - self.frames
            take = mel[:, :room]
            index = (torch.arange(take.shape[1]) + self.frames) // self.run
            self.sums.index_add_(0, index, take.T.to(torch.float64))
            self.counts.index_add_(0, index,
                                   torch.ones(take.shape[1],
                                              dtype=torch.float64))
            self.frames += take.shape[1]
            mel = mel[:, room:]

    def _merge(self):
        self.sums = F.pad(self.sums.view(-1, 2, N_MELS).sum(1),
                          (0, 0, 0, MAX_COLUMNS // 2))
        self.counts = F.pad(self.counts.view(-1, 2).sum(1),
                            (0, MAX_COLUMNS // 2))
        self.run *= 2

    def power(self):
        """(n_mels, columns): the mean power of each column, box-averaged
        to WIDTH columns when there are more."""
        used = int((self.counts > 0).sum())
        sums, counts = self.sums[:used], self.counts[:used]
        if used > WIDTH:
            sums = F.adaptive_avg_pool1d(sums.T[None], WIDTH)[0].T
            counts = F.adaptive_avg_pool1d(counts[None, None], WIDTH)[0, 0]
        return (sums / counts[:, None]).T.to(torch.float32)


def blocks(path, seconds=10):
    """(rate, iterator of mono blocks of about @seconds).  StreamReader's
    own chunks are kept small: it grows a large chunk by copying."""
    reader = StreamReader(path)
    rate = int(reader.get_src_stream_info(reader.default_audio_stream)
               .sample_rate)
    reader.add_basic_audio_stream(frames_per_chunk=8192)

    def gather():
        pending, size = [], 0
        for (chunk,) in reader.stream():
            pending.append(chunk.mean(dim=1))
            size += chunk.shape[0]
            if size >= seconds * rate:
                yield torch.cat(pending)
                pending, size = [], 0
        if pending:
            yield torch.cat(pending)
    return rate, gather()


def mel_columns(path):
    rate, mono_blocks = blocks(path)
    mel = torchaudio.transforms.MelSpectrogram(
        sample_rate=rate, n_fft=N_FFT, hop_length=HOP, f_max=F_MAX,
        n_mels=N_MELS, center=False, norm="slaney", mel_scale="slaney",
        power=2.0)
    columns = Columns()
    carry = None                # the samples the next frame starts with
    for mono in mono_blocks:
        if carry is None:       # centre padding at the start, as center=True
            mono = torch.cat([mono[1:N_FFT // 2 + 1].flip(0), mono])
        else:
            mono = torch.cat([carry, mono])
        carry = _analyse(mel, columns, mono)
    if carry is not None:       # centre padding at the end
        end = torch.cat([carry, carry[-N_FFT // 2 - 1:-1].flip(0)])
        _analyse(mel, columns, end)
    return columns.power()


def _analyse(mel, columns, samples):
    """Adds the frames that fit in @samples; returns the samples the next
    frame starts with."""
    frames = (samples.shape[0] - N_FFT) // HOP + 1
    if frames <= 0:
        return samples
    columns.add(mel(samples[:(frames - 1) * HOP + N_FFT]))
    return samples[frames * HOP:]


def picture(power):
    db = torchaudio.transforms.AmplitudeToDB("power", top_db=TOP_DB)(power)
    level = (db - db.max() + TOP_DB) / TOP_DB          # 0..1
    level = F.interpolate(level[None, None], size=(HEIGHT, WIDTH),
                          mode="bilinear", align_corners=False)[0, 0]
    index = (level.clamp(0, 1) * 255).round().to(torch.uint8).numpy()
    lut = (matplotlib.colormaps["inferno"](np.arange(256))[:, :3] * 255
           ).round().astype(np.uint8)
    return Image.fromarray(lut[index[::-1]])           # low pitch at bottom


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: peers_torch.py IN OUT")
    picture(mel_columns(sys.argv[1])).save(sys.argv[2], format="PNG")


if __name__ == "__main__":
    main()
