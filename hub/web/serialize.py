"""JSON shapes of the API. Money is {"amount": "12.50", "currency": "EUR"}: a string,
never a float. The OpenAPI schemas in hub.web.openapi describe exactly these."""

from __future__ import annotations

from datetime import date
from typing import Any

from hub.domain.model import Contact
from hub.domain.model import Customer
from hub.domain.money import Money
from hub.domain.reports import BUCKETS
from hub.domain.reports import AgingRow
from hub.domain.reports import Balance
from hub.domain.reports import Countback
from hub.domain.reports import DsoRow
from hub.domain.reports import PeriodRow
from hub.domain.worklist import WorklistRow
from hub.services.read.queries import AllocationView
from hub.services.read.queries import CustomerDetail
from hub.services.read.queries import InvoiceView


def money(value: Money | None) -> dict[str, str] | None:
    if value is None:
        return None
    return {"amount": str(value.amount), "currency": value.currency}


def worklist_row(row: WorklistRow) -> dict[str, Any]:
    return {
        "customer": {"code": row.customer_code, "name": row.customer_name},
        "owner": row.owner, "assignee": row.assignee, "department": row.department,
        "main_contact": row.main_contact, "balance": money(row.balance),
        "overdue": money(row.overdue),
        "oldest_due_date": row.oldest_due_date.isoformat() if row.oldest_due_date else None,
        "days_overdue": row.days_overdue, "current_step": row.current_step,
        "suggested_action": row.suggested_action, "open_tasks": list(row.open_task_ids),
        "last_contact": row.last_contact.isoformat() if row.last_contact else None,
        "priority": row.priority,
    }


def customer(value: Customer) -> dict[str, Any]:
    return {
        "code": value.code, "name": value.name, "kind": value.kind.value,
        "country": value.country, "timezone": value.timezone, "language": value.language,
        "owner": value.owner, "account_manager": value.account_manager,
        "department": value.department, "segment": value.segment,
        "currency": value.currency, "credit_limit": money(value.credit_limit),
        "lifetime_value": money(value.lifetime_value), "excluded": value.excluded,
        "on_hold": value.on_hold, "score": value.score,
    }


def contact(value: Contact) -> dict[str, Any]:
    return {"name": value.name, "email": value.email, "phone": value.phone,
            "role": value.role, "language": value.language, "is_primary": value.is_primary,
            "whatsapp_opt_in": value.whatsapp_opt_in}


def customer_detail(value: CustomerDetail, today: date) -> dict[str, Any]:
    return {
        **customer(value.customer),
        "contacts": [contact(c) for c in value.customer.contacts],
        "open_balances": [money(m) for m in value.open_balances],
        "open_invoices": [invoice(i, today) for i in value.open_invoices],
    }


def invoice(view: InvoiceView, today: date) -> dict[str, Any]:
    value = view.invoice
    still_open = not value.is_settled and not value.open_amount.is_zero()
    return {
        "number": value.number,
        "customer": {"code": value.customer_code, "name": view.customer_name},
        "issue_date": value.issue_date.isoformat(), "due_date": value.due_date.isoformat(),
        "amount": money(value.amount), "open_amount": money(value.open_amount),
        "status": value.status.value, "disputed": value.disputed, "excluded": value.excluded,
        "days_overdue": value.days_overdue(today) if still_open else 0,
        "document_ref": value.document_ref, "description": value.description,
    }


def allocation(value: AllocationView) -> dict[str, Any]:
    return {"payment_reference": value.payment_reference, "amount": money(value.amount),
            "allocated_on": value.allocated_on.isoformat(), "method": value.method}


def aging_row(row: AgingRow) -> dict[str, Any]:
    return {
        "group": row.group, "currency": row.currency,
        "buckets": {b.key: {"label": b.label, "amount": money(row.amounts[b.key]),
                            "count": row.counts[b.key], "percent": str(row.share(b.key))}
                    for b in BUCKETS},
        "total": money(row.total), "count": row.count, "overdue": money(row.overdue),
    }


def countback(value: Countback) -> dict[str, Any]:
    return {"days": str(value.days), "complete": value.complete}


def balance(value: Balance) -> dict[str, Any]:
    return {"total": money(value.total), "current": money(value.current),
            "overdue": money(value.overdue), "count": value.count}


def dso_row(row: DsoRow) -> dict[str, Any]:
    return {"group": row.group, "currency": row.currency,
            "receivables": money(row.receivables), "current": money(row.current),
            "countback_dso": countback(row.countback),
            "best_possible_dso": countback(row.best_possible),
            "average_days_delinquent": str(row.average_days_delinquent),
            "simple_dso": None if row.simple is None else str(row.simple)}


def cei_row(row: PeriodRow) -> dict[str, Any]:
    return {"group": row.group, "currency": row.currency,
            "cei": None if row.cei is None else str(row.cei),
            "opening": balance(row.opening), "invoiced": money(row.invoiced),
            "closing": balance(row.closing)}


def summary_row(row: PeriodRow) -> dict[str, Any]:
    return {**cei_row(row), "collected": money(row.collected), "received": money(row.received),
            "adjustments": money(row.adjustments)}


def plain(value: Any) -> Any:
    """A service's row with Money turned into the API's money objects."""
    if isinstance(value, Money):
        return money(value)
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value
