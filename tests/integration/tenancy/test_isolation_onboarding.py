"""The onboarding pages per creditor (docs/creditors.md#onboarding): alpha's admin uploads
an open-items file naming alpha's secrets; bravo's admin and collector open and post every
onboarding route and get nothing of it, and alpha's file, mapping and rows stay as they
were."""

from __future__ import annotations

import io

from flask import Flask

from hub.bootstrap import Hub
from hub.web import create_app
from tests.integration.tenancy.test_isolation_web import signed_in
from tests.integration.tenancy.test_isolation_web import two  # noqa: F401  (the fixture)
from tests.integration.tenancy.two_creditors import TwoCreditors
from tests.integration.tenancy.two_creditors import leaks
from tests.integration.tenancy.two_creditors import snapshot

FILE = ("invoice_number,customer_id,customer_name,issue_date,due_date,currency,amount\n"
        "INV-901,C901,Alpha Secret Holdings,2026-09-01,2026-10-01,EUR,1234.56\n")


def test_bravo_sees_and_changes_nothing_of_alphas_onboarding(
        hub: Hub, two: TwoCreditors) -> None:  # noqa: F811
    app: Flask = create_app(hub, {"TESTING": True, "HUB_RATE_LIMITS_DISABLED": True})
    alpha = signed_in(app, "adm@alpha.example")
    alpha.get("/onboarding/file")
    with alpha.session_transaction() as session:
        csrf = session["_csrf"]
    sent = alpha.post("/onboarding/file", data={"csrf_token": csrf,
                                                "file": (io.BytesIO(FILE.encode()),
                                                         "alpha-open-items.csv")},
                      content_type="multipart/form-data")
    assert sent.status_code == 302
    assert "Alpha Secret Holdings" in alpha.get("/onboarding/file").get_data(as_text=True)
    folder = hub.settings.var_dir / "onboarding" / "creditor-1"
    kept = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    before = snapshot(hub)
    pages = [rule.rule for rule in app.url_map.iter_rules()
             if rule.rule.startswith("/onboarding")]
    assert len(pages) >= 6
    for email in ("adm@bravo.example", "ann@bravo.example"):
        bravo = signed_in(app, email)
        bravo.get("/accounts/C001")
        with bravo.session_transaction() as session:
            token = session["_csrf"]
        for path in pages:
            seen = bravo.get(path).get_data(as_text=True)
            assert leaks(seen) == [], (email, path)
            assert "alpha-open-items" not in seen, (email, path)
            posted = bravo.post(path, data={"csrf_token": token, "owner": "adm@alpha.example",
                                            "map-amount": "amount", "name": "Alpha",
                                            "action": "start"})
            assert posted.status_code < 500, (email, path)
            assert leaks(posted.get_data(as_text=True)) == [], (email, path)
    assert snapshot(hub) == before
    assert {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*")
            if p.is_file()} == kept
