"""Presets and mapping files: what they produce, and how mistakes are reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.sources.mapping import MappingError
from sync.sources.mapping import load_layout
from sync.sources.mapping import preset_names


def test_the_five_presets_ship() -> None:
    assert preset_names() == ["generic", "ibm-late-payment", "quickbooks-ar-aging-detail",
                              "sap-fbl5n", "xero-aged-receivables"]


@pytest.mark.parametrize("name", ["generic", "ibm-late-payment", "quickbooks-ar-aging-detail",
                                  "sap-fbl5n", "xero-aged-receivables"])
def test_every_preset_gives_a_valid_invoices_layout(name: str) -> None:
    layout = load_layout("invoices", preset=name)
    assert layout.fields["invoice_number"].columns
    assert layout.fields["amount"].columns


def test_generic_is_the_default_and_strict() -> None:
    layout = load_layout("customers")
    assert layout.name == "generic"
    assert layout.extra_columns == "error"
    assert layout.fields["kind"].columns == ("kind",)


def test_a_mapping_extends_a_preset_and_overrides_it(tmp_path: Path) -> None:
    mapping = tmp_path / "ours.yaml"
    mapping.write_text(
        "extends: sap-fbl5n\n"
        "decimal: comma\n"
        "invoices:\n"
        "  columns:\n"
        "    invoice_number: Billing Doc\n"
        "  defaults: {currency: EUR}\n", encoding="utf-8")
    layout = load_layout("invoices", mapping=mapping)
    assert layout.decimal == "comma"
    assert layout.dates == ("day-first", "iso")  # from the preset
    assert layout.fields["invoice_number"].columns == ("Billing Doc",)
    assert layout.fields["customer_id"].columns[0] == "Customer"
    assert layout.fields["currency"].default == "EUR"
    assert layout.name == "ours.yaml (extends sap-fbl5n)"


def test_the_currency_option_becomes_the_default(tmp_path: Path) -> None:
    layout = load_layout("invoices", preset="ibm-late-payment", currency="EUR")
    assert layout.fields["currency"].default == "EUR"


@pytest.mark.parametrize(("text", "message"), [
    ("invoices:\n  columns:\n    amout: Total\n",
     r"unknown field 'amout' \(did you mean 'amount'\?\)"),
    ("invoices:\n  colums: {}\n", r"unknown setting 'colums' \(did you mean 'columns'\?\)"),
    ("dates: [dd-mm]\ninvoices: {columns: {amount: X}}\n", "unknown date style 'dd-mm'"),
    ("decimal: point\ninvoices: {}\n", "decimal must be"),
    ("invoices:\n  columns: [a, b]\n", "must map field names"),
    ("invoices:\n  columns:\n    amount: Total\n   bad: indent\n", "not valid YAML at line"),
    ("customers:\n  columns: {name: Name}\n", "has no layout for invoices"),
    ("invoices:\n  columns:\n    invoice_number: null\n", "required field 'invoice_number'"),
    ("- just\n- a list\n", "expected a mapping"),
    ("invoices:\n  templates: {segment: region}\n", "must contain {value}"),
])
def test_mapping_mistakes_name_the_file_and_the_key(tmp_path: Path, text: str,
                                                     message: str) -> None:
    mapping = tmp_path / "bad.yaml"
    mapping.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError, match=message) as caught:
        load_layout("invoices", mapping=mapping)
    assert "bad.yaml" in str(caught.value)


def test_unknown_preset_lists_the_known_ones() -> None:
    with pytest.raises(MappingError, match="unknown preset 'sap'; presets: generic, "):
        load_layout("invoices", preset="sap")


def test_a_preset_without_the_kind_says_what_it_has() -> None:
    with pytest.raises(MappingError, match=r"sap-fbl5n has no layout for customers \(it has: "
                                           r"invoices\)"):
        load_layout("customers", preset="sap-fbl5n")


def test_a_missing_mapping_file(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match="file not found"):
        load_layout("invoices", mapping=tmp_path / "nowhere.yaml")
