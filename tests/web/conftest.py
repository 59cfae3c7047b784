"""A Flask test client on a Hub built on the test database (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.domain.model import Role
from hub.domain.model import User
from hub.ledger.users import upsert_users
from hub.services.staff.auth import set_password
from hub.web import create_app
from tests.builders import add_contact
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.builders import add_payment


@pytest.fixture
def seeded(hub: Hub) -> Hub:
    """Three customers; as of the test clock (2026-11-23):

    A-1 ACME EUR 1000.00, due 2026-10-01, 400.00 paid -> 600.00 open, 53 days late
    A-2 ACME EUR  500.00, due 2026-12-01            -> open, not due
    A-3 ACME EUR  300.00, due 2026-03-31, paid in full
    B-1 BOLT EUR 2000.00, due 2026-10-31            -> open, 23 days late
    C-1 CRUX USD  700.00, due 2026-07-01            -> open, 145 days late
    """
    with hub.engine.begin() as c:
        acme = add_customer(c, "ACME", name="Acme Trading BV", owner="ann@example.com",
                            department="sales", country="NL")
        bolt = add_customer(c, "BOLT", name="Bolt GmbH", owner="bob@example.com",
                            department="ops", country="DE")
        crux = add_customer(c, "CRUX", name="Crux Inc", owner="ann@example.com",
                            department="sales", country="US")
        add_contact(c, acme, "Pia Jansen", email="pia@acme.example", is_primary=True)
        add_contact(c, acme, "Tom de Vries", phone="+31201234567", role="accounts payable")
        a1 = add_invoice(c, "A-1", acme, issued="2026-09-01", due="2026-10-01", amount="1000.00")
        add_invoice(c, "A-2", acme, issued="2026-11-01", due="2026-12-01", amount="500.00")
        a3 = add_invoice(c, "A-3", acme, issued="2026-03-01", due="2026-03-31", amount="300.00")
        add_invoice(c, "B-1", bolt, issued="2026-10-01", due="2026-10-31", amount="2000.00")
        add_invoice(c, "C-1", crux, issued="2026-06-01", due="2026-07-01", amount="700.00",
                    currency="USD")
        add_payment(c, "PAY-1", received_on="2026-10-15", amount="400.00", customer_id=acme,
                    allocate={a1: "400.00"})
        add_payment(c, "PAY-2", received_on="2026-04-02", amount="300.00", customer_id=acme,
                    allocate={a3: "300.00"})
    return hub


@pytest.fixture
def make_app(seeded: Hub) -> Iterator[Callable[..., Flask]]:
    """Apps on the seeded ledger with some settings changed (page sizes, database)."""
    made: list[Hub] = []

    def build(**settings: object) -> Flask:
        hub = Hub(settings=dataclasses.replace(seeded.settings, **settings), clock=seeded.clock)
        made.append(hub)
        return create_app(hub, {"TESTING": True})

    yield build
    for hub in made:
        hub.engine.dispose()


@pytest.fixture
def client(seeded: Hub) -> FlaskClient:
    return create_app(seeded, {"TESTING": True}).test_client()


# --- staff sign-in (WEB) -----------------------------------------------------------


PASSWORD = "correct horse battery"
STAFF = {  # e-mail: (name, role, department)
    "ann@example.com": ("Ann Collector", "collector", "sales"),
    "bob@example.com": ("Bob Collector", "collector", "ops"),
    "mia@example.com": ("Mia Manager", "manager", "sales"),
    "fin@example.com": ("Fay Finance", "finance", None),
    "adm@example.com": ("Ada Admin", "admin", None),
    "ro@example.com": ("Rory Reader", "read_only", None),
}


def add_staff(hub: Hub) -> None:

    now = hub.clock.now()
    with hub.engine.begin() as connection:
        upsert_users(connection, [User(email=email, name=name, role=Role(role),
                                       department=department)
                                  for email, (name, role, department) in STAFF.items()], now)
        for email in STAFF:
            set_password(connection, email, PASSWORD, actor="test", now=now)


@pytest.fixture
def staffed(seeded: Hub) -> Hub:
    """The seeded ledger plus one user per role (password PASSWORD)."""
    add_staff(seeded)
    return seeded


@pytest.fixture
def staff_app(staffed: Hub) -> Flask:
    return create_app(staffed, {"TESTING": True})


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real form (CSRF token included)."""
    page = client.get("/signin")
    assert page.status_code == 200
    token = csrf_from(page.get_data(as_text=True))
    response = client.post("/signin", data={"email": email, "password": password,
                                            "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)


def csrf_from(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


@pytest.fixture
def as_user(staff_app: Flask) -> Callable[[str], FlaskClient]:
    """A test client signed in as the given e-mail."""
    def make(email: str) -> FlaskClient:
        client = staff_app.test_client()
        sign_in(client, email)
        return client
    return make
