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
    open_amount: Decimal | None = v.get("open_amount")
    problems = []
    if due < issue:
        problems.append(f"due date {due} is before issue date {issue}")
    if open_amount is not None and (problem := _open_amount_problem(amount, open_amount)):
        problems.append(problem)
    settled = v.get("settled_on")
    if settled is not None and settled < issue:
        problems.append(f"settled on {settled}, before issue date {issue}")
    if problems:
        return "; ".join(problems)
    return InvoiceRecord(
        line, v["invoice_number"], v["customer_id"], v.get("customer_name"), v.get("country"),
        v.get("segment"), issue, due, v["currency"], amount, open_amount, v.get("disputed"),
        v.get("excluded"), v.get("document_ref"), v.get("description"), settled, cells)


def customer(line: int, v: dict[str, Any], cells: Sequence[object]) -> CustomerRecord | str:
    for name in ("credit_limit", "lifetime_value"):
        value = v.get(name)
        if value is not None and value < 0:
            return f"{name} {value} is negative"
    return CustomerRecord(
        line, v["customer_id"], v["name"], v.get("kind"), v.get("country"), v.get("timezone"),
        v.get("language"), v.get("owner"), v.get("department"), v.get("segment"),
        v.get("currency"), v.get("credit_limit"), v.get("lifetime_value"), v.get("contact_name"),
        v.get("contact_email"), v.get("contact_phone"), v.get("excluded"), cells)


def payment(line: int, v: dict[str, Any], cells: Sequence[object]) -> PaymentRecord | str:
    amount: Decimal = v["amount"]
    if amount <= 0:
        return (f"amount {amount} is not positive (a payments file lists money received; "
                "refunds and debits are not imported)")
    return PaymentRecord(line, IncomingPayment(
        reference=v["reference"], received_on=v["received_on"],
        amount=Money(amount, v["currency"]), payer_name=v.get("payer_name"),
        payer_account=v.get("payer_account"), remittance=v.get("remittance"),
        structured_reference=v.get("structured_reference"),
        end_to_end_id=v.get("end_to_end_id"), customer_code=v.get("customer_id")), cells)


BUILDERS: dict[str, Builder] = {"invoices": invoice, "customers": customer, "payments": payment}
