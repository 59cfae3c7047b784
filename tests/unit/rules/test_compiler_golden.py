"""Golden files for the rule compiler: a rule file in, its durable_rules JSON and its
plain-Python shadow out, kept under tests/unit/rules/golden/ and reviewed like code.

A change to the compiler that changes what a rule file compiles to shows up as a diff of
these files. When the change is meant, regenerate them and review the diff:

    python -m pytest tests/unit/rules/test_compiler_golden.py --update-golden

The shadow is written as what it decides: per rule its kind, name, ladder, line and
condition, and which rules it matches for a few accounts (those must be what the engine
matches too; tests/unit/rules/test_rules_engine.py checks that against the engine)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rules import DEFAULT_POLICY
from rules.compiler import Compiled
from rules.compiler import compile_rules
from rules.examples import account_from_spec
from rules.facts import situation
from rules.model import RuleFile
from rules.parser import parse_rule_text
from rules.reader import Problems

GOLDEN = Path(__file__).parent / "golden"
SOURCES = {"small": GOLDEN / "small.yaml", "default": DEFAULT_POLICY}
ACCOUNTS: dict[str, dict[str, Any]] = {  # accounts the shadow decides, by name
    "not due": {"days_overdue": 0},
    "4 days, business": {"days_overdue": 4},
    "15 days, business": {"days_overdue": 15},
    "50 days, business": {"days_overdue": 50},
    "6 days, consumer": {"days_overdue": 6, "kind": "B2C"},
    "31 days, large German, 3 invoices": {
        "country": "DE", "invoices": [{"days_overdue": 31, "balance": 5000},
                                      {"days_overdue": 20, "balance": 5000},
                                      {"days_overdue": 10, "balance": 1000}]},
    "20 days, disputed": {"days_overdue": 20, "disputed": True},
    "20 days, open promise": {"days_overdue": 20, "promise": "open"},
    "broken promise": {"days_overdue": 20, "promise": "broken"},
}


def _compiled(path: Path) -> tuple[RuleFile, Compiled]:
    text = path.read_text(encoding="utf-8")
    rule_file, problems = parse_rule_text(text, path.name, known_templates=None)
    assert rule_file is not None, [str(p) for p in problems]
    compiled = compile_rules(rule_file, Problems(path.name))
    assert compiled is not None
    return rule_file, compiled


def _shadow(rule_file: RuleFile, compiled: Compiled) -> dict[str, Any]:
    by_id = {rule.rule_id: rule for rule in compiled.rules}
    matches = {}
    for name, spec in ACCOUNTS.items():
        fact = situation(rule_file, account_from_spec(spec, "GOLD")).fact
        fired = compiled.with_always(compiled.shadow(fact))
        matches[name] = [f"{by_id[i].kind} {by_id[i].ladder + '/' if by_id[i].ladder else ''}"
                         f"{by_id[i].name}" for i in sorted(fired, key=lambda i: int(i[1:]))]
    return {"rules": [{"id": rule.rule_id, "kind": rule.kind, "name": rule.name,
                       "ladder": rule.ladder, "line": rule.line, "condition": rule.text,
                       "always": rule.rule_id in compiled.always} for rule in compiled.rules],
            "matches": matches}


def _check(path: Path, produced: dict[str, Any], update: bool) -> None:
    text = json.dumps(produced, indent=2, sort_keys=True, default=str) + "\n"
    if update or not path.exists():
        path.write_text(text, encoding="utf-8")
        if not update:
            pytest.fail(f"{path.name} did not exist: written, review it and commit it")
        return
    assert path.read_text(encoding="utf-8") == text, (
        f"{path.name} differs from what the compiler produces now; if the change is meant, "
        f"run with --update-golden and review the diff")


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_compiled_forms_match_the_golden_files(name: str, request: pytest.FixtureRequest
                                               ) -> None:
    update = bool(request.config.getoption("--update-golden", default=False))
    rule_file, compiled = _compiled(SOURCES[name])
    engine = {"ruleset": compiled.ruleset_name, "definition": compiled.definition}
    _check(GOLDEN / f"{name}.engine.json", engine, update)
    _check(GOLDEN / f"{name}.shadow.json", _shadow(rule_file, compiled), update)


def test_a_changed_threshold_changes_the_golden_output(tmp_path: Path) -> None:
    """The comparison can fail: the same file with one step moved compiles differently."""
    edited = tmp_path / "small.yaml"
    edited.write_text(SOURCES["small"].read_text(encoding="utf-8").replace(
        "at: 14, send", "at: 15, send"), encoding="utf-8")
    before = _compiled(SOURCES["small"])[1].definition
    after = _compiled(edited)[1].definition
    assert json.dumps(before, sort_keys=True) != json.dumps(after, sort_keys=True)
    with pytest.raises(AssertionError, match="differs"):
        _check(GOLDEN / "small.engine.json",
               {"ruleset": _compiled(edited)[1].ruleset_name, "definition": after}, False)
