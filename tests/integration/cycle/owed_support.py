"""The whole path for the owed-amount tests: files imported through the command line, the
cycle with a real rule file, the outbox dispatched to the mail and letters folders, and what
the debtor reads (e-mail text, letter PDF text, portal page)."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from email import message_from_bytes
from email import policy as email_policy
from pathlib import Path

from click.testing import CliRunner
from click.testing import Result
from pypdf import PdfReader

from hub.bootstrap import Hub
from hub.cli import cli
from hub.domain.clock import FixedClock
from hub.ports import Policy
from tests.integration.cycle.helpers import run_day
from tests.integration.notify.helpers import ALWAYS

CUSTOMERS = "customer_id,name,kind,country,language,currency,contact_name,contact_email," \
            "address_line1,postcode,city\n"


def run_cli(hub: Hub, *args: str) -> Result:
    env = {"HUB_DATABASE_URL": hub.settings.database_url,
           "HUB_VAR_DIR": str(hub.settings.var_dir)}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def import_csv(hub: Hub, kind: str, path: Path, text: str) -> Result:
    path.write_text(text, encoding="utf-8")
    result = run_cli(hub, "import", kind, str(path))
    assert result.exit_code == 0, result.output
    return result


def customer_row(code: str, *, country: str = "NL", language: str = "en", kind: str = "B2B",
                 currency: str = "EUR") -> str:
    return (f"{code},{code} Ltd,{kind},{country},{language},{currency},Pat,"
            f"pay@{code.lower()}.example,Main Street 1,1000 AA,Amsterdam\n")


def policy_from(text: str, path: Path) -> Policy:
    from notifications.templates import known_templates
    from rules import load_policy

    path.write_text(text, encoding="utf-8")
    return load_policy(path, known_templates=known_templates())


def cycle_and_send(hub: Hub, policy: Policy, day: date) -> None:
    """Run the day's cycle, then send what it queued as on that day at 10:00."""
    report = run_day(hub, policy, day)
    assert report.status == "done", report.errors
    assert isinstance(hub.clock, FixedClock)
    hub.clock.moment = datetime.combine(day, time(10, 0), UTC)
    hub.dispatcher(policy=ALWAYS).run()


def mails(hub: Hub) -> dict[str, str]:
    """Text of every e-mail sent so far, by recipient address."""
    found: dict[str, str] = {}
    for path in sorted((hub.settings.var_dir / "mail").glob("*.eml")):
        mail = message_from_bytes(path.read_bytes(), policy=email_policy.default)
        body = mail.get_body(preferencelist=("plain",))
        assert body is not None
        address = str(mail["To"]).rsplit("<", 1)[-1].rstrip(">")
        found[address] = found.get(address, "") + str(mail["Subject"]) + "\n" + \
            body.get_content().replace("\xa0", " ")
    return found


def letters(hub: Hub) -> list[str]:
    """Text of every letter PDF written so far."""
    texts = []
    for path in sorted((hub.settings.var_dir / "letters").rglob("*.pdf")):
        if path.name == "print-batch.pdf":
            continue
        reader = PdfReader(path)
        texts.append("\n".join(page.extract_text() for page in reader.pages)
                     .replace("\xa0", " "))
    return texts
