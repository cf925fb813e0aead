"""Image dimensions read from PNG, JPEG and WebP headers: for PNG and JPEG only the files
Pillow would certainly read the same way, None for anything else, which `images` leaves to it.

Pillow's open costs ~20 us an image (a third of a cold validate of 5,000 small images) and
8 ms of import; these readers take ~1-2 us. They give way to Pillow for anything unusual or
damaged, so Pillow judges such a file and its verdict is the error the user sees: a PNG whose
chunks before the pixels are not all whole, checksummed and ones Pillow reads without fail
(ICC profiles, compressed text, APNG frames go to Pillow); a JPEG with anything but whole
segments before the scan, or EXIF without a JFIF resolution (Pillow reads it from the EXIF),
MPF or Photoshop segments. tests/manifest/test_header_reader.py compares them with Pillow over
generated images, whole and damaged.
"""

from __future__ import annotations

import re
import struct
import zlib

_PNG_MODES = frozenset(
    [(1, 0), (2, 0), (4, 0), (8, 0), (16, 0), (8, 2), (16, 2), (1, 3), (2, 3), (4, 3), (8, 3)]
) | frozenset([(8, 4), (16, 4), (8, 6), (16, 6)])
"""(bit depth, colour type) pairs Pillow reads."""
_PNG_MIN_LENGTH = {
    b"PLTE": 0,
    b"gAMA": 4,
    b"cHRM": 32,
    b"sRGB": 1,
    b"pHYs": 9,
    b"tEXt": 0,
    b"eXIf": 0,
}
"""Chunks Pillow parses before the pixels whose reading can fail only when they are short
(tEXt also past 64 MiB of text, more than a file read whole can hold)."""
_PNG_PILLOW_CHUNKS = frozenset(
    b"IHDR IDAT IEND PLTE tRNS gAMA cHRM sRGB pHYs tEXt zTXt iTXt iCCP eXIf acTL fcTL fdAT".split()
)
"""Chunks Pillow has a reader for; others it skips (after their checksum)."""
_CHUNK_NAME = re.compile(rb"[A-Za-z0-9_]{4}")
_IHDR = struct.Struct(">IIBBBBBI")
_CHUNK_HEAD = struct.Struct(">I4s")
_CHECKSUM = struct.Struct(">I")
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_JPEG_SKIPPED = frozenset([0xC4, 0xCC, 0xDB, 0xDC, 0xDD, 0xDF, 0xFE])
"""Segments Pillow reads past (DHT, DAC, DQT, DNL, DRI, EXP, COM)."""


def png_size(data: bytes) -> tuple[int, int] | None:
    """IHDR's size when every chunk before the pixels is whole, has its checksum and is one
    Pillow reads without fail."""
    if data[8:16] != b"\x00\x00\x00\x0dIHDR" or len(data) < 33:
        return None
    width, height, depth, colour, _, filtering, _, checksum = _IHDR.unpack_from(data, 16)
    if (depth, colour) not in _PNG_MODES or filtering or zlib.crc32(data[12:29]) != checksum:
        return None
    position = 33
    while position + 8 <= len(data):
        length, name = _CHUNK_HEAD.unpack_from(data, position)
        if name == b"IDAT":
            return width, height
        end = position + 8 + length
        if end + 4 > len(data):
            return None
        if zlib.crc32(data[position + 4 : end]) != _CHECKSUM.unpack_from(data, end)[0]:
            return None
        if name in _PNG_PILLOW_CHUNKS:
            if name == b"tRNS":
                if length < {0: 2, 2: 6}.get(colour, 0):
                    return None
            elif length < _PNG_MIN_LENGTH.get(name, 1 << 32):
                return None  # also IHDR twice, compressed text, ICC, APNG, IEND
        elif not _CHUNK_NAME.fullmatch(name):
            return None
        position = end + 4
    return None


def jpeg_size(data: bytes) -> tuple[int, int] | None:
    """The last SOF's size before the scan when every segment is whole and one Pillow reads
    without fail. EXIF without a JFIF resolution, Photoshop and MPF segments are Pillow's."""
    size = None
    exif = resolution = False
    position = 2
    while True:
        if position + 4 > len(data) or data[position] != 0xFF:
            return None
        marker = data[position + 1]
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        end = position + 2 + length
        if length < 2 or end > len(data):
            return None
        body = data[position + 4 : end]
        if marker == 0xDA:
            break
        if marker in _JPEG_SOF:
            if length < 8 or body[0] != 8 or body[5] not in (1, 3, 4):
                return None
            size = int.from_bytes(body[3:5], "big"), int.from_bytes(body[1:3], "big")
        elif marker == 0xDB:
            if not _whole_quantization_tables(body):
                return None
        elif 0xE0 <= marker <= 0xEF:
            if marker == 0xE0 and body.startswith(b"JFIF"):
                if length < 9:
                    return None
                resolution = resolution or (len(body) >= 12 and body[7] in (1, 2))
            elif marker == 0xE1 and body.startswith(b"Exif\x00\x00"):
                exif = True
            elif marker == 0xE2 and body.startswith(b"ICC_PROFILE\x00"):
                if len(body) < 14:
                    return None
            elif marker == 0xEE and body.startswith(b"Adobe"):
                if len(body) < 7:
                    return None
            elif (marker, body[:4]) == (0xE2, b"MPF\x00") or (
                marker == 0xED and body.startswith(b"Photoshop 3.0\x00")
            ):
                return None
        elif marker not in _JPEG_SKIPPED:
            return None
        position = end
    if exif and not resolution:
        return None  # Pillow reads the resolution from the EXIF
    return size


def _whole_quantization_tables(body: bytes) -> bool:
    position = 0
    while position < len(body):
        position += 65 if body[position] < 16 else 129
    return position == len(body)  # a table cut short: Pillow's error


def webp_size(head: bytes) -> tuple[int, int] | None:
    """From the first chunk (in the first 64 bytes), or None when it is none of the three:
    Pillow's WebP reader loads the whole file, so WebP is never left to it."""
    chunk = head[12:16]
    if chunk == b"VP8X" and len(head) >= 30:
        return int.from_bytes(head[24:27], "little") + 1, int.from_bytes(head[27:30], "little") + 1
    if chunk == b"VP8 " and len(head) >= 30 and head[23:26] == b"\x9d\x01\x2a":
        width = int.from_bytes(head[26:28], "little") & 0x3FFF
        height = int.from_bytes(head[28:30], "little") & 0x3FFF
        return width, height
    if chunk == b"VP8L" and len(head) >= 25 and head[20] == 0x2F:
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None
