"""Admins keep the creditor profile on a web page: checked as a whole, problems shown
beside their fields with nothing written, saved to HUB_CREDITOR_FILE and audited; no
other role may see or change it; a form without the CSRF token is refused."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.creditor import load_creditor
from hub.ledger import staff
from hub.web import create_app
from tests.creditor_support import CREDITOR_YAML
from tests.web.conftest import csrf_from
from tests.web.conftest import sign_in

FORM = {"legal_name": "Rheinwerk Handels GmbH", "trading_name": "Rheinwerk",
        "address": "Hafenstraße 12\n50667 Köln\nDeutschland",
        "email": "forderungen@rheinwerk.example", "reference_per": "invoice",
        "national_reference": "", "accounts-0-currency": "EUR",
        "accounts-0-iban": "DE89 3704 0044 0532 0130 00", "accounts-0-bic": "COBADEFFXXX",
        "accounts-1-currency": "", "accounts-1-iban": ""}


def _client(hub: Hub, path: Path | None, email: str) -> FlaskClient:
    hub.settings = replace(hub.settings, creditor_file=path)
    client = create_app(hub, {"TESTING": True}).test_client()
    sign_in(client, email)
    return client


def _post(client: FlaskClient, **changes: str) -> tuple[int, str]:
    token = csrf_from(client.get("/admin/creditor").get_data(as_text=True))
    response = client.post("/admin/creditor", data={"csrf_token": token, **FORM, **changes})
    if response.status_code == 302:
        return 302, client.get(response.headers["Location"]).get_data(as_text=True)
    return response.status_code, response.get_data(as_text=True)


def test_an_admin_saves_the_profile_to_the_file_and_it_is_audited(
        staffed: Hub, tmp_path: Path) -> None:
    path = tmp_path / "creditor.yaml"
    client = _client(staffed, path, "adm@example.com")
    status, page = _post(client)
    assert status == 302
    assert f"Creditor profile saved to {path}" in page
    profile = load_creditor(path)
    eur = profile.account_for("EUR")
    assert (profile.name, eur.iban if eur else None) == ("Rheinwerk", "DE89370400440532013000")
    assert 'value="Rheinwerk Handels GmbH"' in page  # the page shows what is in force
    with staffed.engine.connect() as connection:
        entries = [(e.action, e.actor, e.target) for e in staff.recent_audit(connection)]
    assert ("creditor.update", "adm@example.com", str(path)) in entries


def test_problems_are_shown_beside_their_fields_and_nothing_is_written(
        staffed: Hub, tmp_path: Path) -> None:
    path = tmp_path / "creditor.yaml"
    path.write_text(CREDITOR_YAML, encoding="utf-8")
    before = path.read_bytes()
    client = _client(staffed, path, "adm@example.com")
    status, page = _post(client, **{"accounts-0-iban": "DE89 3704 0044 0532 0130 01",
                                    "accounts-1-currency": "GBP",
                                    "accounts-1-sort_code": "60-16",
                                    "accounts-1-account_number": "31926819",
                                    "email": "nobody"})
    assert status == 422
    assert "Not saved: 3 problems" in page
    assert 'id="problem-accounts-0-iban">&#39;DE89 3704 0044 0532 0130 01&#39; is not a ' \
        "valid IBAN (Invalid checksum digits)</span>" in page
    assert 'id="problem-email">' in page
    assert "a sort code is 6 digits" in page
    assert "&#39;nobody&#39; is not an e-mail address" in page
    assert 'value="DE89 3704 0044 0532 0130 01"' in page  # the input is kept
    assert path.read_bytes() == before


def test_other_roles_and_forms_without_csrf_are_refused(staffed: Hub, tmp_path: Path) -> None:
    path = tmp_path / "creditor.yaml"
    finance = _client(staffed, path, "fin@example.com")
    assert finance.get("/admin/creditor").status_code == 403
    admin = _client(staffed, path, "adm@example.com")
    assert admin.post("/admin/creditor", data=FORM).status_code in (400, 403)
    assert not path.exists()


def test_without_hub_creditor_file_the_page_says_where_it_would_go(staffed: Hub) -> None:
    client = _client(staffed, None, "adm@example.com")
    assert "HUB_CREDITOR_FILE is not set" in client.get("/admin/creditor").get_data(
        as_text=True)
    status, page = _post(client)
    assert status == 409
    assert "name the file the profile is kept in" in page
