"""`report aging`'s table, printed one format per line (hub/cli/aging_table.py), is byte for
byte what the previous code printed: `render_table` over two dicts of text cells per row.
That code is kept below as it was, and both print random reports: groups of every length
(none, accented), currencies with 0, 2, 3 and 4 decimals, amounts from 0 to 10^17 minor
units, and the rows the one-format path hands back (negative amounts, a zero total)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from contextlib import redirect_stdout
from datetime import date
from typing import Any

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from hub.cli.report_output import Column
from hub.cli.report_output import _display
from hub.cli.reports import aging_output
from hub.domain.currency import minor_units
from hub.domain.money import minor_text
from hub.domain.reports import BUCKET_KEYS
from hub.domain.reports import BUCKETS
from hub.domain.reports import AgingReport
from hub.domain.reports import AgingRow
from hub.domain.reports import aging_totals
from hub.domain.reports import share_of
from hub.domain.reports import share_text
from hub.domain.reports import sort_aging

Row = dict[str, Any]


# --- the previous code, as it was -------------------------------------------------


def _old_render_table(title: str, columns: Sequence[Column], rows: Sequence[Row],
                      totals: Sequence[Row] = (), notes: Sequence[str] = ()) -> str:
    header = [c.title for c in columns]
    as_is = [c.kind != "percent" for c in columns]
    keys = [c.key for c in columns]

    def shown(row: Row) -> list[str]:
        return [value if type(value) is str and plain else _display(value, column)
                for value, plain, column in zip(map(row.get, keys), as_is, columns,
                                                         strict=True)]

    body = [shown(row) for row in rows]
    foot = [shown(row) for row in totals]
    widths = [max(map(len, column)) for column in zip(header, *body, *foot, strict=True)]
    justify = [str.rjust if c.numeric else str.ljust for c in columns]

    def line(cells: list[str]) -> str:
        return "  ".join([fit(cell, width) for cell, width, fit
                          in zip(cells, widths, justify, strict=True)]).rstrip()

    out = [title, "", line(header), line(["-" * w for w in widths])]
    out.extend(line(cells) for cells in body)
    if foot:
        out.append(line(["=" * w for w in widths]))
        out.extend(line(cells) for cells in foot)
    if notes:
        out.append("")
        out.extend(notes)
    return "\n".join(out) + "\n"


def _old_base(row: AgingRow) -> Row:
    return {"group": "(none)" if row.group is None else row.group, "currency": row.currency}


def _old_aging_row(row: AgingRow, grouped: bool = False) -> Row:
    units = minor_units(row.currency)
    values = _old_base(row)
    for bucket in BUCKETS:
        values[bucket.key] = minor_text(row.minor[bucket.key], units, grouped=grouped)
        values[f"{bucket.key}_count"] = row.counts[bucket.key]
        values[f"{bucket.key}_pct"] = row.share(bucket.key)
    values.update(total=minor_text(row.total_minor, units, grouped=grouped), count=row.count,
                  overdue=minor_text(row.overdue_minor, units, grouped=grouped),
                  overdue_pct=share_of(row.overdue_minor, row.total_minor))
    return values


def _old_aging_table_rows(row: AgingRow) -> list[Row]:
    units = minor_units(row.currency)
    minor, total = row.minor, row.total_minor
    values = _old_base(row)
    shares: Row = {"group": "", "currency": "", "total": "100.0%", "count": ""}
    for key in BUCKET_KEYS:
        values[key] = minor_text(minor[key], units, grouped=True)
        shares[key] = f"{share_text(minor[key], total)}%"
    values["total"] = minor_text(total, units, grouped=True)
    values["count"] = f"{row.count:,}"
    return [values, shares]


def old_aging_table(report: AgingReport) -> str:
    group = [] if report.by == "currency" else [Column("group", report.by)]
    columns = [*group, Column("currency", "currency"),
               *(Column(b.key, b.label, "money") for b in BUCKETS),
               Column("total", "total", "money"), Column("count", "invoices", "count")]
    totals = [{**_old_aging_row(t, grouped=True), "group": "TOTAL"}
              for t in report.totals] if report.by != "currency" else []
    if not report.rows:
        return f"no open invoices as of {report.as_of}\n"
    rows = [line for row in report.rows for line in _old_aging_table_rows(row)]
    return _old_render_table(
        f"Aging as of {report.as_of}, by {report.by} (days past due; open invoices)",
        columns, rows, totals,
        ["Amounts in different currencies are never added together: each row is one "
         "currency."])


# --- the comparison -----------------------------------------------------------------


def printed(report: AgingReport) -> str:
    out = io.StringIO()
    with redirect_stdout(out):
        aging_output(report, "table")
    return out.getvalue()


def report_of(by: str, rows: list[AgingRow]) -> AgingReport:
    if by == "currency":  # one row per currency, no group
        rows = list({r.currency: AgingRow(None, r.currency, r.minor, r.counts)
                     for r in rows}.values())
    rows = sort_aging(rows)
    return AgingReport(date(2026, 11, 30), by, rows, aging_totals(rows))


CURRENCIES = st.sampled_from(["EUR", "JPY", "KWD", "CLF", "USD"])
GROUPS = st.one_of(st.none(), st.text(min_size=0, max_size=14),
                   st.sampled_from(["ann@example.com", "C-1", "Zürich ÄG", "x" * 30]))
AMOUNT = st.one_of(st.integers(0, 999), st.integers(0, 10**9), st.integers(0, 10**17))


@st.composite
def aging_rows(draw: st.DrawFn, negative: bool = False) -> AgingRow:
    amounts = st.integers(-10**6, 10**6) if negative else AMOUNT
    minor = {key: draw(amounts) for key in BUCKET_KEYS}
    counts = {key: draw(st.integers(0, 10**6)) for key in BUCKET_KEYS}
    return AgingRow(draw(GROUPS), draw(CURRENCIES), minor, counts)


def unique_groups(rows: list[AgingRow]) -> list[AgingRow]:
    return list({(r.group, r.currency): r for r in rows}.values())


@settings(max_examples=300, deadline=None)
@given(by=st.sampled_from(["currency", "owner", "department", "customer"]),
       rows=st.lists(aging_rows(), min_size=0, max_size=12))
def test_the_table_is_byte_identical_to_the_previous_code(by: str,
                                                          rows: list[AgingRow]) -> None:
    report = report_of(by, unique_groups(rows))
    assert printed(report) == old_aging_table(report)


@settings(max_examples=100, deadline=None)
@given(by=st.sampled_from(["currency", "customer"]),
       rows=st.lists(aging_rows(negative=True), min_size=1, max_size=6))
def test_rows_the_shortcut_does_not_cover_print_as_before(by: str,
                                                          rows: list[AgingRow]) -> None:
    report = report_of(by, unique_groups(rows))
    assert printed(report) == old_aging_table(report)


def test_a_customer_report_prints_two_lines_per_customer_in_order() -> None:
    rows = [AgingRow(code, "EUR", dict.fromkeys(BUCKET_KEYS, 12_345_67),
                     dict.fromkeys(BUCKET_KEYS, 1)) for code in ("B-2", "A-1")]
    report = report_of("customer", rows)
    lines = printed(report).splitlines()
    assert [line.split()[0] for line in lines[4:8:2]] == ["A-1", "B-2"]
    assert lines[4].split()[2:] == ["12,345.67"] * 6 + ["74,074.02", "6"]
    assert lines[5].split() == ["16.7%"] * 6 + ["100.0%"]
    assert printed(report) == old_aging_table(report)
