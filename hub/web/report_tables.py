"""The tables behind the reports page, each as columns and rows, so the page,
the CSV export and the XLSX export show the same figures."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine

from hub.domain.reports import BUCKETS
from hub.domain.reports import calendar_months
from hub.i18n import N_
from hub.i18n import Text
from hub.i18n import lazy_gettext
from hub.ledger.users import list_users
from hub.services.read import collection_stats
from hub.services.read.report_cache import cached_aging_report as aging_report
from hub.services.read.reports import dso_report
from hub.services.read.reports import period_report


@dataclass(frozen=True)
class Table:
    """`rows` hold raw values (Decimals, ints, text) for the downloads; a key "_<column>"
    next to a text column of amounts holds the same amounts as Money, which the HTML page
    formats for the viewer's locale (downloads write only the declared columns)."""

    name: str
    title: str | Text  # a msgid (N_) or a Text: shown in the reader's language
    columns: list[tuple[str, str]]  # (key, header)
    rows: list[dict[str, Any]]

    def numeric(self) -> set[str]:
        """The columns to right-align: numbers, or amounts."""
        return {key for key, _ in self.columns
                if any(f"_{key}" in row or (isinstance(row.get(key), int | Decimal)
                                            and not isinstance(row.get(key), bool))
                       for row in self.rows)}


@dataclass(frozen=True)
class ReportPeriod:
    as_of: date
    months: int

    @property
    def windows(self) -> list[Any]:
        """Whole calendar months ended by `as_of`, oldest first: the DSO and CEI rows are
        labelled with each month's last day (never the as-of day of another month)."""
        return list(reversed(calendar_months(self.as_of, self.months)))

    @property
    def start(self) -> date:
        start: date = self.windows[0].start
        return start


def aging(engine: Engine, period: ReportPeriod, department: str | None = None) -> Table:
    """`department`: that department's accounts only (a manager's view); else the ledger."""
    report = aging_report(engine, period.as_of, "currency" if department is None
                          else "department")
    columns = [("currency", N_("Currency")), *[(b.key, b.label) for b in BUCKETS],
               ("total", N_("Total")), ("overdue", N_("Overdue")),
               ("invoices", N_("Invoices"))]
    rows = [{"currency": r.currency, **{b.key: r.amounts[b.key].amount for b in BUCKETS},
             "total": r.total.amount, "overdue": r.overdue.amount, "invoices": r.count}
            for r in (report.totals if department is None
                      else [r for r in report.rows if r.group == department])]
    return Table("aging", lazy_gettext("Aging on %(date)s", date=period.as_of), columns, rows)


def dso_trend(engine: Engine, period: ReportPeriod, department: str | None = None) -> Table:
    rows = []
    for window in period.windows:
        by = "currency" if department is None else "department"
        for r in _mine(dso_report(engine, window.end, by).rows, department):
            rows.append({"month_end": window.end.isoformat(), "currency": r.currency,
                         "dso": r.countback.days, "best_possible": r.best_possible.days,
                         "add": r.average_days_delinquent,
                         "receivables": r.receivables.amount})
    return Table("dso", N_("DSO trend (countback)"),
                 [("month_end", N_("Month end")), ("currency", N_("Currency")),
                  ("dso", N_("DSO days")),
                  ("best_possible", N_("Best possible")), ("add", N_("Days delinquent")),
                  ("receivables", N_("Receivables"))], rows)


def cei(engine: Engine, period: ReportPeriod, department: str | None = None) -> Table:
    rows = []
    for window in period.windows:
        by = "currency" if department is None else "department"
        for r in _mine(period_report(engine, window.end, by, window).rows, department):
            rows.append({"month": window.end.strftime("%Y-%m"), "currency": r.currency,
                         "cei": r.cei, "opening": r.opening.total.amount,
                         "invoiced": r.invoiced.amount, "collected": r.collected.amount,
                         "closing": r.closing.total.amount})
    return Table("cei", N_("Collection effectiveness (CEI) per month"),
                 [("month", N_("Month to")), ("currency", N_("Currency")),
                  ("cei", N_("CEI %")),
                  ("opening", N_("Opening")), ("invoiced", N_("Invoiced")),
                  ("collected", N_("Collected")), ("closing", N_("Closing"))], rows)


def promises(engine: Engine, period: ReportPeriod, department: str | None = None) -> Table:
    with engine.connect() as connection:
        months = collection_stats.promise_kept_rate(connection, start=period.start,
                                                    end=period.as_of, department=department)
    return Table("promises", N_("Promises kept (by promised date)"),
                 [("month", N_("Month")), ("kept", N_("Kept")), ("broken", N_("Broken")),
                  ("open", N_("Still open")), ("rate", N_("Kept %"))],
                 [{"month": m.month, "kept": m.kept, "broken": m.broken, "open": m.open,
                   "rate": m.rate} for m in months])


def _recovery_rows(found: list[collection_stats.Recovery], key: str) -> list[dict[str, Any]]:
    return [{key: r.label, "applied": r.applied, "paid": r.paid, "rate": r.rate,
             "recovered": "; ".join(f"{m.amount} {c}" for c, m in sorted(r.recovered.items())),
             "_recovered": [m for _, m in sorted(r.recovered.items())]}
            for r in found]


def steps(engine: Engine, period: ReportPeriod, department: str | None = None) -> Table:
    with engine.connect() as connection:
        found = collection_stats.recovery_by_step(connection, start=period.start,
                                                  end=period.as_of, department=department)
    return Table("steps", N_("Recovery per ladder step (paid within 30 days)"),
                 [("step", N_("Step")), ("applied", N_("Applied")), ("paid", N_("Paid")),
                  ("rate", N_("Paid %")), ("recovered", N_("Recovered"))],
                 _recovery_rows(found, "step"))


def channels(engine: Engine, period: ReportPeriod, department: str | None = None) -> Table:
    with engine.connect() as connection:
        found = collection_stats.recovery_by_channel(connection, start=period.start,
                                                     end=period.as_of, department=department)
    return Table("channels", N_("Recovery per channel (paid within 14 days)"),
                 [("channel", N_("Channel")), ("applied", N_("Sent")), ("paid", N_("Paid")),
                  ("rate", N_("Paid %")), ("recovered", N_("Recovered"))],
                 _recovery_rows(found, "channel"))


# the productivity columns: what a collector did
KINDS = {"contacts": N_("Contacts"), "promises": N_("Promises"), "plans": N_("Plans"),
         "disputes": N_("Disputes"), "done": N_("Done"), "notes": N_("Notes")}


def productivity(engine: Engine, period: ReportPeriod, department: str | None = None) -> Table:
    with engine.connect() as connection:
        team = None if department is None else [
            user.email for user in list_users(connection) if user.department == department]
        people = collection_stats.productivity(connection, start=period.start,
                                               end=period.as_of, people=team)
    kinds = list(KINDS)
    return Table("productivity", N_("Collector productivity"),
                 [("person", N_("Person")), *KINDS.items(),
                  ("collected", N_("Collected on own accounts"))],
                 [{"person": p.person, **{k: p.counts.get(k, 0) for k in kinds},
                   "collected": "; ".join(f"{m.amount} {c}"
                                          for c, m in sorted(p.collected.items())),
                   "_collected": [m for _, m in sorted(p.collected.items())]}
                  for p in people])


def _mine(rows: list[Any], department: str | None) -> list[Any]:
    """Rows grouped by department: the one department's (per currency); else all."""
    return rows if department is None else [r for r in rows if r.group == department]


TABLES: dict[str, Callable[[Engine, ReportPeriod, str | None], Table]] = {
    "aging": aging, "dso": dso_trend, "cei": cei, "promises": promises, "steps": steps,
    "channels": channels, "productivity": productivity,
}

