"""ref-mode=dbfs: absolute levels.  In each band, 0 dB is what a
full-scale sine at the band's centre frequency gives there, so a −6 dBFS
tone reads −6.02 dB and two files compare.  Checked against a float64
numpy computation of the same definition."""

import numpy as np

import pipeline_util as pu
from pipeline_util import Gst

SR = 22050
N_FFT = 2048
N_MELS = 128
HOP = 512


def _centres():
    mel = np.linspace(pu.hz_to_mel_slaney(0.0), pu.hz_to_mel_slaney(8000.0),
                      N_MELS + 2)
    return pu.mel_to_hz_slaney(mel)[1:-1]


def _reference_db():
    """float64: each band's value for a full-scale cosine at its centre,
    the periodic hann window centred on a crest."""
    n = np.arange(N_FFT)
    window = 0.5 - 0.5 * np.cos(2 * np.pi * n / N_FFT)
    bank = pu.mel_filterbank(SR, N_FFT, N_MELS, 0.0, 8000.0)
    ref = np.empty(N_MELS)
    for m, hz in enumerate(_centres()):
        frame = window * np.cos(2 * np.pi * hz * (n - N_FFT / 2) / SR)
        ref[m] = 10 * np.log10(bank[m] @ np.abs(np.fft.rfft(frame)) ** 2)
    return ref


def _raw_frames(samples):
    """melspecx ref-mode=dbfs into raw float frames: (frames, n_mels)."""
    pipeline, src = pu.appsrc_pipeline(
        f"audio/x-raw,format=F32LE,layout=interleaved,rate={SR},channels=1",
        "melspecx ref-mode=dbfs ! application/x-mel-spectrogram ! "
        "appsink name=out sync=false")
    sink = pipeline.get_by_name("out")
    pipeline.set_state(Gst.State.PLAYING)
    pu.push_f32(src, samples, SR)
    chunks = []
    try:
        while True:
            sample = sink.emit("try-pull-sample", 10 * Gst.SECOND)
            if sample is None:
                break
            buf = sample.get_buffer()
            chunks.append(np.frombuffer(buf.extract_dup(0, buf.get_size()),
                                        dtype="<f4"))
    finally:
        pipeline.set_state(Gst.State.NULL)
    return np.concatenate(chunks).reshape(-1, N_MELS)


def _middle(frames):
    return frames[len(frames) // 4: 3 * len(frames) // 4].mean(axis=0)


def test_minus_6_dbfs_tone_reads_minus_6_db():
    band = 50
    hz = _centres()[band]
    t = np.arange(2 * SR) / SR
    tone = (0.5 * np.sin(2 * np.pi * hz * t)).astype(np.float32)
    got = _middle(_raw_frames(tone))[band]
    assert abs(got - 20 * np.log10(0.5)) < 0.05, got


def test_any_tone_against_float64():
    """A 1 kHz tone at −20 dBFS (between band centres): every band within
    60 dB of the loudest equals numpy's float64 value of the definition."""
    t = np.arange(2 * SR) / SR
    tone = (0.1 * np.sin(2 * np.pi * 1000.0 * t)).astype(np.float32)
    got = _middle(_raw_frames(tone))
    n = np.arange(N_FFT)
    window = 0.5 - 0.5 * np.cos(2 * np.pi * n / N_FFT)
    bank = pu.mel_filterbank(SR, N_FFT, N_MELS, 0.0, 8000.0)
    frame = window * 0.1 * np.cos(2 * np.pi * 1000.0 * (n - N_FFT / 2) / SR)
    want = 10 * np.log10(np.maximum(bank @ np.abs(np.fft.rfft(frame)) ** 2,
                                    1e-10)) - _reference_db()
    shown = want > want.max() - 60
    assert np.max(np.abs(got[shown] - want[shown])) < 0.05


def test_two_files_compare(tmp_path):
    """Pictures of the same tone at −6 and −26 dBFS: with ref-mode=dbfs the
    quieter one is 20 dB darker; with the default reference (the loudest
    frame) both look the same."""
    import melspecx
    levels = {}
    for name, amplitude in (("loud", 0.5), ("quiet", 0.05)):
        t = np.arange(SR) / SR
        path = pu.make_wav_s16(tmp_path / f"{name}.wav",
                               amplitude * np.sin(2 * np.pi * 1000 * t), SR)
        for mode in ("auto", "dbfs"):
            png = tmp_path / f"{name}-{mode}.png"
            png.write_bytes(melspecx.mel_spec_from_path(
                path, width_px=64, height_px=128, ref_mode=mode))
            rgb = pu.decode_png(png)
            levels[name, mode] = pu.rgb_to_level(rgb)[0].max()
    assert abs(levels["loud", "auto"] - levels["quiet", "auto"]) <= 1
    # 20 dB of an 80 dB range is 64 of 255 levels
    assert abs((levels["loud", "dbfs"] - levels["quiet", "dbfs"]) - 64) <= 3
