"""The pure parts of the sheet sync: diffs, who wins a conflict, what counts as an edit,
reading what people type, pacing and retry waits, and the layout file."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from hub.domain.cells import is_formula_like
from hub.domain.sheet_sync import RowState
from hub.domain.sheet_sync import merge_editable
from hub.domain.sheet_sync import read_changes
from hub.domain.sheets import BookSnapshot
from hub.domain.sheets import ReadRow
from hub.domain.sheets import TabSnapshot
from hub.domain.sheets import grid_changes
from hub.domain.sheets import tab_title
from hub.services.sheets.edits import CellError
from hub.services.sheets.edits import parse_amount
from hub.services.sheets.edits import parse_date
from sync.sheets.layout import LayoutError
from sync.sheets.layout import load_layout
from sync.sheets.pacing import Pacer
from sync.sheets.pacing import RetryPolicy

LAYOUT = load_layout()
EDITABLE = {"status": "open", "outcome": "", "promise_date": "", "promise_amount": "",
            "note": "", "snooze_until": ""}


def test_grid_changes_send_only_changed_rows_in_contiguous_blocks() -> None:
    current = [["h"], ["a"], ["b"], ["c"], ["d"], ["old tail"]]
    wanted = [["h"], ["a"], ["B"], ["C"], ["d"]]

    assert grid_changes(current, wanted, 1) == [(2, [["B"], ["C"]]), (5, [[""]])]
    assert grid_changes(wanted, wanted, 1) == []


@pytest.mark.parametrize("text", ["=1+1", "+33 6 12", "-5", "@SUM(A1)", "\tx", "\rx"])
def test_formula_like_text_is_recognised(text: str) -> None:
    assert is_formula_like(text)


def test_plain_text_is_not_formula_like() -> None:
    assert not is_formula_like("ACME B.V. (=owner)")


def test_tab_titles_are_short_unique_and_legal_everywhere() -> None:
    taken: set[str] = set()
    first = tab_title("ann@example.com", taken)
    second = tab_title("ann@other.example", taken)
    odd = tab_title("a/b:c*d?[e]" + "x" * 40, taken)

    assert (first, second) == ("ann", "ann 2")
    assert len(odd) <= 31
    assert not set("[]:*?/\\") & set(odd)


def _book(*rows: ReadRow, owner: str = "ann@example.com") -> BookSnapshot:
    book = BookSnapshot("Sales", None)
    book.tabs[owner] = TabSnapshot(owner, owner, list(rows))
    return book


def _values(**changes: str) -> dict[str, str]:
    values = {"customer": "ACME", "balance": "10.00 EUR", **EDITABLE}
    values.update(changes)
    return values


def test_read_changes_tells_edits_from_typing_into_computed_columns() -> None:
    state = {"C1": RowState("ann@example.com", EDITABLE, {"customer": "ACME",
                                                         "balance": "10.00 EUR"}),
             "C2": RowState("ann@example.com", EDITABLE, {"customer": "Beta",
                                                         "balance": "10.00 EUR"}),
             "C3": RowState("ann@example.com", EDITABLE, {})}
    snapshot = _book(ReadRow("C1", _values(status="done", balance="0"), 0, "ann@example.com"),
                     ReadRow("C2", _values(customer="Beta"), 1),
                     ReadRow(None, {"note": "my own row"}, 2))

    reading = read_changes(snapshot, state, LAYOUT)

    assert [(e.key, dict(e.changes)) for e in reading.edits] == [("C1", {"status": ("open",
                                                                                    "done")})]
    assert [(c.key, c.field, c.typed) for c in reading.computed_conflicts] == [
        ("C1", "balance", "0")]
    assert reading.deleted == ["C3"]
    assert [row.values["note"] for _, row in reading.unkeyed] == ["my own row"]


def test_a_person_wins_on_editable_columns_and_the_conflict_is_named() -> None:
    known = RowState("ann", EDITABLE, {})
    sheet = {**EDITABLE, "status": "done"}

    values, conflicts = merge_editable("C1", sheet, known, {"status": "promised"}, LAYOUT)

    assert values["status"] == "done"
    assert [(c.field, c.person_value, c.hub_value) for c in conflicts] == [
        ("status", "done", "promised")]


def test_a_hub_change_shows_when_the_person_left_the_column_alone() -> None:
    known = RowState("ann", EDITABLE, {})

    values, conflicts = merge_editable("C1", dict(EDITABLE), known,
                                       {"status": "promised", "promise_date": "2026-12-01"},
                                       LAYOUT)

    assert (values["status"], values["promise_date"]) == ("promised", "2026-12-01")
    assert conflicts == []


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-12-31", date(2026, 12, 31)), ("31.12.2026", date(2026, 12, 31)),
    ("31/12/2026", date(2026, 12, 31)), ("2026-12-31 00:00:00", date(2026, 12, 31))])
def test_dates_people_type_are_read(text: str, expected: date) -> None:
    assert parse_date(text, "promise date") == expected


@pytest.mark.parametrize("text", ["next friday", "2026-13-01", "31.02.2026"])
def test_a_date_that_is_not_one_says_how_to_write_it(text: str) -> None:
    with pytest.raises(CellError, match="write it like 2026-12-31"):
        parse_date(text, "promise date")


@pytest.mark.parametrize(("text", "expected"), [
    ("1250", "1250.00"), ("1,250.50", "1250.50"), ("1.250,50", "1250.50"),
    ("150,5", "150.50"), ("€ 99.99", "99.99"), ("1,250.00", "1250.00")])
def test_amounts_people_type_are_read_exactly(text: str, expected: str) -> None:
    assert parse_amount(text, "EUR").amount == Decimal(expected)


def test_an_amount_with_too_many_decimals_is_refused() -> None:
    with pytest.raises(CellError, match=r"promise amount in EUR: .* is not an amount"):
        parse_amount("10.5055", "EUR")


def test_an_amount_that_reads_two_ways_is_refused_not_guessed() -> None:
    with pytest.raises(CellError, match=re.escape(
            "can be read two ways; write it with the cents, like 1,250.00")):
        parse_amount("1,250", "EUR")
    with pytest.raises(CellError, match=re.escape("zoals 1.250,00")):
        parse_amount("1.250", "EUR", "nl")


def test_pacer_waits_once_the_minute_is_full() -> None:
    now = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    pacer = Pacer(3, clock=lambda: now[0], sleep=sleep)
    for _ in range(4):
        pacer.wait()
        now[0] += 1.0

    assert slept == [57.0]  # the fourth request waits for the first to be a minute old


def test_retry_waits_honour_retry_after_and_are_capped() -> None:
    policy = RetryPolicy(base=1.0, cap=30.0)

    assert policy.delay(0, "7") == 7.0
    assert policy.delay(0, "600") == 30.0
    assert policy.delay(3, None) == 8.0
    assert policy.delay(2, "Wed, 21 Oct 2015 07:28:00 GMT") == 4.0


def test_a_layout_without_a_status_column_is_refused_with_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "layout.yaml"
    path.write_text("columns:\n  - customer\n  - balance\n", encoding="utf-8")

    with pytest.raises(LayoutError, match=r"layout.yaml: .*status"):
        load_layout(path)


def test_a_layout_with_an_unknown_column_names_it(tmp_path: Path) -> None:
    path = tmp_path / "layout.yaml"
    path.write_text("columns:\n  - customer\n  - status\n  - shoe_size\n", encoding="utf-8")

    with pytest.raises(LayoutError, match="shoe_size"):
        load_layout(path)


def test_the_default_layout_has_every_column_in_five_languages() -> None:
    for language in ("en", "nl", "de", "pl", "es"):
        layout = load_layout(language=language)
        from hub.domain.sheets import COMPUTED_FIELDS
        from hub.domain.sheets import EDITABLE_FIELDS
        assert set(layout.fields) == {"key", *COMPUTED_FIELDS, *EDITABLE_FIELDS}
        assert len(set(layout.headers)) == len(layout.headers)
        assert layout.editable_fields == ("status", "outcome", "promise_date",
                                          "promise_amount", "note", "snooze_until")


def test_cell_changes_write_only_differing_cells_merged_down_columns() -> None:
    from hub.domain.sheets import cell_changes
    current = [["k", "a", "1", "n"], ["k2", "b", "2", ""], ["k3", "c", "3", "x"]]
    wanted = [["k", "a", "9", "n"], ["k2", "b", "8", ""], ["k3", "C", "3", "x"]]

    assert cell_changes(current, wanted, 4) == [(0, 2, [["9"], ["8"]]), (2, 1, [["C"]])]
    assert cell_changes(current, current, 4) == []
    assert cell_changes(current, current[:1], 4) == [(1, 0, [["", "", ""]]),
                                                     (2, 0, [["", "", "", ""]])]
