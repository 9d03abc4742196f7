"""QR codes (segno): for meeting sign-in and for the per-village request intake page."""

from __future__ import annotations

import io

import segno
from django.http import HttpResponse


def svg(data: str, scale: int = 6) -> str:
    """An inline SVG (no XML declaration) to put in a page."""
    out = io.BytesIO()
    segno.make(data, error="m").save(out, kind="svg", scale=scale, border=2, xmldecl=False, svgns=True)
    return out.getvalue().decode()


def png_response(data: str, filename: str = "qr.png", scale: int = 10) -> HttpResponse:
    """A PNG to download and print (e.g. posted in a village)."""
    out = io.BytesIO()
    segno.make(data, error="m").save(out, kind="png", scale=scale, border=4)
    response = HttpResponse(out.getvalue(), content_type="image/png")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
