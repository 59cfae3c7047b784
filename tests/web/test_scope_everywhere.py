"""Scope everywhere (issue 12, item 4): a sales manager sees, on every list (outbox,
reports and their exports, search, the API lists), only accounts of their department:
the same rule as the account page, which refuses the others."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.domain.outbox import OutboxMessage
from hub.domain.outbox import RecipientKind
from hub.ledger.outbox import enqueue
from hub.services.accounts.tasks import create_task
from tests.web.api_support import make_token

MANAGER = "mia@example.com"  # sales: ACME and CRUX; BOLT is ops
OTHERS = ("BOLT", "Bolt GmbH", "B-1")


def _activity(hub: Hub) -> None:
    """Messages and tasks for every account, so every list has something of each."""
    now = hub.clock.now()
    with hub.engine.begin() as c:
        for code in ("ACME", "BOLT", "CRUX"):
            enqueue(c, OutboxMessage(idempotency_key=f"test|{code}", template="reminder-1",
                                     customer_code=code, channels=("email",),
                                     context={"customer_code": code}), now=now)
            create_task(c, customer_code=code, task_type="call", assignee=None,
                        due_date=hub.clock.today(), reason="test", actor="tests", now=now,
                        key=f"{code}|call", source="web")
        enqueue(c, OutboxMessage(idempotency_key="digest|bob", template="digest",
                                 recipient_kind=RecipientKind.STAFF,
                                 recipient="bob@example.com", channels=("email",),
                                 context={}), now=now)


def _list_routes(app: Flask) -> list[str]:
    """Every page without a path parameter a GET can ask for: the lists."""
    return sorted({rule.rule for rule in app.url_map.iter_rules()
                   if "GET" in (rule.methods or ()) and not rule.arguments
                   and not rule.rule.startswith(("/static", "/signout", "/signin", "/auth",
                                                 "/portal", "/slack", "/teams"))})


def _hides_others(body: str) -> list[str]:
    return [word for word in OTHERS if re.search(rf"\b{re.escape(word)}\b", body)]


def test_a_sales_manager_sees_only_their_department_on_every_list(
        staffed: Hub, staff_app: Flask, as_user: Callable[[str], FlaskClient]) -> None:
    _activity(staffed)
    manager = as_user(MANAGER)
    assert manager.get("/accounts/BOLT").status_code in (403, 404)  # the rule to follow

    walked = []
    for path in _list_routes(staff_app):
        response = manager.get(path)
        if response.status_code != 200 or path.startswith("/api/"):
            continue
        walked.append(path)
        assert _hides_others(response.get_data(as_text=True)) == [], path
    assert {"/outbox", "/reports", "/accounts", "/worklist", "/team"} <= set(walked), walked

    outbox = manager.get("/outbox").get_data(as_text=True)
    assert "ACME" in outbox  # their department's messages are there
    assert "CRUX" in outbox
    assert "bob@example.com" not in outbox  # a digest to someone of another department
    messages = [int(n) for n in re.findall(r'/outbox/(\d+)"', outbox)]
    others = set(range(1, 5)) - set(messages)  # BOLT's reminder and bob's digest
    assert len(others) == 2
    for number in others:
        assert manager.get(f"/outbox/{number}").status_code == 404

    for name in ("aging", "dso", "cei", "promises", "steps", "channels", "productivity"):
        for fmt in ("csv", "xlsx"):
            export = manager.get(f"/reports/{name}.{fmt}")
            assert export.status_code == 200, (name, fmt)
            if fmt == "csv":
                assert _hides_others(export.get_data(as_text=True)) == [], name
    aging = manager.get("/reports/aging.csv").get_data(as_text=True)
    assert "1100.00" in aging  # ACME's 600.00 + 500.00 open in EUR
    assert "3100.00" not in aging  # not the ledger's EUR total with BOLT's 2000.00
    finance = as_user("fin@example.com").get("/reports/aging.csv").get_data(as_text=True)
    assert "3100.00" in finance  # finance sees the whole ledger

    assert _hides_others(manager.get("/accounts?q=B").get_data(as_text=True)) == []
    assert manager.get("/outbox?page=2").status_code == 200  # paged

    api = staff_app.test_client()
    api.environ_base["HTTP_AUTHORIZATION"] = \
        f"Bearer {make_token(staffed, 'mia', 'manager', department='sales')}"
    for path in _list_routes(staff_app):
        if not path.startswith("/api/v1/") or path.endswith("openapi.json"):
            continue
        response = api.get(path)
        assert response.status_code in (200, 403), path
        if response.status_code == 200:
            assert _hides_others(response.get_data(as_text=True)) == [], path


def test_the_audit_log_is_paged(staffed: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    from hub.ledger import staff

    with staffed.engine.begin() as c:
        for number in range(230):
            staff.audit(c, actor="tests", action="rules.activated", target=f"entry-{number}",
                        address=None, now=staffed.clock.now(), detail={})
    admin = as_user("adm@example.com")
    first = admin.get("/admin/audit?show=rules.").get_data(as_text=True)
    second = admin.get("/admin/audit?show=rules.&page=2").get_data(as_text=True)
    shown = re.findall(r"entry-(\d+)", first) + re.findall(r"entry-(\d+)", second)
    assert len(re.findall(r"entry-\d+", first)) == 200
    assert sorted(map(int, shown)) == list(range(230))  # each once, over two pages
    assert "page=2" in first
