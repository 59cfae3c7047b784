"""Finding accounts the way people type: "muller" finds "Müller GmbH", an invoice number
finds its customer, a contact's e-mail address finds the account. And the accounts list
with balance and overdue columns, sortable and paged.

Portable on SQLite and PostgreSQL without a schema change: a LIKE pattern narrows the
candidates in the database, then names are folded in Python by one table of common accented
letters (SQLite has no translate() and its lower() folds ASCII only)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any
from typing import Literal

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.money import Money
from hub.ledger.accounts import ids_in
from hub.ledger.tables import contacts
from hub.ledger.tables import customers
from hub.ledger.tables import invoices

OPEN_STATUSES = ("open", "partially_paid")
# accented letter -> plain letters; both cases, since SQLite's lower() leaves "Ü" alone
_PLAIN = {
    **dict.fromkeys("àáâãäåāăą", "a"), **dict.fromkeys("ÀÁÂÃÄÅĀĂĄ", "a"),
    **dict.fromkeys("çćč", "c"), **dict.fromkeys("ÇĆČ", "c"), "ď": "d", "Ď": "d",
    **dict.fromkeys("èéêëēėęě", "e"), **dict.fromkeys("ÈÉÊËĒĖĘĚ", "e"),
    **dict.fromkeys("ìíîïī", "i"), **dict.fromkeys("ÌÍÎÏĪ", "i"), "ł": "l", "Ł": "l",
    **dict.fromkeys("ñńň", "n"), **dict.fromkeys("ÑŃŇ", "n"),
    **dict.fromkeys("òóôõöøō", "o"), **dict.fromkeys("ÒÓÔÕÖØŌ", "o"),
    "ř": "r", "Ř": "r", **dict.fromkeys("śšş", "s"), **dict.fromkeys("ŚŠŞ", "s"),
    "ť": "t", "Ť": "t", **dict.fromkeys("ùúûüūů", "u"), **dict.fromkeys("ÙÚÛÜŪŮ", "u"),
    **dict.fromkeys("ýÿ", "y"), "Ý": "y", **dict.fromkeys("źżž", "z"),
    **dict.fromkeys("ŹŻŽ", "z"), "ß": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe",
}
_TABLE = str.maketrans(_PLAIN)
Sort = Literal["name", "balance", "overdue", "days"]
SORTS: tuple[Sort, ...] = ("name", "balance", "overdue", "days")


def fold(text: str) -> str:
    """Lower case without accents, as `folded` does in SQL: "MÜLLER" -> "muller"."""
    return unicodedata.normalize("NFC", text).translate(_TABLE).lower()


def _pattern(needle: str) -> str:
    """A LIKE pattern over lower(text) that every folded match satisfies: a letter with
    accented forms becomes "_" (one character; SQLite's lower() leaves "Ü" as it is),
    "ss", "ae" and "oe" (ß, æ, œ) become "%"; LIKE's own wildcards are escaped."""
    loose = set(_PLAIN.values())
    out: list[str] = []
    index = 0
    while index < len(needle):
        pair = needle[index:index + 2]
        if pair in ("ss", "ae", "oe"):
            out.append("%")
            index += 2
            continue
        char = needle[index]
        out.append("_" if char in loose else "\\" + char if char in "%_\\" else char)
        index += 1
    return "%" + "".join(out) + "%"


def _name_matches(connection: Connection, needle: str) -> list[int]:
    """Ids of customers whose folded code or name contains `needle`: the database narrows
    the candidates by a LIKE pattern, Python folds and compares (portable, no schema
    change: a normalised column would need a migration)."""
    pattern = _pattern(needle)
    candidates = connection.execute(
        sa.select(customers.c.id, customers.c.code, customers.c.name).where(sa.or_(
            sa.func.lower(customers.c.code).like(pattern, escape="\\"),
            sa.func.lower(customers.c.name).like(pattern, escape="\\"))))
    return [int(row.id) for row in candidates
            if needle in fold(row.code) or needle in fold(row.name)]


def matches(connection: Connection, q: str) -> Any:
    """Customers whose code or name contains `q` (any case, accents ignored), or that have
    an invoice whose number starts with it, or a contact whose e-mail address is it (or
    starts with it)."""
    needle = fold(q.strip())
    lowered = q.strip().lower()
    by_invoice = sa.select(invoices.c.customer_id).where(
        sa.func.lower(invoices.c.number).startswith(lowered, autoescape=True))
    by_email = sa.select(contacts.c.customer_id).where(
        sa.func.lower(contacts.c.email).startswith(lowered, autoescape=True))
    return sa.or_(ids_in(connection, customers.c.id, _name_matches(connection, needle)),
                  customers.c.id.in_(by_invoice), customers.c.id.in_(by_email))


@dataclass(frozen=True, slots=True)
class AccountLine:
    """One line of the accounts list. Amounts are in the account's main currency (the one
    with the most open); `other_currencies` counts the currencies left out."""
    code: str
    name: str
    owner: str | None
    department: str | None
    on_hold: bool
    excluded: bool
    balance: Money | None
    overdue: Money | None
    days_overdue: int  # since the oldest open past-due invoice fell due; 0 if none
    other_currencies: int


@dataclass(frozen=True, slots=True)
class AccountPage:
    lines: list[AccountLine]
    total: int


def list_accounts(connection: Connection, *, as_of: date, owner: str | None,
                  department: str | None, q: str | None, sort: Sort, page: int,
                  per_page: int) -> AccountPage:
    """One page of the accounts in the viewer's scope. Sorted by name (A-Z) or by balance,
    overdue amount or days overdue (largest first); ties by code, so paging is stable."""
    overdue_minor = sa.func.sum(sa.case((invoices.c.due_date < as_of, invoices.c.open_minor),
                                        else_=0))
    per_currency = (
        sa.select(invoices.c.customer_id, invoices.c.currency,
                  sa.func.sum(invoices.c.open_minor).label("open_minor"),
                  overdue_minor.label("overdue_minor"),
                  sa.func.min(sa.case((invoices.c.due_date < as_of, invoices.c.due_date),
                                      else_=None)).label("oldest"),
                  sa.func.row_number().over(
                      partition_by=invoices.c.customer_id,
                      order_by=(sa.func.sum(invoices.c.open_minor).desc(),
                                invoices.c.currency)).label("rank"),
                  sa.func.count().over(partition_by=invoices.c.customer_id)
                  .label("currencies"))
        .where(invoices.c.status.in_(OPEN_STATUSES), invoices.c.open_minor > 0)
        .group_by(invoices.c.customer_id, invoices.c.currency)).subquery()
    main = sa.select(per_currency).where(per_currency.c.rank == 1).subquery()
    query = (sa.select(customers.c.code, customers.c.name, customers.c.owner,
                       customers.c.department, customers.c.on_hold, customers.c.excluded,
                       main.c.currency, main.c.open_minor, main.c.overdue_minor, main.c.oldest,
                       main.c.currencies)
             .outerjoin(main, main.c.customer_id == customers.c.id))
    if owner:
        query = query.where(sa.func.lower(customers.c.owner) == owner.lower())
    if department:
        query = query.where(customers.c.department == department)
    if q:
        query = query.where(matches(connection, q))
    total = int(connection.execute(
        sa.select(sa.func.count()).select_from(query.subquery())).scalar_one())
    orders: dict[str, list[Any]] = {
        "name": [sa.func.lower(customers.c.name)],
        "balance": [sa.func.coalesce(main.c.open_minor, 0).desc()],
        "overdue": [sa.func.coalesce(main.c.overdue_minor, 0).desc()],
        "days": [sa.case((main.c.oldest.is_(None), 1), else_=0), main.c.oldest],
    }
    order = orders[sort]
    rows = connection.execute(query.order_by(*order, customers.c.code)
                              .limit(per_page).offset((page - 1) * per_page))
    return AccountPage([_line(row, as_of) for row in rows], total)


def _line(row: Any, as_of: date) -> AccountLine:
    oldest = row.oldest
    if isinstance(oldest, str):  # SQLite returns MIN() of a date column as text
        oldest = date.fromisoformat(oldest)
    has = row.currency is not None
    return AccountLine(
        code=row.code, name=row.name, owner=row.owner, department=row.department,
        on_hold=bool(row.on_hold), excluded=bool(row.excluded),
        balance=Money.from_minor(int(row.open_minor), row.currency) if has else None,
        overdue=Money.from_minor(int(row.overdue_minor), row.currency) if has else None,
        days_overdue=max(0, (as_of - oldest).days) if oldest is not None else 0,
        other_currencies=max(int(row.currencies) - 1, 0) if has else 0)
