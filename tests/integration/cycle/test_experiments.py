"""Experiments through the real cycle: each account's variant decides what it is sent, is
recorded with the date at its first exposure and kept; the report reads recovery from the
ledger's payments. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner

from hub.bootstrap import Hub
from hub.cli import cli
from hub.domain.bank import IncomingPayment
from hub.domain.money import Money
from hub.ledger.tables import customers
from hub.ledger.tables import experiment_assignments
from hub.ledger.tables import messages
from hub.services.cycle.account_facts import load_account_facts
from hub.services.payments.incoming import record_incoming
from rules.experiments import deal
from tests.builders import add_contact
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.builders import channel_split
from tests.integration.cycle.helpers import morning
from tests.integration.cycle.helpers import run_day
from tests.integration.cycle.owed_support import policy_from

DAY = date(2026, 3, 2)
RULES = """\
segments: [{name: consumer, when: true}]
ladders:
  consumer:
    steps:
%s      - {name: final notice, at: 30, send: [letter], template: final-notice}
pause_when: [plan.in_review]
contact:
  send_window: {from: "00:00", to: "23:59"}
  business_days_only: false
"""
ACCOUNTS = 40


def _rules(email: int, sms: int) -> str:
    return RULES % channel_split(at=5, email=email, sms=sms, hold_out=10, control="email")


def _portfolio(hub: Hub) -> None:
    with hub.engine.begin() as connection:
        for index in range(ACCOUNTS):
            code = f"X{index:03d}"
            customer = add_customer(connection, code, kind="B2C", country="NL")
            add_contact(connection, customer, "Pat", email=f"{code.lower()}@example.net",
                        phone="+31612345678", is_primary=True)
            # every debt is 5 days overdue on DAY: all reach the experiment's step together
            add_invoice(connection, f"{code}-1", customer, issued=DAY - timedelta(days=35),
                        due=DAY - timedelta(days=5), amount=f"{100 + index}.00")


def _assignments(hub: Hub) -> dict[str, tuple[str, date, int, str]]:
    with hub.engine.connect() as connection:
        return {row.code: (row.variant, row.assigned_on, row.owed_minor, row.step)
                for row in connection.execute(
                    sa.select(customers.c.code, experiment_assignments.c.variant,
                              experiment_assignments.c.assigned_on,
                              experiment_assignments.c.owed_minor, experiment_assignments.c.step)
                    .join(customers, customers.c.id == experiment_assignments.c.customer_id))}


def test_the_variant_decides_the_channel_and_is_recorded_once_with_the_day(
        hub: Hub, tmp_path: Path) -> None:
    _portfolio(hub)
    policy = policy_from(_rules(45, 45), tmp_path / "rules.yaml")
    experiment = policy.rule_file.experiments[0]  # type: ignore[attr-defined]
    run_day(hub, policy, DAY)

    recorded = _assignments(hub)
    assert set(recorded) == {f"X{i:03d}" for i in range(ACCOUNTS)}
    for code, (variant, assigned_on, owed_minor, step) in recorded.items():
        assert variant == deal(experiment, code)  # the stable deal, recorded
        assert assigned_on == DAY
        assert owed_minor == (100 + int(code[1:])) * 100  # what it owed when exposed
        assert step == f"reminder ({variant})"
    assert len({v for v, *_ in recorded.values()}) == 3  # 40 accounts meet every variant
    with hub.engine.connect() as connection:
        sent = {row.customer_code: json.loads(row.channels) if isinstance(row.channels, str)
                else row.channels
                for row in connection.execute(sa.select(messages.c.customer_code,
                                                        messages.c.channels))}
    for code, (variant, *_) in recorded.items():
        if variant == "control":
            assert code not in sent  # the hold-out is sent nothing at this step
        else:
            assert list(sent[code]) == [variant]

    # the shares change: accounts already exposed keep their variant (their facts carry it)
    changed = policy_from(_rules(80, 10), tmp_path / "changed.yaml")
    for offset in range(1, 4):
        report = run_day(hub, changed, DAY + timedelta(days=offset))
        assert report.counts["experiment_assignments"] == 0
    assert _assignments(hub) == recorded
    with hub.engine.connect() as connection:
        facts = list(load_account_facts(connection, as_of=DAY + timedelta(days=4)))
    assert {f.customer_code: dict(f.variants)["first_channel"] for f in facts} == \
        {code: variant for code, (variant, *_) in recorded.items()}


def _pay(hub: Hub, code: str, on: date, amount: str, reference: str) -> None:
    with hub.engine.begin() as connection:
        record_incoming(connection, [IncomingPayment(
            reference=reference, received_on=on, amount=Money.of(amount, "EUR"),
            structured_reference=f"{code}-1", customer_code=code)],
            source="test", actor="test", today=on, now=morning(on))


def _cli(hub: Hub, rules: Path, *args: str) -> tuple[int, str]:
    env = {"HUB_DATABASE_URL": hub.settings.database_url,
           "HUB_VAR_DIR": str(hub.settings.var_dir), "HUB_RULES_FILE": str(rules)}
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    return result.exit_code, result.stdout if "json" in args else result.output


def test_the_report_counts_what_each_variant_paid_within_n_days(hub: Hub,
                                                                 tmp_path: Path) -> None:
    _portfolio(hub)
    rules = tmp_path / "rules.yaml"
    policy = policy_from(_rules(45, 45), rules)
    run_day(hub, policy, DAY)
    recorded = _assignments(hub)
    by_variant: dict[str, list[str]] = {}
    for code, (variant, *_) in sorted(recorded.items()):
        by_variant.setdefault(variant, []).append(code)
    # every sms account pays in full on day 3; e-mail accounts pay half on day 3, and the
    # rest on day 20, after a 10-day window; the control pays nothing
    number = 0
    for code in by_variant["sms"]:
        number += 1
        _pay(hub, code, DAY + timedelta(days=3), f"{100 + int(code[1:])}.00", f"P{number}")
    for code in by_variant["email"]:
        half = Money.of(f"{100 + int(code[1:])}.00", "EUR").amount / 2
        _pay(hub, code, DAY + timedelta(days=3), f"{half:.2f}", f"P{number}a")
        _pay(hub, code, DAY + timedelta(days=20), f"{half:.2f}", f"P{number}b")
        number += 1

    status, output = _cli(hub, rules, "experiments", "report", "first_channel", "--days", "10",
                          "--as-of", str(DAY + timedelta(days=30)), "--format", "json")
    assert status == 0, output
    found = json.loads(output)
    assert found["control"] == "email"  # the rule file's control, not the variant so named
    rates = {v["variant"]: v["recovery"] for v in found["variants"]}
    assert rates == {"email": 0.5, "sms": 1.0, "control": 0.0}
    sms = next(c for c in found["comparisons"] if c["variant"] == "sms")
    assert sms["difference"] == 0.5
    assert sms["low"] == 0.5
    assert sms["clear"]
    counts = Counter(v for v, *_ in recorded.values())
    assert {v["variant"]: v["accounts"] for v in found["variants"]} == dict(counts)

    # ten days after exposure the window of each account is still open: nothing is counted
    status, output = _cli(hub, rules, "experiments", "report", "first_channel", "--days", "10",
                          "--as-of", str(DAY + timedelta(days=10)))
    assert status == 0, output
    assert "no comparison yet" in output
    status, output = _cli(hub, rules, "experiments", "list")
    assert "first_channel" in output
    assert "email 45%, sms 45%, control 10%" in output
    status, output = _cli(hub, rules, "experiments", "report", "first_chanel", "--days", "10")
    assert status == 2
    assert 'no account has been dealt a variant of experiment "first_chanel"' in output
