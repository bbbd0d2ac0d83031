# SPDX-License-Identifier: MIT
"""Independent float64 references for the tests: librosa's formulas written
out with numpy/scipy (no librosa), torchaudio's MelSpectrogram, and a small
PNG reader.
"""

from __future__ import annotations

import json
import struct
import zlib

import numpy as np
import scipy.signal

AMIN = 1e-10


# -- mel filter bank (librosa.filters.mel, written out) ---------------------

def hz_to_mel(freq, htk: bool):
    freq = np.asanyarray(freq, dtype=np.float64)
    if htk:
        return 2595.0 * np.log10(1.0 + freq / 700.0)
    # Slaney: linear below 1 kHz, logarithmic above.
    f_sp = 200.0 / 3
    mels = freq / f_sp
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(freq >= min_log_hz,
                    min_log_mel + np.log(np.maximum(freq, 1e-300)
                                         / min_log_hz) / logstep, mels)


def mel_to_hz(mels, htk: bool):
    mels = np.asanyarray(mels, dtype=np.float64)
    if htk:
        return 700.0 * (10.0 ** (mels / 2595.0) - 1.0)
    f_sp = 200.0 / 3
    freqs = f_sp * mels
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(mels >= min_log_mel,
                    min_log_hz * np.exp(logstep * (mels - min_log_mel)),
                    freqs)


def mel_filterbank(sr: int, n_fft: int, n_mels: int, f_min: float,
                   f_max: float, htk: bool, slaney_norm: bool) -> np.ndarray:
    """(n_mels, n_fft//2+1) triangular filters, librosa's construction."""
    fftfreqs = np.fft.rfftfreq(n_fft, 1.0 / sr)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(f_min, htk), hz_to_mel(f_max, htk),
                                  n_mels + 2), htk)
    fdiff = np.diff(mel_f)
    ramps = mel_f[:, None] - fftfreqs[None, :]
    weights = np.zeros((n_mels, len(fftfreqs)))
    for i in range(n_mels):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    if slaney_norm:
        enorm = 2.0 / (mel_f[2:n_mels + 2] - mel_f[:n_mels])
        weights *= enorm[:, None]
    return weights


# -- STFT and dB (librosa.stft / power_to_db, written out) --------------------

SCIPY_WINDOWS = {"hann": "hann", "hamming": "hamming",
                 "blackman": "blackman", "rectangular": "boxcar"}


def window(name: str, win_length: int, n_fft: int) -> np.ndarray:
    """Periodic window of win_length, zero-padded to n_fft, centred."""
    w = scipy.signal.get_window(SCIPY_WINDOWS[name], win_length, fftbins=True)
    lpad = (n_fft - win_length) // 2
    return np.pad(w, (lpad, n_fft - win_length - lpad))


def mel_power(y: np.ndarray, sr: int, n_fft: int = 2048,
              win_length: int | None = None, hop_length: int = 512,
              center: bool = True, pad_mode: str = "reflect",
              window_name: str = "hann", power: float = 2.0,
              n_mels: int = 128, f_min: float = 0.0, f_max: float = 8000.0,
              mel_scale: str = "slaney", mel_norm: str = "slaney"
              ) -> np.ndarray:
    """Mel spectrogram (power or magnitude) in float64: (n_mels, frames)."""
    y = np.asarray(y, dtype=np.float64)
    if center:
        y = np.pad(y, n_fft // 2, mode=pad_mode)
    frames = 1 + (len(y) - n_fft) // hop_length
    w = window(window_name, win_length or n_fft, n_fft)
    idx = np.arange(n_fft)[None, :] + hop_length * np.arange(frames)[:, None]
    spectrum = np.abs(np.fft.rfft(y[idx] * w, axis=1)).T ** power
    fb = mel_filterbank(sr, n_fft, n_mels, f_min, f_max or sr / 2,
                        mel_scale == "htk", mel_norm == "slaney")
    return fb @ spectrum


def to_db(s: np.ndarray, power: float = 2.0, top_db: float | None = 80.0,
          ref_db: float = 0.0) -> np.ndarray:
    """power_to_db (10·log10) or amplitude_to_db (20·log10), ref fixed, then
    the max - top_db floor over the whole array."""
    factor = 10.0 if power == 2.0 else 20.0
    db = factor * np.log10(np.maximum(AMIN, s)) - ref_db
    if top_db is not None:
        db = np.maximum(db, db.max() - top_db)
    return db


def compare(got_db: np.ndarray, ref_power: np.ndarray, power: float = 2.0,
            top_db: float = 80.0) -> tuple[float, float]:
    """(max |dB error| where the reference is above max - top_db,
    relative L2 error of the power matrix)."""
    ref_db = to_db(ref_power, power, None)
    assert got_db.shape == ref_db.shape, (got_db.shape, ref_db.shape)
    mask = ref_db > ref_db.max() - top_db
    db_err = float(np.max(np.abs(got_db.astype(np.float64) - ref_db)[mask]))
    factor = 10.0 if power == 2.0 else 20.0
    got_power = 10.0 ** (got_db.astype(np.float64) / factor)
    ref_clipped = np.maximum(ref_power, 10.0 ** (to_db(ref_power, power)
                                                 / factor))
    rel_l2 = float(np.linalg.norm(got_power - ref_clipped)
                   / np.linalg.norm(ref_clipped))
    return db_err, rel_l2


def torchaudio_mel_power(y: np.ndarray, sr: int, n_fft: int, hop_length: int,
                         n_mels: int, f_min: float, f_max: float,
                         mel_scale: str, mel_norm: str,
                         win_length: int | None = None,
                         power: float = 2.0) -> np.ndarray:
    """torchaudio.transforms.MelSpectrogram in float64 (filters included)."""
    import torch
    import torchaudio
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        transform = torchaudio.transforms.MelSpectrogram(
            sample_rate=sr, n_fft=n_fft, win_length=win_length or n_fft,
            hop_length=hop_length, f_min=f_min, f_max=f_max, n_mels=n_mels,
            power=power, center=True, pad_mode="reflect",
            norm="slaney" if mel_norm == "slaney" else None,
            mel_scale=mel_scale, window_fn=torch.hann_window)
        with torch.no_grad():
            out = transform(torch.from_numpy(np.asarray(y, np.float64)))
        return out.numpy()
    finally:
        torch.set_default_dtype(previous)


# -- PNG --------------------------------------------------------------------

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """The (type, payload) chunks of a PNG, CRCs checked."""
    assert data[:8] == PNG_SIGNATURE, data[:8]
    chunks, pos = [], 8
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        payload = data[pos + 8:pos + 8 + length]
        crc = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])[0]
        assert zlib.crc32(kind + payload) == crc, kind
        chunks.append((kind, payload))
        pos += 12 + length
    assert chunks[0][0] == b"IHDR" and chunks[-1][0] == b"IEND"
    return chunks


def png_info(data: bytes) -> dict:
    """Width, height, colour type and the melspecx tEXt JSON of a PNG."""
    chunks = png_chunks(data)
    width, height, depth, colour = struct.unpack(">IIBB", chunks[0][1][:10])
    texts = dict(payload.split(b"\0", 1) for kind, payload in chunks
                 if kind == b"tEXt")
    meta = json.loads(texts[b"melspecx"].decode("latin-1"))
    return {"width": width, "height": height, "depth": depth,
            "colour": colour, "meta": meta}


def png_pixels(data: bytes) -> np.ndarray:
    """Decode an 8-bit PNG (grey, RGB or RGBA; no interlace) to an array
    (height, width, channels)."""
    chunks = png_chunks(data)
    width, height, depth, colour, _, _, interlace = struct.unpack(
        ">IIBBBBB", chunks[0][1])
    assert depth == 8 and interlace == 0
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    raw = zlib.decompress(b"".join(p for k, p in chunks if k == b"IDAT"))
    stride = width * channels
    rows = np.zeros((height, stride), dtype=np.int32)
    prev = np.zeros(stride, dtype=np.int32)
    for y in range(height):
        line = raw[y * (stride + 1):(y + 1) * (stride + 1)]
        kind, cur = line[0], np.frombuffer(line[1:], np.uint8).astype(np.int32)
        out = np.zeros(stride, dtype=np.int32)
        for x in range(stride):
            a = out[x - channels] if x >= channels else 0
            b = prev[x]
            c = prev[x - channels] if x >= channels else 0
            if kind == 0:
                pred = 0
            elif kind == 1:
                pred = a
            elif kind == 2:
                pred = b
            elif kind == 3:
                pred = (a + b) // 2
            else:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            out[x] = (cur[x] + pred) & 0xFF
        rows[y] = out
        prev = out
    return rows.reshape(height, width, channels).astype(np.uint8)
