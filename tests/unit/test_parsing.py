"""The one reader of typed amounts and dates (hub.domain.parsing), per language."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from babel.dates import format_date
from babel.numbers import format_currency
from babel.numbers import format_decimal
from hypothesis import given
from hypothesis import strategies as st

from hub.domain.parsing import LANGUAGES
from hub.domain.parsing import ParseError
from hub.domain.parsing import format_amount
from hub.domain.parsing import parse_amount
from hub.domain.parsing import parse_date
from hub.domain.parsing import parse_money

cents = st.integers(min_value=0, max_value=10**12).map(lambda n: Decimal(n).scaleb(-2))
languages = st.sampled_from(LANGUAGES)


@given(cents, languages)
def test_an_amount_written_the_readers_way_reads_back(amount: Decimal, language: str) -> None:
    assert parse_amount(format_amount(amount, language), language) == amount
    assert parse_amount(format_decimal(amount, format="#,##0.00", locale=language),
                        language) == amount


@given(cents, languages, st.sampled_from(["EUR", "PLN", "USD", "GBP"]))
def test_an_amount_with_its_currency_as_babel_writes_it_reads_back(
        amount: Decimal, language: str, currency: str) -> None:
    written = format_currency(amount, currency, locale=language)
    assert parse_money(written, currency, language).amount == amount


@given(cents, languages, languages)
def test_an_amount_written_in_another_languages_way_reads_the_same(
        amount: Decimal, written_in: str, reader: str) -> None:
    assert parse_amount(format_amount(amount, written_in), reader) == amount


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2199, 12, 31)), languages)
def test_a_date_reads_back_as_iso_and_as_the_reader_writes_it(day: date, language: str) -> None:
    assert parse_date(day.isoformat(), language) == day
    if language != "en":  # day first: 31-12-2026, 31.12.2026, 31/12/2026
        written = format_date(day, format="dd.MM.yyyy", locale=language)
        assert parse_date(written, language) == day
        assert parse_date(f"{day.day}/{day.month}/{day.year}", language) == day


@pytest.mark.parametrize(("typed", "expected"), [
    ("150,50", "150.50"), ("150.50", "150.50"), ("1.234,56", "1234.56"),
    ("1,234.56", "1234.56"), ("1 234,56", "1234.56"), ("EUR 1.250,00", "1250.00"),
    ("1.234.567", "1234567"), ("0,125", "0.125"), ("1234,567", "1234.567"), ("-5", "-5")])
@pytest.mark.parametrize("language", LANGUAGES)
def test_what_people_type_means_one_thing_in_every_language(typed: str, expected: str,
                                                            language: str) -> None:
    assert parse_amount(typed, language) == Decimal(expected)


@pytest.mark.parametrize(("language", "message"), [
    ("en", "“1,234” can be read two ways; write it with the cents, like 1,234.00."),
    ("nl", "“1,234” kan op twee manieren gelezen worden; schrijf het met de centen, "
           "zoals 1.234,00."),
    ("de", "“1,234” ist mehrdeutig; bitte mit Cent schreiben, z. B. 1.234,00."),
    ("pl", "“1,234” można odczytać na dwa sposoby; wpisz kwotę z groszami, np. 1 234,00."),
    ("es", "“1,234” se puede leer de dos maneras; escriba el importe con céntimos, "
           "por ejemplo 1.234,00."),
])
def test_an_ambiguous_amount_is_refused_in_the_readers_language(language: str,
                                                                 message: str) -> None:
    with pytest.raises(ParseError) as refused:
        parse_amount("1,234", language)
    assert refused.value.message(language) == message


@pytest.mark.parametrize("typed", ["ten", "1e5", "1,2,3", "12 34", "1.23,4", "NaN", "--5"])
def test_what_is_not_an_amount_is_refused(typed: str) -> None:
    with pytest.raises(ParseError, match="is not an amount"):
        parse_amount(typed, "en")


def test_more_decimals_than_the_currency_has_is_refused_not_rounded() -> None:
    with pytest.raises(ParseError):
        parse_money("150,5055", "EUR", "nl")
    assert parse_money("150,5", "EUR", "nl").amount == Decimal("150.50")
    assert parse_money("1.150,505", "KWD", "nl").amount == Decimal("1150.505")


def test_an_english_slash_date_that_could_swap_is_refused() -> None:
    with pytest.raises(ParseError, match="can be read two ways"):
        parse_date("03/04/2026", "en")
    assert parse_date("03/04/2026", "nl") == date(2026, 4, 3)
    assert parse_date("12/31/2026", "en") == date(2026, 12, 31)
    assert parse_date("31/12/2026", "en") == date(2026, 12, 31)
    with pytest.raises(ParseError) as refused:
        parse_date("31-02-2026", "nl")
    assert refused.value.message("nl") == ("“31-02-2026” is geen datum; schrijf het zoals "
                                           "31-12-2026.")
