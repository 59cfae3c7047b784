"""Server-side SVG charts: exact scaling, escaped labels, gaps for missing values."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from hub.web.charts import Series
from hub.web.charts import bar_chart
from hub.web.charts import line_chart


def test_bars_are_scaled_to_a_round_axis_and_labels_are_escaped() -> None:
    svg = str(bar_chart("Open <EUR>", ["a&b", "c"],
                        [Series("EUR", [Decimal("1500"), Decimal("750")])]))
    assert "<title>Open &lt;EUR&gt;</title>" in svg
    assert "a&amp;b" in svg
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"', svg)]
    assert heights[0] == pytest.approx(2 * heights[1])  # 1500 is twice 750
    assert ">2k<" in svg  # the axis tops out at a round 2000
    assert ">1.5k<" in svg


def test_stacked_series_add_up() -> None:
    svg = str(bar_chart("t", ["x"], [Series("a", [Decimal(1)]), Series("b", [Decimal(3)])]))
    heights = [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"', svg)]
    assert heights[1] == pytest.approx(3 * heights[0])
    assert 'class="bar s0"' in svg
    assert 'class="bar s1"' in svg


def test_a_line_leaves_a_gap_where_a_value_is_missing() -> None:
    svg = str(line_chart("DSO", ["1", "2", "3", "4", "5"],
                         Series("DSO", [Decimal(10), Decimal(20), None, Decimal(30),
                                        Decimal(40)])))
    assert svg.count("<polyline") == 2
    assert svg.count("<circle") == 4


def test_nothing_to_draw_still_gives_a_valid_chart() -> None:
    svg = str(bar_chart("empty", [], []))
    assert svg.startswith("<svg")
    assert svg.endswith("</svg>")
