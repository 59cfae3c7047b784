"""The portal's "How to pay" section: per currency owed, the creditor's account, the
payment reference and, for euros, an EPC QR code (inline SVG) the debtor scans with a
banking app. Nothing without a creditor profile: the page never invents bank details."""

from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup

from hub.domain.creditor import CreditorProfile
from hub.domain.creditor import PaymentBlock
from hub.i18n import gettext_for
from hub.payment_qr import qr_svg
from hub.services.payments.pay_context import payment_for
from hub.services.portal.view import PortalOverview
from hub.web.portal_text import format_money


@dataclass(frozen=True)
class PortalPayment:
    block: PaymentBlock
    amount_text: str
    qr: Markup | None  # inline SVG, safe: segno writes it from the payload alone


def payment_blocks(profile: CreditorProfile | None, overview: PortalOverview,
                   language: str) -> list[PortalPayment]:
    """One block per currency owed, for the invoices not in dispute."""
    found: list[PortalPayment] = []
    disputed = set(overview.disputed_invoices)
    for balance in overview.balances:
        numbers = [invoice.number for invoice in overview.invoices
                   if invoice.open_amount.currency == balance.currency
                   and not invoice.disputed and invoice.number not in disputed]
        block = payment_for(profile, overview.code, numbers, balance)
        if block is None:
            continue
        text = format_money(balance, language)
        qr = Markup(qr_svg(block.epc_payload, title=gettext_for(  # noqa: S704 - segno's SVG
            language, "QR code to pay %(amount)s", amount=text))) if block.epc_payload else None
        found.append(PortalPayment(block, text, qr))
    return found
