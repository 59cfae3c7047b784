"""The rule editor: live checks, simulation, activation with audit, history, rollback."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.ledger.tables import audit_log
from tests.web.conftest import csrf_from

DEFAULT = Path(__file__).resolve().parents[2] / "rules" / "policies" / "default.yaml"


def _audit(hub: Hub) -> list[str]:
    with hub.engine.connect() as connection:
        return [r.action for r in connection.execute(sa.select(audit_log.c.action))]


def test_finance_edits_simulates_and_activates(staffed: Hub,
                                               as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("fin@example.com")
    page = client.get("/rules").get_data(as_text=True)
    assert "In force: version 1" in page
    assert "ladders:" in page
    token = csrf_from(page)
    text = DEFAULT.read_text(encoding="utf-8")
    changed = text.replace("{name: firm reminder, at: 14, send: [email, letter], template",
                           "{name: firm reminder, at: 14, send: [email, sms, letter], template")
    assert changed != text

    checked = client.post("/rules/validate", data={"text": changed},
                          headers={"X-CSRF-Token": token}).get_json()
    assert checked["ok"] is True

    simulation = client.post("/rules/simulate", data={"text": changed, "csrf_token": token})
    assert simulation.status_code == 200
    html = simulation.get_data(as_text=True)
    assert "would differ" in html
    assert "ACME" in html  # its first contact, the firm reminder, now may go by SMS

    done = client.post("/rules/activate", data={"text": changed, "csrf_token": token,
                                                "note": "raise the minimum"})
    assert done.status_code == 302
    page = client.get("/rules").get_data(as_text=True)
    assert "Version 2 is now in force." in page
    assert "at: 14, send: [email, sms, letter]" in page
    assert "rules.activated" in _audit(staffed)

    diff = client.get("/rules/versions/1").get_data(as_text=True)
    assert re.search(r'<span class="del">-\s+- \{name: firm reminder, at: 14, send: '
                     r'\[email, letter\],', diff)
    assert re.search(r'<span class="add">\+\s+- \{name: firm reminder, at: 14, send: '
                     r'\[email, sms, letter\]', diff)
    client.post("/rules/versions/1/rollback", data={"csrf_token": token})
    page = client.get("/rules").get_data(as_text=True)
    assert "Version 1 is back in force as version 3." in page
    assert "at: 14, send: [email, sms, letter]" not in page
    assert "rules.rolled_back" in _audit(staffed)


def test_a_broken_file_is_explained_and_never_goes_live(
        staffed: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("fin@example.com")
    token = csrf_from(client.get("/rules").get_data(as_text=True))
    broken = DEFAULT.read_text(encoding="utf-8").replace("at: 14,", "at: fourteen,")
    checked = client.post("/rules/validate", data={"text": broken},
                          headers={"X-CSRF-Token": token}).get_json()
    assert checked["ok"] is False
    assert any(p["line"] for p in checked["problems"])
    refused = client.post("/rules/activate", data={"text": broken, "csrf_token": token})
    assert refused.status_code == 422
    page = client.get("/rules").get_data(as_text=True)
    assert "In force: version 1" in page
    assert "refused" in page
    assert "rules.refused" in _audit(staffed)


def test_live_checks_need_the_csrf_token(staffed: Hub,
                                         as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("fin@example.com")
    assert client.post("/rules/validate", data={"text": "x"}).status_code == 400


def test_only_finance_and_admins_edit_rules(staffed: Hub,
                                            as_user: Callable[[str], FlaskClient]) -> None:
    for email in ("ann@example.com", "mia@example.com", "ro@example.com"):
        assert as_user(email).get("/rules").status_code == 403
    assert as_user("adm@example.com").get("/rules").status_code == 200
