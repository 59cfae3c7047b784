"""Customers' postal addresses (for letters): written by the customer import, read by the
dispatcher's letter channel. Their own module, out of the outbox, which queues messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from hub.domain.outbox import PostalAddress
from hub.ledger.in_lists import chunks
from hub.ledger.tables import customer_addresses


def postal_address(row: Any, name: str) -> PostalAddress:
    """A customer_addresses row as an address; `name` heads it (the attention line, the
    customer's name or '')."""
    return PostalAddress(name=name, lines=tuple(row.lines.splitlines()), postcode=row.postcode,
                         city=row.city, country=row.country)


def set_addresses(connection: Connection, addresses: dict[int, PostalAddress], *,
                  now: datetime, attention: bool = False) -> None:
    """Insert or replace the postal address of each customer id. `attention`: the
    addresses' names go on the letters (an attention line) instead of the customer's."""
    if not addresses:
        return
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(customer_addresses)
    excluded = statement.excluded
    connection.execute(
        statement.on_conflict_do_update(
            index_elements=[customer_addresses.c.customer_id],
            set_={"lines": excluded.lines, "postcode": excluded.postcode,
                  "city": excluded.city, "country": excluded.country,
                  "attention": excluded.attention, "updated_at": excluded.updated_at}),
        [{"customer_id": customer_id, "lines": "\n".join(address.lines),
          "postcode": address.postcode, "city": address.city, "country": address.country,
          "attention": (address.name or None) if attention else None, "updated_at": now}
         for customer_id, address in addresses.items()])


def address_of(connection: Connection, customer_id: int) -> Any | None:
    """The customer's address row, if one is on file."""
    return connection.execute(sa.select(customer_addresses).where(
        customer_addresses.c.customer_id == customer_id)).one_or_none()


def addresses_of(connection: Connection, customer_ids: list[int]) -> dict[int, PostalAddress]:
    """The postal addresses on file (names: the attention line, or '')."""
    return {row.customer_id: postal_address(row, row.attention or "")
            for part in chunks(customer_ids)
            for row in connection.execute(sa.select(customer_addresses).where(
                customer_addresses.c.customer_id.in_(part)))}
