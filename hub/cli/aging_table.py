"""The aging report's table, one format per printed line (issue 16).

A report by customer prints two lines per customer (the amounts, then each bucket's share
of the row's total): 20,000 lines for 10,000 customers. `render_table` builds a dict per
line, a text per cell and pads each one; here the widths are worked out from the largest
figure of each column (a figure's text never gets shorter as the figure grows), and each
line is one `str.format` of integers. The text is byte for byte what `render_table` prints
for the same rows (`tests/unit/test_aging_table.py` compares the two on random reports);
rows this shortcut does not cover (a negative amount, a row without open amount, a group
that is not text) take `render_table`'s path.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from operator import itemgetter
from typing import Any

from hub.cli.report_output import NO_GROUP
from hub.cli.report_output import Column
from hub.cli.report_output import Row
from hub.cli.report_output import display_cells
from hub.cli.report_output import framed_table
from hub.cli.report_output import render_table
from hub.domain.currency import minor_units
from hub.domain.money import minor_text
from hub.domain.reports import BUCKET_KEYS
from hub.domain.reports import AgingRow
from hub.domain.reports import share_text


def _base(row: AgingRow) -> Row:
    return {"group": NO_GROUP if row.group is None else row.group, "currency": row.currency}


def table_rows(row: AgingRow) -> list[Row]:
    """A row as the table shows it (bucket amounts, total, count), and the line under it:
    each bucket's share of the row's total. (The general path, cell by cell.)"""
    units = minor_units(row.currency)
    minor, total = row.minor, row.total_minor
    values = _base(row)
    shares: Row = {"group": "", "currency": "", "total": "100.0%", "count": ""}
    for key in BUCKET_KEYS:
        values[key] = minor_text(minor[key], units, grouped=True)
        shares[key] = f"{share_text(minor[key], total)}%"
    values["total"] = minor_text(total, units, grouped=True)
    values["count"] = f"{row.count:,}"
    return [values, shares]


def _fits(figures: list[Any]) -> bool:
    """Whether every row's figures print the way the one-format lines assume: a text
    group, no negative amount or count, an open total above zero."""
    if not figures:
        return True
    columns = list(zip(*figures, strict=True))
    return all(type(group) is str for group in columns[0]) \
        and min(map(min, columns[2:])) >= 0 and min(columns[-2]) > 0


def aging_table(title: str, columns: Sequence[Column], rows: Sequence[AgingRow],
                totals: Sequence[Row], notes: Sequence[str]) -> str:
    """`render_table(title, columns, <table_rows of each row>, totals, notes)`, faster."""
    # One tuple per row: (group, currency, the bucket amounts..., total, count).
    amounts = itemgetter(*BUCKET_KEYS)  # a tuple in one call, not a lookup per bucket
    figures: list[Any] = [
        (NO_GROUP if row.group is None else row.group, row.currency,
         *amounts(row.minor), row.total_minor, row.count)
        for row in rows]
    if not _fits(figures):
        return render_table(title, columns, [line for row in rows for line in table_rows(row)],
                            totals, notes)
    # Each bucket's share in tenths of a percent, half up (`share_text`'s arithmetic).
    buckets = len(BUCKET_KEYS)
    tenths = [[(part * 2000 + whole) // (2 * whole) for part in figure[2:2 + buckets]]
              for figure in figures for whole in (figure[2 + buckets],)]
    foot = display_cells(columns, totals)
    widths = _widths(columns, figures, tenths, foot)

    def line(cells: Sequence[str]) -> str:
        return "  ".join([cell.rjust(width) if column.numeric else cell.ljust(width)
                          for cell, width, column in zip(cells, widths, columns,
                                                         strict=True)]).rstrip()

    return framed_table(title, line, widths, [c.title for c in columns],
                        _body(columns[0].key == "group", widths, figures, tenths),
                        foot=foot, notes=notes)


def _widths(columns: Sequence[Column], figures: list[Any], tenths: list[list[int]],
            foot: list[list[str]]) -> list[int]:
    """Each column's width: its header, its widest figure (the largest of a currency: a
    figure's text never gets shorter as it grows), the shares and the totals."""
    widths = [max([len(column.title), *(len(cells[i]) for cells in foot)])
              for i, column in enumerate(columns)]
    if not figures:
        return widths
    first = 2 if columns[0].key == "group" else 1  # the first amount's column
    if first == 2:
        widths[0] = max(widths[0], *(len(f[0]) for f in figures))
    widths[first - 1] = max(widths[first - 1], *(len(f[1]) for f in figures))
    for currency, same in groupby(figures, key=lambda f: f[1]):
        units = minor_units(currency)
        largest = [max(column) for column in zip(*same, strict=True)][2:]
        for i, value in enumerate(largest[:-1]):  # the amounts and the total
            widths[first + i] = max(widths[first + i],
                                    len(minor_text(value, units, grouped=True)))
        widths[-1] = max(widths[-1], len(f"{largest[-1]:,}"))
    for i, column in enumerate(zip(*tenths, strict=True)):
        widths[first + i] = max(widths[first + i], len(f"{max(column) // 10}") + 3)
    widths[-2] = max(widths[-2], len("100.0%"))
    return widths


def _body(grouped: bool, widths: list[int], figures: list[Any],
          tenths: list[list[int]]) -> list[str]:
    """Two lines per row, each one `str.format`: the amounts, then the shares."""
    text_widths = widths[:2] if grouped else widths[:1]
    amount_widths = widths[len(text_widths):-1]
    labels = "".join(f"{{:<{w}}}  " for w in text_widths)
    # The share line: blank text cells, each share right-aligned, the total's 100.0%.
    share_line = (" " * sum(w + 2 for w in text_widths) + "  ".join(
        [f"{{:>{w - 3}}}.{{}}%" for w in amount_widths[:-1]]
        + ["100.0%".rjust(amount_widths[-1])])).format
    out: list[str] = []
    for currency, same in groupby(zip(figures, tenths, strict=True), key=lambda f: f[0][1]):
        units = minor_units(currency)
        scale = 10 ** units
        if units:
            amounts = "  ".join(f"{{:>{w - units - 1},}}.{{:0{units}d}}" for w in amount_widths)
        else:
            amounts = "  ".join(f"{{:>{w},}}" for w in amount_widths)
        values_line = f"{labels}{amounts}  {{:>{widths[-1]},}}".format
        for figure, shares in same:
            texts = figure[:2] if grouped else figure[1:2]
            if units:
                parts = [part for value in figure[2:-1] for part in divmod(value, scale)]
            else:
                parts = list(figure[2:-1])
            out.append(values_line(*texts, *parts, figure[-1]))
            out.append(share_line(*[part for tenth in shares for part in divmod(tenth, 10)]))
    return out
