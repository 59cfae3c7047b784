"""A Unicode TrueType font parsed once per process, not once per letter.

fpdf2's `add_font` reads the font file, parses it with fontTools and builds a width and
glyph table for every character it holds (DejaVu Sans: ~6,000), about 17 ms on this
machine, more than laying out the letter itself. The dispatcher writes one PDF per letter
and the print batch binds them again, so a Polish cycle paid that once per letter, twice.

`add_cached_font` builds those tables once per font file and hands each new document a
font that shares them (they are read-only) but has its own subset map and its own lazily
opened copy of the font (fpdf2 subsets the fontTools object in place when it writes the
PDF, so two documents cannot share it). Each PDF still embeds the font once, subset to
the glyphs its letters use. This relies on fpdf2's TTFFont attributes; fpdf2 is pinned.
"""

from __future__ import annotations

import io
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from fontTools import ttLib  # type: ignore[import-untyped]
from fpdf import FPDF
from fpdf.fonts import SubsetMap
from fpdf.fonts import TTFFont


@dataclass(frozen=True)
class _Parsed:
    font: TTFFont  # built against a scratch document; never written out
    data: bytes  # the file's bytes: a fresh fontTools object per document reads these


_PARSED: dict[str, _Parsed] = {}
_LOCK = threading.Lock()
# how often a font file was parsed in this process (the bench and tests read it)
parse_count: dict[str, int] = {}


def _parsed(path: str) -> _Parsed:
    with _LOCK:
        found = _PARSED.get(path)
        if found is None:
            logging.getLogger("fontTools").setLevel(logging.WARNING)  # a line per table
            scratch = FPDF()
            scratch.add_font("body", "", path)
            font = scratch.fonts["body"]
            assert isinstance(font, TTFFont)
            font.ttfont.close()  # documents get their own copy; the tables are built
            found = _Parsed(font=font, data=Path(path).read_bytes())
            _PARSED[path] = found
            parse_count[path] = parse_count.get(path, 0) + 1
        return found


def add_cached_font(pdf: FPDF, family: str, path: str) -> None:
    """`pdf.add_font(family, "", path)`, with the parsing done once per process."""
    parsed = _parsed(path)
    template = parsed.font
    font = TTFFont.__new__(TTFFont)
    for name in TTFFont.__slots__:
        if hasattr(template, name):
            setattr(font, name, getattr(template, name))
    fontkey = family.lower()
    font.i = len(pdf.fonts) + 1
    font.fontkey = fontkey
    font.ttfont = ttLib.TTFont(io.BytesIO(parsed.data), recalcTimestamp=False, lazy=True)
    font._hbfont = None
    font.biggest_size_pt = 0
    font.missing_glyphs = []
    font.subset = SubsetMap(font)
    pdf.fonts[fontkey] = font
