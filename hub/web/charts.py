"""Charts drawn on the server as inline SVG: no script, no CDN, printable.

Values are Decimals (exact); they are scaled to pixels only here. Colours and
fonts come from the stylesheet through class names (the CSP allows no inline
style); every chart has a <title> and a table beside it for screen readers.

Category labels never overlap: when they do not fit side by side, only every n-th is
written (always the newest, the last one), estimating a label's width from its length
at the stylesheet's 11 px. A chart with nothing to draw says "No data yet" instead of
showing an empty 0-1 axis.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext
from markupsafe import Markup
from markupsafe import escape

from hub.i18n import N_
from hub.web.numbers import number

WIDTH = 640
HEIGHT = 240
LEFT = 64
BOTTOM = 36
TOP = 12
RIGHT = 12
CHAR_WIDTH = 6.6  # an 11 px label's average character width (0.6 em), generous for digits
LABEL_GAP = 8  # at least this many pixels between two written labels
EMPTY_TEXT = N_("No data yet")  # in the reader's language


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[Decimal | None]  # one per category; None: no value (a gap)


def _nice_max(value: Decimal) -> Decimal:
    """A round axis maximum at or above `value` (1, 2, 2.5, 5 x 10^n)."""
    if value <= 0:
        return Decimal(1)
    exponent = len(str(int(value))) - 1 if value >= 1 else 0
    base = Decimal(10) ** exponent
    for step in (1, 2, Decimal("2.5"), 5, 10):
        if value <= base * step:
            return base * step
    return base * 10


def _short(value: Decimal) -> str:
    """An axis label: 1500 -> "1.5k", 2000000 -> "2M", 0.25 -> "0.25"."""
    for size, suffix in ((Decimal(1_000_000), "M"), (Decimal(1_000), "k")):
        if value >= size:
            return _trim(value / size) + suffix
    return _trim(value)


def _trim(value: Decimal) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text or "0"


def label_width(text: str) -> float:
    """The estimated width in pixels of a category label."""
    return len(text) * CHAR_WIDTH


def label_step(categories: Sequence[str]) -> int:
    """Write every n-th label so that neighbours are LABEL_GAP apart at least."""
    if not categories:
        return 1
    slot = (WIDTH - LEFT - RIGHT) / len(categories)
    widest = max(label_width(c) for c in categories)
    return max(1, math.ceil((widest + LABEL_GAP) / slot))


def empty_chart(title: str) -> Markup:
    """A chart frame that says there is nothing to draw yet (no axis, no scale)."""
    empty = escape(gettext(EMPTY_TEXT))
    return Markup(  # noqa: S704  # the one text is escaped
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT // 3}" role="img" class="empty" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}: {empty}</title>'
        f'<text x="{WIDTH / 2:.1f}" y="{HEIGHT / 6 + 4:.1f}" text-anchor="middle">'
        f"{empty}</text></svg>")


def _frame(title: str, top: Decimal, categories: Sequence[str], body: list[str]) -> Markup:
    plot_h = HEIGHT - TOP - BOTTOM
    parts = [f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for i in range(5):  # horizontal grid and labels
        y = TOP + plot_h - plot_h * i / 4
        parts.append(f'<line class="axis" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" '
                     f'y2="{y:.1f}" opacity="{0.25 if i else 1}"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">'
                     f'{escape(_short(top * i / 4))}</text>')
    slot = (WIDTH - LEFT - RIGHT) / max(len(categories), 1)
    step = label_step(categories)
    last = len(categories) - 1
    for i, name in enumerate(categories):
        if (last - i) % step:
            continue  # thinned out: it would overlap its neighbours
        x = LEFT + slot * (i + 0.5)
        parts.append(f'<text x="{x:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">'
                     f'{escape(name)}</text>')
    parts.extend(body)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704  # every text above is escaped


def bar_chart(title: str, categories: Sequence[str], series: Sequence[Series]) -> Markup:
    """Stacked bars, one per category; series are stacked bottom-up in order."""
    if not categories or all(v is None for s in series for v in s.values):
        return empty_chart(title)
    totals = [sum((s.values[i] or Decimal(0) for s in series), Decimal(0))
              for i in range(len(categories))]
    top = _nice_max(max(totals, default=Decimal(0)))
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(len(categories), 1)
    width = slot * 0.6
    body = []
    for i in range(len(categories)):
        base = Decimal(0)
        for index, s in enumerate(series):
            value = s.values[i] or Decimal(0)
            if value <= 0:
                continue
            y1 = TOP + plot_h - float(plot_h * (base + value) / top)
            height = float(plot_h * value / top)
            x = LEFT + slot * i + (slot - width) / 2
            body.append(f'<rect class="bar s{index % 5}" x="{x:.1f}" y="{y1:.1f}" '
                        f'width="{width:.1f}" height="{height:.1f}"><title>'
                        f'{escape(categories[i])} {escape(s.label)}: {escape(number(value))}'
                        '</title></rect>')
            base += value
    return _frame(title, top, categories, body)


def line_chart(title: str, categories: Sequence[str], series: Series) -> Markup:
    """One line with a dot per value; None values leave a gap."""
    present = [v for v in series.values if v is not None]
    if not present:
        return empty_chart(title)
    top = _nice_max(max(present, default=Decimal(0)))
    plot_h = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(len(categories), 1)
    body: list[str] = []
    segment: list[str] = []
    for i, value in enumerate(series.values):
        if value is None:
            if len(segment) > 1:
                body.append(f'<polyline class="line" points="{" ".join(segment)}"/>')
            segment = []
            continue
        x = LEFT + slot * (i + 0.5)
        y = TOP + plot_h - float(plot_h * value / top)
        segment.append(f"{x:.1f},{y:.1f}")
        body.append(f'<circle class="dot" cx="{x:.1f}" cy="{y:.1f}" r="3"><title>'
                    f'{escape(categories[i])}: {escape(number(value))}</title></circle>')
    if len(segment) > 1:
        body.insert(0, f'<polyline class="line" points="{" ".join(segment)}"/>')
    return _frame(title, top, categories, body)
