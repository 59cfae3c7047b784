"""Staff sign-in with local passwords: sessions, lockout, audit log, redirects."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.ledger.tables import audit_log
from hub.services.staff.auth import set_password
from tests.web.conftest import PASSWORD
from tests.web.conftest import csrf_from
from tests.web.conftest import sign_in


def _audit(hub: Hub) -> list[tuple[str, str | None]]:
    with hub.engine.connect() as connection:
        return [(r.action, r.target) for r in connection.execute(
            sa.select(audit_log.c.action, audit_log.c.target).order_by(audit_log.c.id))]


def test_signed_out_visitors_are_sent_to_sign_in_and_back(staff_app: Flask) -> None:
    client = staff_app.test_client()
    response = client.get("/accounts?q=ac")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/signin?next=")
    page = client.get(response.headers["Location"])
    token = csrf_from(page.get_data(as_text=True))
    back = client.post("/signin", data={"email": "ann@example.com", "password": PASSWORD,
                                        "csrf_token": token, "next": "/accounts?q=ac"})
    assert back.headers["Location"] == "/accounts?q=ac"
    assert "Acme Trading BV" in client.get("/accounts?q=ac").get_data(as_text=True)


def test_a_wrong_password_says_so_without_telling_which_part(staffed: Hub,
                                                            staff_app: Flask) -> None:
    client = staff_app.test_client()
    token = csrf_from(client.get("/signin").get_data(as_text=True))
    response = client.post("/signin", data={"email": "ann@example.com", "password": "nope",
                                            "csrf_token": token})
    assert response.status_code == 401
    assert "e-mail address or password is wrong" in response.get_data(as_text=True)
    unknown = client.post("/signin", data={"email": "who@example.com", "password": "nope",
                                           "csrf_token": token})
    assert "e-mail address or password is wrong" in unknown.get_data(as_text=True)
    assert ("signin.failed", "ann@example.com") in _audit(staffed)
    assert client.get("/accounts").status_code == 302  # still signed out


def test_five_failures_lock_the_account_until_the_lockout_ends(staffed: Hub,
                                                               staff_app: Flask) -> None:
    client = staff_app.test_client()
    token = csrf_from(client.get("/signin").get_data(as_text=True))
    for _ in range(5):
        client.post("/signin", data={"email": "ann@example.com", "password": "wrong",
                                     "csrf_token": token})
    locked = client.post("/signin", data={"email": "ann@example.com", "password": PASSWORD,
                                          "csrf_token": token})
    assert locked.status_code == 401
    assert "locked for 15 minutes" in locked.get_data(as_text=True)
    assert ("signin.locked_out", "ann@example.com") in _audit(staffed)
    staffed.clock.moment += timedelta(minutes=16)  # type: ignore[attr-defined]
    sign_in(client, "ann@example.com")
    assert client.get("/accounts").status_code == 200


def _try(client: FlaskClient, email: str, password: str) -> int:
    token = csrf_from(client.get("/signin").get_data(as_text=True))
    return client.post("/signin", data={"email": email, "password": password,
                                        "csrf_token": token}).status_code


def test_correct_sign_ins_from_one_address_are_never_held_back(staff_app: Flask) -> None:
    """An office behind one address: twelve people signing in within a minute all get in
    (the eleventh once got 429)."""
    statuses = [_try(staff_app.test_client(), "ann@example.com", PASSWORD) for _ in range(12)]
    assert statuses == [302] * 12


def test_failures_are_counted_per_person_and_address(staff_app: Flask) -> None:
    guesser = staff_app.test_client()
    statuses = [_try(guesser, "ann@example.com", "wrong guess") for _ in range(11)]
    assert statuses[:10] == [401] * 10  # 5 wrong, then 5 refused while locked
    assert statuses[10] == 429
    token = csrf_from(guesser.get("/signin").get_data(as_text=True))
    limited = guesser.post("/signin", data={"email": "ann@example.com", "password": "x",
                                            "csrf_token": token})
    assert limited.status_code == 429
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    colleague = staff_app.test_client()  # same address, another person: still gets in
    assert _try(colleague, "fin@example.com", PASSWORD) == 302
    elsewhere = staff_app.test_client()
    elsewhere.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    assert _try(elsewhere, "ann@example.com", "wrong again") == 401  # not 429


def test_trying_many_accounts_from_one_address_is_held_back(staff_app: Flask) -> None:
    client = staff_app.test_client()
    statuses = [_try(client, f"x{i}@example.com", "x") for i in range(31)]
    assert statuses[:30] == [401] * 30
    assert statuses[30] == 429


def test_sign_out_ends_the_session_and_is_audited(staffed: Hub, staff_app: Flask) -> None:
    client = staff_app.test_client()
    sign_in(client, "fin@example.com")
    page = client.get("/accounts").get_data(as_text=True)
    client.post("/signout", data={"csrf_token": csrf_from(page)})
    assert client.get("/accounts").status_code == 302
    assert ("signin.succeeded", "fin@example.com") in _audit(staffed)


def test_next_never_leads_off_site(staff_app: Flask) -> None:
    client = staff_app.test_client()
    token = csrf_from(client.get("/signin").get_data(as_text=True))
    response = client.post("/signin", data={"email": "ann@example.com", "password": PASSWORD,
                                            "csrf_token": token,
                                            "next": "//evil.example/x"})
    assert response.headers["Location"] == "/"


def test_admins_read_the_audit_log_and_nobody_else(staffed: Hub, staff_app: Flask) -> None:
    client = staff_app.test_client()
    token = csrf_from(client.get("/signin").get_data(as_text=True))
    client.post("/signin", data={"email": "ann@example.com", "password": "nope",
                                 "csrf_token": token})
    sign_in(client, "ann@example.com")
    assert client.get("/admin/audit").status_code == 403
    admin = staff_app.test_client()
    sign_in(admin, "adm@example.com")
    page = admin.get("/admin/audit?show=signin.").get_data(as_text=True)
    assert "signin.failed" in page
    assert "reason: bad_credentials" in page
    assert "Fay Finance" in admin.get("/admin/people").get_data(as_text=True)  # the staff list


def test_a_new_password_ends_the_sessions_opened_with_the_old_one(staffed: Hub,
                                                                  staff_app: Flask) -> None:
    laptop, phone = staff_app.test_client(), staff_app.test_client()
    sign_in(laptop, "fin@example.com")
    sign_in(phone, "fin@example.com")
    assert phone.get("/accounts").status_code == 200
    with staffed.engine.begin() as connection:
        set_password(connection, "fin@example.com", "a brand new passphrase", actor="admin",
                     now=staffed.clock.now())
    for client in (laptop, phone):
        response = client.get("/accounts")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/signin")
    sign_in(phone, "fin@example.com", "a brand new passphrase")
    assert phone.get("/accounts").status_code == 200
    assert laptop.get("/accounts").status_code == 302  # still out until it signs in again


def test_signing_in_again_keeps_other_sessions_open(staffed: Hub, staff_app: Flask) -> None:
    laptop, phone = staff_app.test_client(), staff_app.test_client()
    sign_in(laptop, "fin@example.com")
    sign_in(phone, "fin@example.com")
    assert laptop.get("/accounts").status_code == 200
