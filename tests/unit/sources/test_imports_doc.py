"""docs/imports.md keeps up with the code: every field and every preset is described."""

from __future__ import annotations

from pathlib import Path

import pytest

from sync.sources.fields import FIELDS
from sync.sources.mapping import preset_names

DOC = (Path(__file__).resolve().parents[3] / "docs" / "imports.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", list(FIELDS))
def test_every_field_has_a_row_in_its_table(kind: str) -> None:
    table = DOC.split(f"**{kind}**", 1)[1].split("\n\n", 2)[1]
    documented = {line.split("|")[1].strip(" *") for line in table.splitlines()[2:]}
    assert set(FIELDS[kind]) == documented


def test_every_preset_has_a_section() -> None:
    for name in preset_names():
        assert f"\n### {name}" in DOC, name
