"""PostgreSQL bulk writes go through COPY's text format built a column at a time
(hub.ledger.bulk.copy_text): what is read back is exactly what was written, whatever
the text holds (tabs, line breaks, backslashes, the `\\N` marker itself)."""

from __future__ import annotations

from datetime import UTC
from datetime import date
from datetime import datetime

import pytest
import sqlalchemy as sa

from hub.domain.model import TaskState
from hub.ledger.bulk import SET_UPDATE_FROM
from hub.ledger.bulk import BulkInsert
from hub.ledger.bulk import copy_text
from hub.ledger.bulk import insert_tuples
from hub.ledger.bulk import update_rows
from hub.ledger.db import make_engine

NASTY = ["plain", "tab\there", "line\nbreak", "back\\slash", "\\N", "cr\rhere", "", "zażółć"]


def test_copy_text_escapes_what_the_format_would_misread() -> None:
    payload = copy_text([("a\tb", 1, None, ""), ("c\\d", 2, True, "x")], empty_is_null=(3,))
    assert payload == b"a\\tb\t1\t\\N\t\\N\nc\\\\d\t2\tTrue\tx\n"


def test_copy_text_declines_types_it_cannot_carry() -> None:
    assert copy_text([(b"bytes",)]) is None


@pytest.mark.postgres
def test_rows_written_through_copy_read_back_unchanged(postgres_url: str | None) -> None:
    if postgres_url is None:
        pytest.skip("PostgreSQL not configured (set HUB_TEST_POSTGRES_URL)")
    engine = make_engine(postgres_url)
    table = sa.Table("bulk_copy_probe", sa.MetaData(),
                     sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("note", sa.Text), sa.Column("maybe", sa.Text, nullable=True),
                     sa.Column("flag", sa.Boolean), sa.Column("day", sa.Date),
                     sa.Column("amount", sa.Numeric(12, 2)),
                     sa.Column("at", sa.DateTime(timezone=True)))
    at = datetime(2026, 12, 3, 4, 5, 6, tzinfo=UTC)
    try:
        with engine.begin() as connection:
            table.drop(connection, checkfirst=True)
            table.create(connection)
            insert = BulkInsert(connection, table, ["id", "note", "maybe", "flag", "day",
                                                    "amount"], {"at": at},
                                empty_is_null=("maybe",))
            insert([(i, text, text, i % 2 == 0, date(2026, 1, 1 + i), f"{i}.50")
                    for i, text in enumerate(NASTY)])
            found = connection.execute(sa.select(table).order_by(table.c.id)).all()
        assert [row.note for row in found] == NASTY
        assert [row.maybe for row in found] == [text or None for text in NASTY]
        assert [row.flag for row in found] == [i % 2 == 0 for i in range(len(NASTY))]
        assert found[3].day == date(2026, 1, 4)
        assert str(found[3].amount) == "3.50"
        assert {row.at for row in found} == {at}
    finally:
        with engine.begin() as connection:
            table.drop(connection, checkfirst=True)
        engine.dispose()


@pytest.mark.postgres
def test_json_and_enum_values_go_through_copy_and_read_back(postgres_url: str | None) -> None:
    """The cycle's rows hold JSON documents and StrEnum states, written a column at a time
    (`insert_tuples`): they read back as Core's insert() would have written them, a
    document's None as JSON null."""
    if postgres_url is None:
        pytest.skip("PostgreSQL not configured (set HUB_TEST_POSTGRES_URL)")
    engine = make_engine(postgres_url)
    table = sa.Table("bulk_copy_json_probe", sa.MetaData(),
                     sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("state", sa.String(20)), sa.Column("doc", sa.JSON),
                     sa.Column("day", sa.Date))
    docs: list[object] = [{"text": text, "n": i, "list": [1.5, None, "zażółć"]}
                          for i, text in enumerate(NASTY)] + [None, "plain"]
    try:
        with engine.begin() as connection:
            table.drop(connection, checkfirst=True)
            table.create(connection)
            assert insert_tuples(connection, table, ["id", "state", "doc"],
                                 [(i, TaskState.OPEN, doc) for i, doc in enumerate(docs)],
                                 {"day": date(2026, 12, 3)})
            connection.execute(table.insert(), [{"id": 100, "state": "open", "doc": None,
                                                 "day": date(2026, 12, 3)}])
            found = connection.execute(sa.select(table, table.c.doc.is_(None).label("null"))
                                       .order_by(table.c.id)).all()
        assert [row.doc for row in found] == [*docs, None]
        assert {(row.state, row.day) for row in found} == {("open", date(2026, 12, 3))}
        assert [row.null for row in found] == [False] * (len(docs) + 1)  # JSON null, as Core
    finally:
        with engine.begin() as connection:
            table.drop(connection, checkfirst=True)
        engine.dispose()


@pytest.mark.postgres
def test_many_updates_by_id_land_as_the_executemany_would(postgres_url: str | None) -> None:
    """`update_rows` with many rows is one UPDATE over arrays on PostgreSQL: each row gets
    its own values (None included); an id given twice keeps the last row's, as before."""
    if postgres_url is None:
        pytest.skip("PostgreSQL not configured (set HUB_TEST_POSTGRES_URL)")
    engine = make_engine(postgres_url)
    table = sa.Table("bulk_update_probe", sa.MetaData(),
                     sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("day", sa.Date, nullable=True), sa.Column("flag", sa.Boolean),
                     sa.Column("note", sa.String(20)))
    count = 3 * SET_UPDATE_FROM
    wanted = {i: (date(2026, 1, 1 + i % 28) if i % 5 else None, i % 2 == 0, f"n{i}")
              for i in range(count)}
    try:
        with engine.begin() as connection:
            table.drop(connection, checkfirst=True)
            table.create(connection)
            connection.execute(table.insert(), [{"id": i, "day": None, "flag": False,
                                                 "note": "old"} for i in range(count + 1)])
            update_rows(connection, table, [
                {"row_id": i, "day": day, "flag": flag, "note": note}
                for i, (day, flag, note) in wanted.items()])
            twice = [{"row_id": i % 3, "day": None, "flag": True, "note": f"t{i}"}
                     for i in range(SET_UPDATE_FROM)]
            update_rows(connection, table, twice)
            found = {row.id: (row.day, row.flag, row.note)
                     for row in connection.execute(sa.select(table))}
        for row in twice:  # the last of each id's rows
            wanted[row["row_id"]] = (None, True, row["note"])
        assert found == {**wanted, count: (None, False, "old")}
    finally:
        with engine.begin() as connection:
            table.drop(connection, checkfirst=True)
        engine.dispose()


@pytest.mark.parametrize("count", [2, SET_UPDATE_FROM])
def test_updates_by_id_leave_another_creditors_rows_alone(database_url: str,
                                                          count: int) -> None:
    """`update_rows` is driver-level SQL, out of the query layer's creditor filter: a row
    id of another creditor's (a stale id, a mistake) changes nothing of theirs, on SQLite
    and PostgreSQL (executemany and, from SET_UPDATE_FROM rows, the UPDATE over arrays)."""
    from hub.ledger.current import acting_for
    from hub.ledger.current import platform_wide

    engine = make_engine(database_url)
    table = sa.Table("bulk_tenant_probe", sa.MetaData(),
                     sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("creditor_id", sa.Integer), sa.Column("note", sa.String(20)))
    try:
        with engine.begin() as connection:
            table.drop(connection, checkfirst=True)
            table.create(connection)
            connection.execute(table.insert(), [
                {"id": i, "creditor_id": 1 + i % 2, "note": "old"} for i in range(count)])
            with acting_for(2):
                update_rows(connection, table, [{"row_id": i, "note": "bravo's"}
                                                for i in range(count)])
            found = {row.id: row.note for row in connection.execute(sa.select(table))}
            assert found == {i: "old" if i % 2 == 0 else "bravo's" for i in range(count)}
            with platform_wide():  # no creditor chosen: as the ids say
                update_rows(connection, table, [{"row_id": i, "note": "all"}
                                                for i in range(count)])
            assert {row.note for row in connection.execute(sa.select(table))} == {"all"}
    finally:
        with engine.begin() as connection:
            table.drop(connection, checkfirst=True)
        engine.dispose()
