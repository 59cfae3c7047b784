"""End to end with the daily cycle: the sheet hooks read edits back before the rules
decide and rewrite the tabs after; an owner who marks every row done sees one line."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.bootstrap.cycle import build_cycle
from hub.bootstrap.cycle import cycle_options
from hub.ledger.tables import tasks
from sync.sheets.layout import load_layout
from sync.sheets.xlsx import XlsxBackend
from tests.contract.conftest import ANN
from tests.contract.conftest import BOB
from tests.contract.conftest import portfolio
from tests.contract.sheet_sides import XlsxSide

AS_OF = date(2026, 11, 23)


def _cycle(hub: Hub) -> None:
    report = build_cycle(hub).run(cycle_options(hub, as_of=AS_OF, actor="tests"))
    sheet_hooks = [hook for hook in report.hooks if hook.name.startswith("sheets")]
    assert [hook.name for hook in sheet_hooks] == ["sheets read-back", "sheets write-out"]
    assert all(hook.done and not hook.errors for hook in sheet_hooks), sheet_hooks


def test_an_owner_who_marks_every_row_done_sees_nothing_left_to_do(hub: Hub) -> None:
    portfolio(hub)
    backend = XlsxBackend(hub.settings.var_dir / "sheets")
    side = XlsxSide(backend, load_layout())

    _cycle(hub)
    rows = side.rows("Sales", BOB)
    assert {row["key"] for row in rows} >= {"B1", "B2"}
    for row in rows:
        side.edit("Sales", BOB, row["key"], "status", "done")
    _cycle(hub)

    rows = side.rows("Sales", BOB)
    assert len(rows) == 1
    assert rows[0]["customer"].startswith("Nothing left to do (last check 2026-11-23")
    assert len(side.rows("Sales", ANN)) >= 3  # the other owner's work is untouched
    with hub.engine.connect() as connection:
        still_open = connection.execute(sa.select(sa.func.count()).select_from(tasks).where(
            tasks.c.state == "open", tasks.c.customer_id.in_(
                sa.text("SELECT id FROM customers WHERE owner = :owner")
                .bindparams(owner=BOB)))).scalar_one()
    assert still_open == 0


def test_sheet_hooks_report_an_open_workbook_and_the_cycle_goes_on(hub: Hub) -> None:
    portfolio(hub)
    _cycle(hub)
    path = XlsxBackend(hub.settings.var_dir / "sheets").path("Sales")
    path.with_name(f"~${path.name}").write_text("ann")

    report = build_cycle(hub).run(cycle_options(hub, as_of=AS_OF, actor="tests"))

    write_out = next(hook for hook in report.hooks if hook.name == "sheets write-out")
    assert "retried next cycle" in write_out.message
    assert report.status != "failed"


def test_unusable_sheet_settings_do_not_stop_the_cycle(hub: Hub) -> None:
    from dataclasses import replace

    from hub.config import SheetSettings
    portfolio(hub)
    broken = Hub(replace(hub.settings, sheets=SheetSettings(backend="google")), hub.clock)

    report = build_cycle(broken).run(cycle_options(broken, as_of=AS_OF, actor="tests"))

    sheets = next(hook for hook in report.hooks if hook.name == "sheets")
    assert "HUB_GOOGLE_CREDENTIALS_FILE" in sheets.errors[0]
    assert report.counts["accounts_evaluated"] > 0  # the rules still ran
    broken.engine.dispose()
