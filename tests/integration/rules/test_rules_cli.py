"""`python app.py rules check|explain|simulate` (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from click.testing import Result

from hub.bootstrap import Hub
from hub.cli import cli
from rules import DEFAULT_POLICY
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.builders import channel_split

DEFAULT = DEFAULT_POLICY.read_text(encoding="utf-8")


def run(hub: Hub, *args: str, rules_file: Path | None = None) -> Result:
    env = {"HUB_DATABASE_URL": hub.settings.database_url,
           "HUB_VAR_DIR": str(hub.settings.var_dir), "HUB_RULES_FILE": str(rules_file or "")}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def ledger(hub: Hub) -> None:
    with hub.engine.begin() as connection:
        acme = add_customer(connection, "ACME", owner="ana@example.com", country="NL")
        add_invoice(connection, "A-1", acme, issued="2026-10-01", due="2026-11-09",
                    amount="1200.00")  # 14 days overdue on 2026-11-23
        small = add_customer(connection, "SMALL", country="NL")
        add_invoice(connection, "S-1", small, issued="2026-10-01", due="2026-11-18",
                    amount="300.00")  # 5 days overdue


def test_check_reports_file_line_and_rule(hub: Hub, tmp_path: Path) -> None:
    broken = tmp_path / "collections.yaml"
    broken.write_text(DEFAULT.replace("at: 14, send: [email, letter]",
                                      "at: fourteen, send: [email, letter]"), encoding="utf-8")
    result = run(hub, "rules", "check", str(broken))
    assert result.exit_code == 2  # an input error, as every command
    assert ('collections.yaml line 18, step "firm reminder": "at" must be a number of days, '
            'got "fourteen"') in result.output
    good = run(hub, "rules", "check", str(DEFAULT_POLICY))
    assert good.exit_code == 0
    assert "default.yaml: OK, the file can go live" in good.output


def test_explain_shows_the_matching_rules_and_the_decision(hub: Hub) -> None:
    ledger(hub)
    result = run(hub, "rules", "explain", "ACME", "--as-of", "2026-11-23")
    assert result.exit_code == 0, result.output
    assert "segment: business" in result.output
    # never contacted: the first contact starts at the step its age fits (first_contact)
    assert "decided: firm reminder (default.yaml line 18)" in result.output
    # ACME has neither an e-mail address nor a postal address: both stay candidates and the
    # dispatcher records why none could be used
    assert "send reminder-2 by email/letter" in result.output
    assert "note: first contact for this debt: starts at firm reminder" in result.output
    assert re.search(r"yes +step +business / firm reminder +18 +account.days_overdue >= 14",
                     result.output)
    assert "account.days_overdue=14," in result.output
    missing = CliRunner().invoke(cli, ["rules", "explain", "NOBODY"], env={
        "HUB_DATABASE_URL": hub.settings.database_url, "HUB_VAR_DIR": str(hub.settings.var_dir)})
    assert missing.exit_code == 2
    assert "there is no customer 'NOBODY'" in missing.output


def test_simulate_prints_the_decisions_that_would_change(hub: Hub, tmp_path: Path) -> None:
    ledger(hub)
    later = tmp_path / "later.yaml"
    later.write_text(DEFAULT.replace("{name: friendly reminder, at: 3, send: [email]",
                                     "{name: friendly reminder, at: 7, send: [email]"),
                     encoding="utf-8")
    result = run(hub, "rules", "simulate", str(later), "--as-of", "2026-11-23")
    assert result.exit_code == 0, result.output
    assert "SMALL     gone    friendly reminder" in result.output
    assert "ACME" not in result.output
    assert "1 decision would change on 2026-11-23" in result.output
    same = run(hub, "rules", "simulate", str(DEFAULT_POLICY), "--as-of", "2026-11-23")
    assert "no decision on 2026-11-23 would change" in same.output


def test_check_warns_about_people_who_are_not_users(hub: Hub, tmp_path: Path) -> None:
    from hub.ledger.tables import users

    with hub.engine.begin() as connection:
        now = hub.clock.now()
        connection.execute(users.insert(), [
            {"email": "legal@example.com", "name": "Legal", "role": "collector",
             "active": True, "created_at": now, "updated_at": now},
            {"email": "collector1@example.com", "name": "C1", "role": "collector",
             "active": False, "created_at": now, "updated_at": now}])
    result = run(hub, "rules", "check", str(DEFAULT_POLICY))
    assert result.exit_code == 0, result.output  # warnings: the file can still go live
    assert 'team "collectors": warning: collector1@example.com is deactivated: work for ' \
           "them goes to the department manager instead" in result.output
    assert "collector2@example.com is not a user of the hub" in result.output
    assert "legal@example.com" not in result.output


EXPERIMENT = """\
segments: [{name: business, when: true}]
ladders:
  business:
    steps:
""" + channel_split(at=3, email=50, sms=50) + """\
      - {name: firm reminder, at: 14, send: [email, letter], template: reminder-2}
pause_when: [plan.in_review]
"""


def test_check_explain_and_simulate_understand_an_experiment(hub: Hub, tmp_path: Path) -> None:
    from rules import compile_text
    from rules.experiments import deal

    ledger(hub)
    path = tmp_path / "experiment.yaml"
    path.write_text(EXPERIMENT, encoding="utf-8")
    experiment = compile_text(EXPERIMENT, "experiment.yaml",
                              isolation="inline").rule_file.experiments[0]
    variant = {code: deal(experiment, code) for code in ("ACME", "SMALL")}

    checked = run(hub, "rules", "check", str(path))
    assert checked.exit_code == 0, checked.output
    assert ('experiment first_channel: step "reminder" of ladder "business", variants email '
            "50%, sms 50%; compared with email") in checked.output

    explained = run(hub, "rules", "explain", "ACME", "--as-of", "2026-11-23", rules_file=path)
    assert explained.exit_code == 0, explained.output
    assert f"experiment.first_channel={variant['ACME']}" in explained.output
    assert f"decided: reminder ({variant['ACME']})" in explained.output
    assert f'experiment.first_channel == "{variant["ACME"]}"' in explained.output

    # the same shares in the other order: every account is dealt the other variant
    swapped = tmp_path / "swapped.yaml"
    swapped.write_text(EXPERIMENT.replace(
        "            - {name: email, share: 50}\n            - {name: sms, share: 50, "
        "send: [sms]}", "            - {name: sms, share: 50, send: [sms]}\n"
                        "            - {name: email, share: 50}"), encoding="utf-8")
    simulated = run(hub, "rules", "simulate", str(swapped), "--as-of", "2026-11-23",
                    rules_file=path)
    assert simulated.exit_code == 0, simulated.output
    other = {"email": "sms", "sms": "email"}
    for code in ("ACME", "SMALL"):
        assert re.search(rf"{code} +new +reminder \({other[variant[code]]}\)",
                         simulated.output), simulated.output
        assert re.search(rf"{code} +gone +reminder \({variant[code]}\)", simulated.output)
