"""Import customers (master data) with their primary contact.

The file is the master for the fields it has columns for: a changed row overwrites
them (a blank cell clears an optional field). Fields the file has no column for,
and what only the hub knows (hold, score, other contacts), are left alone.

An owner must be a person the hub knows (a user, by e-mail, in any case): the owner
decides who sees and works the account, and lands in reports and worklists, so a typo
or a hostile value is rejected with its row instead of creating an account nobody owns.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import Connection
from sqlalchemy import and_
from sqlalchemy import select
from sqlalchemy.engine import RowMapping

from hub.domain import events as kinds
from hub.domain.countries import country_defaults
from hub.domain.model import CustomerKind
from hub.domain.model import Event
from hub.domain.outbox import PostalAddress
from hub.domain.records import CustomerRecord
from hub.domain.records import ImportRecord
from hub.domain.records import RejectedRow
from hub.domain.records import digest as fingerprint
from hub.ledger.addresses import addresses_of
from hub.ledger.addresses import set_addresses
from hub.ledger.bulk import BulkInsert
from hub.ledger.import_runs import append_events
from hub.ledger.in_lists import chunks
from hub.ledger.lookups import ids_by_key
from hub.ledger.lookups import rows_by_key
from hub.ledger.lookups import update_by_id
from hub.ledger.tables import contacts
from hub.ledger.tables import customers
from hub.ledger.tables import users
from hub.services.accounts.tasks import move_unassigned_tasks
from hub.services.imports.context import Counts
from hub.services.imports.context import RunContext
from hub.services.imports.context import to_minor

COLUMNS = ("code", "name", "kind", "country", "timezone", "language", "owner",
           "account_manager", "department", "segment", "currency", "credit_limit_minor",
           "lifetime_value_minor", "excluded",
           "on_hold", "source_hash")
_NULLABLE = ("country", "owner", "account_manager", "department", "segment", "currency")
_CONTACT = ("contact_name", "contact_email", "contact_phone")


def _minor(record: CustomerRecord, name: str) -> int | None:
    value = getattr(record, name)
    if value is None or record.currency is None:
        return None
    return to_minor(value, record.currency)


class CustomerImport:
    def __init__(self, connection: Connection, context: RunContext) -> None:
        self._connection = connection
        self._context = context
        self.counts = Counts()
        self._known: dict[str, tuple[int, str | None]] = {
            code: (row_id, digest) for code, row_id, digest in connection.execute(
                select(customers.c.code, customers.c.id, customers.c.source_hash))}
        self._seen: dict[str, int] = {}
        # A column the file leaves out keeps what is on file, a blank cell clears it: the
        # fingerprint tells the two apart, or a blank after a file without the column
        # would count as unchanged.
        self._absent = tuple(name for name in _NULLABLE if name not in context.provided)
        self._people = {email.lower() for email in connection.execute(
            select(users.c.email)).scalars()}
        stamps = {"created_at": context.now, "updated_at": context.now}
        self._insert = BulkInsert(connection, customers, COLUMNS, stamps)
        self._insert_contact = BulkInsert(connection, contacts, (
            "customer_id", "name", "email", "phone", "is_primary", "whatsapp_opt_in"))

    def add(self, records: list[ImportRecord]) -> list[RejectedRow]:
        rejects: list[RejectedRow] = []
        fresh: list[tuple[CustomerRecord, str]] = []
        changed: list[tuple[CustomerRecord, str]] = []
        for record in records:
            assert isinstance(record, CustomerRecord)
            first = self._seen.get(record.code)
            if first is not None:
                rejects.append(RejectedRow(record.line, f"customer {record.code} appears twice "
                                           f"in the file (first on line {first})", record.cells))
                continue
            self._seen[record.code] = record.line
            if record.owner and record.owner.lower() not in self._people:
                rejects.append(RejectedRow(record.line, f"owner {record.owner} is not a user "
                                           "of the hub (add them with `users add` or on the "
                                           "People page first)", record.cells))
                continue
            digest = record.digest()
            if self._absent:
                digest = fingerprint((digest, self._absent))
            known = self._known.get(record.code)
            if known is None:
                fresh.append((record, digest))
            elif known[1] == digest:
                self.counts.unchanged += 1
            else:
                changed.append((record, digest))
        self._create(fresh)
        self._update(changed)
        return rejects

    def _create(self, fresh: list[tuple[CustomerRecord, str]]) -> None:
        if not fresh:
            return
        rows = []
        for record, digest in fresh:
            timezone, language = country_defaults(record.country)
            rows.append((record.code, record.name, (record.kind or CustomerKind.BUSINESS).value,
                         record.country, record.timezone or timezone,
                         record.language or language, record.owner, record.account_manager,
                         record.department,
                         record.segment, record.currency, _minor(record, "credit_limit"),
                         _minor(record, "lifetime_value"), bool(record.excluded), False, digest))
        self._insert(rows)
        ids = ids_by_key(self._connection, customers, "code", [r.code for r, _ in fresh])
        for record, digest in fresh:
            self._known[record.code] = (ids[record.code], digest)
        self._save_contacts([(ids[record.code], record) for record, _ in fresh], {})
        set_addresses(self._connection, {ids[record.code]: record.address
                                         for record, _ in fresh if record.address},
                      now=self._context.now)
        context = self._context
        append_events(self._connection, [Event(
            occurred_at=context.now, actor=context.actor, kind=kinds.CUSTOMER_IMPORTED,
            customer_code=record.code, summary=f"customer imported from {context.source_name}",
            data={"import_run": context.run_id}) for record, _ in fresh], ids)
        self.counts.created += len(rows)

    def _new_values(self, record: CustomerRecord, old: RowMapping) -> dict[str, Any]:
        provided = self._context.provided
        new: dict[str, Any] = {"name": record.name}
        for name in _NULLABLE:
            new[name] = getattr(record, name) if name in provided else old[name]
        new["kind"] = record.kind.value if record.kind else old["kind"]
        moved = new["country"] != old["country"]
        timezone, language = country_defaults(new["country"])
        new["timezone"] = record.timezone or (timezone if moved else old["timezone"])
        new["language"] = record.language or (language if moved else old["language"])
        for name in ("credit_limit", "lifetime_value"):
            column = f"{name}_minor"
            new[column] = _minor(record, name) if name in provided else old[column]
        new["excluded"] = bool(record.excluded) if "excluded" in provided else old["excluded"]
        return new

    def _update(self, changed: list[tuple[CustomerRecord, str]]) -> None:
        if not changed:
            return
        old_rows = rows_by_key(self._connection, customers, "code", [r.code for r, _ in changed])
        context = self._context
        old_addresses = addresses_of(self._connection, [row["id"] for row in old_rows.values()])
        updates, updated_events = [], []
        moved: dict[int, PostalAddress] = {}
        new_owner: list[int] = []
        for record, digest in changed:
            old = old_rows[record.code]
            new = self._new_values(record, old)
            differences = {key: [old[key], value] for key, value in new.items()
                           if old[key] != value}
            if record.address is not None:
                before = old_addresses.get(old["id"])
                # The attention line is not an import column: it stays as it was.
                address = replace(record.address, name=before.name if before else "",
                                  country=new["country"])
                if address != before:
                    moved[old["id"]] = address
                    differences["address"] = [_one_line(before), _one_line(address)]
            if "owner" in differences:
                new_owner.append(old["id"])
            updates.append({"row_id": old["id"], **new, "source_hash": digest,
                            "updated_at": context.now})
            self._known[record.code] = (old["id"], digest)
            updated_events.append(Event(
                occurred_at=context.now, actor=context.actor, kind=kinds.CUSTOMER_UPDATED,
                customer_code=record.code,
                summary=f"customer updated from {context.source_name}: "
                        + (", ".join(differences) or "contact details"),
                data={"import_run": context.run_id, "changes": differences}))
        update_by_id(self._connection, customers, updates)
        move_unassigned_tasks(self._connection, new_owner)  # to the new owner's worklist
        ids = {record.code: old_rows[record.code]["id"] for record, _ in changed}
        self._save_contacts([(ids[record.code], record) for record, _ in changed],
                            self._primary_contacts(list(ids.values())))
        set_addresses(self._connection, moved, now=context.now, attention=True)
        append_events(self._connection, updated_events, ids)
        self.counts.updated += len(updates)

    def _primary_contacts(self, customer_ids: list[int]) -> dict[int, int]:
        found: dict[int, int] = {}
        for part in chunks(customer_ids):
            query = select(contacts.c.customer_id, contacts.c.id).where(and_(
                contacts.c.customer_id.in_(part), contacts.c.is_primary.is_(True)))
            found.update((row[0], row[1]) for row in self._connection.execute(query))
        return found

    def _save_contacts(self, items: list[tuple[int, CustomerRecord]],
                       primary: dict[int, int]) -> None:
        """Insert or update each customer's primary contact, when the row names one. The
        WhatsApp opt-in is set only by a file with that column (a blank cell: no opt-in)."""
        provided = self._context.provided
        details, opt_in = bool(set(_CONTACT) & provided), "whatsapp_opt_in" in provided
        if not details and not opt_in:
            return
        inserts, updates, opt_ins = [], [], []  # each update list sets the same columns
        for customer_id, record in items:
            agreed = bool(record.whatsapp_opt_in)
            named = details and not (record.contact_name is None and record.contact_email is
                                     None and record.contact_phone is None)
            values = (record.contact_name or record.name, record.contact_email,
                      record.contact_phone)
            if named and customer_id in primary:
                update: dict[str, Any] = {"row_id": primary[customer_id], "name": values[0],
                                          "email": values[1], "phone": values[2]}
                updates.append({**update, "whatsapp_opt_in": agreed} if opt_in else update)
            elif named:
                inserts.append((customer_id, *values, True, agreed))
            elif opt_in and customer_id in primary:
                opt_ins.append({"row_id": primary[customer_id], "whatsapp_opt_in": agreed})
        self._insert_contact(inserts)
        update_by_id(self._connection, contacts, updates)
        update_by_id(self._connection, contacts, opt_ins)

    def finish(self) -> Counts:
        return self.counts


def _one_line(address: PostalAddress | None) -> str | None:
    return None if address is None else ", ".join(address.block()[1:])
