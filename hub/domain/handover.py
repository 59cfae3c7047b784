"""Hand-over to hard collection (docs/handover.md): the statuses a case goes through and
the case file the hand-over produces (the claim, the invoices, every reminder, the
debtor's responses, fees and interest), with its machine-readable form. Standard library
only: the ledger reads it in hub.services.handover, notifications/dossier.py lays it out."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from enum import StrEnum
from typing import Any

from hub.domain.cells import SafeCsvWriter
from hub.domain.model import Role
from hub.domain.money import Money
from hub.i18n import N_

SCHEMA = "collections-hub/case-file/1"  # the JSON export's "schema"


class HandoverStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"  # the rule file wants the creditor's approval
    DECLINED = "declined"  # the creditor keeps the account; the hub's dunning goes on
    NEW = "new"  # handed over: the collection company has not started yet
    IN_PROGRESS = "in_progress"
    ARRANGEMENT = "arrangement"  # a payment arrangement with the debtor
    PAID = "paid"
    CLOSED = "closed"  # closed, uncollectable
    RETURNED = "returned"  # returned to the creditor: the hub's dunning resumes


# the statuses the collection company sets in its queue
QUEUE_STATUSES = (HandoverStatus.NEW, HandoverStatus.IN_PROGRESS, HandoverStatus.ARRANGEMENT,
                  HandoverStatus.PAID, HandoverStatus.CLOSED, HandoverStatus.RETURNED)
# with the collection company: the hub sends nothing and takes no step
WITH_COLLECTOR = frozenset(QUEUE_STATUSES) - {HandoverStatus.RETURNED}
# a case that keeps a second one from being opened for the same customer
OPEN = WITH_COLLECTOR | {HandoverStatus.AWAITING_APPROVAL}

STATUS_LABELS = {
    HandoverStatus.AWAITING_APPROVAL: N_("Awaiting the creditor's approval"),
    HandoverStatus.DECLINED: N_("Declined by the creditor"),
    HandoverStatus.NEW: N_("New"),
    HandoverStatus.IN_PROGRESS: N_("In progress"),
    HandoverStatus.ARRANGEMENT: N_("Payment arrangement"),
    HandoverStatus.PAID: N_("Paid"),
    HandoverStatus.CLOSED: N_("Closed, uncollectable"),
    HandoverStatus.RETURNED: N_("Returned to the creditor"),
}


# Who approves or declines a hand-over, or hands an account over by hand, for the creditor
# (a manager for their department's accounts)
DECIDERS = (Role.ADMIN, Role.FINANCE, Role.MANAGER)
# The case file's kinds as downloaded: the PDF, the JSON, the CSV files in a zip
CASE_FILE_MIME = {"pdf": "application/pdf", "json": "application/json",
                  "zip": "application/zip"}


def status_of(value: str) -> HandoverStatus:
    """A queue status by its value; ValueError names the ones there are."""
    for status in QUEUE_STATUSES:
        if status.value == value.strip().lower().replace(" ", "_").replace("-", "_"):
            return status
    known = ", ".join(s.value for s in QUEUE_STATUSES)
    raise ValueError(f"{value!r} is not a case status; use one of {known}")


@dataclass(frozen=True, slots=True)
class Party:
    """The creditor or the debtor, as the case file names them."""

    name: str
    code: str = ""
    lines: tuple[str, ...] = ()  # address, VAT number, contacts: one line each


@dataclass(frozen=True, slots=True)
class CaseInvoice:
    number: str
    issued: date
    due: date
    amount: Money
    open: Money
    status: str
    disputed: bool
    days_overdue: int


@dataclass(frozen=True, slots=True)
class CaseReminder:
    """A message to the debtor: when, by which channel, what it was and what became of it."""

    on: date
    channel: str  # the channel it went by, or the candidates joined by "/" if not sent
    template: str
    state: str  # sent | failed | skipped | ...
    subject: str


@dataclass(frozen=True, slots=True)
class CaseResponse:
    """What the debtor did: a portal action, a reply, a keypad answer, a promise, a
    dispute."""

    on: date
    kind: str  # the event kind, e.g. promise.recorded, dispute.opened
    summary: str
    source: str  # portal, phone, email, ...


@dataclass(frozen=True, slots=True)
class CaseCharge:
    invoice: str
    kind: str  # interest | a fixed compensation kind
    amount: Money
    basis: str
    rate: str
    period: str  # "2026-10-02 - 2026-12-01", or the day a fixed sum was charged


@dataclass(frozen=True, slots=True)
class CasePayment:
    reference: str
    received_on: date
    amount: Money
    invoices: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CaseFile:
    case: int
    produced_at: datetime
    creditor: Party
    debtor: Party
    reason: str  # the ladder step (and its line) that handed over, or the person
    approved_by: str  # "" when no approval was needed
    invoices: tuple[CaseInvoice, ...]
    reminders: tuple[CaseReminder, ...]
    responses: tuple[CaseResponse, ...]
    charges: tuple[CaseCharge, ...]
    payments: tuple[CasePayment, ...]
    principal: tuple[Money, ...]  # open on the invoices, per currency
    charged: tuple[Money, ...]  # fees and interest, per currency
    total: tuple[Money, ...]  # the claim: principal plus charges, per currency

    @property
    def file_stem(self) -> str:
        # ASCII only: the name goes into a Content-Disposition header, which a WSGI
        # server writes as Latin-1 (a code such as "ŁÓDŹ-7" would fail the download)
        code = "".join(c if (c.isascii() and c.isalnum()) or c in "-_" else "-"
                       for c in self.debtor.code)
        return f"case-{self.case}-{code or 'account'}"


def _money(value: Money) -> dict[str, str]:
    return {"amount": str(value.amount), "currency": value.currency}


def case_file_json(case: CaseFile) -> dict[str, Any]:
    """The case file as JSON (its keys are documented in docs/handover.md)."""
    return {
        "schema": SCHEMA,
        "case": case.case,
        "produced_at": case.produced_at.isoformat(),
        "reason": case.reason,
        "approved_by": case.approved_by or None,
        "creditor": {"name": case.creditor.name, "code": case.creditor.code,
                     "details": list(case.creditor.lines)},
        "debtor": {"name": case.debtor.name, "code": case.debtor.code,
                   "details": list(case.debtor.lines)},
        "claim": {"principal": [_money(m) for m in case.principal],
                  "charges": [_money(m) for m in case.charged],
                  "total": [_money(m) for m in case.total]},
        "invoices": [{"number": i.number, "issued": i.issued.isoformat(),
                      "due": i.due.isoformat(), "amount": _money(i.amount),
                      "open": _money(i.open), "status": i.status, "disputed": i.disputed,
                      "days_overdue": i.days_overdue} for i in case.invoices],
        "reminders": [{"date": r.on.isoformat(), "channel": r.channel,
                       "template": r.template, "state": r.state, "subject": r.subject}
                      for r in case.reminders],
        "responses": [{"date": r.on.isoformat(), "kind": r.kind, "summary": r.summary,
                       "source": r.source} for r in case.responses],
        "charges": [{"invoice": c.invoice, "kind": c.kind, "amount": _money(c.amount),
                     "basis": c.basis, "rate": c.rate, "period": c.period}
                    for c in case.charges],
        "payments": [{"reference": p.reference, "received_on": p.received_on.isoformat(),
                      "amount": _money(p.amount), "invoices": list(p.invoices)}
                     for p in case.payments],
    }


# the CSV export: one file a table, zipped (docs/handover.md); made from the kept JSON
CSV_FILES = ("claim.csv", "invoices.csv", "reminders.csv", "responses.csv", "charges.csv",
             "payments.csv")


def _csv(header: list[str], rows: list[list[object]]) -> bytes:
    handle = io.StringIO()
    writer = SafeCsvWriter(handle, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return handle.getvalue().encode("utf-8-sig")  # a BOM: spreadsheets read UTF-8 then


def case_file_csv_zip(data: dict[str, Any]) -> bytes:
    """The case file's JSON form (as kept) as CSV files in a zip: the claim per currency,
    the invoices, reminders, responses, charges and payments, one row each (the claim has
    one row even when nothing is owed, so the case and the parties are always there). Amounts are
    decimal strings with their currency in a column of its own. Text a spreadsheet would
    run as a formula is written behind an apostrophe (hub.domain.cells)."""
    claim = data["claim"]
    totals: dict[str, dict[str, str]] = {}
    for part in ("principal", "charges", "total"):
        for money in claim[part]:
            totals.setdefault(money["currency"], {})[part] = money["amount"]
    creditor, debtor = data["creditor"], data["debtor"]
    tables = {
        "claim.csv": _csv(
            ["case", "produced_at", "reason", "approved_by", "creditor", "creditor_code",
             "debtor", "debtor_code", "currency", "principal", "charges", "total"],
            [[data["case"], data["produced_at"], data["reason"], data["approved_by"],
              creditor["name"], creditor["code"], debtor["name"], debtor["code"], currency,
              *(parts.get(part, "0" if parts else "") for part in ("principal", "charges",
                                                                    "total"))]
             for currency, parts in sorted(totals.items()) or [("", {})]]),
        "invoices.csv": _csv(
            ["number", "issued", "due", "currency", "amount", "open", "status", "disputed",
             "days_overdue"],
            [[i["number"], i["issued"], i["due"], i["amount"]["currency"],
              i["amount"]["amount"], i["open"]["amount"], i["status"],
              "yes" if i["disputed"] else "no", i["days_overdue"]] for i in data["invoices"]]),
        "reminders.csv": _csv(
            ["date", "channel", "template", "state", "subject"],
            [[r["date"], r["channel"], r["template"], r["state"], r["subject"]]
             for r in data["reminders"]]),
        "responses.csv": _csv(
            ["date", "kind", "summary", "source"],
            [[r["date"], r["kind"], r["summary"], r["source"]] for r in data["responses"]]),
        "charges.csv": _csv(
            ["invoice", "kind", "currency", "amount", "basis", "rate", "period"],
            [[c["invoice"], c["kind"], c["amount"]["currency"], c["amount"]["amount"],
              c["basis"], c["rate"], c["period"]] for c in data["charges"]]),
        "payments.csv": _csv(
            ["reference", "received_on", "currency", "amount", "invoices"],
            [[p["reference"], p["received_on"], p["amount"]["currency"], p["amount"]["amount"],
              " ".join(p["invoices"])] for p in data["payments"]]),
    }
    stamp = datetime.fromisoformat(data["produced_at"])  # the same bytes every time
    when = (stamp.year, stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name in CSV_FILES:
            info = zipfile.ZipInfo(name, date_time=max(when, (1980, 1, 1, 0, 0, 0)))
            info.compress_type = zipfile.ZIP_DEFLATED
            bundle.writestr(info, tables[name])
    return out.getvalue()
