"""Finance writes "start calling earlier when p_late > 0.7": the prediction fields in a
rule file, with no trained model (the customer-history baseline)."""

from __future__ import annotations

from datetime import date
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner
from click.testing import Result

from hub.bootstrap import Hub
from hub.cli import cli
from rules import DEFAULT_POLICY
from tests.builders import add_customer
from tests.integration.prediction.history import paid_invoice

AS_OF = date(2026, 11, 23)
RISKY_FIRST = """segments:                                   # first match wins
  - name: risky
    when: prediction.p_late > 0.7 and customer.kind == "B2B"
"""
RISKY_LADDER = """ladders:
  risky:
    progression: ladder
    steps:
      - {name: early call, at: 1, task: call, assign: owner, due_in_days: 1}
      - {name: firm reminder, at: 14, send: [email, letter], template: reminder-2}
"""


def _rule_file(tmp_path: Path) -> Path:
    text = DEFAULT_POLICY.read_text(encoding="utf-8")
    text = text.replace("segments:                                   # first match wins\n",
                        RISKY_FIRST).replace("ladders:\n", RISKY_LADDER)
    path = tmp_path / "collections.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _explain(hub: Hub, code: str, rules_file: Path) -> Result:
    env = {"HUB_DATABASE_URL": hub.settings.database_url,
           "HUB_VAR_DIR": str(hub.settings.var_dir), "HUB_RULES_FILE": str(rules_file)}
    return CliRunner().invoke(cli, ["rules", "explain", code, "--as-of", AS_OF.isoformat()],
                              env=env)


def test_a_rule_file_calls_likely_late_payers_early(hub: Hub, tmp_path: Path) -> None:
    with hub.engine.begin() as connection:
        for code, days_late in (("LATE", 25), ("PROMPT", -3)):
            customer = add_customer(connection, code, owner="ann@example.com")
            for k in range(6):
                paid_invoice(connection, f"{code}-{k}", customer,
                             issued=AS_OF - timedelta(days=300 - 40 * k), terms=30,
                             days_late=days_late)
            paid_invoice(connection, f"{code}-open", customer,
                         issued=AS_OF - timedelta(days=33), terms=30, days_late=None)
    rules_file = _rule_file(tmp_path)
    late = _explain(hub, "LATE", rules_file)
    assert late.exit_code == 0, late.output
    assert "segment: risky" in late.output
    assert "decided: early call" in late.output
    assert "prediction.p_late > 0.7" in late.output
    # six of six paid late, shrunk towards the ledger's share (6 of 12): (6 + 0.5) / 7
    assert "prediction.p_late=0.9286" in late.output
    assert "prediction.late_class=1-30" in late.output  # 3 days overdue: not on time
    prompt = _explain(hub, "PROMPT", rules_file)
    assert prompt.exit_code == 0, prompt.output
    assert "segment: business" in prompt.output  # paid on time: the usual ladder
    assert "decided: early call" not in prompt.output
