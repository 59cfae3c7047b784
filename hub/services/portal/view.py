"""What the debtor sees on their portal page: their open invoices (net of credit notes),
the fees and interest on them, what is owed with disputed invoices apart, and the state of
what they asked for (promise, plan, disputes). Every query is limited to one customer id, the
one the portal link opens."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import replace
from datetime import date

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.errors import NotFound
from hub.domain.model import DisputeState
from hub.domain.model import PlanState
from hub.domain.model import PromiseState
from hub.domain.money import Money
from hub.domain.owed import Charge
from hub.i18n import lazy_gettext
from hub.ledger.tables import contacts
from hub.ledger.tables import customers
from hub.ledger.tables import dispute_invoices
from hub.ledger.tables import disputes
from hub.ledger.tables import handovers
from hub.ledger.tables import invoices
from hub.ledger.tables import payment_plans
from hub.ledger.tables import plan_instalments
from hub.ledger.tables import promises
from hub.services.handover.cases import handed_over_ids
from hub.services.read.owed import owed_by

OPEN_STATUSES = ("open", "partially_paid")


@dataclass(frozen=True)
class PortalInvoice:
    id: int
    number: str
    issue_date: date
    due_date: date
    amount: Money
    open_amount: Money
    days_overdue: int
    disputed: bool
    document_ref: str | None
    credited: Money | None = None  # what open credit notes cover (open_amount is net of it)


@dataclass(frozen=True)
class PortalPromise:
    amount: Money
    due_date: date


@dataclass(frozen=True)
class PortalPlan:
    state: str  # proposed (in review) | active
    instalments: list[tuple[date, Money]]


@dataclass(frozen=True)
class PortalOverview:
    customer_id: int
    code: str
    name: str
    language: str
    invoices: list[PortalInvoice]
    balances: list[Money]  # owed per currency: invoices not disputed, plus fees and interest
    charges: list[Charge]  # fees and interest on the invoices counted in the balances
    disputed_balances: list[Money]  # disputed invoices, shown apart and not in the balances
    promise: PortalPromise | None
    plans: list[PortalPlan]  # active and in review, newest first
    disputed_invoices: list[str]
    # the account is handed over to hard collection: the collection company has the case
    with_collector: bool = False

    @property
    def main_balance(self) -> Money | None:
        """The largest open balance: the one a promise or a plan covers."""
        return max(self.balances, key=lambda m: m.amount, default=None)

    def invoice(self, number: str) -> PortalInvoice:
        for candidate in self.invoices:
            if candidate.number == number:
                return candidate
        raise NotFound(lazy_gettext("no open invoice %(number)s on this account",
                                    number=repr(number)))


def portal_overview(connection: Connection, customer_id: int, today: date) -> PortalOverview:
    row = connection.execute(sa.select(customers.c.code, customers.c.name, customers.c.language)
                             .where(customers.c.id == customer_id)).first()
    if row is None:
        raise NotFound(lazy_gettext("the account of this link no longer exists"))
    contact_language = connection.execute(
        sa.select(contacts.c.language).where(contacts.c.customer_id == customer_id,
                                             contacts.c.language.is_not(None))
        .order_by(contacts.c.is_primary.desc(), contacts.c.id).limit(1)).scalar()
    owed = owed_by(connection, customer_id, today, overdue_only=False)
    net = {item.number: item for item in (*owed.items, *owed.disputed)}
    found = [replace(invoice, open_amount=net[invoice.number].open,
                     credited=net[invoice.number].credited
                     if net[invoice.number].credited.amount > 0 else None)
             if invoice.number in net else invoice
             for invoice in _open_invoices(connection, customer_id, today)]
    found = [invoice for invoice in found if invoice.open_amount.amount > 0]
    disputed_numbers = {item.number for item in owed.disputed}
    return PortalOverview(
        customer_id=customer_id, code=row.code, name=row.name,
        language=contact_language or row.language, invoices=found,
        balances=_sum([*(i.open_amount for i in found if i.number not in disputed_numbers),
                       *(charge.amount for charge in owed.charges)]),
        charges=list(owed.charges),
        disputed_balances=list(owed.disputed_totals),
        promise=_open_promise(connection, customer_id),
        plans=_current_plans(connection, customer_id),
        disputed_invoices=_disputed(connection, customer_id),
        with_collector=bool(handed_over_ids(connection, handovers.c.customer_id == customer_id)))


def _sum(amounts: list[Money]) -> list[Money]:
    totals: dict[str, Money] = {}
    for amount in amounts:
        totals[amount.currency] = totals.get(amount.currency, Money.zero(amount.currency)) \
            + amount
    return [totals[currency] for currency in sorted(totals)]


def _open_invoices(connection: Connection, customer_id: int, today: date) -> list[PortalInvoice]:
    rows = connection.execute(
        sa.select(invoices.c.id, invoices.c.number, invoices.c.issue_date, invoices.c.due_date,
                  invoices.c.currency, invoices.c.amount_minor, invoices.c.open_minor,
                  invoices.c.disputed, invoices.c.document_ref)
        .where(invoices.c.customer_id == customer_id, invoices.c.status.in_(OPEN_STATUSES),
               invoices.c.open_minor > 0)
        .order_by(invoices.c.due_date, invoices.c.number))
    return [PortalInvoice(
        id=r.id, number=r.number, issue_date=r.issue_date, due_date=r.due_date,
        amount=Money.from_minor(r.amount_minor, r.currency),
        open_amount=Money.from_minor(r.open_minor, r.currency),
        days_overdue=max(0, (today - r.due_date).days), disputed=r.disputed,
        document_ref=r.document_ref) for r in rows]


def _open_promise(connection: Connection, customer_id: int) -> PortalPromise | None:
    row = connection.execute(
        sa.select(promises.c.currency, promises.c.amount_minor, promises.c.due_date)
        .where(promises.c.customer_id == customer_id, promises.c.state == PromiseState.OPEN)
        .order_by(promises.c.id.desc()).limit(1)).first()
    if row is None:
        return None
    return PortalPromise(Money.from_minor(row.amount_minor, row.currency), row.due_date)


def _current_plans(connection: Connection, customer_id: int) -> list[PortalPlan]:
    found = list(connection.execute(
        sa.select(payment_plans.c.id, payment_plans.c.state)
        .where(payment_plans.c.customer_id == customer_id,
               payment_plans.c.state.in_((PlanState.PROPOSED, PlanState.ACTIVE)))
        .order_by(payment_plans.c.id.desc()).limit(3)))
    if not found:
        return []
    schedules: dict[int, list[tuple[date, Money]]] = {plan.id: [] for plan in found}
    for row in connection.execute(
            sa.select(plan_instalments.c.plan_id, plan_instalments.c.due_date,
                      plan_instalments.c.currency, plan_instalments.c.amount_minor)
            .where(plan_instalments.c.plan_id.in_(list(schedules)))
            .order_by(plan_instalments.c.plan_id, plan_instalments.c.seq)):
        schedules[row.plan_id].append(
            (row.due_date, Money.from_minor(row.amount_minor, row.currency)))
    return [PortalPlan(plan.state, schedules[plan.id]) for plan in found]


def _disputed(connection: Connection, customer_id: int) -> list[str]:
    rows = connection.execute(
        sa.select(invoices.c.number).distinct()
        .join(dispute_invoices, dispute_invoices.c.invoice_id == invoices.c.id)
        .join(disputes, disputes.c.id == dispute_invoices.c.dispute_id)
        .where(disputes.c.customer_id == customer_id, disputes.c.state == DisputeState.OPEN)
        .order_by(invoices.c.number))
    return [r.number for r in rows]
