"""Must show: a reminder renders correctly in all five languages: the words, the amount
and the date in the reader's format, the portal link; and every template exists in every
language the rule file may ask for."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from hub.domain.money import Money
from notifications.templates import LANGUAGES
from notifications.templates import TemplateRenderer
from notifications.templates import known_templates
from notifications.templates import language_of

NBSP = "\xa0"
CONTEXT = {"contact_name": "Ann", "customer_name": "Acme", "sender": "Hub AR",
           "portal_link": "https://hub.example/portal/tok",
           "items": [{"invoice": "F-1", "due_date": date(2026, 11, 2),
                      "open": Money(Decimal("1234.56"), "EUR")}],
           "total": Money(Decimal("1234.56"), "EUR")}
EXPECTED = {  # subject, amount, date, one word of the body that only this language has
    "en": ("Friendly reminder: €1,234.56 overdue", "€1,234.56", "2 November 2026",
           "Kind regards"),
    "nl": (f"Vriendelijke herinnering: €{NBSP}1.234,56 achterstallig", f"€{NBSP}1.234,56",
           "2 november 2026", "Met vriendelijke groet"),
    "de": (f"Freundliche Erinnerung: 1.234,56{NBSP}€ überfällig", f"1.234,56{NBSP}€",
           "2. November 2026", "Mit freundlichen Grüßen"),
    "pl": (f"Przypomnienie: zaległość 1{NBSP}234,56{NBSP}€", f"1{NBSP}234,56{NBSP}€",
           "2 listopada 2026", "Z poważaniem"),
    "es": (f"Recordatorio: 1.234,56{NBSP}€ vencido", f"1.234,56{NBSP}€",
           "2 de noviembre de 2026", "Atentamente"),
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_reminder_reads_right_in_each_language(language: str) -> None:
    subject, amount, day, closing = EXPECTED[language]
    rendered = TemplateRenderer().render("reminder-1", language, "email", CONTEXT)
    assert rendered.subject == subject
    assert f"- F-1: {amount}, " in rendered.text
    assert day in rendered.text
    assert closing in rendered.text
    assert "https://hub.example/portal/tok" in rendered.text
    assert rendered.html is not None
    assert '<a href="https://hub.example/portal/tok"' in rendered.html
    assert "<li>F-1: " in rendered.html


def test_sms_text_has_no_non_breaking_spaces() -> None:
    rendered = TemplateRenderer().render("reminder-1", "pl", "sms", CONTEXT)
    assert rendered.text == ("Hub AR: zaległość 1 234,56 €. Szczegóły i płatność: "
                             "https://hub.example/portal/tok")
    assert rendered.html is None


def test_every_template_the_rules_name_exists_in_all_languages() -> None:
    assert known_templates() == {
        "reminder-1", "reminder-2", "final-notice", "pre-legal", "promise-confirmation",
        "plan-confirmation", "plan-in-review", "dispute-received", "digest", "escalation",
        "collection-started", "instalment-reminder", "channel-paused", "invoice-copy"}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("template", ["reminder-2", "final-notice", "pre-legal",
                                      "promise-confirmation", "plan-confirmation",
                                      "plan-in-review", "dispute-received",
                                      "instalment-reminder"])
def test_every_debtor_template_renders_with_the_portal_link(template: str,
                                                            language: str) -> None:
    context = {**CONTEXT, "promise_amount": Money(Decimal("50"), "EUR"),
               "promise_date": date(2026, 12, 1), "dispute_invoices": "F-1",
               "amount": Money(Decimal("50"), "EUR"), "due_date": date(2026, 12, 1),
               "instalment_number": 2, "instalments_total": 3,
               "instalments": [{"due_date": date(2026, 12, 1),
                                "amount": Money(Decimal("50"), "EUR")}]}
    rendered = TemplateRenderer().render(template, language, "email", context)
    assert rendered.subject
    assert "https://hub.example/portal/tok" in rendered.text
    assert "{{" not in rendered.text


def test_unknown_languages_fall_back_to_english() -> None:
    assert language_of("nl-BE") == "nl"
    assert language_of("fr") == "en"
    assert language_of(None) == "en"


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_first_contact_never_claims_earlier_reminders(language: str) -> None:
    earlier = {"en": ("Despite our reminders", "Second reminder"),
               "nl": ("Ondanks onze herinneringen", "Tweede herinnering"),
               "de": ("trotz unserer Erinnerungen", "Zweite Erinnerung"),
               "pl": ("mimo przypomnień", "Drugie przypomnienie"),
               "es": ("a pesar de nuestros recordatorios", "Segundo recordatorio")}[language]
    renderer = TemplateRenderer()
    for first_contact in (True, False):
        context = {**CONTEXT, "first_contact": first_contact,
                   "previous_reminders": 0 if first_contact else 1}
        final = renderer.render("final-notice", language, "email", context)
        second = renderer.render("reminder-2", language, "email", context)
        sms = renderer.render("reminder-2", language, "sms", context)
        said = (earlier[0] in final.text, earlier[1] in second.subject,
                earlier[1].lower() in sms.text.lower())
        assert said == ((False,) * 3 if first_contact else (True,) * 3), (first_contact, said)
