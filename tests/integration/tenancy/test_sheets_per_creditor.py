"""Each creditor's worksheets on the backend its profile chooses (docs/creditors.md): the
default creditor on the platform's xlsx folder, bravo on Google Sheets and charlie on
Smartsheet (the fakes, through the real client libraries), all three with the same
customer codes. Secrets are referred to (a key file, an environment variable), never
written into the profile, and the Creditor page neither shows nor drops the section."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from hub.bootstrap import Hub
from hub.cli import cli
from hub.config import ConfigError
from hub.creditor import CreditorFileError
from hub.creditor import parse_creditor
from hub.domain.model import Role
from hub.domain.model import User
from hub.ledger.current import DEFAULT_CREDITOR
from hub.ledger.current import acting_for
from hub.ledger.users import upsert_users
from hub.services.accounts.tasks import create_task
from hub.services.staff.auth import set_password
from hub.services.staff.creditors import add_creditor
from hub.services.staff.creditors import creditor_by_id
from hub.web import create_app
from sync.sheets.layout import load_layout
from sync.sheets.xlsx import XlsxBackend
from tests.builders import STAMP
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.contract.sheet_sides import XlsxSide
from tests.contract.sheet_sides_remote import SPREADSHEET
from tests.contract.sheet_sides_remote import GoogleSide
from tests.contract.sheet_sides_remote import SmartsheetSide
from tests.contract.sheet_sides_remote import service_account_file
from tests.fake_servers.google_sheets import GoogleSheetsFake
from tests.fake_servers.smartsheet import HUB_TOKEN
from tests.fake_servers.smartsheet import SmartsheetFake
from tests.web.conftest import csrf_from
from tests.web.conftest import sign_in

AS_OF = date(2026, 11, 23)
TOKEN_VARIABLE = "HUB_TEST_CHARLIE_SMARTSHEET_TOKEN"
PROFILE = {"legal_name": "{name} B.V.", "address": ["Weg 1", "1011 AA Amsterdam",
                                                  "Nederland"]}


@pytest.fixture
def fakes() -> Iterator[tuple[GoogleSheetsFake, SmartsheetFake]]:
    with GoogleSheetsFake() as google, SmartsheetFake() as smartsheet:
        yield google, smartsheet


def _profile(name: str, sheets: dict[str, object]) -> str:
    return yaml.safe_dump({**PROFILE, "legal_name": f"{name} B.V.", "sheets": sheets})


def _accounts(hub: Hub, creditor: int, owner: str, amount: str) -> None:
    with acting_for(creditor), hub.engine.begin() as connection:
        for code in ("A1", "A2"):  # the same codes for every creditor
            customer = add_customer(connection, code, name=f"{code} of {owner}", owner=owner,
                                    department="Sales", currency="EUR")
            add_invoice(connection, f"INV-{code}", customer, issued="2026-01-01",
                        due="2026-10-01", amount=amount)
            create_task(connection, customer_code=code, task_type="call", assignee=None,
                        due_date=AS_OF, reason="overdue", actor="rules", now=STAMP,
                        key=f"call:{code}")


def test_each_creditor_syncs_with_the_backend_its_profile_chooses(
        hub: Hub, tmp_path: Path, fakes: tuple[GoogleSheetsFake, SmartsheetFake],
        monkeypatch: pytest.MonkeyPatch) -> None:
    google, smartsheet = fakes
    google.create(SPREADSHEET, "Bravo worklists")
    key_file = service_account_file(tmp_path, f"{google.url}/token")
    monkeypatch.setenv(TOKEN_VARIABLE, HUB_TOKEN)
    hub.settings = dataclasses.replace(hub.settings, sheets=dataclasses.replace(
        hub.settings.sheets, google_api_url=google.url, smartsheet_api_url=smartsheet.url))
    now = hub.clock.now()
    with hub.engine.begin() as connection:
        bravo = add_creditor(connection, code="bravo", name="Bravo", now=now,
                             profile=_profile("Bravo", {
                                 "backend": "google", "google_credentials_file": str(key_file),
                                 "google_spreadsheets": {"*": SPREADSHEET}})).id
        charlie = add_creditor(connection, code="charlie", name="Charlie", now=now,
                               profile=_profile("Charlie", {
                                   "backend": "smartsheet", "smartsheet_workspace": "4242",
                                   "smartsheet_token_env": TOKEN_VARIABLE})).id
    owners = {DEFAULT_CREDITOR: "ann@alpha.example", bravo: "bob@bravo.example",
              charlie: "cat@charlie.example"}
    for creditor, amount in ((DEFAULT_CREDITOR, "111.00"), (bravo, "222.00"),
                             (charlie, "333.00")):
        _accounts(hub, creditor, owners[creditor], amount)
        with acting_for(creditor):
            sync = hub.sheet_sync()
            assert sync is not None
            report = sync.run(as_of=AS_OF, now=now)
        assert not report.errors, report.errors

    layout = load_layout()
    alpha_rows = XlsxSide(XlsxBackend(hub.settings.var_dir / "sheets"), layout).rows(
        "Sales", owners[DEFAULT_CREDITOR])
    bravo_rows = GoogleSide(google, layout).rows("Sales", owners[bravo])
    charlie_rows = SmartsheetSide(smartsheet, layout).rows("Sales", owners[charlie])
    assert [row["key"] for row in alpha_rows] == ["A1", "A2"]
    assert [row["key"] for row in bravo_rows] == ["A1", "A2"]
    assert [row["key"] for row in charlie_rows] == ["A1", "A2"]
    assert all("111" in str(row["balance"]) for row in alpha_rows)
    assert all("222" in str(row["balance"]) for row in bravo_rows)
    assert all("333" in str(row["balance"]) for row in charlie_rows)
    tabs = [tab.title for tab in google.spreadsheets[SPREADSHEET].sheets]
    assert owners[DEFAULT_CREDITOR] not in tabs  # alpha's worklist never left the hub
    assert not (hub.settings.var_dir / "sheets" / f"creditor-{bravo}").exists()

    result = CliRunner().invoke(cli, ["--creditor", "charlie", "sheets", "status"], env={
        "HUB_VAR_DIR": str(hub.settings.var_dir), "HUB_DATABASE_URL": hub.settings.database_url,
        "HUB_PROGRESS": "0"})
    assert "sheets backend: smartsheet (the sheets section of this creditor's profile)" \
        in result.output, result.output
    assert HUB_TOKEN not in result.output

    monkeypatch.delenv(TOKEN_VARIABLE)  # a secret that is not there is named, not guessed
    with acting_for(charlie), pytest.raises(ConfigError, match=f"names {TOKEN_VARIABLE}, "
                                                               "which is not set"):
        hub.sheet_sync()


def test_a_token_written_into_the_profile_is_refused() -> None:
    with pytest.raises(CreditorFileError) as refused:
        parse_creditor(_profile("Bravo", {"backend": "smartsheet",
                                          "smartsheet_token": "secret-token"}), "bravo.yaml")
    assert "keep the token out of the profile" in refused.value.problems[
        "sheets.smartsheet_token"]
    with pytest.raises(CreditorFileError) as refused:
        parse_creditor(_profile("Bravo", {"backend": "google"}), "bravo.yaml")
    assert set(refused.value.problems) == {"sheets.google_credentials_file",
                                           "sheets.google_spreadsheets"}


def test_the_creditor_page_keeps_the_sheets_section_and_never_shows_it(
        hub: Hub, tmp_path: Path) -> None:
    secret_path = str(tmp_path / "bravo-google-key.json")
    sheets = {"backend": "google", "google_credentials_file": secret_path,
              "google_spreadsheets": {"*": "1BravoKey"}}
    now = hub.clock.now()
    with hub.engine.begin() as connection:
        bravo = add_creditor(connection, code="bravo", name="Bravo", now=now,
                             profile=_profile("Bravo", sheets)).id
    with acting_for(bravo), hub.engine.begin() as connection:
        upsert_users(connection, [User(email="adm@bravo.example", name="Bravo Admin",
                                       role=Role.ADMIN)], now)
        set_password(connection, "adm@bravo.example", "correct horse battery", actor="test",
                     now=now)
    client = create_app(hub, {"TESTING": True, "HUB_RATE_LIMITS_DISABLED": True}).test_client()
    sign_in(client, "adm@bravo.example", "correct horse battery")
    page = client.get("/admin/creditor").get_data(as_text=True)
    assert secret_path not in page
    assert "1BravoKey" not in page
    response = client.post("/admin/creditor", data={
        "csrf_token": csrf_from(page), "legal_name": "Bravo Holding B.V.",
        "address": "Weg 1\n1011 AA Amsterdam\nNederland", "reference_per": "invoice"})
    assert response.status_code == 302
    with hub.engine.connect() as connection:
        row = creditor_by_id(connection, bravo)
    assert row is not None
    kept = yaml.safe_load(row.profile or "")
    assert kept["legal_name"] == "Bravo Holding B.V."
    assert kept["sheets"] == sheets


def test_creditor_profile_replaces_a_creditors_profile_after_checking_it(
        hub: Hub, tmp_path: Path) -> None:
    env = {"HUB_VAR_DIR": str(hub.settings.var_dir), "HUB_DATABASE_URL": hub.settings.database_url,
           "HUB_PROGRESS": "0"}
    with hub.engine.begin() as connection:
        bravo = add_creditor(connection, code="bravo", name="Bravo", profile=None,
                             now=hub.clock.now()).id
    leaked = tmp_path / "leaked.yaml"
    leaked.write_text(_profile("Bravo", {"backend": "smartsheet",
                                         "smartsheet_token": "secret-token"}), encoding="utf-8")
    result = CliRunner().invoke(cli, ["creditor", "profile", "bravo", str(leaked)], env=env)
    assert result.exit_code != 0
    assert "sheets.smartsheet_token: keep the token out of the profile" in result.output
    with hub.engine.connect() as connection:
        row = creditor_by_id(connection, bravo)
    assert row is not None
    assert row.profile is None  # nothing kept

    good = tmp_path / "bravo.yaml"
    good.write_text(_profile("Bravo", {"backend": "smartsheet",
                                       "smartsheet_token_env": TOKEN_VARIABLE}),
                    encoding="utf-8")
    result = CliRunner().invoke(cli, ["creditor", "profile", "bravo", str(good)], env=env)
    assert result.exit_code == 0, result.output
    assert f"creditor bravo: profile replaced from {good}" in result.output
    with hub.engine.connect() as connection:
        row = creditor_by_id(connection, bravo)
    assert row is not None
    assert yaml.safe_load(row.profile or "")["sheets"]["backend"] == "smartsheet"
    result = CliRunner().invoke(cli, ["creditor", "profile", "default", str(good)], env=env)
    assert result.exit_code != 0
    assert "HUB_CREDITOR_FILE" in result.output
