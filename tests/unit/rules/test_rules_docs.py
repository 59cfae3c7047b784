"""docs/rules.md stays true: every YAML example compiles (or is refused when it says so),
and every field and action key the hub knows is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rules import check_text
from rules.actions import ACTION_KEYS
from rules.fields import FIELDS
from rules.parser import TOP_KEYS

DOC = (Path(__file__).resolve().parents[3] / "docs" / "rules.md").read_text(encoding="utf-8")
EXAMPLES = re.findall(r"```yaml\n(.*?)```", DOC, flags=re.DOTALL)
TEMPLATES = frozenset({"reminder-1", "reminder-2", "final-notice", "pre-legal"})


def test_there_are_examples() -> None:
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"example-{i}" for i in range(len(EXAMPLES))])
def test_every_example_compiles_or_is_refused_as_it_says(example: str) -> None:
    errors = [str(p) for p in check_text(example, "example.yaml", known_templates=TEMPLATES,
                                         isolation="inline") if p.severity == "error"]
    if example.startswith("# refused"):
        assert any("overlaps" in e for e in errors)
    else:
        assert errors == []


def test_every_field_key_and_section_is_documented() -> None:
    for name in [*FIELDS, *ACTION_KEYS, *TOP_KEYS]:
        assert f"`{name}" in DOC, name
