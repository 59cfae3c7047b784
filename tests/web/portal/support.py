"""Helpers of the portal tests: two debtors, their links, and a CSRF-aware client."""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from hub.bootstrap import Hub
from hub.ledger.tables import invoices
from hub.services.portal import links as portal_links
from hub.web import create_app
from tests.builders import add_contact
from tests.builders import add_customer
from tests.builders import add_invoice

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def text(response: TestResponse) -> str:
    """The page as a person reads it: Babel's no-break spaces as plain spaces."""
    return response.get_data(as_text=True).replace("\xa0", " ").replace("\u202f", " ")


@dataclass
class Portal:
    hub: Hub
    app: Flask
    client: FlaskClient
    token: str  # ACME's link
    other_token: str  # BOLT's link

    @property
    def url(self) -> str:
        return f"/portal/{self.token}"

    def csrf(self, url: str | None = None) -> str:
        page = self.client.get(url or self.url)
        found = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
        assert found, page.get_data(as_text=True)[:500]
        return found.group(1)

    def post(self, action: str, data: dict[str, Any], **kwargs: Any) -> TestResponse:
        return self.client.post(f"{self.url}/{action}", data={**data, "csrf_token": self.csrf()},
                                **kwargs)

    def page(self, url: str | None = None) -> str:
        response = self.client.get(url or self.url)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        return text(response)

    def count(self, table: sa.Table, *where: Any) -> int:
        with self.hub.engine.connect() as c:
            return int(c.execute(sa.select(sa.func.count()).select_from(table)
                                 .where(*where)).scalar_one())

    def rows(self, query: Any) -> list[Any]:
        with self.hub.engine.connect() as c:
            return list(c.execute(query))


def seed_debtors(hub: Hub) -> tuple[str, str]:
    """ACME (Dutch, 1500.00 EUR open over two invoices, a copy on file for A-1) and BOLT
    (German, one invoice); the test clock says 2026-11-23."""
    documents = hub.settings.documents_path
    documents.mkdir(parents=True, exist_ok=True)
    (documents / "A-1.pdf").write_bytes(PDF)
    (documents / "B-1.pdf").write_bytes(PDF)
    with hub.engine.begin() as c:
        acme = add_customer(c, "ACME", name="Acme Trading BV", owner="ann@example.com",
                            department="sales", language="nl", country="NL")
        bolt = add_customer(c, "BOLT", name="Bolt GmbH", owner="bob@example.com",
                            department="ops", language="de", country="DE")
        add_contact(c, acme, "Pia Jansen", email="pia@acme.example", is_primary=True)
        add_contact(c, bolt, "Uwe Bolt", email="uwe@bolt.example", is_primary=True)
        add_invoice(c, "A-1", acme, issued="2026-09-01", due="2026-10-01", amount="1000.00")
        add_invoice(c, "A-2", acme, issued="2026-11-01", due="2026-12-01", amount="500.00")
        add_invoice(c, "B-1", bolt, issued="2026-10-01", due="2026-10-31", amount="2000.00")
        c.execute(sa.update(invoices).where(invoices.c.number == "A-1")
                  .values(document_ref="A-1.pdf"))
        c.execute(sa.update(invoices).where(invoices.c.number == "B-1")
                  .values(document_ref="B-1.pdf"))
        tokens = [portal_links.issue_link(
            c, customer_code=code, secret=hub.settings.signing_key(),
            public_url=hub.settings.public_url, days=30, actor="tests", now=hub.clock.now()).token
            for code in ("ACME", "BOLT")]
    return tokens[0], tokens[1]


def build_portal(hub: Hub, **settings: object) -> Portal:
    if settings:
        hub = Hub(settings=dataclasses.replace(hub.settings, **settings), clock=hub.clock)
    token, other = seed_debtors(hub)
    app = create_app(hub, {"TESTING": True})
    return Portal(hub, app, app.test_client(), token, other)
