"""Typed field values of one row → a domain import record, after the checks that
need several fields at once. A builder returns the record, or the reason it is
refused as a string."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from hub.domain.bank import IncomingPayment
from hub.domain.money import Money
from hub.domain.records import CustomerRecord
from hub.domain.records import ImportRecord
from hub.domain.records import InvoiceRecord
from hub.domain.records import PaymentRecord

Builder = Callable[[int, dict[str, Any], Sequence[object]], ImportRecord | str]


def _open_amount_problem(amount: Decimal, open_amount: Decimal) -> str | None:
    if amount >= 0 and not 0 <= open_amount <= amount:
        return f"open amount {open_amount} is not between 0 and the amount {amount}"
    if amount < 0 and not amount <= open_amount <= 0:
        return f"open amount {open_amount} of a credit note is not between {amount} and 0"
    return None


def invoice(line: int, v: dict[str, Any], cells: Sequence[object]) -> InvoiceRecord | str:
    issue: date = v["issue_date"]
    due: date = v["due_date"]
    amount: Decimal = v["amount"]
    open_amount: Decimal | None = v["open_amount"]
    problems = []
    if due < issue:
        problems.append(f"due date {due} is before issue date {issue}")
    if open_amount is not None and (problem := _open_amount_problem(amount, open_amount)):
        problems.append(problem)
    settled = v["settled_on"]
    if settled is not None and settled < issue:
        problems.append(f"settled on {settled}, before issue date {issue}")
    if problems:
        return "; ".join(problems)
    return InvoiceRecord(
        line, v["invoice_number"], v["customer_id"], v["customer_name"], v["country"],
        v["segment"], issue, due, v["currency"], amount, open_amount, v["disputed"],
        v["excluded"], v["document_ref"], v["description"], settled, cells)


def customer(line: int, v: dict[str, Any], cells: Sequence[object]) -> CustomerRecord | str:
    for name in ("credit_limit", "lifetime_value"):
        value = v.get(name)
        if value is not None and value < 0:
            return f"{name} {value} is negative"
    return CustomerRecord(
        line, v["customer_id"], v["name"], v["kind"], v["country"], v["timezone"],
        v["language"], v["owner"], v["department"], v["segment"],
        v["currency"], v["credit_limit"], v["lifetime_value"], v["contact_name"],
        v["contact_email"], v["contact_phone"], v["excluded"], cells)


def payment(line: int, v: dict[str, Any], cells: Sequence[object]) -> PaymentRecord | str:
    amount: Decimal = v["amount"]
    if amount <= 0:
        return (f"amount {amount} is not positive (a payments file lists money received; "
                "refunds and debits are not imported)")
    return PaymentRecord(line, IncomingPayment(
        reference=v["reference"], received_on=v["received_on"],
        amount=Money(amount, v["currency"]), payer_name=v["payer_name"],
        payer_account=v["payer_account"], remittance=v["remittance"],
        structured_reference=v["structured_reference"],
        end_to_end_id=v["end_to_end_id"], customer_code=v["customer_id"]), cells)


BUILDERS: dict[str, Builder] = {"invoices": invoice, "customers": customer, "payments": payment}
