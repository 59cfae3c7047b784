"""Customer codes → ledger ids for an import, creating customers that invoice or
payment rows name but the ledger does not know yet."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from hub.domain import events as kinds
from hub.domain.countries import country_defaults
from hub.domain.model import CustomerKind
from hub.domain.model import Event
from hub.ledger.bulk import BulkInsert
from hub.ledger.import_runs import append_events
from hub.ledger.lookups import all_ids
from hub.ledger.lookups import ids_by_key
from hub.ledger.tables import customers
from hub.services.imports.context import RunContext

NEW_CUSTOMER_COLUMNS = ("code", "name", "kind", "country", "timezone", "language", "segment",
                        "excluded", "on_hold")


@dataclass(frozen=True)
class NewCustomer:
    code: str
    name: str | None
    country: str | None
    segment: str | None


class CustomerCodes:
    """Loaded once per import (customers are few next to invoices)."""

    def __init__(self, connection: Connection, context: RunContext) -> None:
        self._connection = connection
        self._context = context
        self.ids: dict[str, int] = all_ids(connection, customers, "code")
        self.created = 0
        self._insert = BulkInsert(connection, customers, NEW_CUSTOMER_COLUMNS,
                                  {"created_at": context.now, "updated_at": context.now})

    def create_missing(self, wanted: Sequence[NewCustomer]) -> None:
        """Create each customer not in the ledger yet, from the first row naming it."""
        fresh: dict[str, NewCustomer] = {}
        for item in wanted:
            if item.code not in self.ids and item.code not in fresh:
                fresh[item.code] = item
        if not fresh:
            return
        rows = []
        for item in fresh.values():
            timezone, language = country_defaults(item.country)
            rows.append((item.code, item.name or item.code, CustomerKind.BUSINESS.value,
                         item.country, timezone, language, item.segment, False, False))
        self._insert(rows)
        self.ids.update(ids_by_key(self._connection, customers, "code", fresh))
        self.created += len(fresh)
        context = self._context
        append_events(self._connection, [
            Event(occurred_at=context.now, actor=context.actor, kind=kinds.CUSTOMER_IMPORTED,
                  summary=f"customer created from {context.source_name}",
                  customer_code=item.code,
                  data={"import_run": context.run_id, "source": context.source_name})
            for item in fresh.values()], self.ids)
