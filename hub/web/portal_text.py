"""How the debtor portal writes amounts, dates and file sizes in the debtor's language
(Babel). The portal's words are in the gettext catalogues (hub.i18n, docs/translations.md).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from babel.dates import format_date as babel_date
from babel.numbers import format_currency
from babel.numbers import format_decimal

from hub.domain.money import Money

LANGUAGE_NAMES = {"en": "English", "nl": "Nederlands", "de": "Deutsch", "pl": "Polski",
                  "es": "Español"}


def format_money(value: Money, language: str) -> str:
    """An amount as the debtor writes it: "€ 1.250,00" in Dutch, "1.250,00 €" in German."""
    return str(format_currency(value.amount, value.currency, locale=language))


def format_date(value: date, language: str) -> str:
    return str(babel_date(value, format="long", locale=language))


def format_size(size_bytes: int, language: str) -> str:
    megabytes = Decimal(size_bytes) / (1024 * 1024)
    if megabytes >= 1:
        return f"{format_decimal(megabytes.quantize(Decimal('0.1')), locale=language)} MB"
    return f"{format_decimal(Decimal(size_bytes) // 1024, locale=language)} KB"
