"""Two creditor companies on one hub whose customer codes, invoice numbers and payment
references collide on purpose: the default creditor (alpha, id 1) and bravo."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.domain.model import Role
from hub.domain.model import User
from hub.ledger.event_log import add_event
from hub.ledger.tables import TENANT_TABLES
from hub.ledger.tables import campaign_members
from hub.ledger.tables import campaigns
from hub.ledger.tables import handover_files
from hub.ledger.tables import handovers
from hub.ledger.tables import metadata
from hub.ledger.tables import tasks
from hub.ledger.tenancy import DEFAULT_CREDITOR
from hub.ledger.tenancy import acting_for
from hub.ledger.tenancy import platform_wide
from hub.ledger.users import upsert_users
from hub.services.portal.links import issue_link
from hub.services.staff.api_tokens import create_token
from hub.services.staff.auth import set_password
from hub.services.staff.creditors import add_creditor
from tests.builders import add_contact
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.builders import add_payment

PASSWORD = "correct horse battery"
# Everything only alpha's data says: none of it may reach bravo's people.
ALPHA_SECRETS = ("Alpha Secret", "alpha-secret.example", "1234.56", "1,234.56", "1.234,56",
                 "123456", "PAY-ALPHA", "+31201111111", "Alphastraat")


@dataclass(frozen=True)
class TwoCreditors:
    bravo_id: int
    alpha_portal_token: str
    bravo_portal_token: str
    alpha_api_token: str
    bravo_api_token: str


def _fill(hub: Hub, *, name: str, amount: str, paid: str, payment: str, domain: str,
          phone: str, street: str, people: str) -> None:
    now = hub.clock.now()
    with hub.engine.begin() as c:
        person = people.split(".", maxsplit=1)[0].title()  # staff names are not alpha's secrets
        upsert_users(c, [User(email=f"adm@{people}", name=f"{person} Admin", role=Role.ADMIN),
                         User(email=f"ann@{people}", name=f"{person} Collector",
                              role=Role.COLLECTOR, department="sales")], now)
        for email in (f"adm@{people}", f"ann@{people}"):
            set_password(c, email, PASSWORD, actor="test", now=now)
        customer = add_customer(c, "C001", name=f"{name} Trading", owner=f"ann@{people}",
                                department="sales", country="NL")
        add_contact(c, customer, f"{name} Contact", email=f"pay@{domain}", phone=phone,
                    is_primary=True)
        invoice = add_invoice(c, "INV-001", customer, issued="2026-09-01", due="2026-10-01",
                              amount=amount)
        add_invoice(c, "INV-002", customer, issued="2026-10-01", due="2026-10-31",
                    amount=amount)
        add_payment(c, "PAY-1", received_on="2026-10-15", amount=paid, customer_id=customer,
                    allocate={invoice: paid})
        add_payment(c, payment, received_on="2026-11-01", amount=paid)  # unmatched
        c.execute(tasks.insert().values(  # the same idempotency key for both creditors
            customer_id=customer, task_type="call", due_date=date(2026, 11, 20), state="open",
            key="call|C001", reason=f"Call {name} Trading", created_by="rules", source="rules",
            created_at=now, updated_at=now, holder=f"ann@{people}"))  # the owner's
        add_event(c, customer_id=customer, kind="note.added", actor=f"ann@{people}", now=now,
                  summary=f"{name} called, {street} 1", data={})
        campaign = c.execute(campaigns.insert().values(  # the same name for both creditors
            name="Spring", slug="spring", template=f"{name} template", state="running",
            target={"customer": "C001"}, started_on=date(2026, 11, 1), paused_days=0,
            created_by=f"ann@{people}", created_at=now, updated_at=now)).inserted_primary_key[0]
        c.execute(campaign_members.insert().values(
            campaign_id=campaign, customer_id=customer, joined_on=date(2026, 11, 1),
            currency="EUR", owed_minor=int(amount.replace(".", ""))))
        case = c.execute(handovers.insert().values(  # with the collection company
            customer_id=customer, status="in_progress", approval_required=False,
            requested_on=date(2026, 11, 10), requested_by="rules", reason="hand over",
            owed=[{"currency": "EUR", "amount": amount}], handed_over_at=now,
            note=f"visited {street} 1", status_by="ops", created_at=now,
            updated_at=now)).inserted_primary_key[0]
        c.execute(handover_files.insert(), [
            {"handover_id": case, "kind": kind, "file_name": f"case-{case}-C001.{kind}",
             "content": _kept(kind, f"{name} Trading owes {amount}", case),
             "sha256": "0" * 64,
             "created_at": now} for kind in ("pdf", "json")])


def _kept(kind: str, text: str, case: int) -> bytes:
    """A kept case file: the text, in a JSON case file for the JSON (the CSV zip reads it)."""
    if kind != "json":
        return text.encode()
    return json.dumps({
        "schema": "collections-hub/case-file/1", "case": case,
        "produced_at": "2026-11-20T09:00:00+00:00", "reason": text, "approved_by": None,
        "creditor": {"name": "", "code": "", "details": []},
        "debtor": {"name": text, "code": "C001", "details": []},
        "claim": {"principal": [], "charges": [], "total": []}, "invoices": [],
        "reminders": [], "responses": [], "charges": [], "payments": []}).encode()


def build(hub: Hub) -> TwoCreditors:
    now = hub.clock.now()
    with hub.engine.begin() as c:
        bravo = add_creditor(c, code="bravo", name="Bravo Holding", profile=None, now=now)
    _fill(hub, name="Alpha Secret", amount="1234.56", paid="34.56", payment="PAY-ALPHA",
          domain="alpha-secret.example", phone="+31201111111", street="Alphastraat",
          people="alpha.example")
    with acting_for(bravo.id):
        _fill(hub, name="Bravo Open", amount="777.00", paid="7.00", payment="PAY-BRAVO",
              domain="bravo.example", phone="+31202222222", street="Bravoweg",
              people="bravo.example")
    tokens = {}
    for creditor, label in ((DEFAULT_CREDITOR, "alpha"), (bravo.id, "bravo")):
        with acting_for(creditor), hub.engine.begin() as c:
            link = issue_link(c, customer_code="C001", secret=hub.settings.signing_key(),
                              public_url="http://127.0.0.1", days=30, actor="test", now=now)
            api = create_token(c, name="reports", role="admin", actor="test", now=now)
        tokens[label] = (link.token, api)
    return TwoCreditors(bravo.id, tokens["alpha"][0], tokens["bravo"][0], tokens["alpha"][1],
                        tokens["bravo"][1])


# A secret that is a bare number is a leak only as a number of its own: inside a longer
# run of digits (a Prometheus timestamp on /metrics, 1764751234567.8) it is another number.
_FOUND = {secret: re.compile(rf"(?<!\d){re.escape(secret)}(?!\d)") if secret.isdigit()
          else re.compile(re.escape(secret)) for secret in ALPHA_SECRETS}


def leaks(text: str) -> list[str]:
    return [secret for secret in ALPHA_SECRETS if _FOUND[secret].search(text)]


def snapshot(hub: Hub, creditor: int = DEFAULT_CREDITOR) -> dict[str, list[Any]]:
    """Every row one creditor has, table by table (to show nothing of it changed)."""
    found: dict[str, list[Any]] = {}
    with hub.engine.connect() as c, platform_wide():
        for name in TENANT_TABLES:
            table = metadata.tables[name]
            if name in ("portal_links", "api_tokens", "users"):  # last_used_at is touched
                continue
            rows = c.execute(sa.select(table).where(table.c.creditor_id == creditor)).all()
            found[name] = sorted(tuple(map(str, row)) for row in rows)
    return found
