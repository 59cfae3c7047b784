"""`report aging|dso|cei|summary`: receivables reports in the terminal, CSV or JSON.

The SQLAlchemy reports (hub.services.read.reports) are imported by the commands that use
them: `report aging` on the embedded SQLite runs without SQLAlchemy (issue 16)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from datetime import timedelta
from typing import TYPE_CHECKING
from typing import Any

import click

from hub.cli.aging_table import aging_table
from hub.cli.report_output import NO_GROUP
from hub.cli.report_output import Column
from hub.cli.report_output import Row
from hub.cli.report_output import render_csv
from hub.cli.report_output import render_json
from hub.cli.report_output import render_table
from hub.domain.currency import minor_units
from hub.domain.money import minor_text
from hub.domain.reports import BUCKETS
from hub.domain.reports import DSO_MONTHS
from hub.domain.reports import GROUPINGS
from hub.domain.reports import AgingReport
from hub.domain.reports import AgingRow
from hub.domain.reports import DsoReport
from hub.domain.reports import Period
from hub.domain.reports import PeriodReport
from hub.domain.reports import PeriodRow
from hub.domain.reports import percent
from hub.domain.reports import period_ending
from hub.domain.reports import share_of
from hub.domain.reports import top_overdue

if TYPE_CHECKING:
    from hub.domain.reports import LeftOut

DATE = click.DateTime(formats=["%Y-%m-%d"])
FORMATS = ("table", "csv", "json")
CURRENCY_NOTE = ("Amounts in different currencies are never added together: "
                 "each row is one currency.")


@click.group("report")
def report_group() -> None:
    """Receivables reports: aging, DSO, CEI and a period summary."""


def _common(command: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--as-of", "as_of", type=DATE, default=None,
                     help="Report date, YYYY-MM-DD (default: today)."),
        click.option("--by", type=click.Choice(GROUPINGS), default="currency",
                     show_default=True, help="Rows per group (always also per currency)."),
        click.option("--format", "output", type=click.Choice(FORMATS), default="table",
                     show_default=True),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _period_options(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option("--period-days", type=int, default=None,
                           help="Period of this many days ending on --as-of.")(command)
    return click.option("--from", "start", type=DATE, default=None,
                        help="First day of the period (default: the calendar month "
                             "ending on --as-of).")(command)


def _as_of(ctx: click.Context, value: Any) -> date:
    from hub.cli.context import get_hub  # noqa: PLC0415

    hub = get_hub(ctx)
    return value.date() if value is not None else hub.clock.today()


def _group_columns(by: str) -> list[Column]:
    group = [] if by == "currency" else [Column("group", by)]
    return [*group, Column("currency", "currency")]


def _base(row: AgingRow | PeriodRow | Any) -> Row:
    return {"group": NO_GROUP if row.group is None else row.group, "currency": row.currency}


def _emit(output: str, *, title: str, header: dict[str, Any], columns: list[Column],
          rows: list[Row], totals: list[Row], empty: str, notes: list[str]) -> None:
    if output == "json":
        click.echo(render_json({**header, **({"message": empty} if not rows else {})},
                               columns, rows, totals), nl=False)
    elif output == "csv":
        click.echo(render_csv(columns, rows), nl=False)
        if not rows:
            click.echo(empty, err=True)
    elif not rows:
        click.echo(empty)
    else:
        click.echo(render_table(title, columns, rows, totals, notes), nl=False)


# --- aging -----------------------------------------------------------------------


def _aging_row(row: AgingRow, grouped: bool = False) -> Row:
    """The row's figures; amounts as text from the integer minor units (`grouped`: with
    thousands separators, for the table), not a Money per cell (issue 16)."""
    units = minor_units(row.currency)
    values = _base(row)
    for bucket in BUCKETS:
        values[bucket.key] = minor_text(row.minor[bucket.key], units, grouped=grouped)
        values[f"{bucket.key}_count"] = row.counts[bucket.key]
        values[f"{bucket.key}_pct"] = row.share(bucket.key)
    values.update(total=minor_text(row.total_minor, units, grouped=grouped), count=row.count,
                  overdue=minor_text(row.overdue_minor, units, grouped=grouped),
                  overdue_pct=share_of(row.overdue_minor, row.total_minor))
    return values


def aging_output(report: AgingReport, output: str, top: int | None = None) -> None:
    """The report as a table, CSV or JSON; with `top`, per currency only the `top` rows
    with the most overdue, and a line for the rest (the totals stay those of every row)."""
    table_columns = [*_group_columns(report.by),
                     *(Column(b.key, b.label, "money") for b in BUCKETS),
                     Column("total", "total", "money"), Column("count", "invoices", "count")]
    data_columns = [*_group_columns(report.by)]
    for bucket in BUCKETS:
        data_columns += [Column(bucket.key, bucket.label, "money"),
                         Column(f"{bucket.key}_count", "", "count"),
                         Column(f"{bucket.key}_pct", "", "percent")]
    data_columns += [Column("total", "", "money"), Column("count", "", "count"),
                     Column("overdue", "", "money"), Column("overdue_pct", "", "percent")]
    table = output == "table"
    show_totals = report.by != "currency"
    totals = [{**_aging_row(t, grouped=table), "group": "TOTAL"}
              for t in report.totals] if show_totals else []
    rows, left_out = (report.rows, []) if top is None else top_overdue(report.rows, top)
    not_shown = [_left_out_line(report.by, part) for part in left_out]
    empty = f"no open invoices as of {report.as_of}"
    if output == "json":
        header: dict[str, Any] = {"report": "aging", "as_of": str(report.as_of),
                                  "by": report.by}
        if top is not None:
            header["left_out"] = [_left_out_figures(part) for part in left_out]
        _emit(output, title="", header=header, columns=data_columns,
              rows=[_aging_row(r) for r in rows], totals=totals, empty=empty, notes=[])
        return
    if output == "csv":
        _emit(output, title="", header={}, columns=data_columns,
              rows=[_aging_row(r) for r in rows], totals=totals, empty=empty, notes=[])
        for line in not_shown:  # stdout stays one CSV table
            click.echo(line, err=True)
        return
    if not rows:
        click.echo(empty)
        return
    title = f"Aging as of {report.as_of}, by {report.by} (days past due; open invoices)"
    if top is not None:
        title += f", the {top:,} with the most overdue per currency"
    click.echo(aging_table(title, table_columns, rows, totals, [*not_shown, CURRENCY_NOTE]),
               nl=False)


def _left_out_line(by: str, part: LeftOut) -> str:
    units = minor_units(part.currency)
    return (f"Not shown: {part.rows:,} more {by}{'' if part.rows == 1 else 's'} in "
            f"{part.currency} with {minor_text(part.total_minor, units, grouped=True)} open, "
            f"{minor_text(part.overdue_minor, units, grouped=True)} overdue "
            f"(in the totals above).")


def _left_out_figures(part: LeftOut) -> dict[str, Any]:
    units = minor_units(part.currency)
    return {"currency": part.currency, "rows": part.rows,
            "total": minor_text(part.total_minor, units),
            "overdue": minor_text(part.overdue_minor, units)}


@report_group.command("aging")
@_common
@click.option("--top", type=click.IntRange(min=1), default=None, metavar="N",
              help="With --by customer: per currency only the N customers with the most "
                   "overdue, largest first, and a line for the others (the totals are of "
                   "every customer).")
@click.pass_context
def aging_command(ctx: click.Context, as_of: Any, by: str, output: str,
                  top: int | None) -> None:
    """Open invoices by days past due: current, 1-30, 31-60, 61-90, 91-180, over 180."""
    if top is not None and by != "customer":
        raise click.BadOptionUsage("top", "--top needs --by customer")
    aging_output(_aging_report(ctx, as_of, by), output, top)


def _aging_report(ctx: click.Context, as_of: Any, by: str) -> AgingReport:
    """On the embedded SQLite, one statement through `sqlite3`, without bootstrapping the
    hub or importing SQLAlchemy (issue 16; hub/services/read/aging_sqlite.py); elsewhere,
    and when the file must be made or migrated first, the hub's SQLAlchemy report."""
    from hub.cli.context import embedded_ledger  # noqa: PLC0415
    from hub.cli.context import get_hub  # noqa: PLC0415

    found = embedded_ledger(ctx)
    if found is not None:
        from hub.services.read import aging_sqlite  # noqa: PLC0415

        ledger, today = found
        try:
            return aging_sqlite.aging_report(ledger.connection,
                                             today if as_of is None else as_of.date(), by,
                                             ledger.creditor)
        finally:
            ledger.close()
    from hub.services.read.reports import aging_report  # noqa: PLC0415

    return aging_report(get_hub(ctx).engine, _as_of(ctx, as_of), by)


# --- DSO ---------------------------------------------------------------------------


def dso_output(report: DsoReport, output: str) -> None:
    columns = [*_group_columns(report.by),
               Column("receivables", "receivables", "money"),
               Column("not_yet_due", "not yet due", "money"),
               Column("dso", "DSO (countback)", "days"),
               Column("best_possible_dso", "best possible DSO", "days"),
               Column("average_days_delinquent", "ADD", "days"),
               Column("simple_dso", f"simple DSO ({report.simple_window.days} d)", "days")]
    if output != "table":
        columns.append(Column("dso_complete", "", "text"))
    rows = [{**_base(r), "receivables": r.receivables, "not_yet_due": r.current,
             "dso": r.countback, "best_possible_dso": r.best_possible,
             "average_days_delinquent": r.average_days_delinquent, "simple_dso": r.simple,
             "dso_complete": r.countback.complete} for r in report.rows]
    window = report.simple_window
    notes = [
        f"DSO walks back through credit sales of calendar months ending on {report.as_of}; "
        f"'>' means {len(report.months)} months of sales did not cover the receivables.",
        "ADD (average days delinquent) = DSO - best possible DSO (the same countback "
        "on receivables not yet due).",
        f"Simple DSO = receivables / credit sales x days, sales from {window.start} "
        f"to {window.end}.",
        CURRENCY_NOTE,
    ]
    _emit(output, title=f"Days sales outstanding as of {report.as_of}, by {report.by}",
          header={"report": "dso", "as_of": str(report.as_of), "by": report.by,
                  "simple_dso_from": str(window.start), "simple_dso_to": str(window.end)},
          columns=columns, rows=rows, totals=[],
          empty=f"no open invoices as of {report.as_of}", notes=notes)


@report_group.command("dso")
@_common
@click.option("--months", type=click.IntRange(1, 120), default=DSO_MONTHS, show_default=True,
              help="How many months of sales the countback may walk back.")
@click.pass_context
def dso_command(ctx: click.Context, as_of: Any, by: str, output: str, months: int) -> None:
    """Days sales outstanding (countback), best possible DSO, average days delinquent."""
    from hub.cli.context import get_hub  # noqa: PLC0415
    from hub.services.read.reports import dso_report  # noqa: PLC0415

    report = dso_report(get_hub(ctx).engine, _as_of(ctx, as_of), by, months=months,
                        simple_months=min(3, months))
    dso_output(report, output)


# --- CEI and summary -----------------------------------------------------------------


def _period(as_of: date, start: Any, days: int | None) -> Period:
    return period_ending(as_of, start=start.date() if start is not None else None, days=days)


def _period_header(name: str, report: PeriodReport) -> dict[str, Any]:
    return {"report": name, "as_of": str(report.as_of), "by": report.by,
            "from": str(report.period.start), "to": str(report.period.end)}


def _period_row(row: PeriodRow) -> Row:
    return {**_base(row), "opening": row.opening.total, "invoiced": row.invoiced,
            "collected": row.collected, "adjustments": row.adjustments,
            "closing": row.closing.total, "closing_not_yet_due": row.closing.current,
            "overdue": row.closing.overdue,
            "overdue_pct": percent(row.closing.overdue.amount, row.closing.total.amount),
            "open_invoices": row.closing.count, "received": row.received, "cei": row.cei}


def cei_output(report: PeriodReport, output: str) -> None:
    columns = [*_group_columns(report.by),
               Column("opening", "opening", "money"), Column("invoiced", "credit sales", "money"),
               Column("closing", "closing", "money"),
               Column("closing_not_yet_due", "closing not yet due", "money"),
               Column("cei", "CEI", "percent")]
    period = report.period
    notes = ["CEI = (opening + credit sales - closing) / (opening + credit sales - closing "
             "not yet due) x 100; '-' when nothing was collectible.", CURRENCY_NOTE]
    _emit(output, title=f"Collection effectiveness from {period.start} to {period.end}, "
                        f"by {report.by}",
          header=_period_header("cei", report), columns=columns,
          rows=[_period_row(r) for r in report.rows], totals=[],
          empty=f"no receivables between {period.start} and {period.end}", notes=notes)


def summary_output(report: PeriodReport, output: str) -> None:
    columns = [*_group_columns(report.by),
               Column("opening", "opening", "money"), Column("invoiced", "invoiced", "money"),
               Column("collected", "collected", "money"),
               Column("adjustments", "adjustments", "money"),
               Column("closing", "outstanding", "money"), Column("overdue", "overdue", "money"),
               Column("overdue_pct", "overdue %", "percent"),
               Column("open_invoices", "open invoices", "count"),
               Column("received", "received", "money"), Column("cei", "CEI", "percent")]
    period = report.period
    notes = [f"opening: receivables at the end of {period.start - timedelta(days=1)}; "
             "collected: payments applied to invoices in the period; received: all "
             "money received in the period, applied or not.",
             "adjustments: write-offs, cancellations and payments reported without "
             "an allocation.", CURRENCY_NOTE]
    _emit(output, title=f"Receivables summary from {period.start} to {period.end}, "
                        f"by {report.by}",
          header=_period_header("summary", report), columns=columns,
          rows=[_period_row(r) for r in report.rows], totals=[],
          empty=f"no open invoices and no payments between {period.start} and {period.end}",
          notes=notes)


@report_group.command("cei")
@_common
@_period_options
@click.pass_context
def cei_command(ctx: click.Context, *, as_of: Any, by: str, output: str, start: Any,
                period_days: int | None) -> None:
    """Collection effectiveness index over a period ending on --as-of."""
    from hub.cli.context import get_hub  # noqa: PLC0415
    from hub.services.read.reports import period_report  # noqa: PLC0415

    day = _as_of(ctx, as_of)
    report = period_report(get_hub(ctx).engine, day, by, _period(day, start, period_days))
    cei_output(report, output)


@report_group.command("summary")
@_common
@_period_options
@click.pass_context
def summary_command(ctx: click.Context, *, as_of: Any, by: str, output: str, start: Any,
                    period_days: int | None) -> None:
    """Outstanding, invoiced, collected and received over a period ending on --as-of."""
    from hub.cli.context import get_hub  # noqa: PLC0415
    from hub.services.read.reports import period_report  # noqa: PLC0415

    day = _as_of(ctx, as_of)
    report = period_report(get_hub(ctx).engine, day, by, _period(day, start, period_days))
    summary_output(report, output)


def register(cli: click.Group) -> None:
    cli.add_command(report_group)
