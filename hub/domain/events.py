"""Kinds of ledger events. The timeline of an account is drawn from these."""

from __future__ import annotations

CUSTOMER_IMPORTED = "customer.imported"
CUSTOMER_UPDATED = "customer.updated"
INVOICES_IMPORTED = "invoices.imported"  # one per customer per import run
INVOICE_UPDATED = "invoice.updated"
PAYMENT_RECEIVED = "payment.received"
PAYMENT_ALLOCATED = "payment.allocated"
PAYMENT_UNMATCHED = "payment.unmatched"
PAYMENT_UNALLOCATED = "payment.unallocated"  # taken off an invoice, which reopens
PAYMENT_REVERSED = "payment.reversed"  # taken back by the bank
PAYMENT_RETURNED = "payment.returned"  # refunded to the payer from the manual queue
CREDIT_RECORDED = "credit.recorded"  # over-payment kept on the account
CREDIT_NOTE_IMPORTED = "credit_note.imported"
IMPORT_COMPLETED = "import.completed"
NOTE_ADDED = "note.added"

# The collections cycle and the person actions (promises, plans, disputes, tasks).
PROMISE_RECORDED = "promise.recorded"
PROMISE_KEPT = "promise.kept"
PROMISE_BROKEN = "promise.broken"
PLAN_APPROVED = "plan.approved"  # inside the rule file's limits, or approved by a person
PLAN_IN_REVIEW = "plan.in_review"  # outside the limits: a review task
PLAN_REJECTED = "plan.rejected"
PLAN_COMPLETED = "plan.completed"
PLAN_BROKEN = "plan.broken"
PLAN_REVIEW_OVERDUE = "plan.review_overdue"  # not reviewed in time: the manager has a task
DISPUTE_OPENED = "dispute.opened"
DISPUTE_RESOLVED = "dispute.resolved"
TASK_CREATED = "task.created"
TASK_DONE = "task.done"
TASK_CANCELLED = "task.cancelled"
ACCOUNT_CONTACTED = "account.contacted"
ACCOUNT_COMPLETED = "account.completed"
ACCOUNT_SNOOZED = "account.snoozed"
DECISION_APPLIED = "decision.applied"  # a ladder step or rule fired (facts in data)
MESSAGE_QUEUED = "message.queued"
ESCALATED = "account.escalated"
SALES_HOLD_PLACED = "sales_hold.placed"
SALES_HOLD_RELEASED = "sales_hold.released"
LEGAL_HANDOVER = "legal.handover"
# hand-over to hard collection (docs/handover.md)
HANDOVER_REQUESTED = "handover.requested"  # waits for the creditor's approval
HANDOVER_DECLINED = "handover.declined"
HANDED_OVER = "handover.handed_over"  # the collection company has the case
HANDOVER_STATUS = "handover.status"  # the collection company changed the case's status
CHARGE_ADDED = "charge.added"  # a fixed compensation or interest line on an invoice
CHECKOUT_STARTED = "checkout.started"  # the debtor went to the payment provider's page
CHECKOUT_FAILED = "checkout.failed"  # the provider says an asynchronous payment failed

# Where a person action came from (the `source` of the services in hub.services).
SOURCES = frozenset({"web", "portal", "sheet", "slack", "teams", "api", "rules", "import",
                     "phone"})  # phone: keypad answers on a reminder call
