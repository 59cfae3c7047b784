"""Every notice that states an amount says what is owed the same way in all five languages:
the invoices, each fee and interest line with its period, rate and basis, the total, and the
disputed invoices apart (e-mail and letter text, and the SMS)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from hub.domain.money import Money
from notifications.templates import LANGUAGES
from notifications.templates import TemplateRenderer

NOTICES = ("reminder-1", "reminder-2", "final-notice", "pre-legal")
BASIS = {"en": "section 288 BGB", "nl": "§ 288 BGB", "de": "§ 288 BGB", "pl": "§ 288 BGB",
         "es": "§ 288 BGB"}
APART = {"en": "Under dispute, not included in the total:",
         "nl": "Betwist, niet in het totaal opgenomen:",
         "de": "Bestritten, nicht in der Summe enthalten:",
         "pl": "Sporne, nieujęte w sumie:", "es": "En disputa, no incluido en el total:"}


def _eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


CONTEXT = {
    "contact_name": "Pat", "customer_name": "ACME", "portal_link": "https://pay/x",
    "sender": "AR", "invoices_total": _eur("600.00"), "charges_total": _eur("45.63"),
    "total": _eur("645.63"), "disputed_total": _eur("300.00"),
    "items": [{"invoice": "INV-1", "open": _eur("600.00"), "due_date": date(2026, 11, 3),
               "credited": _eur("400.00")}],
    "charges": [
        {"invoice": "INV-1", "kind": "interest", "amount": _eur("5.63"), "basis": "de",
         "rate": "10.27", "period_from": date(2026, 11, 4), "period_to": date(2026, 11, 23)},
        {"invoice": "INV-1", "kind": "fixed_compensation", "amount": _eur("40.00"),
         "basis": "de", "rate": "", "period_from": None, "period_to": None}],
    "disputed": [{"invoice": "INV-9", "open": _eur("300.00"), "due_date": date(2026, 10, 1)}],
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("template", NOTICES)
def test_each_notice_states_charges_total_and_disputes_apart(template: str,
                                                              language: str) -> None:
    renderer = TemplateRenderer()
    text = renderer.render(template, language, "letter", CONTEXT).text.replace("\xa0", " ")
    lines = text.splitlines()
    invoice_line = next(line for line in lines if line.startswith("- INV-1:"))
    assert "400,00" in invoice_line or "400.00" in invoice_line  # the credit deducted
    charge_lines = [line for line in lines if line.startswith("- ") and "INV-1" in line
                    and line is not invoice_line]
    assert len(charge_lines) == 2
    assert all(f"({BASIS[language]})" in line for line in charge_lines)
    assert any("10.27" in line for line in charge_lines)  # the rate
    assert any("23" in line and "2026" in line for line in charge_lines)  # the period
    assert "645,63" in text or "645.63" in text
    disputed = text.index(APART[language])
    assert "INV-9" in text[disputed:]
    assert "INV-9" not in text[:disputed]
    sms = renderer.render(template, language, "sms", CONTEXT).text
    assert "45,63" in sms or "45.63" in sms
    assert "300,00" in sms or "300.00" in sms


def test_without_charges_or_disputes_a_notice_keeps_its_short_form() -> None:
    plain = {**CONTEXT, "charges": [], "disputed": []}
    text = TemplateRenderer().render("reminder-1", "en", "email", plain).text
    assert "Total overdue: €645.63" in text
    assert "dispute" not in text
    assert "Fees" not in text
    sms = TemplateRenderer().render("reminder-1", "en", "sms", plain).text
    assert sms == "AR: €645.63 is overdue. Details and payment: https://pay/x"
