"""Making the indicator chart small enough to travel inside a card as a ``data:`` URI.

The chart (``bot.chat.charts``) is an 800×400 RGBA PNG of some 25 KB: as base64 it alone
would fill a Teams message. A chart is a few flat colours and their anti-aliased edges, so a
64-colour palette keeps it looking the same at about a third of the size.
"""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

PALETTE_COLORS = 64


def compact_png(png: bytes, *, colors: int = PALETTE_COLORS) -> bytes:
    """``png`` re-encoded with a palette of ``colors``; the original when that isn't smaller
    or the bytes are not an image Pillow can read."""
    try:
        with Image.open(io.BytesIO(png)) as image:
            quantized = image.convert("RGB").quantize(colors=colors)
        buffer = io.BytesIO()
        quantized.save(buffer, format="PNG", optimize=True)
    except (UnidentifiedImageError, OSError, ValueError):
        return png
    smaller = buffer.getvalue()
    return smaller if len(smaller) < len(png) else png
