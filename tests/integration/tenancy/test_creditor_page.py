"""The Creditor page (/admin/creditor) says where the profile of the creditor shown is
kept: HUB_CREDITOR_FILE for the default creditor, the hub's database for any other, whose
admin never reads about a file that is not theirs."""

from __future__ import annotations

import html
from dataclasses import replace
from pathlib import Path

from hub.bootstrap import Hub
from hub.ledger.tenancy import acting_for
from hub.web import create_app
from tests.creditor_support import CREDITOR_YAML
from tests.integration.tenancy import two_creditors
from tests.web.conftest import csrf_from
from tests.web.conftest import sign_in

FORM = {"legal_name": "Bravo Holding B.V.", "trading_name": "Bravo",
        "address": "Bravoweg 1\n1011 AA Amsterdam\nNederland",
        "email": "debiteuren@bravo.example", "reference_per": "invoice",
        "national_reference": "", "accounts-0-currency": "EUR",
        "accounts-0-iban": "NL91 ABNA 0417 1643 00", "accounts-0-bic": "ABNANL2A"}


def test_each_creditor_reads_where_its_own_profile_is_kept(hub: Hub, tmp_path: Path) -> None:
    path = tmp_path / "creditor.yaml"
    path.write_text(CREDITOR_YAML, encoding="utf-8")
    hub.settings = replace(hub.settings, creditor_file=path)
    made = two_creditors.build(hub)
    app = create_app(hub, {"TESTING": True, "HUB_RATE_LIMITS_DISABLED": True})

    alpha = app.test_client()
    sign_in(alpha, "adm@alpha.example", two_creditors.PASSWORD)
    page = alpha.get("/admin/creditor").get_data(as_text=True)
    assert f"<code>{path}</code> (<code>HUB_CREDITOR_FILE</code>)" in page

    bravo = app.test_client()
    sign_in(bravo, "adm@bravo.example", two_creditors.PASSWORD)
    page = bravo.get("/admin/creditor").get_data(as_text=True)
    assert "HUB_CREDITOR_FILE" not in page
    assert str(path) not in page
    assert "Saved in the hub's database, with creditor bravo" in page
    assert "no creditor profile for creditor bravo" in page
    before = path.read_text(encoding="utf-8")
    response = bravo.post("/admin/creditor", data={"csrf_token": csrf_from(page), **FORM})
    assert response.status_code == 302
    page = html.unescape(bravo.get(response.headers["Location"]).get_data(as_text=True))
    assert "Creditor profile of bravo saved in the hub's database (" in page
    assert "HUB_CREDITOR_FILE" not in page
    assert path.read_text(encoding="utf-8") == before  # alpha's file is untouched
    with acting_for(made.bravo_id):
        profile = hub.creditor_state().profile
    assert profile is not None
    assert profile.name == "Bravo"
