"""Admins manage who signs in on the People page; nobody else can."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.ledger import staff
from tests.web.conftest import csrf_from
from tests.web.conftest import sign_in


def _post(client: FlaskClient, path: str, **fields: str) -> str:
    """Submit a People form with the page's CSRF token; the page shown afterwards."""
    token = csrf_from(client.get("/admin/people").get_data(as_text=True))
    response = client.post(path, data={"csrf_token": token, **fields})
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/people"
    return client.get("/admin/people").get_data(as_text=True)


def test_an_admin_adds_someone_who_can_then_sign_in(staffed: Hub, staff_app: Flask) -> None:
    admin = staff_app.test_client()
    sign_in(admin, "adm@example.com")
    page = _post(admin, "/admin/people", email="Zoe@Example.com", name="Zoe New",
                 role="collector", department="sales", manager_email="mia@example.com",
                 password="a long pass phrase")
    assert "zoe@example.com added, with a new password" in page
    assert "Zoe New" in page
    zoe = staff_app.test_client()
    sign_in(zoe, "zoe@example.com", "a long pass phrase")
    assert zoe.get("/worklist").status_code == 200
    with staffed.engine.connect() as connection:
        actions = [(e.action, e.actor, e.target) for e in staff.recent_audit(connection)]
    assert ("user.created", "adm@example.com", "zoe@example.com") in actions


def test_a_weak_password_or_bad_address_is_refused_with_the_reason(staffed: Hub,
                                                                   staff_app: Flask) -> None:
    admin = staff_app.test_client()
    sign_in(admin, "adm@example.com")
    page = _post(admin, "/admin/people", email="zoe@example.com", name="Zoe",
                 role="collector", password="short")
    assert "Not saved: a password needs at least 12 characters" in page
    page = _post(admin, "/admin/people", email="not-an-address", name="Zoe", role="finance")
    assert "Not saved: &#39;not-an-address&#39; is not an e-mail address" in page
    assert "zoe@example.com" not in page


def test_deactivating_signs_the_person_out_and_activating_lets_them_back(
        staffed: Hub, staff_app: Flask) -> None:
    ann = staff_app.test_client()
    sign_in(ann, "ann@example.com")
    assert ann.get("/worklist").status_code == 200
    admin = staff_app.test_client()
    sign_in(admin, "adm@example.com")
    page = _post(admin, "/admin/people/active", email="ann@example.com", active="no")
    assert "ann@example.com is deactivated and signed out" in page
    assert ann.get("/worklist").status_code == 302
    _post(admin, "/admin/people/active", email="ann@example.com", active="yes")
    sign_in(ann, "ann@example.com")
    assert ann.get("/worklist").status_code == 200


def test_a_role_change_applies_and_the_last_admin_stays(staffed: Hub,
                                                         staff_app: Flask) -> None:
    admin = staff_app.test_client()
    sign_in(admin, "adm@example.com")
    page = _post(admin, "/admin/people", email="ann@example.com", name="Ann Collector",
                 role="manager", department="sales")
    assert "ann@example.com updated" in page
    with staffed.engine.connect() as connection:
        ann = staff.user_by_email(connection, "ann@example.com")
    assert ann is not None
    assert ann.role.value == "manager"
    page = _post(admin, "/admin/people/active", email="adm@example.com", active="no")
    assert "Not changed: this is the last active admin" in page


def test_only_admins_see_or_use_the_page(staffed: Hub, staff_app: Flask) -> None:
    finance = staff_app.test_client()
    sign_in(finance, "fin@example.com")
    assert finance.get("/admin/people").status_code == 403
    token = csrf_from(finance.get("/accounts").get_data(as_text=True))
    refused = finance.post("/admin/people/active", data={
        "csrf_token": token, "email": "ann@example.com", "active": "no"})
    assert refused.status_code == 403
    with staffed.engine.connect() as connection:
        ann = staff.user_by_email(connection, "ann@example.com")
    assert ann is not None
    assert ann.active
    admin = staff_app.test_client()
    sign_in(admin, "adm@example.com")
    forged = admin.post("/admin/people/active", data={"email": "ann@example.com",
                                                       "active": "no"})
    assert forged.status_code in {400, 403}  # no CSRF token
