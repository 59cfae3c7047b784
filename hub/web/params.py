"""Query parameters of the JSON API: strict parsing and the pagination envelope."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask import request
from flask import url_for

from hub.domain.currency import UnknownCurrency
from hub.domain.currency import normalise_currency
from hub.domain.parsing import ParseError
from hub.domain.parsing import parse_date
from hub.web.errors import bad_parameter

PAGINATION = ("page", "per_page")


def allow_only(*names: str) -> None:
    """Refuse unknown parameters, so a misspelt filter never silently returns everything."""
    unknown = sorted(set(request.args) - set(names))
    if unknown:
        name = unknown[0]
        raise bad_parameter(name, request.args[name],
                            f"one of {', '.join(names)}" if names else "no parameters")


def text(name: str) -> str | None:
    value = request.args.get(name, "").strip()
    if "\x00" in value:  # no stored text holds one, and PostgreSQL refuses it in a query
        raise bad_parameter(name, value.replace("\x00", "\\0"), "text without NUL characters")
    return value or None


def boolean(name: str) -> bool | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    if raw.lower() in ("true", "1", "yes"):
        return True
    if raw.lower() in ("false", "0", "no"):
        return False
    raise bad_parameter(name, raw, "true or false")


def iso_date(name: str) -> date | None:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return None
    try:
        return parse_date(raw, "en")  # the one date reader
    except ParseError:
        raise bad_parameter(name, raw, "a date as YYYY-MM-DD") from None


def currency(name: str) -> str | None:
    raw = text(name)
    if raw is None:
        return None
    try:
        return normalise_currency(raw)
    except UnknownCurrency:
        raise bad_parameter(name, raw, "an ISO 4217 currency code such as EUR") from None


def choice(name: str, options: Iterable[str]) -> str | None:
    raw = text(name)
    allowed = list(options)
    if raw is not None and raw not in allowed:
        raise bad_parameter(name, raw, f"one of {', '.join(allowed)}")
    return raw


def _positive(name: str, default: int, maximum: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    expected = f"a whole number from 1 to {maximum}" if maximum else "a whole number from 1"
    try:
        value = int(raw)
    except ValueError:
        raise bad_parameter(name, raw, expected) from None
    if value < 1 or (maximum is not None and value > maximum):
        raise bad_parameter(name, raw, expected)
    return value


@dataclass(frozen=True)
class Paging:
    page: int
    per_page: int


MAX_PAGE = 1_000_000  # far past any real list; a larger number cannot be an offset


def paging(default_size: int, max_size: int) -> Paging:
    return Paging(_positive("page", 1, MAX_PAGE), _positive("per_page", default_size, max_size))


def _link(page: int, per_page: int) -> str:
    args: dict[str, Any] = {**(request.view_args or {}), **request.args.to_dict(),
                            "page": page, "per_page": per_page}
    return url_for(str(request.endpoint), **args)


def paginated(data: list[Any], *, total: int, paging: Paging,
              extra_meta: dict[str, Any] | None = None) -> dict[str, Any]:
    """The list envelope: {"data": [...], "meta": {...}, "links": {...}}."""
    pages = math.ceil(total / paging.per_page)
    page, size = paging.page, paging.per_page
    return {
        "data": data,
        "meta": {"page": page, "per_page": size, "total": total, "pages": pages,
                 **(extra_meta or {})},
        "links": {"self": _link(page, size),
                  "next": _link(page + 1, size) if page < pages else None,
                  "prev": _link(min(page - 1, max(pages, 1)), size) if page > 1 else None},
    }
