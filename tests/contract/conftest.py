"""Contract fixtures: the same sheet scenarios against every backend (local XLSX, the fake
Google Sheets and the fake Smartsheet, through the real client libraries)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from hub.bootstrap import Hub
from hub.domain.sheets import SheetLayout
from hub.ports import WorksheetBackend
from hub.services.accounts.tasks import create_task
from hub.services.sheets.sync import SheetSync
from hub.services.sheets.sync import SyncReport
from sync.sheets.layout import load_layout
from sync.sheets.xlsx import XlsxBackend
from tests.builders import STAMP
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.contract.sheet_sides import PersonSide
from tests.contract.sheet_sides import XlsxSide
from tests.fake_servers.google_sheets import GoogleSheetsFake
from tests.fake_servers.smartsheet import SmartsheetFake

AS_OF = date(2026, 11, 23)
BOOK = "Sales"
ANN = "ann@example.com"
BOB = "bob@example.com"
BACKENDS = ["xlsx", "xlsx_per_owner", "google", "smartsheet"]


@dataclass
class Rig:
    hub: Hub
    backend: WorksheetBackend
    side: PersonSide
    layout: SheetLayout

    def sync(self, *, write: bool = True) -> SyncReport:
        sync = SheetSync(self.hub.engine, self.backend, self.layout)
        return sync.run(as_of=AS_OF, now=self.hub.clock.now(), write=write)


def sqlite_copy(tmp_path: Path, template: Path) -> str:
    """A migrated SQLite ledger. The backend contract does not depend on the database, so
    these modules run on SQLite only; tests/integration/sheets runs the sync on both."""
    path = tmp_path / "hub.db"
    shutil.copy(template, path)
    return f"sqlite:///{path}"


def add_account(hub: Hub, code: str, owner: str, *, name: str | None = None,
                amount: str = "1000.00", due: str = "2026-10-01",
                department: str = BOOK) -> None:
    with hub.engine.begin() as connection:
        customer = add_customer(connection, code, name=name, owner=owner,
                                department=department, currency="EUR")
        add_invoice(connection, f"INV-{code}", customer, issued="2026-01-01", due=due,
                    amount=amount)
        create_task(connection, customer_code=code, task_type="call", assignee=None,
                    due_date=AS_OF, reason="overdue", actor="rules", now=STAMP,
                    key=f"call:{code}")


def portfolio(hub: Hub) -> None:
    for number, due in enumerate(("2026-08-01", "2026-09-15", "2026-10-20")):
        add_account(hub, f"A{number + 1}", ANN, due=due, amount=f"{(number + 1) * 100}.00")
    add_account(hub, "B1", BOB, due="2026-11-01")
    add_account(hub, "B2", BOB, due="2026-07-01")


def _side(name: str, tmp_path, layout: SheetLayout,  # type: ignore[no-untyped-def]
          request: pytest.FixtureRequest) -> tuple[WorksheetBackend, PersonSide]:
    if name in ("xlsx", "xlsx_per_owner"):  # one workbook per department, or per owner
        backend = XlsxBackend(tmp_path / "sheets",
                              workbooks="owner" if name == "xlsx_per_owner" else "department")
        return backend, XlsxSide(backend, layout)
    if name == "google":
        from tests.contract.sheet_sides_remote import google_rig
        return google_rig(request, layout)
    from tests.contract.sheet_sides_remote import smartsheet_rig
    return smartsheet_rig(request, layout)


@pytest.fixture
def google_fake() -> Iterator[GoogleSheetsFake]:
    with GoogleSheetsFake() as fake:
        yield fake


@pytest.fixture
def smartsheet_fake() -> Iterator[SmartsheetFake]:
    with SmartsheetFake() as fake:
        yield fake


@pytest.fixture
def google_key_file(google_fake: GoogleSheetsFake, tmp_path: Path) -> Path:
    from tests.contract.sheet_sides_remote import service_account_file
    return service_account_file(tmp_path, f"{google_fake.url}/token")


@pytest.fixture(params=BACKENDS)
def rig(request: pytest.FixtureRequest, hub: Hub, tmp_path) -> Iterator[Rig]:  # type: ignore[no-untyped-def]
    layout = load_layout()
    backend, side = _side(request.param, tmp_path, layout, request)
    portfolio(hub)
    return Rig(hub, backend, side, layout)
