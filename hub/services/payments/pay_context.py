"""The creditor and payment block as message templates and the portal page see them:
plain values (the renderer localises the amount), nothing when there is no creditor
profile, so no message or page ever shows bank details the hub was not given."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hub.domain.creditor import CreditorProfile
from hub.domain.creditor import PaymentBlock
from hub.domain.creditor import payment_block
from hub.domain.money import Money


def creditor_values(profile: CreditorProfile | None) -> dict[str, Any] | None:
    if profile is None:
        return None
    contact = " · ".join(part for part in (profile.phone, profile.email, profile.website)
                         if part)
    return {"name": profile.name, "legal_name": profile.legal_name, "contact": contact,
            "address": list(profile.address), "email": profile.email, "phone": profile.phone,
            "vat_number": profile.vat_number,
            "registration_number": profile.registration_number}


def payment_for(profile: CreditorProfile | None, customer_code: str,
                invoice_numbers: Sequence[str], total: Any) -> PaymentBlock | None:
    """The block for what a message or page asks for: `total` is one Money, or text
    when several currencies are owed (then the reference alone, no single amount)."""
    if profile is None or not invoice_numbers:
        return None
    amount = total if isinstance(total, Money) and total.amount > 0 else None
    return payment_block(profile, customer_code=customer_code,
                         invoice_numbers=list(invoice_numbers), amount=amount)


def pay_values(block: PaymentBlock | None) -> dict[str, Any] | None:
    if block is None:
        return None
    account = block.account
    return {"amount": block.amount, "reference": block.reference,
            "national_reference": block.national_reference, "payee": block.payee,
            "has_account": block.has_bank_details,
            "iban": account.iban_printed if account else "",
            "bic": account.bic if account else "",
            "sort_code": account.sort_code_printed if account else "",
            "account_number": account.account_number if account else "",
            "qr": bool(block.epc_payload)}
