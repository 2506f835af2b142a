"""A small bar chart as a PNG, written with the standard library only (for email inline)."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

BAR = (200, 40, 40)
BACKGROUND = (255, 255, 255)


def bar_chart_png(values: Sequence[float], height: int = 60, bar_width: int = 6) -> bytes:
    """One bar per value, scaled to the maximum; a blank image for no values."""
    values = list(values) or [0.0]
    top = max(values) or 1.0
    heights = [round(v / top * height) for v in values]
    rows = []
    for y in range(height):
        level = height - y  # bars grow from the bottom row
        row = bytearray(b"\x00")  # PNG filter type 0 for this scanline
        for h in heights:
            row += bytes(BAR if h >= level else BACKGROUND) * bar_width
        rows.append(bytes(row))
    width = len(values) * bar_width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(b"".join(rows))),
            _chunk(b"IEND", b""),
        ]
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)
