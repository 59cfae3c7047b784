"""Read the sheet layout file (YAML): columns, order and widths. Headers and the sheet's
other words come from the catalogues (hub.i18n) in HUB_SHEETS_LANGUAGE; a layout may give
its own `headers:` per language for a column, which win for that language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from hub.domain.errors import UserError
from hub.domain.sheets import EDITABLE_FIELDS
from hub.domain.sheets import KEY_FIELD
from hub.domain.sheets import SheetColumn
from hub.domain.sheets import SheetLayout
from hub.i18n import N_
from hub.i18n import gettext_for
from hub.safe_yaml import YamlLimitError
from hub.safe_yaml import not_utf8
from hub.safe_yaml import read_limited
from hub.safe_yaml import safe_load

DEFAULT_LAYOUT = Path(__file__).with_name("layout.yaml")
HEADERS = {  # every column's header (the English msgid)
    "customer": N_("Customer"), "contact": N_("Contact"), "phone": N_("Phone"),
    "balance": N_("Balance"), "currency": N_("Currency"),
    "oldest_due": N_("Oldest due"), "days_overdue": N_("Days overdue"),
    "current_step": N_("Current step"), "next_action": N_("Suggested next action"),
    "last_contact": N_("Last contact"), "score": N_("Score"), "portal_link": N_("Portal link"),
    "status": N_("Status"), "outcome": N_("Outcome"), "promise_date": N_("Promise date"),
    "promise_amount": N_("Promise amount"), "note": N_("Note"), "snooze_until": N_("Snooze until"),
}
KEY_HEADER = "Key"  # the hidden key column, the same in every language
TEXTS = {"empty_message": N_("Nothing left to do"),
         "last_check": N_("last check"), "summary_title": N_("Summary"), "owner": N_("Owner")}
SUMMARY_HEADERS = (N_("Owner"), N_("Accounts"), N_("Balance"), N_("Currency"),
                   N_("Most days overdue"), N_("Last check"))


class LayoutError(UserError):
    """The layout file cannot be used; the message names the file and the column."""


def _summary_headers(headers: list[Any], language: str) -> tuple[str, ...]:
    """A layout's own summary headers; an older layout's five get the currency column the
    balance now stands beside."""
    found = [str(header) for header in headers]
    if len(found) == 5:
        currency_header = SUMMARY_HEADERS[3]
        found.insert(3, gettext_for(language, currency_header))
    return tuple(found)


def _text(texts: dict[str, Any], name: str, language: str, default: Any) -> Any:
    """The layout's own words for `language`, else the catalogue's."""
    entry = texts.get(name)
    if isinstance(entry, dict) and language in entry:
        return entry[language]
    if default == KEY_HEADER:
        return default
    if isinstance(default, str):
        return gettext_for(language, default)
    if isinstance(default, tuple):
        return [gettext_for(language, text) for text in default]
    return default


def load_layout(path: Path | None = None, language: str = "en") -> SheetLayout:
    path = path or DEFAULT_LAYOUT
    try:  # within hub.safe_yaml's limits: size, references, nesting, values
        data = safe_load(read_limited(path))
    except OSError as exc:
        raise LayoutError(f"{path}: cannot read the sheet layout: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        line, problem = not_utf8(exc)
        raise LayoutError(f"{path}: line {line}: {problem}") from None
    except YamlLimitError as exc:
        raise LayoutError(f"{path}: {exc}") from None
    except yaml.YAMLError as exc:
        raise LayoutError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("columns"), list):
        raise LayoutError(f"{path}: a sheet layout needs a 'columns:' list")
    texts = data.get("texts") or {}
    columns = [SheetColumn(KEY_FIELD, str(_text(texts, "key", language, KEY_HEADER)), False,
                           10)]
    for number, raw in enumerate(data["columns"], start=1):
        entry = {"field": raw} if isinstance(raw, str) else raw
        if not isinstance(entry, dict) or not isinstance(entry.get("field"), str):
            raise LayoutError(f"{path}: column {number} needs a 'field:' name")
        name = entry["field"]
        headers = entry.get("headers") or {}
        if not isinstance(headers, dict):
            raise LayoutError(f"{path}: column {name}: 'headers:' must map languages to text")
        header = headers[language] if language in headers else \
            gettext_for(language, HEADERS[name]) if not headers and name in HEADERS else \
            headers.get("en", name.replace("_", " ").capitalize())
        width = entry.get("width", 14)
        if not isinstance(width, int) or not 3 <= width <= 200:
            raise LayoutError(f"{path}: column {name}: width must be a whole number 3-200")
        columns.append(SheetColumn(name, str(header), name in EDITABLE_FIELDS, width))
    fields = [column.field for column in columns]
    if "balance" in fields and "currency" not in fields:
        # a balance is a number, so its currency must stand beside it (older layouts)
        currency_header = HEADERS["currency"]
        columns.insert(fields.index("balance") + 1, SheetColumn(
            "currency", gettext_for(language, currency_header), False, 9))
    summary_headers = _text(texts, "summary_headers", language, SUMMARY_HEADERS)
    try:
        return SheetLayout(
            columns=tuple(columns),
            language=language,
            empty_message=str(_text(texts, "empty_message", language, TEXTS["empty_message"])),
            last_check=str(_text(texts, "last_check", language, TEXTS["last_check"])),
            summary_title=str(_text(texts, "summary_title", language, TEXTS["summary_title"])),
            owner_header=str(_text(texts, "owner", language, TEXTS["owner"])),
            **({"summary_headers": _summary_headers(summary_headers, language)}
               if isinstance(summary_headers, list) and len(summary_headers) in (5, 6)
               else {}),
        )
    except ValueError as exc:
        raise LayoutError(f"{path}: {exc}") from None
