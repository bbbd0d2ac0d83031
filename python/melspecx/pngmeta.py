# SPDX-License-Identifier: MIT
"""The parameters stored in a melspecx PNG: its ``melspecx`` tEXt chunk,
the JSON the element writes (every analysis and picture parameter, the
sample rate, the duration and the version).

One reader, with the rules of the core's C reader (msx_png_info.c, which
CI fuzzes): the signature, the IHDR first and intact (13 bytes, its CRC),
chunks walked without reading the image data, the text at most 64 KiB,
its CRC right, its JSON an object.  :func:`read_metadata` says what is
wrong in one sentence; :func:`read_png_info` is the lenient form the
gallery uses.
"""

from __future__ import annotations

import io
import json
import os
import struct
import zlib
from dataclasses import dataclass
from typing import Any, BinaryIO

from .errors import MelSpecError

#: The tEXt keyword the element writes; its text is JSON.
TEXT_KEY = b"melspecx"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: The same bound on the text as the core's reader.
MAX_TEXT = 64 * 1024


@dataclass
class PngInfo:
    """A picture's size and its metadata (an empty dict when it has
    none)."""
    width: int
    height: int
    meta: dict[str, Any]


def _chunks(f):
    """(kind, length, data or None, crc ok) for each chunk; data only for
    IHDR and tEXt chunks within MAX_TEXT; for a longer tEXt chunk, data is
    its keyword alone and the CRC is not checked."""
    while True:
        head = f.read(8)
        if len(head) == 0:
            return
        if len(head) < 8:
            raise MelSpecError("the PNG is truncated (a chunk header is cut)")
        length, kind = struct.unpack(">I4s", head)
        if length > 0x7FFFFFFF:
            raise MelSpecError("the PNG has a chunk of impossible length")
        if kind in (b"IHDR", b"tEXt") and length <= MAX_TEXT:
            data, crc = f.read(length), f.read(4)
            if len(data) < length or len(crc) < 4:
                raise MelSpecError(f"the PNG is truncated (in its "
                                   f"{kind.decode('latin-1')} chunk)")
            yield kind, length, data, \
                zlib.crc32(kind + data) == struct.unpack(">I", crc)[0]
        elif kind == b"tEXt":
            key = f.read(min(length, 80)).partition(b"\0")[0]
            f.seek(length - min(length, 80) + 4, os.SEEK_CUR)
            yield kind, length, key, None
        else:
            f.seek(length + 4, os.SEEK_CUR)
            yield kind, length, None, True
        if kind == b"IEND":
            return


def read_metadata(path: str | os.PathLike[str]) -> tuple[PngInfo, str]:
    """The size and the melspecx metadata of the PNG at ``path``, and the
    text as stored.

    Raises:
        MelSpecError: one sentence: not a PNG, truncated, a damaged or
            oversized melspecx chunk, no melspecx metadata (a PNG from
            elsewhere), or metadata that is not a JSON object.
    """
    name = os.fsdecode(path)
    try:
        with open(path, "rb") as f:
            return _metadata(f, name)
    except OSError as err:
        raise MelSpecError(f"cannot read {name!r}: {err.strerror}") from None


def parse_metadata(png: bytes, name: str) -> tuple[PngInfo, str]:
    """:func:`read_metadata` of a PNG held in memory; ``name`` is what the
    errors call it."""
    return _metadata(io.BytesIO(png), name)


def _metadata(f: BinaryIO, name: str) -> tuple[PngInfo, str]:
    if f.read(8) != PNG_SIGNATURE:
        raise MelSpecError(f"{name!r} is not a PNG")
    size, text = None, None
    for kind, length, data, intact in _chunks(f):
        if size is None:
            if kind != b"IHDR" or length != 13 or not intact:
                raise MelSpecError(f"{name!r} is a damaged PNG (its "
                                   "header chunk is missing or wrong)")
            size = struct.unpack(">II", data[:8])
            continue
        if kind != b"tEXt":
            continue
        if intact is None:            # longer than MAX_TEXT
            if data == TEXT_KEY:
                raise MelSpecError(
                    f"{name!r}: its melspecx metadata is larger than "
                    f"{MAX_TEXT // 1024} KiB")
            continue
        key, _, body = data.partition(b"\0")
        if key != TEXT_KEY:
            continue
        if not intact:
            raise MelSpecError(f"{name!r}: its melspecx metadata is "
                               "damaged (CRC mismatch)")
        text = body.decode("latin-1")
    if size is None:
        raise MelSpecError(f"{name!r} is a damaged PNG (no header chunk)")
    if text is None:
        raise MelSpecError(f"{name!r} has no melspecx metadata (a PNG that "
                           "melspecx did not write?)")
    try:
        meta = json.loads(text)
    except ValueError as err:
        raise MelSpecError(f"{name!r}: its melspecx metadata is not valid "
                           f"JSON ({err.msg})") from None
    if not isinstance(meta, dict):
        raise MelSpecError(f"{name!r}: its melspecx metadata is not a JSON "
                           "object")
    return PngInfo(size[0], size[1], meta), text


def read_png_info(path: str | os.PathLike[str]) -> PngInfo | None:
    """The size and metadata of the PNG at ``path`` ({} without usable
    metadata), or None when it is not a readable PNG."""
    try:
        return read_metadata(path)[0]
    except MelSpecError as err:
        if "metadata" not in str(err):
            return None
    try:
        with open(path, "rb") as f:
            f.seek(16)
            width, height = struct.unpack(">II", f.read(8))
    except (OSError, struct.error):
        return None
    return PngInfo(width, height, {})


#: Metadata keys that are not element properties (facts about the input or
#: the run), and those whose property is named otherwise.
NOT_PROPERTIES = ("version", "sample_rate", "duration", "channels")
RENAMED = {"ref": "ref_mode"}
#: The reference as written in the metadata, as ref-mode names it.
REF_MODES = {"max": "auto", "dbfs": "dbfs"}


def element_keywords(meta: dict[str, Any]) -> dict[str, Any]:
    """The element properties (snake_case) a picture was made with, for
    ``mel_spec_from_path(..., **keywords)``.

    Raises:
        MelSpecError: a value of the wrong type or out of range, naming it.
    """
    from .properties import properties
    known = properties()
    keywords: dict[str, Any] = {}
    for key, value in meta.items():
        if key in NOT_PROPERTIES:
            continue
        name = RENAMED.get(key, key)
        if name == "ref_mode":
            value = REF_MODES.get(value, value)
        if name == "colormap" and value == "custom":
            continue                       # a colormap-file: not stored
        prop = known.get(name)
        if prop is None:
            continue                       # written by a newer melspecx
        try:
            keywords[name] = prop.check(value)
        except (TypeError, ValueError) as err:
            raise MelSpecError(f"the stored {key} is {value!r}: {err}") \
                from None
    return keywords
