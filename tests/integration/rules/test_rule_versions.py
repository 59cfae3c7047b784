"""Rule-file versions in the ledger: activation, reload, refusal, history, rollback,
simulation (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
from datetime import date
from pathlib import Path

import pytest

from hub.bootstrap import Hub
from hub.domain.errors import RuleFileError
from rules import DEFAULT_POLICY
from tests.builders import add_customer
from tests.builders import add_invoice

DEFAULT = DEFAULT_POLICY.read_text(encoding="utf-8")


def use_file(hub: Hub, path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    hub.settings = dataclasses.replace(hub.settings, rules_file=path)


def test_the_rule_file_is_activated_once_and_reloaded_when_it_changes(hub: Hub,
                                                                      tmp_path: Path) -> None:
    path = tmp_path / "collections.yaml"
    use_file(hub, path, DEFAULT)
    first = hub.reload_rules()
    assert first.version is not None
    assert first.version.version == 1
    assert first.version.sha256 == first.policy.version
    assert first.version.actor == "rule file"
    assert hub.reload_rules().version == first.version  # unchanged: nothing stored
    use_file(hub, path, DEFAULT.replace("at: 14, send: [email, letter]",
                                        "at: 15, send: [email, letter]"))
    second = hub.reload_rules()
    assert second.reloaded
    assert second.version is not None
    assert second.version.version == 2
    assert [v.version for v in hub.rule_files.history()] == [2, 1]


def test_a_malformed_file_leaves_the_previous_rules_in_force(hub: Hub, tmp_path: Path) -> None:
    path = tmp_path / "collections.yaml"
    use_file(hub, path, DEFAULT)
    good = hub.reload_rules().policy
    use_file(hub, path, DEFAULT.replace("at: 14, send: [email, letter]",
                                        "at: fourteen, send: [email, letter]"))
    status = hub.reload_rules()
    assert status.refused
    assert status.policy.version == good.version  # the previous rules stay in force
    assert [str(p) for p in status.problems] == [
        'collections.yaml line 18, step "firm reminder": "at" must be a number of days, '
        'got "fourteen"']
    hub.reload_rules()  # asking again stores the refusal only once
    assert [(v.version, v.status) for v in hub.rule_files.history()] == [(2, "refused"),
                                                                         (1, "active")]


def test_without_any_good_version_a_broken_file_is_an_error(hub: Hub, tmp_path: Path) -> None:
    use_file(hub, tmp_path / "collections.yaml", "segments: [")
    with pytest.raises(RuleFileError, match=r"collections\.yaml line"):
        hub.policy()


def test_activate_diff_and_rollback(hub: Hub) -> None:
    files = hub.rule_files
    first = files.activate(DEFAULT, "ana@example.com", file_name="collections.yaml")
    changed = DEFAULT.replace("minimum_balance: 25.00", "minimum_balance: 50.00")
    second = files.activate(changed, "ben@example.com", file_name="collections.yaml")
    assert files.active() == second
    assert "-minimum_balance: 25.00" in files.diff(first.version)
    assert "+minimum_balance: 50.00" in files.diff(first.version)
    back = files.rollback(first.version, "ana@example.com")
    assert (back.version, back.note) == (3, "rollback to version 1")
    assert back.text == DEFAULT
    assert files.active() == back
    with pytest.raises(RuleFileError):
        files.activate("segments: {", "ben@example.com")
    assert files.active() == back
    assert files.validate("segments: {")[0].line == 1


def test_simulate_lists_the_decisions_that_would_change(hub: Hub) -> None:
    with hub.engine.begin() as connection:
        for code, days in (("ACME", 15), ("SMALL", 4)):
            customer = add_customer(connection, code, owner="ana@example.com", country="NL")
            add_invoice(connection, f"{code}-1", customer, issued="2026-05-01",
                        due=date(2026, 6, 10).fromordinal(date(2026, 6, 10).toordinal() - days),
                        amount="500.00")
    in_force = hub.rule_files._policy(DEFAULT, "default.yaml")
    stricter = DEFAULT.replace("at: 3, send: [email], template: reminder-1",
                               "at: 5, send: [email], template: reminder-1")
    rows = hub.rule_files.simulate(stricter, date(2026, 6, 10), in_force=in_force)
    assert [(r.customer_code, r.change, r.rule) for r in rows] == [("SMALL", "gone",
                                                                    "friendly reminder")]
    # the default ladders tell everyone involved at each step (notify: [everyone])
    assert rows[0].in_force == "friendly reminder: send reminder-1 by email; notify everyone"
