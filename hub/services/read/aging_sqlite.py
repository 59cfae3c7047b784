"""The aging report on the embedded SQLite, without SQLAlchemy (issue 16).

`report aging` on the command line is one statement; importing SQLAlchemy to build and
run it cost about as much CPU as the statement itself. Here the statement is fixed SQL
text, run through the standard library's `sqlite3` (hub.ledger.embedded opens the file).
It is the statement of `hub.services.read.reports._aging_rows`, kept in step with it by
`tests/integration/reports/test_aging_sqlite.py`, which compares the rows of both for
every grouping on random ledgers of two creditors. PostgreSQL, and every other report,
keep the SQLAlchemy path.

The creditor filter is written into the text (`creditor_id = :creditor` on invoices,
allocations and customers, the customers' in the outer join's ON clause as the tenancy
hook puts it), as hub.ledger.tenancy's hook sees SQLAlchemy statements only. Three
differences from the SQLAlchemy text, for speed (`bench/reports.py --statements`: 16-18%
less CPU); all give the same rows:
- the invoices' filter is `+creditor_id`: the unary plus keeps SQLite from walking the
  (creditor_id, number) unique index with a table read per invoice; one scan is faster;
- the invoices are read in two parts, those without a payment allocated after the report
  date and those with one (its sum added back), instead of a left join whose automatic
  index SQLite probed for every invoice;
- each bucket is summed as "due on or after this cutoff", one comparison per invoice
  instead of two, and a bucket's figure is the difference of two neighbouring sums,
  taken once per row of the result (exact: whole minor units).
"""

from __future__ import annotations

import sqlite3
from datetime import date
from functools import cache
from itertools import pairwise
from typing import Any

from hub.domain.reports import BUCKET_KEYS
from hub.domain.reports import AgingReport
from hub.domain.reports import AgingRow
from hub.domain.reports import aging_totals
from hub.domain.reports import bucket_cutoffs
from hub.domain.reports import check_grouping
from hub.domain.reports import sort_aging

# Closed without a payment (cancelled, written off): nothing of their open amount today is
# owed (reports._CLOSED_UNPAID; the test checks they agree).
CLOSED_UNPAID = ("cancelled", "written_off")

_GROUP_COLUMN = {"owner": "customers.owner", "department": "customers.department",
                 "customer": "customers.code"}
_CUTOFFS = len(BUCKET_KEYS) - 1  # the last bucket has no earliest due date


@cache
def aging_statement(by: str) -> str:
    """The statement of a report by `by`: one row per (group, currency): group, currency,
    each bucket's open amount, each bucket's invoice count (the row of `_aging_rows`)."""
    open_today = ("CASE WHEN invoices.status IN (:cancelled, :written_off) THEN 0 "
                  "ELSE invoices.open_minor END")
    allocated_later = ("FROM allocations WHERE allocations.allocated_on > :as_of "
                       "AND allocations.creditor_id = :creditor")
    # Fixed text: no value is ever written into it (hence the noqa: S608 below). The
    # invoices open on the day: those without a payment allocated after it as they are
    # today, those with one with the later allocations added back. (Two parts rather than
    # the left join of `_aging_rows`: SQLite probed the join's index for every invoice.)
    per_invoice = (
        "SELECT invoices.customer_id AS customer_id, "  # noqa: S608
        f"invoices.currency AS currency, invoices.due_date AS due_date, {open_today} AS minor "
        f"FROM invoices WHERE invoices.issue_date <= :as_of AND {open_today} > 0 "
        "AND +invoices.creditor_id = :creditor "
        f"AND invoices.id NOT IN (SELECT allocations.invoice_id {allocated_later}) "
        "UNION ALL "
        "SELECT invoices.customer_id, invoices.currency, invoices.due_date, "
        f"{open_today} + later.minor "
        "FROM (SELECT allocations.invoice_id AS invoice_id, "
        f"sum(allocations.amount_minor) AS minor {allocated_later} "
        "GROUP BY allocations.invoice_id) AS later "
        "JOIN invoices ON invoices.id = later.invoice_id "
        f"WHERE invoices.issue_date <= :as_of AND {open_today} + later.minor > 0 "
        "AND invoices.creditor_id = :creditor")
    sums = [*(f"sum(CASE WHEN due_date >= :c{i} THEN minor ELSE 0 END)"
              for i in range(_CUTOFFS)), "sum(minor)",
            *(f"sum(due_date >= :c{i})" for i in range(_CUTOFFS)), "count(*)"]
    named = ", ".join(f"{expression} AS s{i}" for i, expression in enumerate(sums))
    group = _GROUP_COLUMN.get(check_grouping(by))
    if group is None:
        return (f"SELECT NULL AS grp, currency, {_differences('s{}')} "  # noqa: S608
                f"FROM (SELECT currency, {named} FROM ({per_invoice}) GROUP BY currency)")
    # per customer first, then the (few) customer rows per group, as _aging_rows does
    return (f"SELECT {group} AS grp, per_customer.currency, "  # noqa: S608
            f"{_differences('sum(s{})')} FROM ("
            f"SELECT currency, customer_id, {named} FROM ({per_invoice}) "
            "GROUP BY currency, customer_id) AS per_customer "
            "LEFT OUTER JOIN customers ON customers.id = per_customer.customer_id "
            "AND customers.creditor_id = :creditor "
            f"GROUP BY {group}, per_customer.currency")


def _differences(cumulative: str) -> str:
    """Each bucket's amount, then each bucket's count, from the sums "due on or after each
    cutoff, then in all" (`cumulative` names sum number i): the first bucket's is the
    first sum, every other bucket's the difference of its sum and the one before."""
    figures = []
    for first in (0, _CUTOFFS + 1):  # the amounts, then the counts
        names = [cumulative.format(first + i) for i in range(_CUTOFFS + 1)]
        figures += [names[0], *(f"{later} - {earlier}"
                                for earlier, later in pairwise(names))]
    return ", ".join(figures)


def aging_parameters(as_of: date, creditor: int) -> dict[str, Any]:
    cutoffs = {f"c{i}": cutoff.isoformat()
               for i, (_, cutoff) in enumerate(bucket_cutoffs(as_of))}
    return {"as_of": as_of.isoformat(), "creditor": creditor, "cancelled": CLOSED_UNPAID[0],
            "written_off": CLOSED_UNPAID[1], **cutoffs}


def aging_rows(connection: sqlite3.Connection, as_of: date, by: str,
               creditor: int) -> list[AgingRow]:
    """`reports._aging_rows(connection, as_of, by)` for `creditor`, through `sqlite3`."""
    split = 2 + len(BUCKET_KEYS)  # group, currency, the amounts, then the counts
    return sort_aging(
        AgingRow(row[0], row[1], dict(zip(BUCKET_KEYS, row[2:split], strict=True)),
                 dict(zip(BUCKET_KEYS, row[split:], strict=True)))
        for row in connection.execute(aging_statement(by),
                                      aging_parameters(as_of, creditor)))


def aging_report(connection: sqlite3.Connection, as_of: date, by: str,
                 creditor: int) -> AgingReport:
    """`reports.aging_report` on the embedded SQLite, for `creditor`."""
    rows = aging_rows(connection, as_of, by, creditor)
    return AgingReport(as_of, by, rows, aging_totals(rows))
