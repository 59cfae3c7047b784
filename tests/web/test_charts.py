"""Server-side SVG charts: exact scaling, escaped labels, gaps for missing values."""

from __future__ import annotations

import itertools
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


def test_twenty_four_monthly_labels_are_thinned_so_none_overlap() -> None:
    months = [f"{2025 + i // 12}-{i % 12 + 1:02}" for i in range(24)]
    svg = str(line_chart("DSO", months, Series("DSO", [Decimal(i) for i in range(24)])))
    found = [(float(x), text) for x, text in
             re.findall(r'<text x="([\d.]+)" y="[\d.]+" text-anchor="middle">([^<]+)</text>', svg)]
    assert found[-1][1] == "2026-12"
    assert len(found) >= 6
    width = 11 * 0.6  # 11 px font, ~0.6 em a character
    for (x1, a), (x2, b) in itertools.pairwise(found):
        assert x2 - x1 >= (len(a) + len(b)) / 2 * width + 4, (a, b)
    assert svg.count("<circle") == 24  # every point is still drawn


def test_a_chart_with_no_values_says_no_data_yet() -> None:
    svg = str(bar_chart("CEI", ["2026-10", "2026-11"], [Series("CEI", [None, None])]))
    assert "No data yet" in svg
    assert 'class="axis"' not in svg
