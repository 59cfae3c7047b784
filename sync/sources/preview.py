"""An open-items file before it is imported: which of its columns hold which field (guessed
from the presets' column names), a mapping file that says so, and the first rows exactly as
the importer reads them with that mapping (the onboarding page, docs/creditors.md).

Nothing here parses a file of its own: the header is the one `TabularSource` finds, the
rows are the records and rejected rows `open_source` gives the importer, and the mapping
is an ordinary mapping file (docs/imports.md) that `import_file` then reads as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from pathlib import Path
from typing import Any

from hub.domain.errors import UserError
from hub.domain.records import InvoiceColumns
from hub.domain.records import RejectedRow
from sync.sources.fields import FIELDS
from sync.sources.mapping import build_layout
from sync.sources.mapping import load_settings
from sync.sources.mapping import preset_names
from sync.sources.rows import normalise_heading
from sync.sources.tabular import header_score
from sync.sources.tabular import open_source
from sync.sources.tabular import read_header
from sync.sources.textfile import scan

KIND = "invoices"
SHOWN_ROWS = 10  # rows shown as read
SHOWN_REJECTS = 20  # rejected rows listed from anywhere in the file
BATCH = 5000
# Invoice fields as the record calls them (InvoiceRecord), for the rows shown.
RECORD_NAMES = {"invoice_number": "number", "customer_id": "customer_code",
                "customer_name": "customer_name", "country": "customer_country",
                "segment": "customer_segment"}


_NUMBER = re.compile(r"(?:\b(?:no|nr|num)\.?|#)$")


def _plain(text: str) -> str:
    """A heading without case, spaces or punctuation, a trailing "No.", "Nr", "Num" or "#"
    read as "number": `Invoice No.` -> `invoicenumber`."""
    return re.sub(r"[^0-9a-z]", "", _NUMBER.sub("number", normalise_heading(text)))


@dataclass(frozen=True)
class Guess:
    """The preset that fits the file best and, per field, the file's column that holds it
    ("" when none does)."""

    preset: str
    header_row: int
    columns: list[str]  # the file's headings, in order
    chosen: dict[str, str]


@dataclass(frozen=True)
class PreviewRow:
    line: int
    values: dict[str, str]  # field -> the value as read (dates ISO, amounts exact)
    error: str = ""  # the rejected row's reason, as the rejects file gives it


@dataclass(frozen=True)
class Preview:
    rows: list[PreviewRow]  # the first rows, read or rejected
    rejects: list[PreviewRow]  # rejected rows after those, the first of them
    read: int  # rows that read as invoices, in the whole file
    rejected: int  # rows refused, in the whole file
    unread_columns: list[str] = field(default_factory=list)  # headings no field reads


def _preset_settings(preset: str) -> dict[str, Any] | None:
    try:
        return load_settings(KIND, preset, None)[1]
    except UserError:
        return None  # the preset has no invoices layout


def _candidates(settings: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, value in (settings.get("columns") or {}).items():
        if value is None:
            continue
        found[name] = [str(v) for v in (value if isinstance(value, list) else [value])]
    return found


def guess(path: Path) -> Guess:
    """The preset whose columns the file's header names most (the first of equals, the
    generic layout last), and for each field the column it reads, or else a column named
    like one of the presets' columns for that field, or like the field itself."""
    scored = []
    facts = scan(path, None)  # once: every layout reads the same bytes
    for order, name in enumerate(sorted(preset_names(), key=lambda n: n == "generic")):
        settings = _preset_settings(name)
        if settings is None:
            continue
        layout = build_layout(KIND, name, {**settings, "required": [],
                                           "required_columns": []})
        row, header = read_header(path, layout, facts)
        scored.append((header_score(layout, header), -order, name, row, header, settings))
    score, _, preset, row, header, settings = max(scored, key=lambda s: s[:2])
    by_plain: dict[str, str] = {}
    for heading in header:
        if heading:
            by_plain.setdefault(_plain(heading), heading)
    chosen: dict[str, str] = {}
    taken: set[str] = set()
    own = _candidates(settings) if score else {}
    others = [_candidates(s[5]) for s in scored]
    for name in FIELDS[KIND]:
        names = [*own.get(name, []), *(c for o in others for c in o.get(name, [])), name]
        found = next((by_plain[_plain(c)] for c in names
                      if _plain(c) in by_plain and by_plain[_plain(c)] not in taken), "")
        chosen[name] = found
        if found:
            taken.add(found)
    return Guess(preset if score else "generic", row, [h for h in header if h], chosen)


DATE_CHOICES = ("iso", "day-first,iso", "month-first,iso", "excel,iso")
DECIMAL_CHOICES = ("dot", "comma", "auto")


def reading(preset: str) -> tuple[str, str]:
    """How `preset` reads dates (styles joined by commas) and amounts (dot, comma, auto)."""
    settings = _preset_settings(preset) or {}
    dates = settings.get("dates", "iso")
    return (",".join(dates if isinstance(dates, list) else [str(dates)]),
            str(settings.get("decimal", "dot")))


def mapping_data(preset: str, chosen: dict[str, str], currency: str | None,
                 dates: str | None = None, decimal: str | None = None) -> dict[str, Any]:
    """A mapping file (docs/imports.md) that reads the file as `preset` does but takes each
    field from the column chosen for it (a field with none is not read), ignores the other
    columns, gives rows without a currency `currency`, and reads dates in the `dates`
    styles (comma-separated, tried in order) and amounts in the `decimal` style when they
    are given (else as the preset does). It stands alone (no `extends`),
    so what was previewed is what is imported, whatever happens to the presets."""
    settings = dict(_preset_settings(preset) or {})
    unknown = sorted(set(chosen) - set(FIELDS[KIND]))
    if unknown:
        raise UserError(f"unknown field(s) {', '.join(unknown)}; fields for {KIND}: "
                        f"{', '.join(FIELDS[KIND])}")
    kept = {name for name, column in chosen.items() if column}
    as_preset = {name for name, columns in _candidates(settings).items()
                 if chosen.get(name) in columns}  # padding and templates are for those
    settings["columns"] = {name: chosen[name] for name in FIELDS[KIND] if name in kept}
    for key in ("pad", "templates"):
        settings[key] = {k: v for k, v in (settings.get(key) or {}).items() if k in as_preset}
    settings["required"] = [n for n in settings.get("required") or [] if n in kept]
    settings["skip_rows_without"] = [n for n in settings.get("skip_rows_without") or []
                                     if n in kept]
    if settings.get("heading_rows") not in (None, "skip"):
        settings["heading_rows"] = [n for n in settings["heading_rows"] if n in kept] or None
    settings["extra_columns"] = "ignore"
    if dates:
        settings["dates"] = [style.strip() for style in dates.split(",") if style.strip()]
    if decimal:
        settings["decimal"] = decimal
    defaults = dict(settings.get("defaults") or {})
    if currency:
        defaults["currency"] = currency
    settings["defaults"] = defaults
    settings = {key: value for key, value in settings.items() if value not in (None, [], {})}
    return {"name": f"onboarding ({preset})", KIND: settings}


def missing(chosen: dict[str, str], currency: str | None) -> list[str]:
    """The required fields no column is chosen for (the currency may have a default)."""
    return [name for name, spec in FIELDS[KIND].items() if spec.required
            and not chosen.get(name) and not (name == "currency" and currency)]


def _shown(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[no-any-return]
    return str(value)


def _values(record: object) -> dict[str, str]:
    names = {f.name for f in fields(record)}  # type: ignore[arg-type]
    return {name: _shown(getattr(record, RECORD_NAMES.get(name, name)))
            for name in FIELDS[KIND] if RECORD_NAMES.get(name, name) in names}


def preview(path: Path, mapping: Path, *, shown: int = SHOWN_ROWS) -> Preview:
    """The file read with the mapping, as the importer reads it: the first `shown` rows
    (each read, or rejected with its line and reason), the rejected rows further on, and
    how many rows read and failed in the whole file. Raises UserError (with the file, and
    the line or column) for a file that cannot be imported at all."""
    rows: list[PreviewRow] = []
    rejects: list[PreviewRow] = []
    read = rejected = 0
    with open_source(path, KIND, mapping=mapping) as source:
        used = {normalise_heading(c) for spec in source.layout.fields.values()
                for c in spec.columns}
        unread = [h for h in source.mapper.header
                  if h and normalise_heading(h) not in used]
        for batch in source.batches(BATCH):  # the importer's own reading, columns and all
            if isinstance(batch, InvoiceColumns):
                if len(rows) < shown:
                    rows += [PreviewRow(r.line, _values(r))
                             for r in batch.records()[:shown - len(rows)]]
                read += len(batch)
                continue
            for item in batch:
                rejected, read = _count(item, rows, rejects, shown=shown,
                                        tally=(rejected, read))
    return Preview(rows, rejects, read, rejected, unread)


def _count(item: object, rows: list[PreviewRow], rejects: list[PreviewRow], *,
           shown: int, tally: tuple[int, int]) -> tuple[int, int]:
    """One row read row by row: shown among the first, or listed when rejected; the
    (rejected, read) tally after it."""
    rejected, read = tally
    if isinstance(item, RejectedRow):
        row = PreviewRow(item.line, {}, item.reason)
        if len(rows) < shown:
            rows.append(row)
        elif len(rejects) < SHOWN_REJECTS:
            rejects.append(row)
        return rejected + 1, read
    if len(rows) < shown:
        rows.append(PreviewRow(item.line, _values(item)))  # type: ignore[attr-defined]
    return rejected, read + 1


def customer_codes(path: Path, mapping: Path) -> set[str]:
    """The customers the rows that read name (the importer's reading)."""
    found: set[str] = set()
    with open_source(path, KIND, mapping=mapping) as source:
        for batch in source.batches(BATCH):
            if isinstance(batch, InvoiceColumns):
                found.update(batch.customer_code)
            else:
                found.update(item.customer_code for item in batch  # type: ignore[union-attr]
                             if not isinstance(item, RejectedRow))
    return found
