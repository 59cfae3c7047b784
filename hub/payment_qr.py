"""EPC QR codes ("GiroCode") as images: PNG for e-mails (an inline cid part) and letters,
SVG for the portal page. The payload is hub.domain.creditor.epc_payload; segno draws it at
error correction level M, as EPC069-12 requires, in UTF-8 (the payload's character set 1).
Shared by the web portal and the notification transports, which may not import each
other."""

from __future__ import annotations

import io
from functools import lru_cache

import segno


def _code(payload: str) -> segno.QRCode:
    return segno.make_qr(payload, error="m", encoding="utf-8", boost_error=False)


@lru_cache(maxsize=2048)
def qr_png(payload: str, *, scale: int = 6) -> bytes:
    """Cached: choosing the best mask costs ~10 ms in pure Python, and a letter's code is
    drawn again when the cycle binds its print batch."""
    out = io.BytesIO()
    _code(payload).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def qr_svg(payload: str, *, title: str) -> str:
    """Inline SVG (no XML declaration), scaled by CSS."""
    out = io.BytesIO()
    _code(payload).save(out, kind="svg", scale=4, border=4, xmldecl=False, svgns=True,
                        title=title, svgclass="epc-qr", lineclass=None, omitsize=True)
    return out.getvalue().decode("utf-8")
