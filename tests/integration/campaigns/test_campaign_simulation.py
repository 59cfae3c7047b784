"""The simulation of a campaign's first days (`Campaigns.simulate_days`, the onboarding page
and `campaign start --dry-run --simulate`) says what the real cycle then does: the same
steps on the same days, for the same customers, with the amounts they owed. On SQLite and
PostgreSQL."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner

from hub.bootstrap import Hub
from hub.cli import cli
from hub.domain.campaigns import BUILTIN_TEMPLATES
from hub.domain.campaigns import Target
from hub.domain.campaigns import with_channel_first
from hub.domain.money import Money
from hub.services.cycle.campaigns import Draft
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.integration.campaigns.test_campaign_cycle import DAY
from tests.integration.campaigns.test_campaign_cycle import _day
from tests.integration.campaigns.test_campaign_cycle import _ledger
from tests.integration.campaigns.test_campaign_cycle import _steps
from tests.integration.campaigns.test_campaign_cycle import campaign_hub  # noqa: F401

DAYS = 30


def test_the_simulated_month_is_what_the_cycle_does(campaign_hub: Hub) -> None:  # noqa: F811
    hub = campaign_hub
    _ledger(hub)  # ACME owes 900.00, OTHER 100.00, both 40 days overdue
    with hub.engine.begin() as connection:  # and one whose debt is not due: not taken
        later = add_customer(connection, "LATER", kind="B2C", country="NL")
        add_invoice(connection, "LATER-1", later, issued=DAY, due=DAY + timedelta(days=30),
                    amount="50.00")
    settings = with_channel_first(BUILTIN_TEMPLATES[1].settings, "sms")  # standard
    draft = Draft("Month", "standard", settings, Target())
    simulated = hub.campaigns.simulate_days(draft, days=DAYS)
    assert [d.day for d in simulated] == [DAY + timedelta(days=n) for n in range(DAYS)]
    planned = {d.campaign_day: d.messages for d in simulated if d.messages}
    assert planned == {0: {"sms": 2}, 5: {"email": 2}, 14: {"letter": 2}, 21: {"call": 2}}
    assert simulated[0].customers_reached == 2
    assert simulated[-1].amount_reached == [Money(Decimal("1000.00"), "EUR")]

    hub.campaigns.start(draft, "fin@example.com")
    for offset in range(DAYS):
        _day(hub, DAY + timedelta(days=offset))
    ladder = "campaign month"
    taken: Counter[tuple[int, str]] = Counter()
    for code in ("ACME", "OTHER"):
        for day, on, step in _steps(hub, code):
            if on == ladder and step is not None and day >= 0:
                taken[(day, step.split(". ")[1])] += 1
    assert taken == Counter({(day, channel): count for day, sent in planned.items()
                             for channel, count in sent.items()})
    assert _steps(hub, "LATER") == []


def test_the_command_line_prints_the_simulated_days(campaign_hub: Hub,  # noqa: F811
                                                    tmp_path: Path) -> None:
    hub = campaign_hub
    _ledger(hub)
    env = {"HUB_DATABASE_URL": hub.settings.database_url, "HUB_VAR_DIR": str(tmp_path / "v"),
           "HUB_RULES_FILE": str(hub.settings.rules_file)}
    result = CliRunner().invoke(cli, ["campaign", "start", "Month", "--min-days", "1",
                                      "--first", "sms", "--dry-run", "--simulate", "30"],
                                env=env)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    start = lines.index('campaign "Month" can start: sms day 0, email day 5, letter day 14, '
                        "call day 21; tone standard; fees off; stop when: promise, plan")
    # the command line runs on today's date (business days are off in this rule file)
    assert re.fullmatch(r"  day 0 \(\d{4}-\d\d-\d\d\): sms 2; reached so far 2 customers "
                        r"owing 1,000\.00 EUR", lines[start + 1])
    assert re.match(r"  day 5 \(\d{4}-\d\d-\d\d\): email 2;", lines[start + 2])
    assert lines[-1] == "(dry run over 30 days, nobody paying or answering: nothing was started)"
    alone = CliRunner().invoke(cli, ["campaign", "start", "Month", "--min-days", "1",
                                     "--simulate", "30"], env=env)
    assert alone.exit_code == 2
    assert "--simulate goes with --dry-run" in alone.output
