"""Features of invoices as of a day, from the ledger, with no look-ahead.

"As of D" means what was known when day D began: an event counts only when it is dated
before D (a payment received, an invoice paid in full, a promise kept or broken, a
dispute opened, a message sent, a step taken). Nothing dated D or later is used, so a
feature as of D does not change when rows dated D or later are added (the leakage test
in tests/integration/prediction checks exactly that).

Two things in the ledger carry no date, and are used as follows:
- the `disputed` flag on an imported invoice is known from the day the invoice row was
  last written (its updated_at: never earlier than the flag); a dispute recorded in the
  hub from the day it was opened. A past invoice already paid before D counts as
  disputed or not by its flag: its dispute came before its payment.
- the customer's kind (B2B/B2C) is taken as constant.

The ledger is read with a fixed handful of set-based queries (invoices, their
settlement, payments, promises, disputes, messages, steps), then one pass per customer
computes every requested (invoice, day) point with binary searches over the customer's
sorted history, so a million invoices take seconds of SQL and one linear pass.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.currency import minor_units
from hub.domain.prediction import CONTACT_WINDOW_DAYS
from hub.domain.prediction import FEATURE_NAMES
from hub.domain.prediction import RECENT_INVOICES
from hub.domain.prediction import late_class
from hub.ledger.tables import allocations
from hub.ledger.tables import applied_decisions
from hub.ledger.tables import customers
from hub.ledger.tables import dispute_invoices
from hub.ledger.tables import disputes
from hub.ledger.tables import invoices
from hub.ledger.tables import messages
from hub.ledger.tables import payments
from hub.ledger.tables import promises

NAN = math.nan
NEVER = date.max
_NOT_PAYMENTS = ("reversed", "returned")
_NOT_INVOICES = ("cancelled",)


def _day(value: Any) -> date:
    """A date from a DATE or a TIMESTAMP column (SQLite returns naive datetimes)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return datetime.fromisoformat(str(value)).date()


def _paperless(description: str | None) -> float:
    text = (description or "").lower()
    if "electronic" in text or "paperless" in text or "e-invoice" in text:
        return 1.0
    if "paper" in text:
        return 0.0
    return NAN


@dataclass(slots=True)
class Invoice:
    """One invoice as the features need it; `settled_on` is the day its allocations
    covered it in full (None: not paid in full)."""

    id: int
    customer_id: int
    number: str
    issue_date: date
    due_date: date
    amount: float  # minor units
    open_minor: int
    open_amount: float  # in the currency's units
    paperless: float
    dispute_known: date  # from when the invoice is known disputed (NEVER: not disputed)
    settled_on: date | None = None

    @property
    def days_late(self) -> int | None:
        return None if self.settled_on is None else (self.settled_on - self.due_date).days


@dataclass(slots=True)
class _Customer:
    """One customer's dated history, each list sorted, for binary searches."""

    consumer: float = 0.0
    invoices: list[Invoice] = field(default_factory=list)
    payments: list[date] = field(default_factory=list)
    kept: list[date] = field(default_factory=list)
    broken: list[date] = field(default_factory=list)
    disputes: list[date] = field(default_factory=list)
    responses: list[date] = field(default_factory=list)
    messages: list[date] = field(default_factory=list)
    channels: dict[str, list[date]] = field(default_factory=dict)
    steps: list[date] = field(default_factory=list)


@dataclass(frozen=True)
class FeatureTable:
    """Features of (invoice, day) points and what happened to the invoices.

    Labels are the invoices' outcomes as the ledger knows them now (NaN: not paid in
    full); whoever trains on them decides which are known by their cut date."""

    x: np.ndarray  # points x FEATURE_NAMES
    invoice_ids: np.ndarray
    customer_ids: np.ndarray
    numbers: list[str]
    as_of: list[date]
    issue_dates: list[date]
    due_dates: list[date]
    settled_on: list[date | None]
    days_late: np.ndarray  # float, NaN when not settled
    late_class: np.ndarray  # float 0/1/2, NaN when not settled
    days_to_pay: np.ndarray  # from the issue date, NaN when not settled
    open_minor: np.ndarray
    open_amount: np.ndarray  # in the invoice currency's units

    def __len__(self) -> int:
        return len(self.numbers)

    def column(self, name: str) -> np.ndarray:
        return self.x[:, FEATURE_NAMES.index(name)]

    def subset(self, mask: np.ndarray) -> FeatureTable:
        keep = np.flatnonzero(mask)

        def pick(values: list[Any]) -> list[Any]:
            return [values[i] for i in keep]

        return FeatureTable(self.x[keep], self.invoice_ids[keep], self.customer_ids[keep],
                            pick(self.numbers), pick(self.as_of), pick(self.issue_dates),
                            pick(self.due_dates), pick(self.settled_on), self.days_late[keep],
                            self.late_class[keep], self.days_to_pay[keep],
                            self.open_minor[keep], self.open_amount[keep])


class LedgerHistory:
    """Everything the features read, loaded once for a set of customers (None: all)."""

    def __init__(self, connection: Connection, customer_ids: Sequence[int] | None = None, *,
                 undated_disputes: bool = False) -> None:
        self._ids = None if customer_ids is None else sorted(set(customer_ids))
        # True only to measure what the look-ahead is worth: an imported dispute flag
        # (no date) is then taken as known from the invoice's issue date
        self._undated_disputes = undated_disputes
        self.customers: dict[int, _Customer] = defaultdict(_Customer)
        self.by_id: dict[int, Invoice] = {}
        self._load(connection)

    def _where(self, column: sa.ColumnElement[Any]) -> list[sa.ColumnElement[bool]]:
        if self._ids is None:
            return []
        return [column.in_(self._ids)]

    def _load(self, connection: Connection) -> None:
        codes: dict[str, int] = {}
        for customer_id, code, kind in connection.execute(
                sa.select(customers.c.id, customers.c.code, customers.c.kind)
                .where(*self._where(customers.c.id))):
            self.customers[customer_id].consumer = 1.0 if kind == "B2C" else 0.0
            codes[code] = customer_id
        self._invoices(connection)
        self._events(connection, codes)
        for history in self.customers.values():
            history.invoices.sort(key=lambda i: (i.issue_date, i.id))
            for values in (history.payments, history.kept, history.broken, history.disputes,
                           history.responses, history.messages, history.steps,
                           *history.channels.values()):
                values.sort()

    def _invoices(self, connection: Connection) -> None:
        disputed_from: dict[int, date] = {}
        for invoice_id, opened in connection.execute(
                sa.select(dispute_invoices.c.invoice_id, sa.func.min(disputes.c.created_at))
                .join(disputes, disputes.c.id == dispute_invoices.c.dispute_id)
                .where(*self._where(disputes.c.customer_id))
                .group_by(dispute_invoices.c.invoice_id)):
            disputed_from[invoice_id] = _day(opened)
        query = (sa.select(invoices.c.id, invoices.c.customer_id, invoices.c.number,
                           invoices.c.issue_date, invoices.c.due_date, invoices.c.amount_minor,
                           invoices.c.open_minor, invoices.c.description, invoices.c.disputed,
                           invoices.c.updated_at, invoices.c.currency)
                 .where(invoices.c.status.not_in(_NOT_INVOICES),
                        *self._where(invoices.c.customer_id)))
        scale: dict[str, float] = {}
        for (invoice_id, customer_id, number, issued, due, amount, open_minor, description,
             flagged, created, currency) in connection.execute(query):
            if currency not in scale:
                scale[currency] = 10.0 ** -minor_units(currency)
            known = disputed_from.get(invoice_id, NEVER)
            if flagged:
                # undated: taken as known when the invoice was sent (the day before)
                known = min(known, issued - timedelta(days=1) if self._undated_disputes
                            else _day(created))
            invoice = Invoice(invoice_id, customer_id, number, issued, due, float(amount),
                              int(open_minor), open_minor * scale[currency],
                              _paperless(description), known)
            self.by_id[invoice_id] = invoice
            self.customers[customer_id].invoices.append(invoice)
        paid = (sa.select(allocations.c.invoice_id, sa.func.sum(allocations.c.amount_minor),
                          sa.func.max(allocations.c.allocated_on))
                .join(invoices, invoices.c.id == allocations.c.invoice_id)
                .where(*self._where(invoices.c.customer_id))
                .group_by(allocations.c.invoice_id))
        for invoice_id, total, last in connection.execute(paid):
            found = self.by_id.get(invoice_id)
            if found is not None and total >= found.amount and found.open_minor == 0:
                found.settled_on = _day(last)

    def _events(self, connection: Connection, codes: dict[str, int]) -> None:
        history = self.customers
        for customer_id, received in connection.execute(
                sa.select(payments.c.customer_id, payments.c.received_on)
                .where(payments.c.customer_id.is_not(None),
                       payments.c.status.not_in(_NOT_PAYMENTS),
                       *self._where(payments.c.customer_id))):
            history[customer_id].payments.append(received)
        for customer_id, made, state, closed in connection.execute(
                sa.select(promises.c.customer_id, promises.c.promised_on, promises.c.state,
                          promises.c.closed_on).where(*self._where(promises.c.customer_id))):
            history[customer_id].responses.append(made)
            if closed is not None and state in ("kept", "broken"):
                (history[customer_id].kept if state == "kept"
                 else history[customer_id].broken).append(closed)
        for customer_id, opened in connection.execute(
                sa.select(disputes.c.customer_id, disputes.c.created_at)
                .where(*self._where(disputes.c.customer_id))):
            history[customer_id].disputes.append(_day(opened))
            history[customer_id].responses.append(_day(opened))
        sent_messages = (sa.select(messages.c.customer_code, messages.c.channel,
                                   messages.c.sent_at)
                         .where(messages.c.recipient_kind == "debtor", messages.c.state == "sent",
                                messages.c.sent_at.is_not(None)))
        if self._ids is not None:
            sent_messages = sent_messages.where(messages.c.customer_code.in_(sorted(codes)))
        for code, channel, sent in connection.execute(sent_messages):
            customer_id = codes.get(code)
            if customer_id is None:
                continue
            day = _day(sent)
            history[customer_id].messages.append(day)
            history[customer_id].channels.setdefault(channel or "?", []).append(day)
        for customer_id, applied in connection.execute(
                sa.select(applied_decisions.c.customer_id, applied_decisions.c.applied_on)
                .where(applied_decisions.c.step.is_not(None),
                       applied_decisions.c.paused_by.is_(None),
                       *self._where(applied_decisions.c.customer_id))):
            history[customer_id].steps.append(applied)

    def features(self, points: Iterable[tuple[int, date]]) -> FeatureTable:
        """The features of each (invoice id, as-of day) point, in the order given."""
        wanted: dict[int, list[tuple[int, Invoice, date]]] = defaultdict(list)
        count = 0
        for position, (invoice_id, as_of) in enumerate(points):
            invoice = self.by_id[invoice_id]
            wanted[invoice.customer_id].append((position, invoice, as_of))
            count = position + 1
        x = np.full((count, len(FEATURE_NAMES)), NAN)
        chosen: list[Invoice | None] = [None] * count
        days: list[date] = [date.min] * count
        for customer_id, customer_points in wanted.items():
            computer = _CustomerFeatures(self.customers[customer_id])
            for position, invoice, as_of in customer_points:
                x[position] = computer.row(invoice, as_of)
                chosen[position] = invoice
                days[position] = as_of
        return _table(x, [c for c in chosen if c is not None], days)


def _table(x: np.ndarray, chosen: list[Invoice], days: list[date]) -> FeatureTable:
    late = np.array([NAN if i.days_late is None else i.days_late for i in chosen], dtype=float)
    classes = np.array([NAN if i.days_late is None else late_class(i.days_late)
                        for i in chosen], dtype=float)
    to_pay = np.array([NAN if i.settled_on is None else (i.settled_on - i.issue_date).days
                       for i in chosen], dtype=float)
    return FeatureTable(
        x=x, invoice_ids=np.array([i.id for i in chosen], dtype=np.int64),
        customer_ids=np.array([i.customer_id for i in chosen], dtype=np.int64),
        numbers=[i.number for i in chosen], as_of=days,
        issue_dates=[i.issue_date for i in chosen], due_dates=[i.due_date for i in chosen],
        settled_on=[i.settled_on for i in chosen], days_late=late, late_class=classes,
        days_to_pay=to_pay, open_minor=np.array([i.open_minor for i in chosen], dtype=float),
        open_amount=np.array([i.open_amount for i in chosen], dtype=float))


class _CustomerFeatures:
    """Sorted views of one customer's history, built once for all its points."""

    def __init__(self, history: _Customer) -> None:
        self.h = history
        settled = sorted((i for i in history.invoices if i.settled_on is not None),
                         key=lambda i: (i.settled_on or NEVER, i.id))
        self.settled_days = [i.settled_on or NEVER for i in settled]
        self.settled = settled
        late = [float(i.days_late or 0) for i in settled]
        self.cum_late = _cumulative(late)
        self.cum_is_late = _cumulative([1.0 if d > 0 else 0.0 for d in late])
        self.cum_over_30 = _cumulative([1.0 if d > 30 else 0.0 for d in late])
        self.cum_disputed = _cumulative([0.0 if i.dispute_known == NEVER else 1.0
                                         for i in settled])
        self.late = late
        self.issued_days = [i.issue_date for i in history.invoices]
        self.cum_amount = _cumulative([i.amount for i in history.invoices])
        # open and overdue on D: due < D <= settled; only invoices paid late (or not yet)
        # are ever overdue
        overdue = [i for i in history.invoices
                   if i.settled_on is None or i.settled_on > i.due_date]
        self.overdue = sorted(overdue, key=lambda i: i.due_date)
        self.overdue_due = [i.due_date for i in self.overdue]
        self.overdue_settled = sorted(i.settled_on or NEVER for i in overdue)

    def row(self, invoice: Invoice, as_of: date) -> list[float]:
        h = self.h
        n = bisect_left(self.settled_days, as_of)
        # the invoice's own payment never describes its customer's past
        ks = [k for k in range(n) if self.settled[k].id != invoice.id] \
            if invoice.settled_on is not None and invoice.settled_on < as_of else None
        if ks is None:
            count, total, late_count = n, self.cum_late[n], self.cum_is_late[n]
            over_30 = self.cum_over_30[n]
            disputed = self.cum_disputed[n]
            recent = self.late[max(0, n - RECENT_INVOICES):n]
        else:
            late = [self.late[k] for k in ks]
            count, total, late_count = len(ks), sum(late), sum(1.0 for d in late if d > 0)
            over_30 = sum(1.0 for d in late if d > 30)
            disputed = sum(1.0 for k in ks if self.settled[k].dispute_known != NEVER)
            recent = late[-RECENT_INVOICES:]
        last = recent[-1] if recent else NAN
        mean = total / count if count else NAN
        trend = (sum(recent) / len(recent) - mean) if count > RECENT_INVOICES else NAN
        issued = bisect_left(self.issued_days, as_of)
        itself = invoice.issue_date < as_of  # its own amount is no part of "usual"
        amounts = self.cum_amount[issued] - (invoice.amount if itself else 0.0)
        issued_count = issued - (1 if itself else 0)
        open_overdue, oldest = self._overdue(invoice, as_of)
        window = as_of - timedelta(days=CONTACT_WINDOW_DAYS)
        paid = bisect_left(h.payments, as_of)
        sent = bisect_left(h.messages, as_of)
        return [
            float(count),
            late_count / count if count else NAN,
            mean,
            trend,
            over_30 / count if count else NAN,
            (1.0 if last > 0 else 0.0) if count else NAN,
            last,
            disputed / count if count else NAN,
            float(open_overdue),
            float(oldest) if open_overdue else NAN,
            float(bisect_left(h.kept, as_of)),
            float(bisect_left(h.broken, as_of)),
            float(bisect_left(h.disputes, as_of)),
            float((as_of - h.payments[paid - 1]).days) if paid else NAN,
            invoice.amount / (amounts / issued_count) if issued_count and amounts > 0 else NAN,
            float((invoice.due_date - invoice.issue_date).days),
            float(invoice.issue_date.month),
            invoice.paperless,
            1.0 if invoice.dispute_known < as_of else 0.0,
            h.consumer,
            float(sent - bisect_left(h.messages, window)),
            float(sum(1 for days in h.channels.values()
                      if bisect_left(days, as_of) > bisect_left(days, window))),
            float(bisect_left(h.steps, as_of) - bisect_left(h.steps, window)),
            float(bisect_left(h.responses, as_of) - bisect_left(h.responses, window)),
            float((as_of - h.messages[sent - 1]).days) if sent else NAN,
        ]

    def _overdue(self, invoice: Invoice, as_of: date) -> tuple[int, int]:
        """Other invoices open and overdue at the start of `as_of`, and the days overdue of
        the oldest: due before the day, not paid in full before it."""
        due_before = bisect_left(self.overdue_due, as_of)
        paid_before = bisect_left(self.overdue_settled, as_of)
        count = due_before - paid_before
        if invoice.due_date < as_of and (invoice.settled_on is None
                                         or invoice.settled_on >= as_of) \
                and (invoice.settled_on is None or invoice.settled_on > invoice.due_date):
            count -= 1  # the invoice itself
        if count <= 0:
            return 0, 0
        for other in self.overdue[:due_before]:  # oldest first
            if other.id != invoice.id and (other.settled_on is None
                                           or other.settled_on >= as_of):
                return count, (as_of - other.due_date).days
        return count, 0


def _cumulative(values: Sequence[float]) -> list[float]:
    out = [0.0]
    for value in values:
        out.append(out[-1] + value)
    return out


def issue_day_points(history: LedgerHistory) -> list[tuple[int, date]]:
    """Every invoice as of its issue date: what was known when it was sent, the moment
    the models are trained to predict from."""
    return [(invoice.id, invoice.issue_date) for invoice in history.by_id.values()]


def open_invoice_points(history: LedgerHistory, as_of: date) -> list[tuple[int, date]]:
    """The invoices open on `as_of` (issued by then, not paid in full before it)."""
    return [(invoice.id, as_of) for invoice in history.by_id.values()
            if invoice.issue_date <= as_of and invoice.open_minor > 0
            and (invoice.settled_on is None or invoice.settled_on >= as_of)]


def lookahead_differences(before: FeatureTable, after: FeatureTable) -> list[str]:
    """The leakage check: the features of the same points computed before and after rows
    dated on or after the as-of day were added must be identical; each difference is a
    feature that looks ahead ("feature of invoice N as of D: before -> after")."""
    found: list[str] = []
    position = {(number, day): k for k, (number, day) in
                enumerate(zip(after.numbers, after.as_of, strict=True))}
    for k, (number, day) in enumerate(zip(before.numbers, before.as_of, strict=True)):
        other = position.get((number, day))
        if other is None:
            found.append(f"invoice {number} as of {day}: missing after the rows were added")
            continue
        for column, name in enumerate(FEATURE_NAMES):
            was, now = before.x[k, column], after.x[other, column]
            if not (was == now or (math.isnan(was) and math.isnan(now))):
                found.append(f"{name} of invoice {number} as of {day}: {was} -> {now}")
    return found
