"""Read-only look-ups of customers and invoices, filtered and paginated (for the API)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any
from typing import Generic
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy import Engine

from hub.domain.errors import NotFound
from hub.domain.model import Contact
from hub.domain.model import Customer
from hub.domain.model import CustomerKind
from hub.domain.model import Invoice
from hub.domain.model import InvoiceStatus
from hub.domain.money import Money
from hub.i18n import lazy_gettext
from hub.ledger.tables import allocations
from hub.ledger.tables import contacts
from hub.ledger.tables import customer_addresses
from hub.ledger.tables import customers
from hub.ledger.tables import invoices
from hub.ledger.tables import payments
from hub.services.read import account_search

Bind = Engine | Connection
T = TypeVar("T")
OPEN_STATUSES = (InvoiceStatus.OPEN.value, InvoiceStatus.PARTIALLY_PAID.value)


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    total: int  # matching rows on all pages
    page: int
    per_page: int


@dataclass(frozen=True)
class CustomerFilter:
    owner: str | None = None
    department: str | None = None
    country: str | None = None
    q: str | None = None  # part of the code or name (any case, accents ignored),
    # the start of an invoice number or of a contact's e-mail address


@dataclass(frozen=True)
class InvoiceFilter:
    customer: str | None = None  # customer code
    status: InvoiceStatus | None = None
    overdue: bool | None = None  # True: past due and still open on `today`
    currency: str | None = None
    owner: str | None = None  # the customer's owner (any case): a collector's scope
    department: str | None = None  # the customer's department: a manager's scope


@dataclass(frozen=True)
class InvoiceView:
    invoice: Invoice
    customer_name: str


@dataclass(frozen=True)
class AllocationView:
    payment_reference: str
    amount: Money
    allocated_on: date
    method: str


@dataclass(frozen=True)
class CustomerDetail:
    customer: Customer
    open_balances: list[Money]  # one per currency
    open_invoices: list[InvoiceView]
    postal_address: tuple[str, ...] = ()  # the letters' address, one line each; () if none


def list_customers(bind: Bind, filters: CustomerFilter, *, page: int,
                   per_page: int) -> Page[Customer]:
    conditions = []
    if filters.owner:
        conditions.append(sa.func.lower(customers.c.owner) == filters.owner.lower())
    if filters.department:
        conditions.append(customers.c.department == filters.department)
    if filters.country:
        conditions.append(customers.c.country == filters.country.upper())
    with _connected(bind) as connection:
        if filters.q:
            conditions.append(account_search.matches(connection, filters.q))
        query = sa.select(customers).where(*conditions)
        total = _count(connection, query)
        rows = connection.execute(query.order_by(customers.c.code)
                                  .limit(per_page).offset((page - 1) * per_page))
        return Page([_customer(row) for row in rows], total, page, per_page)


def customer_detail(bind: Bind, code: str) -> CustomerDetail:
    """A customer with contacts, open balance per currency and open invoices."""
    with _connected(bind) as connection:
        row = connection.execute(sa.select(customers).where(customers.c.code == code)).first()
        if row is None:
            raise NotFound(lazy_gettext("no customer with code %(code)s", code=repr(code)))
        customer = _customer(row)
        customer.contacts = [
            Contact(name=c.name, email=c.email, phone=c.phone, role=c.role,
                    is_primary=c.is_primary, language=c.language,
                    whatsapp_opt_in=bool(c.whatsapp_opt_in))
            for c in connection.execute(sa.select(contacts)
                                        .where(contacts.c.customer_id == row.id)
                                        .order_by(contacts.c.is_primary.desc(), contacts.c.id))
        ]
        still_open = _invoice_query().where(invoices.c.customer_id == row.id,
                                            invoices.c.status.in_(OPEN_STATUSES),
                                            invoices.c.open_minor > 0)
        open_invoices = [_invoice(r) for r in connection.execute(
            still_open.order_by(invoices.c.due_date, invoices.c.number))]
        postal = connection.execute(sa.select(customer_addresses).where(
            customer_addresses.c.customer_id == row.id)).first()
    totals: dict[str, Money] = {}
    for view in open_invoices:
        amount = view.invoice.open_amount
        totals[amount.currency] = totals.get(amount.currency, Money.zero(amount.currency)) + amount
    return CustomerDetail(customer, [totals[c] for c in sorted(totals)], open_invoices,
                          _postal_lines(postal))


def _postal_lines(row: sa.Row[Any] | None) -> tuple[str, ...]:
    if row is None:
        return ()
    place = " ".join(part for part in (row.postcode, row.city) if part)
    lines = [row.attention, *(row.lines or "").splitlines(), place, row.country]
    return tuple(line.strip() for line in lines if line and line.strip())


def list_invoices(bind: Bind, filters: InvoiceFilter, today: date, *, page: int,
                  per_page: int) -> Page[InvoiceView]:
    query = _invoice_query()
    if filters.customer:
        query = query.where(customers.c.code == filters.customer)
    if filters.status:
        query = query.where(invoices.c.status == filters.status.value)
    if filters.currency:
        query = query.where(invoices.c.currency == filters.currency)
    if filters.owner:
        query = query.where(sa.func.lower(customers.c.owner) == filters.owner.lower())
    if filters.department:
        query = query.where(customers.c.department == filters.department)
    overdue = sa.and_(invoices.c.due_date < today, invoices.c.open_minor > 0,
                      invoices.c.status.in_(OPEN_STATUSES))
    if filters.overdue is True:
        query = query.where(overdue)
    elif filters.overdue is False:
        query = query.where(sa.not_(overdue))
    with _connected(bind) as connection:
        total = _count(connection, query)
        rows = connection.execute(query.order_by(invoices.c.due_date, invoices.c.number)
                                  .limit(per_page).offset((page - 1) * per_page))
        return Page([_invoice(row) for row in rows], total, page, per_page)


def invoice_detail(bind: Bind, number: str) -> tuple[InvoiceView, list[AllocationView]]:
    """An invoice with the payments applied to it, oldest first."""
    with _connected(bind) as connection:
        row = connection.execute(_invoice_query().where(invoices.c.number == number)).first()
        if row is None:
            raise NotFound(lazy_gettext("no invoice numbered %(number)s", number=repr(number)))
        applied = connection.execute(
            sa.select(payments.c.reference, allocations.c.amount_minor, allocations.c.currency,
                      allocations.c.allocated_on, allocations.c.method)
            .join(payments, payments.c.id == allocations.c.payment_id)
            .where(allocations.c.invoice_id == row.id)
            .order_by(allocations.c.allocated_on, allocations.c.id))
        return _invoice(row), [
            AllocationView(a.reference, Money.from_minor(a.amount_minor, a.currency),
                           a.allocated_on, a.method) for a in applied]


# --- helpers -----------------------------------------------------------------------


@contextmanager
def _connected(bind: Bind) -> Iterator[Connection]:
    if isinstance(bind, Connection):
        yield bind
        return
    with bind.connect() as connection:
        yield connection


def _count(connection: Connection, query: sa.Select[Any]) -> int:
    subquery = query.order_by(None).subquery()
    return int(connection.execute(sa.select(sa.func.count()).select_from(subquery)).scalar_one())


def _invoice_query() -> sa.Select[Any]:
    return (sa.select(invoices, customers.c.code.label("customer_code"),
                      customers.c.name.label("customer_name"))
            .join(customers, customers.c.id == invoices.c.customer_id))


def _money(minor: int | None, currency: str | None) -> Money | None:
    if minor is None or currency is None:
        return None
    return Money.from_minor(minor, currency)


def _customer(row: Any) -> Customer:
    return Customer(
        code=row.code, name=row.name, kind=CustomerKind(row.kind), country=row.country,
        timezone=row.timezone, language=row.language, owner=row.owner,
        department=row.department, segment=row.segment, currency=row.currency,
        credit_limit=_money(row.credit_limit_minor, row.currency),
        lifetime_value=_money(row.lifetime_value_minor, row.currency),
        excluded=row.excluded, on_hold=row.on_hold, score=row.score, id=row.id,
        account_manager=row.account_manager)


def _invoice(row: Any) -> InvoiceView:
    invoice = Invoice(
        number=row.number, customer_code=row.customer_code, issue_date=row.issue_date,
        due_date=row.due_date, amount=Money.from_minor(row.amount_minor, row.currency),
        open_amount=Money.from_minor(row.open_minor, row.currency),
        status=InvoiceStatus(row.status), disputed=row.disputed, excluded=row.excluded,
        document_ref=row.document_ref, description=row.description, id=row.id)
    return InvoiceView(invoice, row.customer_name)
