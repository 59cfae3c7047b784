"""Kinds of ledger events. The timeline of an account is drawn from these."""

from __future__ import annotations

CUSTOMER_IMPORTED = "customer.imported"
CUSTOMER_UPDATED = "customer.updated"
INVOICES_IMPORTED = "invoices.imported"  # one per customer per import run
INVOICE_UPDATED = "invoice.updated"
PAYMENT_RECEIVED = "payment.received"
PAYMENT_ALLOCATED = "payment.allocated"
PAYMENT_UNMATCHED = "payment.unmatched"
CREDIT_RECORDED = "credit.recorded"  # over-payment kept on the account
CREDIT_NOTE_IMPORTED = "credit_note.imported"
IMPORT_COMPLETED = "import.completed"
NOTE_ADDED = "note.added"
