"""Numbers on staff pages, formatted by Babel for the viewer's locale.

The locale is the browser's (Accept-Language) among the hub's languages, so a Dutch
reader sees `1.093.916,14` and an English one `1,093,916.14`, never `1093916.14`.
Downloads (CSV, XLSX) keep raw numbers for computing; only HTML is formatted here.
"""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency
from babel.numbers import format_decimal
from flask import Flask
from flask import has_request_context
from flask import request

from hub.domain.money import Money
from hub.domain.parsing import LANGUAGES


def viewer_locale() -> str:
    if not has_request_context():
        return "en"
    return request.accept_languages.best_match(LANGUAGES) or "en"


def number(value: object) -> str:
    """An integer or Decimal with grouping and its own decimals; text passes through."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int | Decimal | float):
        return str(value)
    if isinstance(value, int):
        return str(format_decimal(value, locale=viewer_locale()))
    exponent = Decimal(str(value)).as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    pattern = "#,##0" + ("." + "0" * places if places else "")
    return str(format_decimal(value, format=pattern, locale=viewer_locale()))


def amount(value: Money | None) -> str:
    """Money in the viewer's locale behind its ISO code: "EUR 1,093,916.14" in English,
    "EUR 1.093.916,14" in Dutch. The code, not a symbol: "$" would be ambiguous on a
    page that mixes USD, CAD and AUD."""
    if value is None:
        return ""
    return str(format_currency(value.amount, value.currency, format="¤¤\u00a0#,##0.00",
                               locale=viewer_locale()))


def register(app: Flask) -> None:
    app.jinja_env.filters.update(number=number, amount=amount)
