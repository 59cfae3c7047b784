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
from sqlalchemy import LargeBinary
from sqlalchemy import MetaData
from sqlalchemy import String
from sqlalchemy import Table
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy import false

from hub.ledger.current import creditor_for_insert

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
    Column("code", String(64), nullable=False),
    Column("name", String(300), nullable=False),
    Column("kind", String(3), nullable=False),
    Column("country", String(2)),
    Column("timezone", String(64), nullable=False),
    Column("language", String(16), nullable=False),
    Column("owner", String(320), index=True),
    Column("department", String(100), index=True),
    Column("account_manager", String(320)),  # the salesperson who owns the relationship
    Column("segment", String(64)),
    Column("currency", String(3)),
    Column("credit_limit_minor", BigInteger),
    Column("lifetime_value_minor", BigInteger),
    Column("excluded", Boolean, nullable=False, default=False),
    Column("on_hold", Boolean, nullable=False, default=False),
    Column("score", Integer),
    Column("source_hash", String(64)),  # digest of the last imported row
    # the next day the cycle must evaluate the account (its next ladder step, a step
    # waiting for a business day, an import or payment); NULL: nothing is due
    Column("next_evaluation_on", Date, index=True),
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
    # the contact agreed to WhatsApp messages on their phone number (WhatsApp's rule)
    Column("whatsapp_opt_in", Boolean, nullable=False, server_default=false()),
)

invoices = Table(
    "invoices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(64), nullable=False),
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
    Column("number", String(64), nullable=False),
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
    Column("reference", String(128), nullable=False),
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

# --- the collections cycle: promises, plans, disputes, tasks, holds, charges, runs ---------

promises = Table(
    "promises",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_id", ForeignKey("customers.id"), nullable=False, index=True),
    _currency(),
    Column("amount_minor", BigInteger, nullable=False),
    Column("promised_on", Date, nullable=False),  # the local date the promise was made
    Column("due_date", Date, nullable=False),
    Column("state", String(20), nullable=False),  # open | kept | broken | cancelled
    Column("closed_on", Date),
    Column("actor", String(320), nullable=False),
    Column("source", String(20), nullable=False),
    *_timestamps(),
    CheckConstraint("amount_minor > 0", name="positive"),
)
Index("ix_promises_state_due", promises.c.state, promises.c.due_date)

payment_plans = Table(
    "payment_plans",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_id", ForeignKey("customers.id"), nullable=False, index=True),
    _currency(),
    Column("total_minor", BigInteger, nullable=False),
    Column("state", String(20), nullable=False),  # proposed|active|completed|broken|rejected
    Column("review_reason", Text),  # why it was not approved automatically
    Column("actor", String(320), nullable=False),
    Column("source", String(20), nullable=False),
    Column("approved_by", String(320)),
    *_timestamps(),
)

plan_instalments = Table(
    "plan_instalments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("plan_id", ForeignKey("payment_plans.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("due_date", Date, nullable=False, index=True),
    _currency(),
    Column("amount_minor", BigInteger, nullable=False),
    UniqueConstraint("plan_id", "seq", name="uq_plan_instalments_plan_seq"),
    CheckConstraint("amount_minor > 0", name="positive"),
)

disputes = Table(
    "disputes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_id", ForeignKey("customers.id"), nullable=False, index=True),
    Column("reason", Text, nullable=False),
    Column("state", String(20), nullable=False),  # open | resolved
    Column("resolution", Text),
    Column("opened_by", String(320), nullable=False),
    Column("source", String(20), nullable=False),
    Column("resolved_by", String(320)),
    Column("resolved_at", DateTime(timezone=True)),
    *_timestamps(),
)

dispute_invoices = Table(
    "dispute_invoices",
    metadata,
    Column("dispute_id", ForeignKey("disputes.id", ondelete="CASCADE"), primary_key=True),
    Column("invoice_id", ForeignKey("invoices.id"), primary_key=True, index=True),
)

tasks = Table(
    "tasks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_id", ForeignKey("customers.id"), nullable=False, index=True),
    Column("task_type", String(64), nullable=False),  # call | follow_up | review_plan | ...
    Column("assignee", String(320), index=True),  # a user's e-mail; None: unassigned
    Column("due_date", Date, nullable=False),
    Column("state", String(20), nullable=False),  # open | done | cancelled
    Column("snoozed_until", Date),
    Column("key", String(300)),  # idempotency key; None for ad-hoc tasks
    Column("reason", Text, nullable=False),
    Column("decision_key", String(300), index=True),  # the rule decision that created it
    Column("outcome", Text),
    Column("created_by", String(320), nullable=False),
    Column("source", String(20), nullable=False),
    Column("closed_at", DateTime(timezone=True)),
    Column("closed_by", String(320)),
    *_timestamps(),
    # Whose worklist an open task is on: the assignee, else the account's owner (None:
    # neither). Kept by hub.services.accounts.tasks when a task is made and when an owner
    # changes, so a person's worklist reads only their own tasks (issue 16).
    Column("holder", String(320)),
    CheckConstraint("state in ('open', 'done', 'cancelled')", name="state"),
)
Index("ix_tasks_state_due", tasks.c.state, tasks.c.due_date)
Index("ix_tasks_holder_state_due", tasks.c.holder, tasks.c.state, tasks.c.due_date)

sales_holds = Table(
    "sales_holds",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_id", ForeignKey("customers.id"), nullable=False, index=True),
    Column("reason", Text, nullable=False),
    Column("decision_key", String(300)),
    Column("placed_by", String(320), nullable=False),
    Column("placed_at", DateTime(timezone=True), nullable=False),
    Column("released_by", String(320)),
    Column("released_at", DateTime(timezone=True)),
)

charges = Table(
    "charges",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("invoice_id", ForeignKey("invoices.id"), nullable=False, index=True),
    Column("customer_id", ForeignKey("customers.id"), nullable=False, index=True),
    Column("kind", String(40), nullable=False),  # fee kind (eu_fixed, uk_fixed, ...) | interest
    # "<invoice>|<kind>" for charges the law allows once per invoice, else with a date
    Column("unique_key", String(300), nullable=False),
    _currency(),
    Column("amount_minor", BigInteger, nullable=False),
    Column("rate", String(20)),  # yearly percent, for interest
    # eu | de | uk (the statute) | contract (contract_rate) | rule_file (a fee set per currency)
    Column("basis", String(20)),
    Column("period_from", Date),
    Column("period_to", Date),
    Column("decision_key", String(300), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

cycle_runs = Table(
    "cycle_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("as_of", Date, nullable=False, index=True),
    Column("dry_run", Boolean, nullable=False),
    Column("status", String(20), nullable=False),  # running|done|errors|failed|interrupted
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("actor", String(320), nullable=False),
    Column("policy_version", String(64)),
    Column("event_watermark", Integer),  # the last event id seen by this run
    Column("counts", JSON, nullable=False),
    Column("timings", JSON, nullable=False),
    Column("errors", JSON, nullable=False),
    Column("hooks", JSON, nullable=False),
)

applied_decisions = Table(
    "applied_decisions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("decision_key", String(300), nullable=False),
    Column("customer_id", ForeignKey("customers.id"), nullable=False, index=True),
    Column("rule", String(200), nullable=False),
    Column("source", String(200), nullable=False),
    Column("ladder", String(100)),
    Column("step", String(100)),
    Column("anchor_due_date", Date),  # oldest unpaid due date the step was computed from
    Column("applied_on", Date, nullable=False),  # the customer's local date
    Column("paused_by", String(100)),
    # the step a debt's first contact started at (go-live): later steps keep the
    # ladder's spacing from it (rules/decide.py)
    Column("first_contact", Boolean, nullable=False, server_default=false()),
    Column("facts", JSON, nullable=False),
    Column("actions", JSON, nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
    Column("cycle_run_id", ForeignKey("cycle_runs.id"), index=True),
)

cycle_partitions = Table(
    "cycle_partitions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", ForeignKey("cycle_runs.id", ondelete="CASCADE"), nullable=False),
    Column("part", Integer, nullable=False),  # 0, 1, 2 ... within the run
    Column("state", String(20), nullable=False),  # queued|running|done|failed|skipped
    Column("first_id", Integer),  # every customer id in [first_id, last_id] (a full cycle)
    Column("last_id", Integer),
    Column("codes", JSON),  # or exactly these customers (an incremental cycle)
    Column("accounts", Integer, nullable=False),
    Column("enforcement", Boolean, nullable=False),
    Column("attempts", Integer, nullable=False),  # tries started, a killed one included
    Column("worker", String(200)),  # host:pid of the latest try
    Column("started_at", DateTime(timezone=True)),
    Column("finished_at", DateTime(timezone=True)),
    Column("counts", JSON, nullable=False),
    Column("timings", JSON, nullable=False),
    Column("errors", JSON, nullable=False),
    UniqueConstraint("run_id", "part", name="uq_cycle_partitions_run_part"),
)

cycle_lock = Table(
    "cycle_lock",
    metadata,
    Column("name", String(40), primary_key=True),  # one row while a cycle runs
    Column("holder", String(200), nullable=False),
    Column("acquired_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("token", String(40)),  # random, per run: tells two holders apart
    Column("host", String(255)),  # where the holder runs
    Column("pid", Integer),
    Column("process_start", String(40)),  # the holder's start time (/proc): pid reuse
    Column("heartbeat_at", DateTime(timezone=True)),  # refreshed while the cycle runs
    Column("run_id", Integer),  # the cycle_runs row of the holder, once started
)

# --- debtor portal and API access (PORTAL) ----------------------------------------

portal_links = Table(
    "portal_links",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 of the token
    Column("customer_id", ForeignKey("customers.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("revoked_by", String(320)),
    Column("created_by", String(320), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True)),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 of the token
    Column("role", String(20), nullable=False),
    Column("user_email", String(320)),  # a collector token sees this owner's accounts
    Column("department", String(100)),  # a manager token sees this department
    Column("created_by", String(320), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Column("last_used_at", DateTime(timezone=True)),
)

# --- notifications: the outbox and its channels (NOTIFY) -------------------------

messages = Table(
    "messages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("idempotency_key", String(300), nullable=False),
    Column("customer_code", String(64), index=True),  # None for staff messages
    Column("recipient_kind", String(10), nullable=False),  # debtor | staff
    Column("recipient", String(320)),  # staff e-mail; for debtors the address used
    Column("channels", JSON, nullable=False),  # ordered candidates
    Column("channel", String(20)),  # the channel chosen at dispatch time
    Column("skipped_channels", JSON, nullable=False),  # [{channel, reason}]
    Column("template", String(64), nullable=False),
    Column("language", String(16), nullable=False),
    Column("context", JSON, nullable=False),
    Column("decision_key", String(300), index=True),
    Column("batch", String(40), index=True),  # the cycle it belongs to (local date)
    Column("state", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("not_before", DateTime(timezone=True)),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("claimed_by", String(120)),
    Column("claimed_until", DateTime(timezone=True)),
    Column("last_error", Text),
    Column("subject", Text),  # rendered, for the outbox page
    Column("body", Text),
    Column("external_id", String(200)),  # the provider's id (Slack ts, Twilio SID, ...)
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    CheckConstraint("state in ('queued', 'claimed', 'sending', 'sent', 'failed', "
                    "'uncertain', 'held', 'skipped')", name="state"),
)
Index("ix_messages_state_next", messages.c.state, messages.c.next_attempt_at)

channel_status = Table(
    "channel_status",
    metadata,
    Column("channel", String(20), primary_key=True),
    Column("flagged", Boolean, nullable=False, default=False),  # configuration needs a person
    Column("last_error", Text),
    Column("flagged_at", DateTime(timezone=True)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("failures", Integer, nullable=False, default=0,
           server_default="0"),  # consecutive transient failures, reset by a success
    Column("paused_until", DateTime(timezone=True)),  # an outage: nothing is tried before
    Column("outage_since", DateTime(timezone=True)),  # the pause that alerted the admins
)

customer_addresses = Table(  # postal address for letters
    "customer_addresses",
    metadata,
    Column("customer_id", ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True),
    Column("attention", String(200)),
    Column("lines", Text, nullable=False),  # street lines, newline separated
    Column("postcode", String(20)),
    Column("city", String(100)),
    Column("country", String(2)),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

# --- staff sign-in and audit log (WEB) ---------------------------------------------

sign_in_state = Table(
    "sign_in_state",
    metadata,
    Column("email", String(320), primary_key=True),  # lower-case; also for unknown addresses
    Column("failed_count", Integer, nullable=False, default=0),
    Column("locked_until", DateTime(timezone=True)),
    Column("last_failure_at", DateTime(timezone=True)),
    Column("last_sign_in_at", DateTime(timezone=True)),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("occurred_at", DateTime(timezone=True), nullable=False, index=True),
    Column("actor", String(320), nullable=False),  # e-mail, or "anonymous"
    Column("action", String(64), nullable=False),  # signin.succeeded, rules.activated, ...
    Column("target", String(320)),
    Column("address", String(64)),  # client IP address
    Column("detail", JSON, nullable=False),
)

# --- shared worklist sheets (SHEETS) ------------------------------------------------

sheet_books = Table(  # one department's workbook / spreadsheet / Smartsheet sheet
    "sheet_books",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("backend", String(20), nullable=False),  # xlsx | google | smartsheet
    Column("book", String(200), nullable=False),  # the department
    Column("remote_id", String(500)),  # file path, spreadsheet key or Smartsheet sheet id
    Column("last_sync_at", DateTime(timezone=True)),
    Column("last_ok_at", DateTime(timezone=True)),
    Column("last_error", Text),
    Column("calls", Integer, nullable=False, default=0),  # API calls in the last sync
    Column("rows", Integer, nullable=False, default=0),  # account rows on its tabs
)

sheet_rows = Table(  # what the hub last wrote and took in, per account row
    "sheet_rows",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("book_id", ForeignKey("sheet_books.id", ondelete="CASCADE"), nullable=False),
    Column("customer_code", String(64), nullable=False),
    Column("owner", String(320), nullable=False),
    Column("editable", JSON, nullable=False),  # editable values taken in
    Column("computed", JSON, nullable=False),  # computed values last written
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("book_id", "customer_code", name="uq_sheet_rows_book_customer"),
)

# --- rule file versions (RULES) ------------------------------------------------------

rule_versions = Table(  # every rule file activated or refused; the newest active one rules
    "rule_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("file_name", String(255), nullable=False),
    Column("sha256", String(64), nullable=False, index=True),
    Column("text", Text, nullable=False),
    Column("status", String(16), nullable=False),  # active | refused
    Column("source", String(16), nullable=False),  # file | web | rollback
    Column("actor", String(320), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("note", Text),  # what was rolled back to; the problems of a refused file
)

slack_requests = Table(  # signed Slack callbacks already handled: a replay is refused
    "slack_requests",
    metadata,
    Column("signature", String(100), primary_key=True),
    Column("received_at", DateTime(timezone=True), nullable=False, index=True),
)

checkout_sessions = Table(  # payments started in the portal at the payment provider
    "checkout_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("checkout_key", String(64), nullable=False, unique=True),  # our id, in metadata
    Column("provider", String(20), nullable=False),
    Column("session_id", String(255), unique=True),  # the provider's; None until it answered
    Column("customer_id", ForeignKey("customers.id"), nullable=False, index=True),
    Column("invoices", JSON, nullable=False),  # the invoice numbers the debtor chose
    _currency(),
    Column("amount_minor", BigInteger, nullable=False),
    Column("state", String(20), nullable=False),  # hub.domain.checkout.CheckoutState
    Column("payment_reference", String(128)),  # payments.reference once recorded
    *_timestamps(),
    CheckConstraint("amount_minor > 0", name="positive"),
)

provider_events = Table(  # provider notifications already handled: a replay changes nothing
    "provider_events",
    metadata,
    Column("provider", String(20), primary_key=True),
    Column("event_id", String(255), primary_key=True),
    Column("kind", String(100), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)

experiment_assignments = Table(  # the variant an account was dealt, at its first exposure
    "experiment_assignments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("experiment", String(40), nullable=False),  # the rule file's experiment name
    Column("customer_id", ForeignKey("customers.id"), nullable=False, index=True),
    Column("variant", String(40), nullable=False),
    Column("assigned_on", Date, nullable=False),  # the day the variant's step was applied
    Column("ladder", String(100)),
    Column("step", String(100)),  # "reminder (sms)"
    Column("decision_key", String(300), nullable=False),
    # the overdue balance when the account was exposed: what recovery is measured against
    Column("currency", String(3), nullable=False),
    Column("owed_minor", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("experiment", "customer_id",
                     name="uq_experiment_assignments_experiment"),
)

# --- payment prediction models (PREDICT) ----------------------------------------------

model_versions = Table(  # every trained model; the newest active one predicts
    "model_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(40), nullable=False),  # payment: p_late, late class, days to pay
    # active: beat both baselines on its time-split test; not_better: stored, not used
    Column("status", String(16), nullable=False),
    Column("data_from", Date, nullable=False),  # issue dates of the invoices it learnt from
    Column("data_to", Date, nullable=False),
    Column("cut_date", Date, nullable=False),  # the evaluation's split: tested from this day
    Column("rows", Integer, nullable=False),  # invoices learnt from
    Column("metrics", JSON, nullable=False),  # the evaluation beside both baselines
    Column("actor", String(320), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("library", String(64), nullable=False),  # scikit-learn version that pickled it
    Column("model", LargeBinary, nullable=False),  # joblib bytes of the fitted models
)
Index("ix_model_versions_kind_status", model_versions.c.kind, model_versions.c.status)

# --- campaigns (docs/campaigns.md): templates, campaigns with versions, members ----------

campaign_templates = Table(  # templates saved from a campaign ("save as template")
    "campaign_templates",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(80), nullable=False),  # unique per creditor
    Column("settings", JSON, nullable=False),  # hub.domain.campaigns.CampaignSettings
    Column("created_by", String(320), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

campaigns = Table(  # a named override on top of finance's rule file
    "campaigns",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(80), nullable=False),  # unique per creditor
    Column("slug", String(40), nullable=False),  # campaign.name in the rules; unique per creditor
    Column("template", String(80), nullable=False),  # the template it started from
    Column("state", String(10), nullable=False),  # running | paused | stopped
    Column("target", JSON, nullable=False),  # hub.domain.campaigns.Target
    Column("started_on", Date, nullable=False),
    Column("paused_on", Date),  # while paused: the day it was paused
    Column("paused_days", Integer, nullable=False, default=0),  # days paused before
    Column("stopped_on", Date),
    Column("created_by", String(320), nullable=False),
    *_timestamps(),
    CheckConstraint("state in ('running', 'paused', 'stopped')", name="state"),
)

campaign_versions = Table(  # every version of a campaign's settings and rule fragment
    "campaign_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("campaign_id", ForeignKey("campaigns.id"), nullable=False, index=True),
    Column("version", Integer, nullable=False),
    Column("settings", JSON, nullable=False),
    Column("fragment", JSON, nullable=False),  # the segment, ladder and pauses it adds
    Column("actor", String(320), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("campaign_id", "version", name="uq_campaign_versions_campaign_id"),
)

campaign_members = Table(  # the customers in a campaign, from the day they joined
    "campaign_members",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("campaign_id", ForeignKey("campaigns.id"), nullable=False),
    Column("customer_id", ForeignKey("customers.id"), nullable=False, index=True),
    Column("joined_on", Date, nullable=False),
    Column("left_on", Date),  # the campaign stopped: back on finance's ladder
    Column("currency", String(3), nullable=False),
    Column("owed_minor", BigInteger, nullable=False),  # overdue when it joined
    UniqueConstraint("campaign_id", "customer_id", name="uq_campaign_members_campaign_id"),
)

# --- hand-over to hard collection (docs/handover.md) ------------------------------------

HANDOVER_STATUSES = ("awaiting_approval", "declined", "new", "in_progress", "arrangement",
                     "paid", "closed", "returned")

handovers = Table(  # an account handed over (or waiting for the creditor's approval)
    "handovers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("customer_id", ForeignKey("customers.id"), nullable=False, index=True),
    Column("status", String(20), nullable=False),  # HANDOVER_STATUSES
    Column("approval_required", Boolean, nullable=False),
    Column("requested_on", Date, nullable=False),
    Column("requested_by", String(320), nullable=False),  # rules, or a person
    Column("decision_key", String(300), index=True),  # the ladder step's decision
    Column("reason", Text, nullable=False),  # the step and where it is written
    Column("owed", JSON, nullable=False),  # [{currency, amount}] overdue when requested
    Column("decided_by", String(320)),  # who approved or declined
    Column("decided_at", DateTime(timezone=True)),
    Column("decline_reason", Text),
    Column("handed_over_at", DateTime(timezone=True)),
    Column("note", Text),  # the last status change's note
    Column("status_by", String(320)),
    *_timestamps(),
    CheckConstraint("status in ('awaiting_approval', 'declined', 'new', 'in_progress', "
                    "'arrangement', 'paid', 'closed', 'returned')", name="status"),
)

handover_files = Table(  # the case file as produced at the hand-over, kept unchanged
    "handover_files",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("handover_id", ForeignKey("handovers.id"), nullable=False),
    Column("kind", String(10), nullable=False),  # pdf | json | csv (a zip of CSV files)
    Column("file_name", String(200), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("handover_id", "kind", name="uq_handover_files_handover_id"),
)

handover_history = Table(  # every status a case went through, with who, when and the note
    "handover_history",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("handover_id", ForeignKey("handovers.id"), nullable=False, index=True),
    Column("status", String(20), nullable=False),
    Column("note", Text),
    Column("actor", String(320), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
)

# --- creditors: the companies one hub collects for (docs/creditors.md) ------------------

creditors = Table(  # id 1 is the default creditor: a single-company install has only it
    "creditors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),
    Column("name", String(300), nullable=False),
    Column("profile", Text),  # the creditor profile YAML; None: HUB_CREDITOR_FILE (id 1)
    Column("created_at", DateTime(timezone=True), nullable=False),
)

creditor_grants = Table(  # platform staff: the creditors a user may act for besides their own
    "creditor_grants",
    metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("creditor_id", ForeignKey("creditors.id", ondelete="CASCADE"), primary_key=True),
    Column("granted_by", String(320), nullable=False),
    Column("granted_at", DateTime(timezone=True), nullable=False),
)

# Every table that holds one creditor's data. Each gets a `creditor_id` column (NOT NULL,
# default: the current creditor, hub.ledger.tenancy) that the query layer filters on and
# PostgreSQL's row-level security checks. A new table with a creditor's data: add its name
# here and in a migration (hub.ledger.tenancy_migration.add_tenant_tables does all of it).
TENANT_TABLES: tuple[str, ...] = (
    "users", "customers", "contacts", "invoices", "credit_notes", "payments", "allocations",
    "events", "import_runs", "promises", "payment_plans", "plan_instalments", "disputes",
    "dispute_invoices", "tasks", "sales_holds", "charges", "cycle_runs",
    "applied_decisions", "cycle_partitions", "portal_links", "api_tokens", "messages",
    "customer_addresses", "audit_log", "sheet_books", "sheet_rows", "rule_versions",
    "checkout_sessions", "experiment_assignments", "model_versions",
    "campaign_templates", "campaigns", "campaign_versions", "campaign_members",
    "handovers", "handover_files", "handover_history",
)

# Keys that are unique within one creditor (two creditors' customer codes and invoice
# numbers may be the same).
PER_CREDITOR_UNIQUE: dict[str, tuple[str, ...]] = {
    "customers": ("code",),
    "invoices": ("number",),
    "credit_notes": ("number",),
    "payments": ("reference",),
    "tasks": ("key",),
    "sales_holds": ("decision_key",),
    "charges": ("unique_key",),
    "applied_decisions": ("decision_key",),
    "api_tokens": ("name",),
    "messages": ("idempotency_key",),
    "sheet_books": ("backend", "book"),
    "campaign_templates": ("name",),
    "campaigns": ("name",),
}


def _add_tenant_columns() -> None:
    for name in TENANT_TABLES:
        table = metadata.tables[name]
        # No index of its own: every row of a single company's hub has the same value, and
        # SQLite's planner would take an index on it for a selective one. Lookups go through
        # the per-creditor keys (creditor_id, code) and the tables' own indexes.
        table.append_column(Column("creditor_id", Integer, nullable=False,
                                   default=creditor_for_insert, server_default="1"))
    for name, columns in PER_CREDITOR_UNIQUE.items():
        metadata.tables[name].append_constraint(
            UniqueConstraint("creditor_id", *columns, name=f"uq_{name}_creditor_{columns[0]}"))


_add_tenant_columns()
# a campaign's slug names it in the rules: unique per creditor like its name
campaigns.append_constraint(UniqueConstraint("creditor_id", "slug",
                                             name="uq_campaigns_creditor_slug"))
