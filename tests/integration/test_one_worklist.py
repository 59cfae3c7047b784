"""Must show (issue 12, item 1): one "what needs me today". After a real cycle, every
person's web worklist, their sheet tab (XLSX), their digest and the API list the same
accounts in the same order."""

from __future__ import annotations

import re
from datetime import date
from datetime import timedelta

import sqlalchemy as sa
from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.bootstrap.cycle import build_cycle
from hub.bootstrap.cycle import cycle_options
from hub.domain.model import Role
from hub.domain.model import User
from hub.ledger.tables import messages
from hub.ledger.users import upsert_users
from hub.services.accounts.tasks import create_task
from hub.services.staff.auth import set_password
from hub.web import create_app
from hub.web.openapi import openapi_document
from sync.sheets.layout import load_layout
from sync.sheets.xlsx import XlsxBackend
from tests.builders import add_contact
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.contract.sheet_sides import XlsxSide
from tests.web.api_support import make_token
from tests.web.api_support import validate
from tests.web.conftest import PASSWORD
from tests.web.conftest import sign_in

AS_OF = date(2026, 11, 23)
PEOPLE = {  # e-mail: role, department
    "ann@example.com": ("collector", "Sales"), "bob@example.com": ("collector", "Sales"),
    "mia@example.com": ("manager", "Sales"), "ola@example.com": ("collector", "Ops"),
}
ACCOUNTS = [  # code, owner, department, due, amount
    ("A1", "ann@example.com", "Sales", "2026-08-01", "900.00"),
    ("A2", "ann@example.com", "Sales", "2026-10-20", "300.00"),
    ("BIG", "ann@example.com", "Sales", "2026-10-01", "80000.00"),  # escalated to mia
    ("SHARED", "ann@example.com", "Sales", "2026-09-15", "700.00"),  # task given to bob
    ("B1", "bob@example.com", "Sales", "2026-09-01", "450.00"),
    ("O1", "ola@example.com", "Ops", "2026-07-01", "1200.00"),
]


def _portfolio(hub: Hub) -> None:
    now = hub.clock.now()
    with hub.engine.begin() as c:
        upsert_users(c, [User(email=email, name=email.split("@")[0].title(), role=Role(role),
                              department=department)
                         for email, (role, department) in PEOPLE.items()], now)
        for email in PEOPLE:
            set_password(c, email, PASSWORD, actor="test", now=now)
        for code, owner, department, due, amount in ACCOUNTS:
            customer = add_customer(c, code, owner=owner, department=department)
            add_contact(c, customer, f"AP {code}", email=f"ap@{code.lower()}.example",
                        is_primary=True)
            issued = (date.fromisoformat(due) - timedelta(days=30)).isoformat()
            add_invoice(c, f"{code}-1", customer, issued=issued, due=due, amount=amount)
        # work given by hand, due today: ann's account, but bob is to call; ann and bob
        # each have their own accounts to call too
        for code, assignee in (("SHARED", "bob@example.com"), ("A1", "ann@example.com"),
                               ("A2", None), ("B1", "bob@example.com"),
                               ("O1", "ola@example.com")):
            create_task(c, customer_code=code, task_type="call", assignee=assignee,
                        due_date=AS_OF, reason="test", actor="tests", now=now,
                        key=f"{code}|call", source="web")


def _web(client: FlaskClient) -> list[str]:
    page = client.get("/worklist").get_data(as_text=True)
    return re.findall(r'data-customer="([^"]+)"', page)


def _sheet(side: XlsxSide, email: str) -> list[str]:
    department = PEOPLE[email][1]
    try:
        rows = side.rows(department, email)
    except AssertionError:  # no tab: nothing of theirs in the department's book
        return []
    return [row["key"] for row in rows if not row["customer"].startswith("Nothing left")]


def _digest(hub: Hub, email: str) -> list[str]:
    with hub.engine.connect() as c:
        found = c.execute(sa.select(messages.c.context).where(
            messages.c.template == "digest", messages.c.recipient == email)).all()
    if not found:
        return []
    context = found[0].context
    listed = [account["code"] for account in context["accounts"]]
    assert context["count"] == len(listed)  # the whole list is shown (at most 5 here)
    return listed


def _api(client: FlaskClient, email: str) -> list[str]:
    body = client.get(f"/api/v1/worklist?user={email}&per_page=100").get_json()
    assert validate(openapi_document(), "/api/v1/worklist", "200", body) == []
    return [row["customer"]["code"] for row in body["data"]]


def test_every_surface_shows_the_same_accounts_in_the_same_order(hub: Hub) -> None:
    _portfolio(hub)
    report = build_cycle(hub).run(cycle_options(hub, as_of=AS_OF, actor="tests"))
    assert report.status != "failed", report
    side = XlsxSide(XlsxBackend(hub.settings.var_dir / "sheets"), load_layout())
    app = create_app(hub, {"TESTING": True})
    api = app.test_client()
    api.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {make_token(hub, role='finance')}"

    seen = {}
    for email in PEOPLE:
        web = app.test_client()
        sign_in(web, email)
        surfaces = {"web": _web(web), "sheet": _sheet(side, email),
                    "digest": _digest(hub, email), "api": _api(api, email)}
        assert all(listed == surfaces["web"] for listed in surfaces.values()), \
            f"{email}: {surfaces}"
        seen[email] = surfaces["web"]
    assert seen["bob@example.com"][0:2] in (["SHARED", "B1"], ["B1", "SHARED"])
    assert "SHARED" not in seen["ann@example.com"]  # bob is to call: it is his, not hers
    assert "BIG" in seen["mia@example.com"]  # the escalation is the manager's to act on
    assert {"A1", "A2"} <= set(seen["ann@example.com"])
    assert seen["ola@example.com"] == ["O1"]

    ann = app.test_client()
    ann.environ_base["HTTP_AUTHORIZATION"] = \
        f"Bearer {make_token(hub, 'ann', 'collector', user_email='ann@example.com')}"
    assert _api(ann, "ann@example.com") == seen["ann@example.com"]
    refused = ann.get("/api/v1/worklist?user=bob@example.com")
    assert refused.status_code == 403  # a collector reads only their own worklist
