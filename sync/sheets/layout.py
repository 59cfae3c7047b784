"""Read the sheet layout file (YAML): columns, order, widths and headers per language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from hub.domain.errors import UserError
from hub.domain.sheets import EDITABLE_FIELDS
from hub.domain.sheets import KEY_FIELD
from hub.domain.sheets import SheetColumn
from hub.domain.sheets import SheetLayout
from hub.safe_yaml import YamlLimitError
from hub.safe_yaml import not_utf8
from hub.safe_yaml import read_limited
from hub.safe_yaml import safe_load

DEFAULT_LAYOUT = Path(__file__).with_name("layout.yaml")
# A balance is a number; its currency must stand beside it (a layout written before the
# currency column existed gets it right after balance, with this header).
CURRENCY_HEADERS = {"en": "Currency", "nl": "Valuta", "de": "Währung", "pl": "Waluta",
                    "es": "Moneda"}


class LayoutError(UserError):
    """The layout file cannot be used; the message names the file and the column."""


def _text(texts: dict[str, Any], name: str, language: str, default: Any) -> Any:
    entry = texts.get(name)
    if not isinstance(entry, dict):
        return default
    return entry.get(language, entry.get("en", default))


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
    columns = [SheetColumn(KEY_FIELD, str(_text(texts, "key", language, "Key")), False, 10)]
    for number, raw in enumerate(data["columns"], start=1):
        entry = {"field": raw} if isinstance(raw, str) else raw
        if not isinstance(entry, dict) or not isinstance(entry.get("field"), str):
            raise LayoutError(f"{path}: column {number} needs a 'field:' name")
        name = entry["field"]
        headers = entry.get("headers") or {}
        if not isinstance(headers, dict):
            raise LayoutError(f"{path}: column {name}: 'headers:' must map languages to text")
        header = headers.get(language, headers.get("en", name.replace("_", " ").capitalize()))
        width = entry.get("width", 14)
        if not isinstance(width, int) or not 3 <= width <= 200:
            raise LayoutError(f"{path}: column {name}: width must be a whole number 3-200")
        columns.append(SheetColumn(name, str(header), name in EDITABLE_FIELDS, width))
    fields = [column.field for column in columns]
    if "balance" in fields and "currency" not in fields:
        columns.insert(fields.index("balance") + 1, SheetColumn(
            "currency", CURRENCY_HEADERS.get(language, "Currency"), False, 9))
    summary_headers = _text(texts, "summary_headers", language, None)
    try:
        return SheetLayout(
            columns=tuple(columns),
            language=language,
            empty_message=str(_text(texts, "empty_message", language, "Nothing left to do")),
            last_check=str(_text(texts, "last_check", language, "last check")),
            summary_title=str(_text(texts, "summary_title", language, "Summary")),
            owner_header=str(_text(texts, "owner", language, "Owner")),
            **({"summary_headers": tuple(str(h) for h in summary_headers)}
               if isinstance(summary_headers, list) and len(summary_headers) == 5 else {}),
        )
    except ValueError as exc:
        raise LayoutError(f"{path}: {exc}") from None
