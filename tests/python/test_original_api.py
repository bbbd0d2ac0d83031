# SPDX-License-Identifier: MIT
"""The calls of the MelSpecX library's README (the Rust/Python library
users come from), written here as they are written there: only the audio
file's path and the `audio_data` it leaves undefined are filled in."""

from __future__ import annotations

import numpy as np
import pytest

import melspecx
import msx_reference as ref
from conftest import make_audio
from test_cli import melspecx as command

# The colormap names its README lists.
ORIGINAL_COLORMAPS = ["inferno", "viridis", "magma", "plasma", "greys",
                      "blues", "greens", "reds", "purples", "oranges"]


@pytest.fixture(scope="module")
def audio_wav(tmp_path_factory):
    folder = tmp_path_factory.mktemp("original")
    return make_audio(folder / "audio.wav", "wav", 22050, 1, 2.0,
                      wave="pink-noise")


def test_mel_spec_from_path_as_written(audio_wav, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    image_bytes = melspecx.mel_spec_from_path(
        str(audio_wav),
        n_fft=2048,
        win_length=512,
        hop_length=1024,
        f_min=0,
        f_max=8000,
        n_mels=128,
        colormap="inferno",
        width_px=1024,
        height_px=256,
        top_db=60,
        chunk_size=1024
    )

    with open("spectrogram.png", "wb") as f:
        f.write(image_bytes)

    info = ref.png_info((tmp_path / "spectrogram.png").read_bytes())
    assert (info["width"], info["height"]) == (1024, 256)
    meta = info["meta"]
    assert (meta["n_fft"], meta["win_length"], meta["hop_length"],
            meta["n_mels"]) == (2048, 512, 1024, 128)
    assert meta["top_db"] == pytest.approx(60)


def test_create_mel_config_and_mel_spectrogram_db_py_as_written():
    audio_data = np.sin(np.arange(22050) * 0.05).astype(np.float32)

    config = melspecx.create_mel_config(
        sample_rate=22050,
        n_fft=2048,
        win_length=512,
        hop_length=1024,
        f_min=0,
        f_max=8000,
        n_mels=128,
        top_db=60,
        onesided=True,
        chunk_size=1024
    )

    mel_spec = melspecx.mel_spectrogram_db_py(config, audio_data)

    assert config.onesided is True
    assert mel_spec.shape == (128, 1 + 22050 // 1024)
    expect = ref.mel_power(audio_data, 22050, n_fft=2048, win_length=512,
                           hop_length=1024, n_mels=128, f_max=8000)
    want = ref.to_db(expect, top_db=60)
    assert np.max(np.abs(mel_spec - want)) < 0.01


def test_mel_spectrogram_db_py_takes_a_list():
    """The library took a plain list of samples as well."""
    config = melspecx.create_mel_config(sample_rate=16000, n_fft=256,
                                        hop_length=64, n_mels=20,
                                        onesided=True)
    audio_data = np.cos(np.arange(4000) * 0.2).astype(np.float32)
    assert np.array_equal(
        melspecx.mel_spectrogram_db_py(config, audio_data.tolist()),
        melspecx.mel_spectrogram_db_py(config, audio_data))


def test_onesided_false_is_refused_with_the_reason():
    with pytest.raises(melspecx.MelSpecParameterError) as info:
        melspecx.create_mel_config(sample_rate=22050, onesided=False)
    message = str(info.value)
    assert message.startswith("onesided is False but must be True")
    assert "negative frequencies" in message and "n_fft/2+1" in message


def test_command_as_written(audio_wav, tmp_path):
    basic = command("generate", audio_wav, tmp_path / "output.png")
    assert basic.returncode == 0, basic.stderr
    custom = command(
        "generate", audio_wav, tmp_path / "custom.png",
        *"""--n-fft 2048
            --win-length 512
            --hop-length 1024
            --f-min 0
            --f-max 8000
            --n-mels 128
            --colormap inferno
            --width-px 1024
            --height-px 256
            --top-db 60
            --chunk-size 1024""".split())
    assert custom.returncode == 0, custom.stderr
    meta = ref.png_info((tmp_path / "custom.png").read_bytes())["meta"]
    assert (meta["win_length"], meta["hop_length"]) == (512, 1024)
    assert meta["top_db"] == pytest.approx(60)


@pytest.mark.parametrize("colormap", ORIGINAL_COLORMAPS)
def test_every_original_colormap(audio_wav, tmp_path, colormap):
    png = melspecx.mel_spec_from_path(str(audio_wav), colormap=colormap,
                                      width_px=32, height_px=16)
    assert ref.png_info(png)["meta"]["colormap"] == colormap
    out = tmp_path / f"{colormap}.png"
    result = command("generate", audio_wav, out, "--colormap",
                     colormap.capitalize(), "--width-px", 32,
                     "--height-px", 16)
    assert result.returncode == 0, result.stderr
    assert ref.png_pixels(out.read_bytes()).tolist() == \
        ref.png_pixels(png).tolist()
