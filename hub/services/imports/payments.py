"""Import payments from a CSV or XLSX file: each row is an IncomingPayment, stored
and matched to invoices by the payments service, exactly as a bank statement line."""

from __future__ import annotations

from sqlalchemy import Connection

from hub.domain.records import ImportRecord
from hub.domain.records import PaymentRecord
from hub.domain.records import RejectedRow
from hub.services.imports.context import Counts
from hub.services.imports.context import RunContext
from hub.services.payments.incoming import record_incoming


class PaymentImport:
    def __init__(self, connection: Connection, context: RunContext) -> None:
        self._connection = connection
        self._context = context
        self.counts = Counts()
        self._seen: dict[str, int] = {}

    def add(self, records: list[ImportRecord]) -> list[RejectedRow]:
        rejects: list[RejectedRow] = []
        accepted = []
        for record in records:
            assert isinstance(record, PaymentRecord)
            reference = record.payment.reference
            first = self._seen.get(reference)
            if first is not None:
                rejects.append(RejectedRow(record.line, f"payment reference {reference} appears "
                                           f"twice in the file (first on line {first})",
                                           record.cells))
                continue
            self._seen[reference] = record.line
            accepted.append(record.payment)
        if accepted:
            context = self._context
            result = record_incoming(self._connection, accepted, source=context.source_name,
                                     actor=context.actor, today=context.today, now=context.now)
            self.counts.created += result.created
            self.counts.unchanged += result.unchanged
            self.counts.details.update(matched=result.matched, unmatched=result.unmatched,
                                       credits=result.credits)
            self.counts.warnings.extend(result.warnings)
        return rejects

    def finish(self) -> Counts:
        return self.counts
