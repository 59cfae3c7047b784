"""The portal's pure parts: language choice, instalment schedules, proof file types, texts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from hub.domain.money import Money
from hub.domain.portal import monthly_schedule
from hub.domain.portal import portal_language
from hub.domain.portal import sniff_proof
from hub.i18n import gettext_for
from hub.i18n import ngettext_for
from hub.web.portal_text import format_money
from hub.web.portal_text import format_size


@pytest.mark.parametrize(("candidates", "expected"), [
    (("nl",), "nl"), (("nl-BE",), "nl"), (("de_AT",), "de"), (("PL",), "pl"),
    (("fr", "es"), "es"), ((None, "fr"), "en"), ((), "en"),
])
def test_the_portal_speaks_the_first_language_it_offers(candidates: tuple[str | None, ...],
                                                        expected: str) -> None:
    assert portal_language(*candidates) == expected


def test_a_schedule_adds_up_to_the_cent_and_steps_by_month() -> None:
    schedule = monthly_schedule(Money(Decimal("1000.00"), "EUR"), 3, date(2026, 1, 31))
    assert [day for day, _ in schedule] == [date(2026, 1, 31), date(2026, 2, 28),
                                           date(2026, 3, 31)]
    assert [str(amount.amount) for _, amount in schedule] == ["333.34", "333.33", "333.33"]
    assert sum((a for _, a in schedule), Money.zero("EUR")) == Money(Decimal("1000.00"), "EUR")


def test_a_schedule_in_a_currency_without_cents() -> None:
    schedule = monthly_schedule(Money(Decimal("1000"), "JPY"), 3, date(2026, 11, 30))
    assert [str(a.amount) for _, a in schedule] == ["334", "333", "333"]
    assert schedule[-1][0] == date(2027, 1, 30)


@pytest.mark.parametrize(("head", "expected"), [
    (b"%PDF-1.7\n", "application/pdf"), (b"\x89PNG\r\n\x1a\n\0\0", "image/png"),
    (b"\xff\xd8\xff\xe0\0\x10JFIF", "image/jpeg"), (b"<html><script>", None),
    (b"PK\x03\x04", None), (b"MZ\x90\x00", None), (b"", None),
])
def test_proof_types_are_recognised_by_content(head: bytes, expected: str | None) -> None:
    found = sniff_proof(head)
    assert (found.mime_type if found else None) == expected


def test_texts_and_amounts_in_the_debtors_language() -> None:
    assert ngettext_for("de", "%(num)s day overdue", "%(num)s days overdue", 5) == \
        "5 Tage überfällig"
    assert gettext_for("fr", "Your invoices") == "Your invoices"  # not offered: English
    assert format_money(Money(Decimal("1250.5"), "EUR"), "nl") == "€\xa01.250,50"
    assert format_money(Money(Decimal("1250.5"), "PLN"), "pl") == "1\xa0250,50\xa0zł"
    assert format_size(5 * 1024 * 1024, "de") == "5 MB"
    assert format_size(1536 * 1024, "en") == "1.5 MB"
    assert format_size(2048, "en") == "2 KB"
