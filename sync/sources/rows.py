"""Map one file's rows to import records, given its header and a Layout.

The header is checked once (missing required columns and, for strict layouts,
unknown columns are fatal); then each row becomes a record, a RejectedRow with
every problem found in it, or None for a blank or layout row (titles, subtotals).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass

from hub.domain.errors import UserError
from sync.sources import converters as conv
from sync.sources.columnar import COLUMN_BUILDERS
from sync.sources.columnar import ColumnMapper
from sync.sources.compiled import AMOUNT
from sync.sources.compiled import CONVERT
from sync.sources.compiled import TEXT
from sync.sources.compiled import FieldStep
from sync.sources.compiled import RowFunction
from sync.sources.compiled import compile_row_function
from sync.sources.fields import FIELDS
from sync.sources.mapping import FieldSource
from sync.sources.mapping import Layout
from sync.sources.records import BUILDERS

# Columns a rejects file adds in front of the original ones: a fixed rejects file
# can be imported again as it is.
REJECT_COLUMNS = ("rejected_line", "rejected_reason")

_SPACE = re.compile(r"\s+")


def normalise_heading(value: object) -> str:
    return _SPACE.sub(" ", conv.to_text(value).replace("\ufeff", "")).strip().lower()


class ColumnsError(UserError):
    """The header does not fit the layout: names what is missing or unknown."""


@dataclass(frozen=True, slots=True)
class _Plan:
    name: str
    label: str  # what a person calls it: the column heading, or the field name
    index: int  # the one column to read as it is; -1: see _pick
    indexes: tuple[int, ...]
    source: FieldSource
    mode: int  # TEXT, CONVERT or AMOUNT
    convert: Callable[[object], object] | None
    required: bool
    max_length: int | None


def _converter(kind: str, layout: Layout) -> Callable[[object], object] | None:
    simple: dict[str, Callable[[object], object]] = {
        "bool": conv.to_bool,
        "currency": conv.to_currency, "kind": conv.to_kind, "country": conv.to_country,
        "timezone": conv.to_timezone, "language": conv.to_language, "email": conv.to_email,
    }
    if kind == "date":
        return conv.date_parser(layout.dates)
    return simple.get(kind)


class RowMapper:
    def __init__(self, layout: Layout, header: Sequence[object], source: str, *,
                 strict_width: bool, text_cells: bool = False, added: int = 0) -> None:
        self.layout = layout
        self.header = [conv.to_text(cell) if cell is not None else "" for cell in header]
        self._width = len(self.header) if strict_width else 0
        self._amount = conv.amount_parser(layout.decimal)
        positions: dict[str, int] = {}
        for position, heading in enumerate(self.header):
            positions.setdefault(normalise_heading(heading), position)
        self._plans: list[_Plan] = []
        missing: list[str] = []
        used: set[int] = set()
        for name, field in FIELDS[layout.kind].items():
            spec = layout.fields[name]
            indexes = tuple(positions[key] for key in map(normalise_heading, spec.columns)
                            if key in positions)
            used.update(indexes)
            required = layout.is_required(name)
            if required and not indexes and spec.constant is None and spec.default is None:
                wanted = " or ".join(repr(column) for column in spec.columns)
                hint = "; or give a default with --currency" if name == "currency" else ""
                missing.append(wanted if wanted.strip("'") == name and not hint
                               else f"{wanted} ({name}{hint})")
            if not (indexes or spec.constant is not None or spec.default is not None):
                continue
            label = self.header[indexes[0]] if indexes else name
            plain = len(indexes) == 1 and spec.constant is None and spec.default is None \
                and spec.pad is None and spec.template is None
            convert = _converter(field.type, layout)
            mode = AMOUNT if field.type == "amount" else CONVERT if convert else TEXT
            self._plans.append(_Plan(name, label, indexes[0] if plain else -1, indexes, spec,
                                     mode, convert, required, field.max_length))
        self._required_columns: list[tuple[str, int]] = []
        for column in layout.required_columns:
            found_at = positions.get(normalise_heading(column))
            if found_at is None:
                missing.append(repr(column))
            else:
                used.add(found_at)
                self._required_columns.append((column, found_at))
        found = ", ".join(repr(h) for h in self.header if h) or "none"
        if missing:
            raise ColumnsError(f"{source}: missing required column(s) {', '.join(missing)} for "
                               f"the {layout.name} layout of {layout.kind}; columns found: {found}")
        if layout.extra_columns == "error":
            self._refuse_unknown(used, source, found)
        self.provided_fields = frozenset(plan.name for plan in self._plans)
        by_name = {plan.name: plan for plan in self._plans}
        self._skip_indexes = tuple(i for name in layout.skip_rows_without
                                   for i in (by_name[name].indexes if name in by_name else ()))
        self.skip_indexes = self._skip_indexes  # columns that, all blank, mark a layout row
        steps = [_step(plan) for plan in self._plans]
        self.map: RowFunction = compile_row_function(
            steps, width=self._width,
            skip_indexes=self._skip_indexes, required_columns=self._required_columns,
            amount=conv.amount_parser(layout.decimal), build=BUILDERS[layout.kind],
            all_fields=list(FIELDS[layout.kind]), text_cells=text_cells, added=added)
        # A chunk of CSV rows that needs nothing special is mapped a column at a time.
        builder = COLUMN_BUILDERS.get(layout.kind)
        self.columns: ColumnMapper | None = ColumnMapper(
            steps, width=self._width, skip_indexes=self._skip_indexes,
            required_columns=self._required_columns,
            amount_pattern=conv.plain_amount_pattern(layout.decimal),
            all_fields=list(FIELDS[layout.kind]), build=builder) \
            if builder is not None and text_cells else None

    def _refuse_unknown(self, used: set[int], source: str, found: str) -> None:
        known = [column for spec in self.layout.fields.values() for column in spec.columns]
        unknown = [heading for position, heading in enumerate(self.header)
                   if heading and position not in used
                   and normalise_heading(heading) not in REJECT_COLUMNS]
        if not unknown:
            return
        hints = []
        for heading in unknown:
            close = difflib.get_close_matches(heading, known, n=1)
            hints.append(f"{heading!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise ColumnsError(
            f"{source}: unknown column(s) {', '.join(hints)} for the {self.layout.name} layout "
            f"of {self.layout.kind}; expected columns: {', '.join(dict.fromkeys(known))}; "
            f"columns found: {found}")


def _step(plan: _Plan) -> FieldStep:
    pick = None if plan.index >= 0 else (lambda cells: _pick(cells, plan))
    return FieldStep(plan.name, plan.label, plan.index, pick, plan.mode, plan.convert,
                     plan.required, plan.max_length)


def _pick(cells: Sequence[object], plan: _Plan) -> object | None:
    """A field with candidates, a constant, a default, padding or a template."""
    source = plan.source
    value: object | None = source.constant
    if value is None:
        value = next((cells[i] for i in plan.indexes if i < len(cells) and cells[i] != ""),
                     source.default)
    if value is None:
        return None
    if source.pad is not None or source.template is not None:
        text = conv.to_text(value)
        if source.pad is not None and text.isdigit():
            text = text.zfill(source.pad)
        value = source.template.format(value=text) if source.template else text
    return value
