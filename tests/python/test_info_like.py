# SPDX-License-Identifier: MIT
"""`melspecx info OUT.png` prints the parameters stored in a melspecx PNG,
`melspecx generate --like OUT.png IN NEW.png` makes a picture with them,
and a PNG from elsewhere or with missing, oversized, damaged or malformed
metadata is refused in one line.  The reader is also fed thousands of
mutated PNGs: it returns metadata or refuses, nothing else."""

from __future__ import annotations

import json
import random
import struct
import zlib

import pytest

import melspecx
from melspecx.errors import MelSpecError
from melspecx.pngmeta import read_metadata
from conftest import make_audio
from test_cli import assert_one_line_error, melspecx as run


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data +
            struct.pack(">I", zlib.crc32(kind + data)))


def _png(text: bytes | None, crc_ok: bool = True) -> bytes:
    """A 1x1 grey PNG, with a tEXt chunk of @text when given."""
    ihdr = _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
    idat = _chunk(b"IDAT", zlib.compress(b"\0\x80"))
    body = b""
    if text is not None:
        body = _chunk(b"tEXt", b"melspecx\0" + text)
        if not crc_ok:
            body = body[:-1] + bytes([body[-1] ^ 1])
    return b"\x89PNG\r\n\x1a\n" + ihdr + body + idat + _chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def picture(tmp_path_factory):
    d = tmp_path_factory.mktemp("like")
    audio = make_audio(d / "a.wav", seconds=1.0)
    png = d / "a.png"
    result = run("generate", audio, png, "--n-mels", "64", "--colormap",
                 "magma", "--hop-length", "256", "--ref-mode", "dbfs",
                 "--width-px", "300", "--height-px", "100")
    assert result.returncode == 0, result.stderr
    return audio, png


def test_info_prints_the_stored_parameters(picture):
    _, png = picture
    result = run("info", png)
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode()
    for line in ("picture:     300 x 100", "n_mels:       64",
                 "colormap:     magma", "hop_length:   256", "ref:          dbfs"):
        assert line in text, text
    stored = json.loads(run("info", png, "--json").stdout)
    assert stored["n_mels"] == 64 and stored["ref"] == "dbfs"


def test_generate_like_reuses_them(picture, tmp_path):
    audio, png = picture
    new = tmp_path / "new.png"
    result = run("generate", "--like", png, audio, new, "--colormap", "viridis")
    assert result.returncode == 0, result.stderr
    before = read_metadata(png)[0].meta
    after = read_metadata(new)[0].meta
    assert after.pop("colormap") == "viridis"      # the option given wins
    before.pop("colormap")
    assert after == before
    # the pixels too, bar the colormap: the same picture once more
    again = tmp_path / "again.png"
    run("generate", "--like", png, audio, again)
    assert again.read_bytes() == png.read_bytes()


@pytest.mark.parametrize("case, content, message", [
    ("elsewhere", _png(None), "has no melspecx metadata"),
    ("malformed", _png(b"{not json"), "is not valid JSON"),
    ("not an object", _png(b"[1, 2]"), "is not a JSON object"),
    ("damaged", _png(b'{"n_mels": 64}', crc_ok=False), "damaged"),
    ("oversized", _png(b'{"a": "' + b"x" * 70000 + b'"}'), "larger than 64 KiB"),
    ("truncated", _png(b'{"n_mels": 64}')[:40], "truncated"),
    ("not a PNG", b"RIFF....WAVEfmt ", None),
    ("bad value", _png(b'{"n_mels": -3}'), "the stored n_mels is -3"),
], ids=lambda v: v if isinstance(v, str) and len(v) < 20 else "")
def test_bad_pictures_are_refused(tmp_path, picture, case, content, message):
    audio, _ = picture
    bad = tmp_path / "bad.png"
    bad.write_bytes(content)
    result = run("generate", "--like", bad, audio, tmp_path / "out.png")
    stderr = assert_one_line_error(result)
    if message:
        assert message in stderr, stderr
    assert not (tmp_path / "out.png").exists()
    # info prints what is stored (a bad value too); a non-PNG is audio
    if case not in ("not a PNG", "bad value"):
        assert_one_line_error(run("info", bad))


def test_mutated_pngs_never_break_the_reader(picture, tmp_path):
    """4000 random mutations (bytes flipped, cut, repeated) of a real
    picture: every one gives metadata or a MelSpecError."""
    _, png = picture
    data = png.read_bytes()
    rng = random.Random(20261201)
    path = tmp_path / "m.png"
    outcomes = {"read": 0, "refused": 0}
    for _ in range(4000):
        m = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(len(m))
            kind = rng.random()
            if kind < 0.6:
                m[i] = rng.randrange(256)
            elif kind < 0.8:
                del m[i:i + rng.randint(1, 64)]
            else:
                m[i:i] = m[i:i + rng.randint(1, 64)]
        path.write_bytes(bytes(m[:rng.randint(8, len(m))]))
        try:
            read_metadata(path)
            outcomes["read"] += 1
        except MelSpecError:
            outcomes["refused"] += 1
    assert outcomes["read"] > 0 and outcomes["refused"] > 0, outcomes


def test_python_keywords(picture):
    from melspecx.pngmeta import element_keywords
    _, png = picture
    keywords = element_keywords(read_metadata(png)[0].meta)
    assert keywords["n_mels"] == 64 and keywords["ref_mode"] == "dbfs"
    assert "sample_rate" not in keywords and "duration" not in keywords
    assert isinstance(melspecx.mel_spec_from_path(
        picture[0], **keywords), bytes)
