"""Presets and mapping files (YAML) → a validated Layout for one kind of import.

A mapping file has the shape of a preset (sync/sources/presets/*.yaml) and may
`extends:` one; its settings override the preset's. Every mistake in a mapping
file is reported with the file and the key, before any row is read.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from hub.domain.errors import UserError
from hub.safe_yaml import YamlLimitError
from hub.safe_yaml import not_utf8
from hub.safe_yaml import read_limited
from hub.safe_yaml import safe_load
from sync.sources.converters import DATE_STYLES
from sync.sources.converters import DECIMAL_STYLES
from sync.sources.fields import FIELDS
from sync.sources.fields import KINDS

PRESETS_DIR = Path(__file__).with_name("presets")
DEFAULT_PRESET = "generic"

_SHARED_KEYS = {"dates", "decimal", "extra_columns", "delimiter", "encoding", "sheet",
                "header_row"}
_KIND_KEYS = _SHARED_KEYS | {"columns", "defaults", "constants", "pad", "templates",
                             "required", "required_columns", "skip_rows_without"}
_TOP_KEYS = _SHARED_KEYS | set(KINDS) | {"name", "description", "extends"}


class MappingError(UserError):
    """A preset or mapping file that cannot be used; says which file and key."""


@dataclass(frozen=True)
class FieldSource:
    """Where one field's value comes from."""

    columns: tuple[str, ...] = ()  # candidates: the first non-blank cell among them wins
    constant: str | None = None  # always this value
    default: str | None = None  # when the cell is blank or the column absent
    pad: int | None = None  # zero-pad digit strings to this width
    template: str | None = None  # e.g. "country-{value}"


@dataclass(frozen=True)
class Layout:
    kind: str
    name: str  # preset name, or the mapping file's name
    fields: dict[str, FieldSource]
    dates: tuple[str, ...] = ("iso",)
    decimal: str = "dot"
    extra_columns: str = "ignore"  # or "error": unknown columns stop the import
    delimiter: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    header_row: int | None = None  # 1-based; None: the first row with the required columns
    required: frozenset[str] = frozenset()  # required beyond each field's own rule
    required_columns: tuple[str, ...] = ()  # must be filled though no field reads them
    skip_rows_without: tuple[str, ...] = ()  # rows with all of these blank are layout rows

    def is_required(self, name: str) -> bool:
        return FIELDS[self.kind][name].required or name in self.required


def preset_names() -> list[str]:
    return sorted(path.stem for path in PRESETS_DIR.glob("*.yaml"))


def _read_yaml(path: Path, label: str) -> dict[str, Any]:
    """A mapping file or preset, read within hub.safe_yaml's limits (size first, then
    references, nesting and values while composing)."""
    try:
        text = read_limited(path)
    except FileNotFoundError:
        raise MappingError(f"{label}: file not found") from None
    except YamlLimitError as exc:
        raise MappingError(f"{label}: {exc}") from None
    except UnicodeDecodeError as exc:
        line, problem = not_utf8(exc)
        raise MappingError(f"{label}: line {line}: {problem}") from None
    except OSError as exc:
        raise MappingError(f"{label}: cannot read it ({exc})") from None
    try:
        data = safe_load(text)
    except YamlLimitError as exc:
        raise MappingError(f"{label}: {exc}") from None
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        at = f" at line {where.line + 1}" if where is not None else ""
        raise MappingError(f"{label}: not valid YAML{at}: {getattr(exc, 'problem', exc)}") \
            from None
    if not isinstance(data, dict):
        raise MappingError(f"{label}: expected a mapping of settings at the top level")
    return data


def _preset(name: str) -> dict[str, Any]:
    path = PRESETS_DIR / f"{name}.yaml"
    if not path.is_file():
        raise MappingError(f"unknown preset {name!r}; presets: {', '.join(preset_names())}")
    return _read_yaml(path, f"preset {name}")


def _suggest(word: str, choices: list[str] | set[str]) -> str:
    close = difflib.get_close_matches(word, sorted(choices), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check_keys(data: Mapping[str, Any], allowed: set[str], where: str) -> None:
    for key in data:
        if key not in allowed:
            raise MappingError(f"{where}: unknown setting {key!r}{_suggest(str(key), allowed)}; "
                               f"allowed: {', '.join(sorted(allowed))}")


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_settings(kind: str, preset: str | None,
                  mapping: Path | None) -> tuple[str, dict[str, Any]]:
    """The merged settings for `kind`: preset (or the mapping's `extends`), then mapping."""
    label = DEFAULT_PRESET
    data: dict[str, Any] = {}
    overlay: dict[str, Any] = {}
    base = preset
    if mapping is not None:
        overlay = _read_yaml(mapping, str(mapping))
        _check_keys(overlay, _TOP_KEYS, str(mapping))
        extends = overlay.pop("extends", None)
        if extends is not None and preset is not None and extends != preset:
            raise MappingError(f"{mapping}: extends {extends!r} but --preset {preset} was given")
        base = extends or preset
        label = f"{mapping.name}" + (f" (extends {base})" if base else "")
    if mapping is None or base is not None:
        name = base or DEFAULT_PRESET
        data = _preset(name)
        _check_keys(data, _TOP_KEYS, f"preset {name}")
        if mapping is None:
            label = name
    merged = _merge(data, overlay)
    section = merged.get(kind)
    if section is None:
        have = [k for k in KINDS if k in merged]
        raise MappingError(f"{label} has no layout for {kind} "
                           f"(it has: {', '.join(have) or 'none'})")
    if not isinstance(section, dict):
        raise MappingError(f"{label}: {kind} must be a mapping of settings")
    _check_keys(section, _KIND_KEYS, f"{label}: {kind}")
    shared = {key: merged[key] for key in _SHARED_KEYS if key in merged}
    return label, {**shared, **section}


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(item, str | int) and not isinstance(item, bool) for item in items):
        raise MappingError(f"{where}: expected a column name or a list of them")
    return tuple(str(item) for item in items)


def _field_map(settings: dict[str, Any], key: str, kind: str, label: str) -> dict[str, Any]:
    value = settings.get(key) or {}
    if not isinstance(value, dict):
        raise MappingError(f"{label}: {kind}.{key} must map field names to values")
    for name in value:
        if name not in FIELDS[kind]:
            hint = _suggest(str(name), set(FIELDS[kind]))
            raise MappingError(f"{label}: {kind}.{key}: unknown field {name!r}{hint}; "
                               f"fields for {kind}: {', '.join(FIELDS[kind])}")
    return value


def _scalar(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str | int | float):
        return str(value)
    raise MappingError(f"{where}: expected a single value")


def _sources(kind: str, label: str, settings: dict[str, Any],
             currency: str | None) -> dict[str, FieldSource]:
    where = f"{label}: {kind}"
    columns = _field_map(settings, "columns", kind, label)
    defaults = _field_map(settings, "defaults", kind, label)
    constants = _field_map(settings, "constants", kind, label)
    pads = _field_map(settings, "pad", kind, label)
    templates = _field_map(settings, "templates", kind, label)
    if currency is not None and "currency" in FIELDS[kind]:
        defaults = {**defaults, "currency": currency}
    sources: dict[str, FieldSource] = {}
    for name in FIELDS[kind]:
        pad = pads.get(name)
        if pad is not None and (not isinstance(pad, int) or isinstance(pad, bool) or pad < 1):
            raise MappingError(f"{where}.pad.{name}: expected a whole number of digits")
        template = _scalar(templates.get(name), f"{where}.templates.{name}")
        if template is not None and "{value}" not in template:
            raise MappingError(f"{where}.templates.{name}: must contain {{value}}")
        sources[name] = FieldSource(
            columns=_strings(columns.get(name), f"{where}.columns.{name}"),
            constant=_scalar(constants.get(name), f"{where}.constants.{name}"),
            default=_scalar(defaults.get(name), f"{where}.defaults.{name}"),
            pad=pad, template=template)
    return sources


def _choice(settings: dict[str, Any], key: str, default: str, allowed: frozenset[str] | tuple[
        str, ...], where: str) -> str:
    value = str(settings.get(key, default))
    if value not in allowed:
        raise MappingError(f"{where}: {key} must be {' or '.join(sorted(allowed))}, "
                           f"not {value!r}")
    return value


def _reading(settings: dict[str, Any], where: str) -> dict[str, Any]:
    """How to read the file: dates, numbers, delimiter, encoding, sheet, header row."""
    dates = _strings(settings.get("dates", "iso"), f"{where}.dates")
    for style in dates:
        if style not in DATE_STYLES and "%" not in style:
            raise MappingError(f"{where}: unknown date style {style!r}; use one of "
                               f"{', '.join(sorted(DATE_STYLES))} or a strftime pattern "
                               "such as '%d %b %Y'")
    header_row = settings.get("header_row")
    if header_row is not None and (not isinstance(header_row, int) or header_row < 1):
        raise MappingError(f"{where}: header_row must be a row number (1 = the first row)")
    delimiter = settings.get("delimiter")
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise MappingError(f"{where}: delimiter must be one character, e.g. ';' or '\\t'")
    return {
        "dates": dates or ("iso",),
        "decimal": _choice(settings, "decimal", "dot", DECIMAL_STYLES, where),
        "extra_columns": _choice(settings, "extra_columns", "ignore", ("error", "ignore"),
                                 where),
        "delimiter": delimiter, "header_row": header_row,
        "encoding": _scalar(settings.get("encoding"), f"{where}.encoding"),
        "sheet": _scalar(settings.get("sheet"), f"{where}.sheet"),
    }


def build_layout(kind: str, label: str, settings: dict[str, Any],
                 currency: str | None = None) -> Layout:
    where = f"{label}: {kind}"
    sources = _sources(kind, label, settings, currency)
    required = set(_strings(settings.get("required"), f"{where}.required"))
    skip = _strings(settings.get("skip_rows_without"), f"{where}.skip_rows_without")
    for name in required | set(skip):
        if name not in FIELDS[kind]:
            raise MappingError(f"{where}: unknown field {name!r}"
                               f"{_suggest(name, set(FIELDS[kind]))}")
    layout = Layout(
        kind=kind, name=label, fields=sources, required=frozenset(required),
        required_columns=_strings(settings.get("required_columns"), f"{where}.required_columns"),
        skip_rows_without=skip, **_reading(settings, where))
    for name, source in sources.items():
        if layout.is_required(name) and not (source.columns or source.constant or source.default):
            raise MappingError(f"{where}: required field {name!r} has no column, "
                               "constant or default")
    return layout


def load_layout(kind: str, *, preset: str | None = None, mapping: Path | None = None,
                currency: str | None = None) -> Layout:
    """The layout for `kind` from a preset and/or a mapping file (default: generic)."""
    if kind not in KINDS:
        raise MappingError(f"unknown import kind {kind!r}; use one of {', '.join(KINDS)}")
    label, settings = load_settings(kind, preset, mapping)
    return build_layout(kind, label, settings, currency)
