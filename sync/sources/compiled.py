"""Compile a row mapper into one straight-line Python function per file.

A generic loop over a layout's fields costs three times what the same work costs
written out by hand (measured: 42k against 137k rows a second), and imports read
millions of rows. So, once per file, the mapper's plan (which column feeds which
field, and how it is converted) is written out as the source of a function, the way
`dataclasses` writes `__init__`, and compiled. The generated code only indexes
cells, compares, and calls the converters it is given; every name and message in
it comes from the plan through repr(), never from the file being read.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hub.domain.records import ImportRecord
from hub.domain.records import RejectedRow
from sync.sources import converters as conv

RowFunction = Callable[[int, Sequence[object]], ImportRecord | RejectedRow | None]

TEXT, CONVERT, AMOUNT = 0, 1, 2
FAILED = object()  # a value that could not be read (its error is already reported)


@dataclass(frozen=True)
class FieldStep:
    """How one field is read: from `index` (or by `pick` when < 0), then converted."""

    name: str
    label: str  # what a person calls it: the column heading, or the field name
    index: int
    pick: Callable[[Sequence[object]], object] | None
    mode: int  # TEXT, CONVERT or AMOUNT (converted once the row's currency is known)
    convert: Callable[[object], object] | None
    required: bool
    max_length: int | None


def _field_source(number: int, step: FieldStep, text_cells: bool) -> list[str]:
    var, label = f"v{number}", step.label
    text = step.index >= 0 and text_cells  # a str for sure: only '' is empty
    if text:
        lines = [f"{var} = c[{step.index}]", f"if not {var}:", f"    {var} = None"]
    else:
        read = f"c[{step.index}]" if step.index >= 0 else f"pick{number}(c)"
        lines = [f"{var} = {read}", f"if {var} is None or {var} == '':", f"    {var} = None"]
    if step.required:
        lines.append(f"    errors.append({label + ' is empty'!r})")
    if step.mode == TEXT:
        checks = [] if text else [f"if type({var}) is not str:", f"    {var} = to_text({var})"]
        if step.max_length is not None:
            checks += [f"if len({var}) > {step.max_length}:",
                       f"    errors.append({label!r} + ' is ' + str(len({var})) + "
                       f"' characters long (at most {step.max_length})')"]
        if checks:
            lines += ["else:", *(f"    {check}" for check in checks)]
    elif step.mode == CONVERT:
        lines += ["else:", "    try:", f"        {var} = convert{number}({var})",
                  "    except FieldError as exc:",
                  f"        errors.append({label + ': '!r} + str(exc))",
                  f"        {var} = FAILED"]
    return lines


def _amount_source(number: int, step: FieldStep, currency: str | None) -> list[str]:
    var, label = f"v{number}", step.label
    lines = [f"if {var} is not None:"]
    if currency is None:
        return [*lines, f"    errors.append({label + ' needs a currency and the row has none'!r})"]
    return [*lines,
            f"    if type({currency}) is not str:",
            f"        if {currency} is not FAILED:",
            f"            errors.append({label + ' needs a currency and the row has none'!r})",
            "    else:", "        try:", f"            {var} = amount({var}, {currency})",
            "        except FieldError as exc:",
            f"            errors.append({label + ': '!r} + str(exc))"]


def compile_row_function(steps: Sequence[FieldStep], *, width: int,
                         skip_indexes: Sequence[int],
                         required_columns: Sequence[tuple[str, int]],
                         amount: Callable[[object, str], object],
                         build: Callable[[int, tuple[Any, ...], Sequence[object]], object],
                         all_fields: Sequence[str], text_cells: bool = False,
                         added: int = 0) -> RowFunction:
    """The mapper; `build` gets a tuple of values, one for each of `all_fields` in that
    order (None when not given).

    `text_cells`: every cell is a str (a CSV file), which lets the tests be shorter.
    `added`: cells the reader appends to each row (a report's heading), not in the file.
    """
    namespace: dict[str, Any] = {
        "FieldError": conv.FieldError, "FAILED": FAILED, "RejectedRow": RejectedRow,
        "to_text": conv.to_text, "amount": amount, "build": build, "strip": str.strip}
    if text_cells:
        body = ["c = [*map(strip, cells)]", "if not any(c):", "    return None  # a blank line"]
    else:
        body = ["c = [x.strip() if type(x) is str else x for x in cells]",
                "if not any(x != '' for x in c):", "    return None  # a blank line"]
    if width:
        body += [f"if len(c) != {width}:",
                 f"    return RejectedRow(line, 'row has ' + str(len(c) - {added}) + "
                 f"' fields, the header has {width - added}', cells[:len(cells) - {added}])"]
    if skip_indexes:
        test = " and ".join(f"c[{i}] == ''" for i in skip_indexes)
        body += [f"if {test}:", "    return None  # a title, section or subtotal row"]
    body.append("errors = []")
    currency = None
    for number, step in enumerate(steps):
        namespace[f"pick{number}"] = step.pick
        namespace[f"convert{number}"] = step.convert
        body += _field_source(number, step, text_cells)
        if step.name == "currency":
            currency = f"v{number}"
    for number, step in enumerate(steps):
        if step.mode == AMOUNT:
            body += _amount_source(number, step, currency)
    for column, index in required_columns:
        body += [f"if len(c) <= {index} or c[{index}] == '':",
                 f"    errors.append({column + ' is empty'!r})"]
    given = {step.name: f"v{number}" for number, step in enumerate(steps)}
    values = "".join(f"{given.get(name, 'None')}, " for name in all_fields)
    body += ["if errors:",
             "    return RejectedRow(line, '; '.join(dict.fromkeys(errors)), cells)",
             f"record = build(line, ({values}), cells)",
             "if type(record) is str:", "    return RejectedRow(line, record, cells)",
             "return record"]
    source = "def map_row(line, cells):\n" + "".join(f"    {line}\n" for line in body)
    exec(compile(source, "<row mapper>", "exec"), namespace)  # noqa: S102 - see module doc
    function: RowFunction = namespace["map_row"]
    function.source = source  # type: ignore[attr-defined]  # for debugging and tests
    return function
