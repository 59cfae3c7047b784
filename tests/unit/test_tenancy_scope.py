"""The query layer's rewrite (hub/ledger/tenancy.py): every tenant table a statement reads
or changes gets `creditor_id = <current>`, wherever it sits, and an outer join stays outer."""

from __future__ import annotations

import re

import sqlalchemy as sa

from hub.ledger.tables import channel_status
from hub.ledger.tables import contacts
from hub.ledger.tables import customers
from hub.ledger.tables import invoices
from hub.ledger.tenancy import scoped


def sql(statement: sa.ClauseElement) -> str:
    compiled = scoped(statement, 7).compile(compile_kwargs={"literal_binds": True})
    return re.sub(r"\s+", " ", str(compiled))


def test_a_join_made_with_select_join_filters_the_joined_table_in_its_on_clause() -> None:
    text = sql(sa.select(invoices.c.number, customers.c.code)
               .join(customers, customers.c.id == invoices.c.customer_id))
    assert "JOIN customers ON customers.id = invoices.customer_id AND " \
           "customers.creditor_id = 7" in text
    assert "WHERE invoices.creditor_id = 7" in text


def test_an_outer_join_stays_outer() -> None:
    text = sql(sa.select(customers.c.code, sa.func.count(invoices.c.id))
               .select_from(customers.outerjoin(invoices,
                                                invoices.c.customer_id == customers.c.id))
               .group_by(customers.c.code))
    assert "LEFT OUTER JOIN invoices ON invoices.customer_id = customers.id AND " \
           "invoices.creditor_id = 7" in text
    assert "WHERE customers.creditor_id = 7" in text
    assert "invoices.creditor_id = 7 GROUP" not in text


def test_subqueries_exists_and_dml_are_filtered() -> None:
    text = sql(sa.select(customers.c.code)
               .where(customers.c.name.in_(sa.select(contacts.c.name)),
                      sa.exists().where(invoices.c.customer_id == customers.c.id)))
    assert "FROM contacts WHERE contacts.creditor_id = 7" in text
    assert "invoices.creditor_id = 7" in text
    assert sql(sa.update(invoices).values(status="paid")).endswith(
        "WHERE invoices.creditor_id = 7")
    assert sql(sa.delete(contacts)).endswith("WHERE contacts.creditor_id = 7")


def test_platform_tables_and_the_callers_statement_are_left_alone() -> None:
    assert "creditor_id" not in sql(sa.select(channel_status))
    statement = sa.select(customers.c.code)
    scoped(statement, 7)
    assert "creditor_id" not in str(statement)
