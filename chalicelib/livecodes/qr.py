"""Poster QR images of a code's link (segno: pure Python, no imaging library needed)."""

from __future__ import annotations

import io

import segno

#: Error correction "M" survives a scuffed poster; a quiet zone of 4 modules is the norm.
ERROR = "m"
SCALE = 10


def _render(link: str, kind: str) -> bytes:
    out = io.BytesIO()
    segno.make(link, error=ERROR, micro=False).save(out, kind=kind, scale=SCALE, border=4)
    return out.getvalue()


def png(link: str) -> bytes:
    return _render(link, "png")


def svg(link: str) -> bytes:
    return _render(link, "svg")
