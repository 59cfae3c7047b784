"""Receivables reports from the ledger: aging, DSO, CEI and the period summary.

Every figure is aggregated in SQL (GROUP BY group, currency and bucket or month),
so a report over a million invoices never loads them into Python. History is
reconstructed per invoice as

    open on date D = open amount today + payments allocated to it after D

for invoices issued on or before D. With a complete payment history this equals
amount - allocations up to D; it also stays right for ERP imports that carry a
reduced open amount without the payments behind it.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from datetime import timedelta
from decimal import Decimal
from itertools import pairwise
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy import Engine

from hub.domain.currency import minor_units
from hub.domain.errors import UserError
from hub.domain.model import InvoiceStatus
from hub.domain.money import Money
from hub.domain.reports import BUCKET_KEYS
from hub.domain.reports import BUCKETS
from hub.domain.reports import DSO_MONTHS
from hub.domain.reports import GROUPINGS
from hub.domain.reports import AgingReport
from hub.domain.reports import AgingRow
from hub.domain.reports import Balance
from hub.domain.reports import DsoReport
from hub.domain.reports import Key
from hub.domain.reports import Period
from hub.domain.reports import PeriodReport
from hub.domain.reports import aging_totals
from hub.domain.reports import balances
from hub.domain.reports import bucket_cutoffs
from hub.domain.reports import build_dso
from hub.domain.reports import build_period
from hub.domain.reports import check_grouping
from hub.domain.reports import month_windows
from hub.domain.reports import period_ending
from hub.domain.reports import sort_aging
from hub.i18n import lazy_gettext
from hub.ledger.tables import allocations
from hub.ledger.tables import customers
from hub.ledger.tables import invoices
from hub.ledger.tables import payments

SIMPLE_DSO_MONTHS = 3

# Closed without a payment: nothing of their open amount today is owed. (Their
# write-off date is not recorded, so history shows them as paid off all along,
# apart from payments allocated after the report date.)
_CLOSED_UNPAID = (InvoiceStatus.CANCELLED.value, InvoiceStatus.WRITTEN_OFF.value)

__all__ = ["DSO_MONTHS", "GROUPINGS", "aging_report", "check_grouping", "dso_report",
           "period_report", "receivables_at"]

Bind = Engine | Connection


def aging_report(bind: Bind, as_of: date, by: str = "currency") -> AgingReport:
    """Open invoices on `as_of` (end of day) in overdue buckets, per `by` and currency."""
    with _connected(bind) as connection:
        rows = _aging_rows(connection, as_of, check_grouping(by))
    return AgingReport(as_of, by, rows, aging_totals(rows))


def receivables_at(bind: Bind, as_of: date, by: str = "currency") -> dict[Key, Balance]:
    """Total and not-yet-due receivables on `as_of`, per (group, currency)."""
    with _connected(bind) as connection:
        return balances(_aging_rows(connection, as_of, check_grouping(by)))


def dso_report(bind: Bind, as_of: date, by: str = "currency", months: int = DSO_MONTHS,
               simple_months: int = SIMPLE_DSO_MONTHS) -> DsoReport:
    """Countback DSO, best possible DSO, ADD and simple DSO on `as_of`."""
    if not 1 <= simple_months <= months:
        raise UserError(lazy_gettext("simple DSO needs 1 to %(months)s months, got "
                                     "%(simple_months)s",
                                     months=months, simple_months=simple_months))
    windows = month_windows(as_of, months)
    with _connected(bind) as connection:
        open_on = balances(_aging_rows(connection, as_of, check_grouping(by)))
        sales = _monthly_sales(connection, windows, by)
    return build_dso(as_of, by, months=windows, simple_months=simple_months,
                     receivables=open_on, sales=sales)


def period_report(bind: Bind, as_of: date, by: str = "currency",
                  period: Period | None = None) -> PeriodReport:
    """Opening and closing receivables, invoiced, collected and received over a
    period ending on `as_of` (default: the calendar month ending on it).
    Feeds both the CEI report and the summary."""
    period = period or period_ending(as_of)
    check_grouping(by)
    with _connected(bind) as connection:
        opening = balances(
            _aging_rows(connection, period.start - timedelta(days=1), by))
        closing = balances(_aging_rows(connection, period.end, by))
        invoiced = _invoiced(connection, period, by)
        collected = _collected(connection, period, by)
        received = _received(connection, period, by)
    return build_period(as_of, by, period, opening=opening, closing=closing,
                        invoiced=invoiced, collected=collected, received=received)


# --- queries --------------------------------------------------------------------


@contextmanager
def _connected(bind: Bind) -> Iterator[Connection]:
    if isinstance(bind, Connection):
        yield bind
        return
    with bind.connect() as connection:
        yield connection


def _group_column(by: str) -> sa.ColumnElement[str | None] | None:
    return {"owner": customers.c.owner, "department": customers.c.department,
            "customer": customers.c.code}.get(by)


def _rollup(connection: Connection, by: str, rows: sa.Subquery, keys: list[str],
            sums: list[str]) -> list[Any]:
    """Sum `sums` of `rows` per currency and `keys`, and per group when `by` asks.

    `rows` has customer_id and currency columns. Grouping sums per customer first,
    with no join, then joins the (few) per-customer sums to customers: far cheaper
    than joining every invoice to its customer.
    """
    group = _group_column(by)
    if group is None:
        plain = [rows.c.currency, *(rows.c[k] for k in keys)]
        return list(connection.execute(
            sa.select(*plain, *(sa.func.sum(rows.c[s]).label(s) for s in sums))
            .group_by(*plain)))
    # customer_id last: leading with it lets SQLite walk ix_invoices_customer_status
    # with a random table read per row instead of one sequential scan and a sort.
    inner = [rows.c.currency, *(rows.c[k] for k in keys), rows.c.customer_id]
    per_customer = (sa.select(*inner, *(sa.func.sum(rows.c[s]).label(s) for s in sums))
                    .group_by(*inner).subquery("per_customer"))
    columns: list[sa.ColumnElement[Any]] = [group, per_customer.c.currency,
                                             *(per_customer.c[k] for k in keys)]
    return list(connection.execute(
        sa.select(group.label("grp"), *columns[1:],
                  *(sa.func.sum(per_customer.c[s]).label(s) for s in sums))
        .select_from(per_customer.outerjoin(
            customers, customers.c.id == per_customer.c.customer_id))
        .group_by(*columns)))


def _keys(by: str) -> Callable[[Any], Key]:
    """(group, currency) of a result row; rows have no group column for --by currency."""
    if _group_column(by) is None:
        return lambda row: (None, row.currency)
    return lambda row: (row.grp, row.currency)


def _aging_rows(connection: Connection, as_of: date, by: str) -> list[AgingRow]:
    """One row per (group, currency) with its buckets side by side: SQL pivots the buckets
    into columns (a SUM(CASE ...) per bucket, one GROUP BY), so Python receives one result
    row per report row, not one per bucket (issue 16)."""
    later = (sa.select(allocations.c.invoice_id,
                       sa.func.sum(allocations.c.amount_minor).label("minor"))
             .where(allocations.c.allocated_on > as_of)
             .group_by(allocations.c.invoice_id)
             .subquery("later"))
    open_today = sa.case((invoices.c.status.in_(_CLOSED_UNPAID), 0),
                         else_=invoices.c.open_minor)
    open_then = open_today + sa.func.coalesce(later.c.minor, 0)
    per_invoice = (
        sa.select(invoices.c.customer_id, invoices.c.currency, invoices.c.due_date,
                  open_then.label("minor"))
        .select_from(invoices.outerjoin(later, later.c.invoice_id == invoices.c.id))
        .where(invoices.c.issue_date <= as_of, open_then > 0)
        .subquery("per_invoice")
    )
    in_bucket = _bucket_tests(per_invoice.c.due_date, as_of)
    pivoted = [*(sa.func.sum(sa.case((test, per_invoice.c.minor), else_=0))
                 for test in in_bucket),
               *(sa.func.sum(sa.case((test, 1), else_=0)) for test in in_bucket)]
    # customer_id last: leading with it lets SQLite walk ix_invoices_customer_status
    # with a random table read per row instead of one sequential scan and a sort.
    inner = [per_invoice.c.currency, per_invoice.c.customer_id]
    group = _group_column(by)
    if group is None:
        query = sa.select(sa.null().label("grp"), per_invoice.c.currency, *pivoted) \
            .group_by(per_invoice.c.currency)
    else:  # per customer first, then the (few) customer rows per group
        sums = [c.label(f"s{i}") for i, c in enumerate(pivoted)]
        cells = sa.select(*inner, *sums).group_by(*inner).subquery("per_customer")
        query = (sa.select(group.label("grp"), cells.c.currency,
                           *(sa.func.sum(cells.c[s.name]) for s in sums))
                 .select_from(cells.outerjoin(customers,
                                              customers.c.id == cells.c.customer_id))
                 .group_by(group, cells.c.currency))
    split = 2 + len(BUCKETS)  # group, currency, the amounts, then the counts
    return sort_aging(
        AgingRow(row[0], row[1], dict(zip(BUCKET_KEYS, map(int, row[2:split]), strict=True)),
                 dict(zip(BUCKET_KEYS, map(int, row[split:]), strict=True)))
        for row in connection.execute(query).all())


def _bucket_tests(due: sa.ColumnElement[Any], as_of: date) -> list[sa.ColumnElement[bool]]:
    """Per bucket, whether an invoice due on `due` falls in it on `as_of` (the buckets
    are date ranges between the cutoffs: each invoice passes exactly one test)."""
    cutoffs = [cutoff for _, cutoff in bucket_cutoffs(as_of)]
    tests: list[sa.ColumnElement[bool]] = [due >= cutoffs[0]]
    tests += [sa.and_(due < newer, due >= older) for newer, older in pairwise(cutoffs)]
    return [*tests, due < cutoffs[-1]]


def _monthly_sales(connection: Connection, months: list[Period],
                   by: str) -> dict[Key, list[Decimal]]:
    """Credit sales (invoices issued, not cancelled) per month window, newest first."""
    month = sa.case(*[(invoices.c.issue_date >= p.start, i) for i, p in enumerate(months)])
    per_invoice = (
        sa.select(invoices.c.customer_id, invoices.c.currency, month.label("month"),
                  invoices.c.amount_minor.label("minor"))
        .where(invoices.c.issue_date >= months[-1].start,
               invoices.c.issue_date <= months[0].end,
               invoices.c.status != InvoiceStatus.CANCELLED.value)
        .subquery("per_invoice")
    )
    sales: dict[Key, list[Decimal]] = {}
    key_of = _keys(by)
    for row in _rollup(connection, by, per_invoice, ["month"], ["minor"]):
        key = key_of(row)
        monthly = sales.setdefault(key, [Decimal(0)] * len(months))
        monthly[int(row.month)] = Decimal(int(row.minor)).scaleb(-minor_units(key[1]))
    return sales


def _sums(connection: Connection, by: str, rows: sa.Subquery) -> dict[Key, Money]:
    key = _keys(by)
    return {key(row): Money.from_minor(int(row.minor), row.currency)
            for row in _rollup(connection, by, rows, [], ["minor"])}


def _invoiced(connection: Connection, period: Period, by: str) -> dict[Key, Money]:
    rows = (sa.select(invoices.c.customer_id, invoices.c.currency,
                      invoices.c.amount_minor.label("minor"))
            .where(invoices.c.issue_date.between(period.start, period.end),
                   invoices.c.status != InvoiceStatus.CANCELLED.value)
            .subquery("rows"))
    return _sums(connection, by, rows)


def _collected(connection: Connection, period: Period, by: str) -> dict[Key, Money]:
    """Payments applied to invoices with a value date inside the period."""
    rows = (sa.select(invoices.c.customer_id, allocations.c.currency,
                      allocations.c.amount_minor.label("minor"))
            .select_from(allocations.join(invoices, invoices.c.id == allocations.c.invoice_id))
            .where(allocations.c.allocated_on.between(period.start, period.end))
            .subquery("rows"))
    return _sums(connection, by, rows)


def _received(connection: Connection, period: Period, by: str) -> dict[Key, Money]:
    """Cash received in the period, matched or not; unmatched payments have no group."""
    rows = (sa.select(payments.c.customer_id, payments.c.currency,
                      payments.c.amount_minor.label("minor"))
            .where(payments.c.received_on.between(period.start, period.end))
            .subquery("rows"))
    return _sums(connection, by, rows)
