"""A campaign through the real cycle over simulated days: SMS moved before e-mail for one
customer; the campaign's steps come at their days after joining, the page shows the step
reached, the next step and its date, and what was recovered after a payment; a pause sends
nothing and shifts the next step; `rules explain` names the campaign; a stop returns the
customer to finance's ladder. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from hub.bootstrap import Hub
from hub.bootstrap import bootstrap
from hub.cli import cli
from hub.config import Settings
from hub.domain.bank import IncomingPayment
from hub.domain.campaigns import BUILTIN_TEMPLATES
from hub.domain.campaigns import Target
from hub.domain.campaigns import with_channel_first
from hub.domain.clock import FixedClock
from hub.domain.money import Money
from hub.ledger.tables import messages
from hub.services.cycle.campaigns import CampaignRefused
from hub.services.cycle.campaigns import Draft
from hub.services.payments.incoming import record_incoming
from hub.services.read.api_queries import Scope
from tests.builders import add_contact
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.integration.cycle.helpers import morning
from tests.integration.cycle.helpers import run_day

DAY = date(2026, 3, 2)  # a Monday
RULES = """\
segments:
  - {name: consumer, when: customer.kind == "B2C"}
  - {name: business, when: true}
ladders:
  consumer:
    steps:
      - {name: reminder, at: 5, send: [email], template: reminder-1}
      - {name: final notice, at: 60, send: [letter], template: final-notice}
  business:
    steps:
      - {name: reminder, at: 3, send: [email], template: reminder-1}
pause_when: [promise.open, plan.in_review]
contact:
  send_window: {from: "00:00", to: "23:59"}
  business_days_only: false
"""


@pytest.fixture
def campaign_hub(database_url: str, tmp_path: Path) -> Hub:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    settings = Settings(var_dir=tmp_path / "var", database_url=database_url, progress=False,
                        rules_file=rules)
    return bootstrap(settings, clock=FixedClock(morning(DAY)), migrate=False)


def _ledger(hub: Hub) -> None:
    with hub.engine.begin() as connection:
        acme = add_customer(connection, "ACME", kind="B2C", country="NL",
                            owner=None)
        add_contact(connection, acme, "Pat", email="pat@example.net", phone="+31612345678",
                    is_primary=True)
        add_invoice(connection, "ACME-1", acme, issued=DAY - timedelta(days=70),
                    due=DAY - timedelta(days=40), amount="900.00")
        other = add_customer(connection, "OTHER", kind="B2C", country="NL")
        add_invoice(connection, "OTHER-1", other, issued=DAY - timedelta(days=70),
                    due=DAY - timedelta(days=40), amount="100.00")


def _day(hub: Hub, day: date) -> None:
    hub.clock.moment = morning(day)  # type: ignore[attr-defined]
    run_day(hub, hub.reload_rules().policy, day)


def _steps(hub: Hub, code: str) -> list[tuple[int, str | None, str | None]]:
    with hub.engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT d.applied_on, d.ladder, d.step FROM applied_decisions d JOIN "
                    "customers c ON c.id = d.customer_id WHERE c.code = :code AND "
                    "d.paused_by IS NULL ORDER BY d.applied_on, d.id"), {"code": code}).all()
    return [((date.fromisoformat(str(r[0])[:10]) - DAY).days, r[1], r[2]) for r in rows]


def _channels(hub: Hub, code: str) -> list[list[str]]:
    with hub.engine.connect() as connection:
        rows = connection.execute(sa.select(messages.c.channels)
                                  .where(messages.c.customer_code == code)
                                  .order_by(messages.c.id)).all()
    return [json.loads(r[0]) if isinstance(r[0], str) else list(r[0]) for r in rows]


def _pay(hub: Hub, on: date, amount: str) -> None:
    with hub.engine.begin() as connection:
        record_incoming(connection, [IncomingPayment(
            reference="PAY-1", received_on=on, amount=Money.of(amount, "EUR"),
            structured_reference="ACME-1", customer_code="ACME")],
            source="test", actor="test", today=on, now=morning(on))


def test_a_campaign_with_sms_first_runs_pauses_and_stops_through_the_cycle(
        campaign_hub: Hub, tmp_path: Path) -> None:
    hub = campaign_hub
    _ledger(hub)
    _day(hub, DAY - timedelta(days=1))  # finance's ladder before the campaign
    assert _steps(hub, "ACME") == [(-1, "consumer", "reminder")]

    settings = with_channel_first(BUILTIN_TEMPLATES[1].settings, "sms")  # standard
    assert [(s.channel, s.day) for s in settings.steps] == \
        [("sms", 0), ("email", 5), ("letter", 14), ("call", 21)]
    hub.clock.moment = morning(DAY)  # type: ignore[attr-defined]
    started = hub.campaigns.start(Draft("Spring push", "standard", settings,
                                        Target(customer="ACME")), "ann@example.com")
    assert (started.state, started.version, started.slug) == ("running", 1, "spring-push")
    with pytest.raises(CampaignRefused) as refused:  # one campaign at a time per customer
        hub.campaigns.start(Draft("Again", "standard", settings, Target(customer="ACME")),
                            "ann@example.com")
    assert refused.value.by_field() == {
        "customer": ['customer ACME is already in campaign "Spring push"; stop that '
                     "campaign first"]}

    for offset in range(0, 6):
        _day(hub, DAY + timedelta(days=offset))
    ladder = "campaign spring-push"
    assert _steps(hub, "ACME")[1:] == [(0, ladder, "1. sms"), (5, ladder, "2. email")]
    assert _channels(hub, "ACME")[1:] == [["sms"], ["email"]]
    assert _steps(hub, "OTHER") == [(-1, "consumer", "reminder")]  # not in the campaign

    _pay(hub, DAY + timedelta(days=6), "300.00")
    _day(hub, DAY + timedelta(days=6))
    view = hub.campaigns.view("Spring push", Scope())
    member = view.members.items[0]
    assert (member.step_reached, member.reached_on) == ("2. email", DAY + timedelta(days=5))
    assert (member.next_step, member.next_on) == ("3. letter", DAY + timedelta(days=14))
    assert str(member.recovered) == "300.00 EUR"
    assert str(member.owed_at_start) == "900.00 EUR"
    assert view.totals["customers"] == 1
    assert [str(m) for m in view.totals["recovered"]] == ["300.00 EUR"]

    hub.clock.moment = morning(DAY + timedelta(days=7))  # type: ignore[attr-defined]
    hub.campaigns.pause("Spring push", "ann@example.com")
    for offset in range(7, 17):  # the letter's day 14 passes while paused: nothing is sent
        _day(hub, DAY + timedelta(days=offset))
    assert len(_steps(hub, "ACME")) == 3
    hub.clock.moment = morning(DAY + timedelta(days=17))  # type: ignore[attr-defined]
    hub.campaigns.resume("Spring push", "ann@example.com")
    member = hub.campaigns.view("Spring push", Scope()).members.items[0]
    # paused from day 7 to day 17: the letter comes ten days later than written
    assert (member.next_step, member.next_on) == ("3. letter", DAY + timedelta(days=24))
    for offset in range(17, 25):
        _day(hub, DAY + timedelta(days=offset))
    assert _steps(hub, "ACME")[3:] == [(24, ladder, "3. letter")]

    env = {"HUB_DATABASE_URL": hub.settings.database_url, "HUB_VAR_DIR": str(tmp_path / "v"),
           "HUB_RULES_FILE": str(hub.settings.rules_file)}
    explained = CliRunner().invoke(cli, ["rules", "explain", "ACME", "--as-of",
                                         str(DAY + timedelta(days=25))], env=env)
    assert explained.exit_code == 0, explained.output
    assert "segment: campaign spring-push" in explained.output
    assert 'campaign: "Spring push" (version 1, running' in explained.output
    assert "its steps: 1. sms, 2. email, 3. letter, 4. call" in explained.output

    hub.clock.moment = morning(DAY + timedelta(days=25))  # type: ignore[attr-defined]
    hub.campaigns.stop("Spring push", "ann@example.com")
    _day(hub, DAY + timedelta(days=25))
    # back on finance's ladder, where it left it: the consumer ladder's next step is due
    assert _steps(hub, "ACME")[4:] == [(25, "consumer", "final notice")]
    shown = hub.campaigns.view("Spring push", Scope()).members.items[0]
    assert shown.next_step is None
    assert shown.left_on == DAY + timedelta(days=25)


def test_the_campaign_commands(campaign_hub: Hub, tmp_path: Path) -> None:
    hub = campaign_hub
    _ledger(hub)
    env = {"HUB_DATABASE_URL": hub.settings.database_url, "HUB_VAR_DIR": str(tmp_path / "v"),
           "HUB_RULES_FILE": str(hub.settings.rules_file)}

    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli, ["campaign", *args], env=env)
        return result.exit_code, result.output

    code, out = run("templates")
    assert code == 0
    assert "standard  shipped  email day 0, sms day 5, letter day 14, call day 21" in out
    code, out = run("start", "Spring push", "--template", "standard", "--customer", "ACME",
                    "--first", "sms", "--dry-run")
    assert code == 0, out
    assert "can start: sms day 0, email day 5, letter day 14, call day 21" in out
    assert "ACME: 1. sms (today)" in out
    assert "(dry run: nothing was started)" in out
    assert run("list")[1].startswith("no campaigns")
    code, out = run("start", "Bad", "--customer", "ACME", "--channels", "sms,pigeon",
                    "--days", "0,3")
    assert code == 2
    assert 'step 2: "pigeon" is not a channel' in out
    code, out = run("start", "Spring push", "--customer", "ACME", "--first", "sms")
    assert code == 0, out
    assert out.startswith('campaign "Spring push" started on ')
    assert "for 1 customer: sms day 0, email day 5" in out
    code, out = run("list")
    assert "Spring push  running" in out
    code, out = run("show", "spring-push")
    assert code == 0, out
    assert "ACME      -             1. sms (" in out
    assert "totals: 1 customers, 0 reached a step" in out
    assert "  version 1: cli:" in out
    assert run("pause", "Spring push")[1].startswith('campaign "Spring push" is paused since')
    assert run("pause", "Spring push")[0] == 2  # already paused: an error, said why
    assert run("resume", "Spring push")[1] == 'campaign "Spring push" is running\n'
    code, out = run("save-template", "Spring push", "Sms first")
    assert code == 0
    assert 'template "Sms first" saved' in out
    assert "Sms first" in run("templates")[1]
    assert run("stop", "Spring push")[1].startswith('campaign "Spring push" is stopped on')


def test_an_adjusted_campaign_is_a_new_version_and_keeps_each_customers_progress(
        campaign_hub: Hub, tmp_path: Path) -> None:
    hub = campaign_hub
    _ledger(hub)
    settings = with_channel_first(BUILTIN_TEMPLATES[1].settings, "sms")
    hub.campaigns.start(Draft("Spring push", "standard", settings, Target(customer="ACME")),
                        "ann@example.com")
    _day(hub, DAY)
    ladder = "campaign spring-push"
    assert _steps(hub, "ACME") == [(0, ladder, "1. sms")]
    env = {"HUB_DATABASE_URL": hub.settings.database_url, "HUB_VAR_DIR": str(tmp_path / "v"),
           "HUB_RULES_FILE": str(hub.settings.rules_file)}
    # e-mail first after all, and the second step sooner: version 2
    adjusted = CliRunner().invoke(cli, ["campaign", "adjust", "Spring push", "--first",
                                        "email", "--days", "0,3,14,21"], env=env)
    assert adjusted.exit_code == 0, adjusted.output
    assert adjusted.output == ('campaign "Spring push" is at version 2: email day 0, sms day '
                               "3, letter day 14, call day 21; tone standard; fees off; stop "
                               "when: promise, plan\n")
    for offset in range(1, 4):
        _day(hub, DAY + timedelta(days=offset))
    # the first step was taken (as SMS): it is not sent again as e-mail; the second comes
    # on its new day
    assert _steps(hub, "ACME") == [(0, ladder, "1. sms"), (3, ladder, "2. sms")]
    member = hub.campaigns.view("Spring push", Scope()).members.items[0]
    assert (member.step_reached, member.next_step) == ("2. sms", "3. letter")
    assert hub.campaigns.get("Spring push").version == 2
    refused = CliRunner().invoke(cli, ["campaign", "adjust", "Spring push", "--days",
                                       "0,3,3,21"], env=env)
    assert refused.exit_code == 2
    assert "--day: step 3: day 3 must come after step 2's day 3" in refused.output
