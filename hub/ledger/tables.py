"""The ledger's tables (SQLAlchemy Core). Money is stored as integer minor units
beside its ISO 4217 code, so SQLite and PostgreSQL both keep it exact."""

from __future__ import annotations

from sqlalchemy import JSON
from sqlalchemy import BigInteger
from sqlalchemy import Boolean
from sqlalchemy import CheckConstraint
from sqlalchemy import Column
from sqlalchemy import Date
from sqlalchemy import DateTime
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import MetaData
from sqlalchemy import String
from sqlalchemy import Table
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _currency() -> Column[str]:
    return Column("currency", String(3), nullable=False)


def _timestamps() -> list[Column[object]]:
    return [
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
    ]


users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("role", String(20), nullable=False),
    Column("department", String(100)),
    Column("manager_email", String(320)),
    Column("password_hash", String(255)),
    Column("active", Boolean, nullable=False, default=True),
    *_timestamps(),
)

customers = Table(
    "customers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(300), nullable=False),
    Column("kind", String(3), nullable=False),
    Column("country", String(2)),
    Column("timezone", String(64), nullable=False),
    Column("language", String(16), nullable=False),
    Column("owner", String(320), index=True),
    Column("department", String(100), index=True),
    Column("segment", String(64)),
    Column("currency", String(3)),
    Column("credit_limit_minor", BigInteger),
    Column("lifetime_value_minor", BigInteger),
    Column("excluded", Boolean, nullable=False, default=False),
    Column("on_hold", Boolean, nullable=False, default=False),
    Column("score", Integer),
    Column("source_hash", String(64)),  # digest of the last imported row
    *_timestamps(),
    CheckConstraint("kind in ('B2B', 'B2C')", name="kind"),
)

contacts = Table(
    "contacts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_id", ForeignKey("customers.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("email", String(320)),
    Column("phone", String(32)),
    Column("role", String(64)),
    Column("language", String(16)),
    Column("is_primary", Boolean, nullable=False, default=False),
)

invoices = Table(
    "invoices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(64), nullable=False, unique=True),
    Column("customer_id", ForeignKey("customers.id"), nullable=False),
    Column("issue_date", Date, nullable=False),
    Column("due_date", Date, nullable=False),
    _currency(),
    Column("amount_minor", BigInteger, nullable=False),
    Column("open_minor", BigInteger, nullable=False),
    Column("status", String(20), nullable=False),
    Column("disputed", Boolean, nullable=False, default=False),
    Column("excluded", Boolean, nullable=False, default=False),
    Column("document_ref", String(500)),
    Column("description", Text),
    Column("source_hash", String(64)),
    *_timestamps(),
    CheckConstraint("due_date >= issue_date", name="due_after_issue"),
)
Index("ix_invoices_customer_status", invoices.c.customer_id, invoices.c.status)
Index("ix_invoices_status_due", invoices.c.status, invoices.c.due_date)

credit_notes = Table(
    "credit_notes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(64), nullable=False, unique=True),
    Column("customer_id", ForeignKey("customers.id"), nullable=False, index=True),
    Column("invoice_id", ForeignKey("invoices.id")),
    Column("issue_date", Date, nullable=False),
    _currency(),
    Column("amount_minor", BigInteger, nullable=False),
    Column("open_minor", BigInteger, nullable=False),
    Column("reason", Text),
    Column("source_hash", String(64)),
    *_timestamps(),
)

payments = Table(
    "payments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("reference", String(128), nullable=False, unique=True),
    Column("customer_id", ForeignKey("customers.id"), index=True),
    Column("received_on", Date, nullable=False),
    _currency(),
    Column("amount_minor", BigInteger, nullable=False),
    Column("unallocated_minor", BigInteger, nullable=False),
    Column("status", String(20), nullable=False, index=True),
    Column("payer_name", String(300)),
    Column("payer_account", String(64)),
    Column("remittance", Text),
    Column("source", String(500)),
    *_timestamps(),
)

allocations = Table(
    "allocations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("payment_id", ForeignKey("payments.id"), nullable=False, index=True),
    Column("invoice_id", ForeignKey("invoices.id"), nullable=False, index=True),
    _currency(),
    Column("amount_minor", BigInteger, nullable=False),
    Column("method", String(20), nullable=False),
    Column("allocated_on", Date, nullable=False),  # the payment's value date
    Column("actor", String(320), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("payment_id", "invoice_id", name="uq_allocations_payment_invoice"),
    CheckConstraint("amount_minor > 0", name="positive"),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("actor", String(320), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("summary", Text, nullable=False),
    Column("customer_id", ForeignKey("customers.id"), index=True),
    Column("invoice_id", ForeignKey("invoices.id")),
    Column("data", JSON, nullable=False),
)

import_runs = Table(
    "import_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),  # invoices | customers | payments | statement
    Column("source", String(500), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("preset", String(64)),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("created", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("rejected", Integer, nullable=False, default=0),
    Column("rejects_path", String(500)),
    Column("actor", String(320), nullable=False),
)
