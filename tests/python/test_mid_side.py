"""channel-mode=mid-side: stereo as a lane of (L+R)/2 above a lane of
(L−R)/2, through the element, the package and a picture."""

import numpy as np
import pytest

import melspecx
import pipeline_util as pu

SR = 22050


def _stereo():
    """L = A + B, R = A − B: mid is the 440 Hz tone A, side the 3 kHz B."""
    t = np.arange(SR) / SR
    a = 0.4 * np.sin(2 * np.pi * 440 * t)
    b = 0.2 * np.sin(2 * np.pi * 3000 * t)
    return np.stack([a + b, a - b]).astype(np.float32)


def test_lanes_are_mid_and_side():
    stereo = _stereo()
    config = melspecx.create_mel_config(SR, channel_mode="mid-side")
    lanes = melspecx.mel_spectrogram_db(config, stereo)
    assert lanes.shape[0] == 2
    mono = melspecx.create_mel_config(SR)
    mid = melspecx.mel_spectrogram_db(mono, (stereo[0] + stereo[1]) / 2)
    side = melspecx.mel_spectrogram_db(mono, (stereo[0] - stereo[1]) / 2)
    for got, want in ((lanes[0], mid), (lanes[1], side)):
        shown = want > want.max() - 60
        assert np.max(np.abs(got[shown] - want[shown])) < 1e-3
    bank = np.argmax(lanes.mean(axis=2), axis=1)
    expected = [int(np.argmax(pu.mel_filterbank(SR, 2048, 128, 0, 8000)
                              [:, round(f * 2048 / SR)])) for f in (440, 3000)]
    assert abs(bank[0] - expected[0]) <= 1 and abs(bank[1] - expected[1]) <= 1


def test_mono_file_is_refused(tmp_path):
    path = pu.make_wav_s16(tmp_path / "mono.wav",
                           0.3 * np.sin(np.arange(SR) * 0.1), SR)
    with pytest.raises(melspecx.MelSpecError,
                       match="mid-side needs stereo input"):
        melspecx.mel_spec_from_path(path, channel_mode="mid-side")


def test_picture_of_a_stereo_file(tmp_path):
    path = tmp_path / "stereo.wav"
    stereo = _stereo()
    import wave
    with wave.open(str(path), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(SR)
        w.writeframes((stereo.T * 32767).astype("<i2").tobytes())
    png = tmp_path / "ms.png"
    png.write_bytes(melspecx.mel_spec_from_path(
        path, channel_mode="mid-side", width_px=64, height_px=256))
    levels, _ = pu.rgb_to_level(pu.decode_png(png))
    top, bottom = levels[:128].mean(axis=1), levels[128:].mean(axis=1)
    # the mid lane's brightest row is low (440 Hz), the side lane's higher
    assert np.argmax(top) > np.argmax(bottom)
