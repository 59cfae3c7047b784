"""Render report rows as an aligned table, CSV or JSON; `table` is the plain aligned table
of text cells every listing command prints (payments, tokens, portal links, rules, models).

Rows are dicts of typed values: str/None (text), Money (shown with thousands
separators; its currency is the row's currency column), Decimal (days, percent),
int (counts) and Countback (DSO that may be a lower bound). CSV and JSON carry
amounts as plain decimal strings, never floats.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hub.domain.cells import SafeCsvWriter
from hub.domain.money import Money
from hub.domain.reports import Countback

NO_GROUP = "(none)"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()
          ) -> str:
    """Columns as wide as their widest cell, a dashed line under the headers; the columns
    numbered in `right` aligned right."""
    widths = [max([len(h)] + [len(row[i]) for row in rows]) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(cell.rjust(w) if i in right else cell.ljust(w)
                         for i, (cell, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]),
                      *(line(row) for row in rows)])


@dataclass(frozen=True)
class Column:
    key: str  # CSV header and JSON field
    title: str  # table header
    kind: str = "text"  # text | money | count | days | percent

    @property
    def numeric(self) -> bool:
        return self.kind != "text"


Row = dict[str, Any]


def _plain(value: Any) -> Any:
    """The value for CSV and JSON: exact strings for amounts and figures."""
    if isinstance(value, Money):
        return str(value.amount)
    if isinstance(value, Countback):
        return str(value.days)
    if isinstance(value, Decimal):
        return str(value)
    return value


def _display(value: Any, column: Column) -> str:
    if value is None:
        return "-" if column.numeric else ""
    if isinstance(value, Money):
        return f"{value.amount:,}"
    if isinstance(value, Countback):
        return f"{value.days:,}" if value.complete else f">{value.days:,}"
    if column.kind == "percent":
        return f"{value}%"
    if isinstance(value, int | Decimal):
        return f"{value:,}"
    return str(value)


def display_cells(columns: Sequence[Column], rows: Sequence[Row]) -> list[list[str]]:
    """Each row's cells as the table shows them."""
    # Text is shown as it is (but for a percent sign): a big report hands its amounts
    # over formatted already (issue 16).
    as_is = [c.kind != "percent" for c in columns]
    keys = [c.key for c in columns]

    def shown(row: Row) -> list[str]:
        return [value if type(value) is str and plain else _display(value, column)
                for value, plain, column in zip(map(row.get, keys), as_is, columns,
                                                         strict=True)]

    return [shown(row) for row in rows]


def render_table(title: str, columns: Sequence[Column], rows: Sequence[Row],
                 totals: Sequence[Row] = (), notes: Sequence[str] = ()) -> str:
    """Aligned text: a title, the header, rows, a rule, totals, then notes."""
    header = [c.title for c in columns]
    body = display_cells(columns, rows)
    foot = display_cells(columns, totals)
    widths = [max(map(len, column)) for column in zip(header, *body, *foot, strict=True)]
    justify = [str.rjust if c.numeric else str.ljust for c in columns]

    def line(cells: list[str]) -> str:
        return "  ".join([fit(cell, width) for cell, width, fit
                          in zip(cells, widths, justify, strict=True)]).rstrip()

    return framed_table(title, line, widths, header, map(line, body), foot=foot, notes=notes)


def framed_table(title: str, line: Callable[[list[str]], str], widths: Sequence[int],
                 header: list[str], body: Iterable[str], *, foot: Sequence[list[str]],
                 notes: Sequence[str]) -> str:
    """The table's text around its body lines (printed already): the title, the header
    and its rule, then a rule and the totals, then the notes."""
    out = [title, "", line(header), line(["-" * w for w in widths])]
    out.extend(body)
    if foot:
        out.append(line(["=" * w for w in widths]))
        out.extend(line(cells) for cells in foot)
    if notes:
        out.append("")
        out.extend(notes)
    return "\n".join(out) + "\n"


def render_csv(columns: Sequence[Column], rows: Sequence[Row]) -> str:
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer, lineterminator="\n")  # formula-like text neutralised
    writer.writerow([c.key for c in columns])
    for row in rows:
        writer.writerow(["" if row.get(c.key) is None else _plain(row.get(c.key))
                         for c in columns])
    return buffer.getvalue()


def render_json(header: dict[str, Any], columns: Sequence[Column], rows: Sequence[Row],
                totals: Sequence[Row] = ()) -> str:
    def plain(row: Row) -> dict[str, Any]:
        return {c.key: _plain(row.get(c.key)) for c in columns}

    document = {**header, "rows": [plain(r) for r in rows]}
    if totals:
        document["totals"] = [plain(r) for r in totals]
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
