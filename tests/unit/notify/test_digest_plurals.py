"""A digest counts accounts and days the way its reader's language does: "1 account" in
English, and in Polish "1 konto", "2 konta", "5 kont", "22 konta" (three plural forms)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from hub.domain.money import Money
from hub.domain.worklist import WorklistRow
from hub.services.notify.digests import DigestSettings
from hub.services.notify.digests import _digest
from notifications.templates import TemplateRenderer

DAY = date(2026, 11, 23)


def _row(number: int, days_overdue: int = 5) -> WorklistRow:
    money = Money(Decimal("100.00"), "EUR")
    return WorklistRow(customer_code=f"C-{number}", customer_name=f"Customer {number}",
                       owner="ann@example.com", department="sales", main_contact=None,
                       balance=money, overdue=money, oldest_due_date=DAY,
                       days_overdue=days_overdue, current_step=None,
                       suggested_action="Call the customer", open_task_ids=(number,),
                       last_contact=None, score=None, priority=1)


def _digest_text(language: str, accounts: int, days_overdue: int = 5) -> tuple[str, str]:
    settings = DigestSettings(language=language)
    message = _digest("ann@example.com", "ann@example.com",
                      [_row(n, days_overdue) for n in range(accounts)], ("email",), DAY,
                      settings=settings, sheet_link="", worklist_link="http://hub/worklist")
    assert message.language == language  # the staff language travels with the message
    rendered = TemplateRenderer().render(message.template, message.language, "email",
                                         message.context)
    return rendered.subject, rendered.text


@pytest.mark.parametrize(("language", "subject", "line"), [
    ("en", "Collections for 2026-11-23: 1 account, 100.00",
     "1 account needs you today, 100.00 overdue."),
    ("nl", "Incasso op 2026-11-23: 1 klant, 100.00",
     "1 klant heeft vandaag uw aandacht nodig, 100.00 achterstallig."),
    ("de", "Forderungen am 2026-11-23: 1 Kunde, 100.00",
     "1 Kunde braucht heute Ihre Aufmerksamkeit, 100.00 überfällig."),
    ("pl", "Windykacja 2026-11-23: 1 konto, 100.00",
     "1 konto wymaga dziś Twojej uwagi, zaległości 100.00."),
    ("es", "Cobros del 2026-11-23: 1 cuenta, 100.00",
     "1 cuenta necesita su atención hoy, 100.00 vencido."),
])
def test_a_digest_for_one_account_uses_the_singular(language: str, subject: str,
                                                    line: str) -> None:
    found_subject, text = _digest_text(language, 1)
    assert found_subject == subject
    assert line in text
    assert "1 accounts" not in text


@pytest.mark.parametrize(("accounts", "word", "verb"), [
    (2, "konta", "wymagają"), (5, "kont", "wymaga"), (22, "konta", "wymagają"),
    (25, "kont", "wymaga"), (12, "kont", "wymaga"),
])
def test_a_polish_digest_uses_the_plural_form_of_the_number(accounts: int, word: str,
                                                            verb: str) -> None:
    subject, text = _digest_text("pl", accounts)
    assert subject == f"Windykacja 2026-11-23: {accounts} {word}, {accounts * 100}.00"
    assert text.startswith(f"{accounts} {word} {verb} dziś Twojej uwagi")


@pytest.mark.parametrize(("language", "one", "many"), [
    ("en", "1 day overdue", "3 days overdue"),
    ("nl", "1 dag te laat", "3 dagen te laat"),
    ("de", "1 Tag überfällig", "3 Tage überfällig"),
    ("pl", "1 dzień po terminie", "3 dni po terminie"),
    ("es", "1 día de retraso", "3 días de retraso"),
])
def test_days_overdue_per_account_are_counted_too(language: str, one: str, many: str) -> None:
    assert one in _digest_text(language, 1, days_overdue=1)[1]
    assert many in _digest_text(language, 1, days_overdue=3)[1]


def test_the_next_step_is_said_in_the_readers_language() -> None:
    assert "Volgende stap: Bel de klant" in _digest_text("nl", 1)[1]
    assert "Następny krok: Zadzwoń do klienta" in _digest_text("pl", 1)[1]
    assert "Next: Call the customer" in _digest_text("en", 1)[1]
