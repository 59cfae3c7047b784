"""Finance's templates folder (HUB_TEMPLATES_DIR) and ladder reuse, end to end: rule file
-> cycle -> outbox -> the e-mail the debtor gets (SQLite and PostgreSQL), and the check
that catches a broken template before a debtor would (`templates check`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from datetime import timedelta
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.bootstrap import Hub
from hub.bootstrap import bootstrap
from hub.cli import cli
from hub.config import ConfigError
from hub.config import Settings
from notifications.templates import LANGUAGES
from tests.builders import add_contact
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.integration.cycle.helpers import run_day
from tests.integration.notify.helpers import ALWAYS

DAY = date(2026, 11, 23)
RULES = """\
name: one ladder, three segments
segments:
  - {name: key accounts, when: customer.segment == "key", ladder: business}
  - {name: public sector, when: customer.segment == "public", ladder: business}
  - {name: business, when: true}
ladders:
  business:
    progression: ladder
    steps:
      - {name: first notice, at: 3, send: [email], template: first-notice}
"""
OWN_REMINDER = """\
{% block subject %}Offene Posten: {{ total }}{% endblock %}
{% block text %}
Guten Tag {{ contact_name }},
unsere Buchhaltung sieht {{ count }} offene Rechnung(en), zusammen {{ total }}.
{{ sender }}
{% endblock %}
"""


def _new_template(language: str) -> str:
    return ("{% block subject %}[" + language + "] First notice: {{ total }}{% endblock %}\n"
            "{% block text %}Dear {{ contact_name }}, {{ total }} is open.{% endblock %}\n"
            "{% block sms %}{{ total }} is open.{% endblock %}\n")


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "finance-templates"
    for language in LANGUAGES:
        (folder / language).mkdir(parents=True)
        (folder / language / "first-notice.j2").write_text(_new_template(language), "utf-8")
    return folder


def _debtor(hub: Hub, code: str, segment: str | None, language: str) -> None:
    with hub.engine.begin() as connection:
        customer = add_customer(connection, code, segment=segment, language=language,
                                country="NL")
        add_contact(connection, customer, "Pat", email=f"ap@{code.lower()}.example",
                    is_primary=True)
        add_invoice(connection, f"{code}-1", customer, issued=DAY - timedelta(days=40),
                    due=DAY - timedelta(days=10), amount="300.00")


def test_finance_templates_and_a_reused_ladder_reach_the_debtor(
        hub: Hub, tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    ours = bootstrap(replace(hub.settings, rules_file=rules, templates_dir=folder),
                     clock=hub.clock, migrate=False)
    _debtor(ours, "KEY", "key", "en")
    _debtor(ours, "GOV", "public", "de")
    _debtor(ours, "SMB", None, "pl")
    report = run_day(ours, ours.policy(), DAY)
    assert report.counts["applied"] == 3
    assert ours.dispatcher(policy=ALWAYS).run().counts["sent"] == 3
    mails = [message_from_bytes(path.read_bytes(), policy=email_policy.default)
             for path in (ours.settings.var_dir / "mail").glob("*.eml")]
    assert sorted(str(mail["Subject"]) for mail in mails) == [
        "[de] First notice: 300,00\xa0€", "[en] First notice: €300.00",
        "[pl] First notice: 300,00\xa0€"]
    ours.engine.dispose()


def test_a_file_in_the_folder_replaces_the_shipped_one_for_its_language_only(
        hub: Hub, tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    (folder / "de" / "reminder-1.j2").write_text(OWN_REMINDER, encoding="utf-8")
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES.replace("first-notice", "reminder-1"), encoding="utf-8")
    ours = bootstrap(replace(hub.settings, rules_file=rules, templates_dir=folder),
                     clock=hub.clock, migrate=False)
    _debtor(ours, "GOV", "public", "de")
    _debtor(ours, "KEY", "key", "en")
    run_day(ours, ours.policy(), DAY)
    ours.dispatcher(policy=ALWAYS).run()
    subjects = sorted(str(message_from_bytes(path.read_bytes(),
                                             policy=email_policy.default)["Subject"])
                      for path in (ours.settings.var_dir / "mail").glob("*.eml"))
    assert subjects == ["Friendly reminder: €300.00 overdue", "Offene Posten: 300,00\xa0€"]
    ours.engine.dispose()


def test_rules_check_knows_the_templates_of_the_folder(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    runner = CliRunner()
    without = runner.invoke(cli, ["rules", "check", str(rules)], env={"HUB_TEMPLATES_DIR": ""})
    assert without.exit_code == 2
    assert 'there is no message template "first-notice"' in without.output
    folder = _folder(tmp_path)
    ok = runner.invoke(cli, ["rules", "check", str(rules)],
                       env={"HUB_TEMPLATES_DIR": str(folder)})
    assert ok.exit_code == 0, ok.output


def test_rules_check_also_checks_the_templates_folder(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    folder = _folder(tmp_path)
    (folder / "nl" / "first-notice.j2").write_text(
        "{% block subject %}{{ totaal }}{% endblock %}{% block text %}x{% endblock %}",
        encoding="utf-8")
    result = CliRunner().invoke(cli, ["rules", "check", str(rules)],
                                env={"HUB_TEMPLATES_DIR": str(folder)})
    assert result.exit_code == 2
    assert 'nl/first-notice.j2 line 1: "totaal" is not given to first-notice' in result.output


def test_reusing_an_unknown_ladder_is_an_error_with_its_line(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES.replace("ladder: business}", "ladder: busines}", 1),
                     encoding="utf-8")
    result = CliRunner().invoke(cli, ["rules", "check", str(rules)],
                                env={"HUB_TEMPLATES_DIR": str(_folder(tmp_path))})
    assert result.exit_code == 2
    assert ('rules.yaml line 3, segment "key accounts": uses ladder "busines", which is not '
            'under "ladders:" (did you mean "business"?)') in result.output


def test_templates_check_names_each_problem_with_its_file_and_line(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    (folder / "de").mkdir(parents=True)
    (folder / "fr").mkdir()
    (folder / "de" / "reminder-1.j2").write_text(
        "{% block subject %}Erinnerung{% endblock %}\n"
        "{% block text %}\nHallo {{ contact_name }},\n"
        "Summe: {{ totl }}\n{% endblock %}\n", encoding="utf-8")
    (folder / "de" / "reminder-2.j2").write_text(
        "{% block subjet %}Mahnung{% endblock %}\n{% block text %}\n"
        "{% for i in items %}{{ i.invoice }}\n{% endblock %}\n", encoding="utf-8")
    (folder / "de" / "courtesy-call.j2").write_text(
        "{% block subject %}Anruf{% endblock %}{% block text %}{{ total }}{% endblock %}",
        encoding="utf-8")
    result = CliRunner().invoke(cli, ["templates", "check", str(folder)])
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert ('de/courtesy-call.j2: "courtesy-call" is a new template but has no en, nl, pl, '
            'es version: a customer reading en, nl, pl, es would get no message; add '
            'en/courtesy-call.j2, nl/courtesy-call.j2, pl/courtesy-call.j2, '
            'es/courtesy-call.j2') in lines
    assert any(line.startswith('de/reminder-1.j2 line 4: "totl" is not given to reminder-1 '
                               '(did you mean "total"?)') for line in lines)
    assert any(line.startswith("de/reminder-2.j2 line 4: Jinja syntax error: Encountered "
                               "unknown tag 'endblock'") for line in lines)
    assert any(line.startswith("fr: not a language folder") for line in lines)
    (folder / "fr").rmdir()
    (folder / "de" / "courtesy-call.j2").unlink()
    (folder / "de" / "reminder-1.j2").write_text(OWN_REMINDER, encoding="utf-8")
    (folder / "de" / "reminder-2.j2").write_text(
        "{% block subjet %}Mahnung{% endblock %}\n{% block text %}{{ total }}{% endblock %}\n",
        encoding="utf-8")
    second = CliRunner().invoke(cli, ["templates", "check", str(folder)])
    assert second.exit_code == 2
    assert 'de/reminder-2.j2 line 1: block "subjet" is not read by the hub (did you mean ' \
           '"subject"?); use subject, text, sms' in second.output
    assert 'de/reminder-2.j2 line 1: has no "subject" block' in second.output
    (folder / "de" / "reminder-2.j2").unlink()
    fine = CliRunner().invoke(cli, ["templates", "check", str(folder)])
    assert fine.exit_code == 0, fine.output
    assert "OK, 1 template file(s)" in fine.output


def test_the_shipped_templates_pass_the_check() -> None:
    from notifications.template_check import check_shipped

    assert check_shipped() == []


def test_a_templates_folder_that_does_not_exist_is_refused_at_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"HUB_TEMPLATES_DIR=.*: no such folder"):
        Settings.from_env({"HUB_TEMPLATES_DIR": str(tmp_path / "missing")})
