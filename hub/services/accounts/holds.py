"""Sales holds: the blacklist the sales system reads (`python app.py export holds`).

A hold is placed by a ladder step (pre-legal) or a person, and released when the
rules say so (the account is paid) or by a person. `customers.on_hold` mirrors it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain import events as kinds
from hub.domain.money import Money
from hub.ledger.accounts import account
from hub.ledger.accounts import add_event
from hub.ledger.accounts import check_source
from hub.ledger.tables import customers
from hub.ledger.tables import invoices
from hub.ledger.tables import sales_holds

OPEN_STATUSES = ("open", "partially_paid")


def place_hold(connection: Connection, *, customer_id: int, reason: str, actor: str,
               now: datetime, decision_key: str | None = None) -> bool:
    """Put the customer on hold; False when a hold is already active."""
    active = connection.execute(sa.select(sales_holds.c.id).where(
        sales_holds.c.customer_id == customer_id, sales_holds.c.released_at.is_(None))).first()
    if active is not None:
        return False
    connection.execute(sales_holds.insert().values(
        customer_id=customer_id, reason=reason, decision_key=decision_key, placed_by=actor,
        placed_at=now))
    connection.execute(customers.update().where(customers.c.id == customer_id)
                       .values(on_hold=True, updated_at=now))
    add_event(connection, customer_id=customer_id, kind=kinds.SALES_HOLD_PLACED, actor=actor,
              now=now, summary=f"sales hold placed: {reason}",
              data={"decision_key": decision_key})
    return True


def release_hold(connection: Connection, *, customer_id: int, reason: str, actor: str,
                 now: datetime) -> bool:
    """Lift the customer's active hold; False when there is none."""
    released = connection.execute(sales_holds.update().where(
        sales_holds.c.customer_id == customer_id, sales_holds.c.released_at.is_(None))
        .values(released_at=now, released_by=actor)).rowcount
    if not released:
        return False
    connection.execute(customers.update().where(customers.c.id == customer_id)
                       .values(on_hold=False, updated_at=now))
    add_event(connection, customer_id=customer_id, kind=kinds.SALES_HOLD_RELEASED, actor=actor,
              now=now, summary=f"sales hold released: {reason}", data={})
    return True


def hold_account(connection: Connection, *, customer_code: str, reason: str, actor: str,
                 source: str, now: datetime) -> bool:
    """A person puts an account on hold (web, API)."""
    check_source(source)
    return place_hold(connection, customer_id=account(connection, customer_code).id,
                      reason=reason, actor=actor, now=now)


def release_account(connection: Connection, *, customer_code: str, reason: str, actor: str,
                    source: str, now: datetime) -> bool:
    check_source(source)
    return release_hold(connection, customer_id=account(connection, customer_code).id,
                        reason=reason, actor=actor, now=now)


@dataclass(frozen=True, slots=True)
class HoldRow:
    customer_code: str
    customer_name: str
    country: str | None
    since: date
    reason: str
    open_balance: Money | None  # in the account's main currency


def active_holds(connection: Connection) -> list[HoldRow]:
    """Every customer on hold, by code: what the sales system must refuse to sell to."""
    rows = connection.execute(
        sa.select(customers.c.id, customers.c.code, customers.c.name, customers.c.country,
                  sales_holds.c.placed_at, sales_holds.c.reason)
        .join(customers, customers.c.id == sales_holds.c.customer_id)
        .where(sales_holds.c.released_at.is_(None)).order_by(customers.c.code)).all()
    balances: dict[int, tuple[str, int]] = {}
    if rows:
        totals = connection.execute(
            sa.select(invoices.c.customer_id, invoices.c.currency,
                      sa.func.sum(invoices.c.open_minor))
            .where(invoices.c.customer_id.in_([row.id for row in rows]),
                   invoices.c.status.in_(OPEN_STATUSES))
            .group_by(invoices.c.customer_id, invoices.c.currency))
        for customer_id, currency, total in totals:
            if customer_id not in balances or int(total) > balances[customer_id][1]:
                balances[customer_id] = (currency, int(total))
    result = []
    for row in rows:
        placed = row.placed_at if isinstance(row.placed_at, datetime) else \
            datetime.fromisoformat(str(row.placed_at))
        balance = balances.get(row.id)
        result.append(HoldRow(customer_code=row.code, customer_name=row.name,
                              country=row.country, since=placed.date(), reason=row.reason,
                              open_balance=Money.from_minor(balance[1], balance[0])
                              if balance else None))
    return result
