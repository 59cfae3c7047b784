"""Incoming payments: record them once, match them to invoices, and keep the
rest in a manual queue. Bank statements and payment CSV files both come here.

Readers (sync.sources.bank, the CSV importer) hand over parsed
`IncomingPayment`s; this module never reads files.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import date
from datetime import datetime

from sqlalchemy import Connection
from sqlalchemy import Engine

from hub.domain.bank import IncomingPayment
from hub.domain.bank import PaymentReversal
from hub.domain.clock import Clock
from hub.domain.errors import UserError
from hub.domain.matching import Match
from hub.domain.matching import MatchMethod
from hub.domain.matching import match_payment
from hub.i18n import lazy_gettext
from hub.ledger import payments as repo
from hub.ledger.tables import import_runs
from hub.services.payments.queue import ManualMatch
from hub.services.payments.queue import PaymentView
from hub.services.payments.queue import QueueItem
from hub.services.payments.queue import list_payments
from hub.services.payments.queue import match_manually
from hub.services.payments.queue import unmatched
from hub.services.payments.reversal import Unallocation
from hub.services.payments.reversal import apply_reversals
from hub.services.payments.reversal import unmatch
from hub.services.payments.writes import Writer

__all__ = ["ManualMatch", "PaymentView", "PaymentsResult", "QueueItem", "Unallocation",
           "import_statement", "list_payments", "match_manually", "record_incoming", "unmatch",
           "unmatched"]


@dataclass(slots=True)
class PaymentsResult:
    created: int = 0  # new payments recorded
    unchanged: int = 0  # already recorded by an earlier import
    matched: int = 0  # new payments allocated to at least one invoice
    unmatched: int = 0  # new payments left in the manual queue
    matched_by_reference: int = 0
    matched_by_amount: int = 0
    credits: int = 0  # over-payments kept as credit on the customer's account
    reversed: int = 0  # earlier payments the statement's reversal entries took back
    warnings: list[str] = field(default_factory=list)


def record_incoming(connection: Connection, payments: Sequence[IncomingPayment], *,
                    source: str, actor: str, today: date,
                    now: datetime | None = None) -> PaymentsResult:
    """Store the payments not seen before (by reference), then match each new one.

    Runs inside the caller's transaction. `today` is the day of the import; events
    are stamped `now` (the current time when not given).
    """
    now = now or datetime.now(UTC)
    result = PaymentsResult()
    known = repo.existing_payments(connection, (p.reference for p in payments))
    fresh: list[IncomingPayment] = []
    for payment in payments:
        _check(payment)
        seen = known.get(payment.reference)
        if seen is not None:
            result.unchanged += 1
            if seen != payment.amount:
                result.warnings.append(
                    f"payment {payment.reference} was recorded earlier as {seen}, now reads "
                    f"{payment.amount}; the recorded one is kept")
            continue
        known[payment.reference] = payment.amount
        fresh.append(payment)
    if not fresh:
        return result
    view = repo.load_view(connection, {p.amount.currency for p in fresh})
    decisions: list[tuple[IncomingPayment, Match]] = []
    for payment in fresh:  # in order: each decision sees what the earlier ones spent
        decision = match_payment(payment, view.book)
        for invoice, part in decision.allocations:
            view.book.settle(invoice, part)
        if decision.customer and payment.payer_account:
            view.book.learn_account(payment.payer_account, decision.customer)
        decisions.append((payment, decision))
        _count(result, decision)
    writer = Writer(connection, view, actor=actor, now=now, today=today)
    writer.record(decisions, source=source)
    writer.flush()
    return result


def _check(payment: IncomingPayment) -> None:
    """The contract readers must keep; breaking it is a bug in the reader, said plainly."""
    if not payment.reference or len(payment.reference) > repo.MAX_REFERENCE:
        raise UserError(lazy_gettext("payment reference %(reference)s must have 1 to "
                                     "%(most)s characters",
                                     reference=repr(payment.reference), most=repo.MAX_REFERENCE))
    if not payment.amount.amount > 0:
        raise UserError(lazy_gettext("payment %(reference)s: amount %(amount)s is not positive",
                                     reference=payment.reference, amount=payment.amount))


def _count(result: PaymentsResult, decision: Match) -> None:
    result.created += 1
    if not decision.matched:
        result.unmatched += 1
        return
    result.matched += 1
    if decision.method is MatchMethod.REFERENCE:
        result.matched_by_reference += 1
    else:
        result.matched_by_amount += 1
    if not decision.remainder.is_zero():
        result.credits += 1


def import_statement(engine: Engine, payments: Sequence[IncomingPayment], *, source: str,
                     actor: str, clock: Clock, sha256: str = "", rejected: int = 0,
                     reversals: Sequence[PaymentReversal] = ()) -> PaymentsResult:
    """Record one statement file's credits in one transaction, with an import-run row,
    then its reversal entries: each takes back the payment it reverses (its invoices
    reopen; hub.services.payments.reversal).

    `sha256` is the file's digest and `rejected` the lines the reader could not take;
    both are kept on the import run.
    """
    started = clock.now()
    with engine.begin() as connection:
        result = record_incoming(connection, payments, source=source, actor=actor,
                                 today=clock.today(), now=started)
        taken_back = apply_reversals(connection, reversals, actor=actor, now=started)
        result.reversed = len(taken_back.reversed)
        result.unchanged += taken_back.unchanged
        result.warnings.extend(taken_back.warnings)
        connection.execute(import_runs.insert().values(
            kind="statement", source=source[:500], sha256=sha256, started_at=started,
            finished_at=clock.now(), created=result.created, unchanged=result.unchanged,
            rejected=rejected, actor=actor))
    return result

