"""Paying online from the portal: start a hosted checkout at the payment provider for
the invoices the debtor chose, and take the provider's verified notifications in.

A paid checkout becomes an ordinary incoming payment (hub.services.payments.incoming) that names
its customer and invoices as a structured reference, so it is recorded once, allocated
to exactly those invoices at once, and the ladder stops like for any other payment.
Every notification is remembered by its id: a replay changes nothing, and a second
notification for a checkout already paid records nothing either."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from hub.domain import events as kinds
from hub.domain.bank import IncomingPayment
from hub.domain.checkout import CheckoutRequest
from hub.domain.checkout import CheckoutSession
from hub.domain.checkout import CheckoutState
from hub.domain.checkout import ProviderEvent
from hub.domain.checkout import methods_for
from hub.domain.errors import UserError
from hub.domain.money import Money
from hub.i18n import lazy_gettext
from hub.ledger import payments as repo
from hub.ledger.tables import checkout_sessions
from hub.ledger.tables import customers
from hub.ledger.tables import provider_events
from hub.ledger.tenancy import acting_for
from hub.ledger.tenancy import platform_wide
from hub.ports import PaymentProvider
from hub.services.payments.incoming import record_incoming
from hub.services.portal.view import PortalOverview

log = logging.getLogger(__name__)
ACTOR = "payment provider"
PAID_KINDS = frozenset({"checkout.session.completed", "checkout.session.async_payment_succeeded"})


class NoMethodForCurrency(UserError):
    """None of the configured methods takes the chosen invoices' currency."""

    def __init__(self, currency: str) -> None:
        super().__init__(f"online payment is not offered in {currency}")
        self.currency = currency


class MixedCurrencies(UserError):
    """The chosen invoices are in more than one currency; one payment has one."""

    def __init__(self, currencies: list[str]) -> None:
        super().__init__(f"one payment is in one currency; the chosen invoices are in "
                         f"{' and '.join(currencies)}")
        self.currencies = currencies


@dataclass(frozen=True, slots=True)
class Chosen:
    """The invoices a debtor picked and what they add up to."""

    numbers: tuple[str, ...]
    amount: Money


def choose(overview: PortalOverview, numbers: Sequence[str]) -> Chosen:
    """The debtor's own open invoices among `numbers`, in one currency (NotFound for one
    that is not theirs or not open; UserError for no choice or mixed currencies)."""
    wanted = list(dict.fromkeys(n for n in numbers if n))
    if not wanted:
        raise UserError(lazy_gettext("choose at least one invoice to pay"))
    picked = [overview.invoice(number) for number in wanted]
    currencies = sorted({invoice.open_amount.currency for invoice in picked})
    if len(currencies) > 1:
        raise MixedCurrencies(currencies)
    total = Money.zero(currencies[0])
    for invoice in picked:
        total = total + invoice.open_amount
    return Chosen(tuple(invoice.number for invoice in picked), total)


def payable_online(overview: PortalOverview, methods: tuple[str, ...]) -> list[str]:
    """The debtor's open invoices that some configured method can take, oldest due first."""
    return [invoice.number for invoice in overview.invoices
            if methods_for(invoice.open_amount.currency, methods)]


def start_checkout(engine: Engine, provider: PaymentProvider, overview: PortalOverview,
                   chosen: Chosen, *, methods: tuple[str, ...], language: str,
                   return_url: str, cancel_url: str, now: datetime) -> CheckoutSession:
    """Ask the provider for a payment page for `chosen` and remember it.

    `return_url` holds `{key}`, replaced by the checkout's own key. Raises ProviderError
    (nothing is stored) when the provider refuses."""
    usable = methods_for(chosen.amount.currency, methods)
    if not usable:
        raise NoMethodForCurrency(chosen.amount.currency)
    key = secrets.token_urlsafe(18)
    session = provider.create_checkout(CheckoutRequest(
        checkout_key=key, customer_code=overview.code, customer_name=overview.name,
        invoices=chosen.numbers, amount=chosen.amount, methods=usable, language=language,
        success_url=return_url.replace("{key}", key), cancel_url=cancel_url))
    with engine.begin() as connection:
        connection.execute(checkout_sessions.insert().values(
            checkout_key=key, provider=provider.name, session_id=session.session_id,
            customer_id=overview.customer_id, invoices=list(chosen.numbers),
            currency=chosen.amount.currency, amount_minor=chosen.amount.to_minor(),
            state=CheckoutState.OPEN.value, created_at=now, updated_at=now))
        repo.add_events(connection, [_event(
            now, kinds.CHECKOUT_STARTED,
            f"Debtor went to pay {chosen.amount} online ({provider.name}) for invoice "
            f"{', '.join(chosen.numbers)}", overview.customer_id, source="portal", checkout=key,
            session=session.session_id, invoices=list(chosen.numbers),
            amount=str(chosen.amount.amount), currency=chosen.amount.currency)])
    return session


@dataclass(frozen=True, slots=True)
class CheckoutView:
    state: CheckoutState
    amount: Money
    invoices: tuple[str, ...]


def checkout_view(connection: Connection, customer_id: int, key: str) -> CheckoutView | None:
    """One of this customer's checkouts as the debtor may see it (None: not theirs)."""
    row = connection.execute(sa.select(
        checkout_sessions.c.state, checkout_sessions.c.amount_minor,
        checkout_sessions.c.currency, checkout_sessions.c.invoices).where(
        checkout_sessions.c.checkout_key == key,
        checkout_sessions.c.customer_id == customer_id)).first()
    if row is None:
        return None
    return CheckoutView(CheckoutState(row.state), Money.from_minor(row.amount_minor, row.currency),
                        tuple(row.invoices))


def handle_event(engine: Engine, provider: str, event: ProviderEvent, *, now: datetime,
                 today: date) -> str:
    """Apply one verified notification once; says what it did (for the log)."""
    with engine.begin() as connection:
        if not _remember(connection, provider, event, now):
            return "replayed: already handled"
        with platform_wide():  # the verified event names its checkout, of any creditor
            row = _checkout_of(connection, provider, event)
        if row is None:
            log.warning("%s event %s names checkout %s, which the hub did not start",
                        provider, event.event_id, event.checkout_key or event.session_id)
            return "unknown checkout"
        with acting_for(row.creditor_id):  # the payment is recorded for that creditor
            return _apply(connection, row, event, now=now, today=today)


def _checkout_of(connection: Connection, provider: str, event: ProviderEvent
                 ) -> sa.Row[Any] | None:
    """The checkout the event names (locked until the transaction ends)."""
    query = sa.select(checkout_sessions).where(checkout_sessions.c.provider == provider)
    if event.checkout_key:
        query = query.where(checkout_sessions.c.checkout_key == event.checkout_key)
    elif event.session_id:
        query = query.where(checkout_sessions.c.session_id == event.session_id)
    else:
        return None
    return connection.execute(query.with_for_update()).first()


def _apply(connection: Connection, row: sa.Row[Any], event: ProviderEvent, *,
           now: datetime, today: date) -> str:
    state = CheckoutState(row.state)
    if state is CheckoutState.PAID:
        return "checkout already paid"
    if event.kind in PAID_KINDS and event.payment_status == "paid":
        return _record_paid(connection, row, event, now=now, today=today)
    if event.kind == "checkout.session.completed":  # an async method: money not there yet
        return _set_state(connection, row.id, CheckoutState.PROCESSING, now)
    if event.kind == "checkout.session.async_payment_failed":
        repo.add_events(connection, [_event(
            now, kinds.CHECKOUT_FAILED,
            f"Online payment for invoice {', '.join(row.invoices)} failed at {row.provider}",
            row.customer_id, source=row.provider, checkout=row.checkout_key,
            session=row.session_id)])
        return _set_state(connection, row.id, CheckoutState.FAILED, now)
    if event.kind == "checkout.session.expired" and state is CheckoutState.OPEN:
        return _set_state(connection, row.id, CheckoutState.EXPIRED, now)
    return "nothing to change"


def _remember(connection: Connection, provider: str, event: ProviderEvent,
              now: datetime) -> bool:
    """Store the event id; False when it was stored before (a replay)."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    inserted = connection.execute(
        dialect.insert(provider_events)
        .values(provider=provider, event_id=event.event_id[:255], kind=event.kind[:100],
                received_at=now)
        .on_conflict_do_nothing(index_elements=[provider_events.c.provider,
                                                provider_events.c.event_id])
        .returning(provider_events.c.event_id))
    return inserted.scalar_one_or_none() is not None


def _record_paid(connection: Connection, row: sa.Row[Any],
                 event: ProviderEvent, *, now: datetime, today: date) -> str:
    asked = Money.from_minor(int(row.amount_minor), str(row.currency))
    amount = event.amount or asked
    if amount != asked:
        log.warning("checkout %s: %s paid where %s was asked", row.checkout_key, amount, asked)
    code, name = connection.execute(sa.select(customers.c.code, customers.c.name).where(
        customers.c.id == row.customer_id)).one()
    reference = f"{row.provider}:{event.payment_id or row.session_id}"[:repo.MAX_REFERENCE]
    payment = IncomingPayment(
        reference=reference, received_on=today, amount=amount, payer_name=name,
        structured_reference=" ".join(row.invoices), customer_code=code,
        source=f"{row.provider} checkout {row.session_id}")
    result = record_incoming(connection, [payment], source=f"{row.provider} checkout",
                             actor=ACTOR, today=today, now=now)
    connection.execute(sa.update(checkout_sessions).where(checkout_sessions.c.id == row.id)
                       .values(state=CheckoutState.PAID.value, payment_reference=reference,
                               updated_at=now))
    if result.unchanged:
        return f"payment {reference} was recorded before"
    return f"payment {reference} of {amount} recorded and allocated"


def _set_state(connection: Connection, row_id: int, state: CheckoutState,
               now: datetime) -> str:
    connection.execute(sa.update(checkout_sessions).where(checkout_sessions.c.id == row_id)
                       .values(state=state.value, updated_at=now))
    return f"checkout now {state.value}"


def _event(now: datetime, kind: str, summary: str, customer_id: int,
           **data: object) -> dict[str, object]:
    return {"occurred_at": now, "actor": ACTOR if kind != kinds.CHECKOUT_STARTED else "portal",
            "kind": kind, "summary": summary, "customer_id": customer_id, "invoice_id": None,
            "data": {key: value for key, value in data.items() if value is not None}}
