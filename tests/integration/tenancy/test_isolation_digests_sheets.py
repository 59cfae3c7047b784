"""Creditor isolation in what the hub sends and writes on its own: the staff digests and
the worksheet workbooks of one creditor carry nothing of another's."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path

import openpyxl

from hub.bootstrap import Hub
from hub.config import Settings
from hub.ledger.tenancy import DEFAULT_CREDITOR
from hub.ledger.tenancy import acting_for
from hub.services.notify.digests import DigestSettings
from hub.services.notify.digests import digest_messages
from tests.integration.tenancy.two_creditors import build
from tests.integration.tenancy.two_creditors import leaks

AS_OF = date(2026, 11, 23)


def _digests(hub: Hub, creditor: int) -> str:
    settings = DigestSettings(all_clear=True, department_channels={"sales": "#sales"})
    with acting_for(creditor), hub.engine.connect() as connection:
        made = digest_messages(connection, as_of=AS_OF, settings=settings)
    return json.dumps([dataclasses.asdict(message) for message in made], default=str)


def test_bravos_digests_name_only_bravos_accounts_and_people(hub: Hub) -> None:
    two = build(hub)
    bravo = _digests(hub, two.bravo_id)
    assert "Bravo Open Trading" in bravo
    assert "ann@bravo.example" in bravo
    assert leaks(bravo) == []
    assert "alpha.example" not in bravo
    alpha = _digests(hub, DEFAULT_CREDITOR)
    assert "Alpha Secret Trading" in alpha
    assert "bravo" not in alpha.lower()


def _cells(folder: Path) -> str:
    values = []
    for path in sorted(folder.glob("*.xlsx")):
        book = openpyxl.load_workbook(path, read_only=True)
        values += [str(cell) for sheet in book.worksheets
                   for row in sheet.iter_rows(values_only=True) for cell in row]
    return " ".join(values)


def test_each_creditors_worksheets_are_written_apart(hub: Hub, tmp_path: Path) -> None:
    two = build(hub)
    folder = tmp_path / "sheets"
    settings = dataclasses.replace(hub.settings, sheets=dataclasses.replace(
        hub.settings.sheets, directory=folder, portal_links=False))
    sheets_hub = Hub(settings=settings, clock=hub.clock)
    try:
        for creditor in (DEFAULT_CREDITOR, two.bravo_id):
            with acting_for(creditor):
                sync = sheets_hub.sheet_sync("xlsx")
                assert sync is not None
                report = sync.run(as_of=AS_OF, now=hub.clock.now())
                assert report.errors == [], report.errors
    finally:
        sheets_hub.engine.dispose()
    bravo = _cells(folder / f"creditor-{two.bravo_id}")
    assert "Bravo Open Trading" in bravo
    assert leaks(bravo) == []
    alpha = _cells(folder)
    assert "Alpha Secret Trading" in alpha
    assert "Bravo" not in alpha


def test_settings_need_no_creditor() -> None:
    names = [field.name for field in dataclasses.fields(Settings)]
    assert [name for name in names if "creditor" in name] == ["creditor_file"]
