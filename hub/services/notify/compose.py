"""Turn a claimed outbox row into a Delivery: pick the first channel the recipient can
receive (recording why the others were skipped), fill the template's context from the
ledger (open items, totals, portal link) and render it in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.domain.creditor import CreditorProfile
from hub.domain.decisions import PolicySettings
from hub.domain.money import Money
from hub.domain.outbox import AddressError
from hub.domain.outbox import Attachment
from hub.domain.outbox import Button
from hub.domain.outbox import Delivery
from hub.domain.outbox import missing_address
from hub.domain.outbox import not_configured
from hub.i18n import N_
from hub.i18n import gettext_for
from hub.ledger.current import ALL_CREDITORS
from hub.ledger.current import DEFAULT_CREDITOR
from hub.ledger.current import current_creditor
from hub.ledger.outbox import DebtorContact
from hub.ledger.outbox import debtor_contact
from hub.ledger.outbox import open_items
from hub.ledger.outbox import sent_since
from hub.ledger.tables import invoices
from hub.ports import MessageRenderer
from hub.ports import PortalLinks
from hub.ports import Transport
from hub.services.accounts.documents import COPY_TEMPLATE
from hub.services.accounts.documents import file_stem
from hub.services.accounts.documents import invoice_document
from hub.services.payments.pay_context import creditor_values
from hub.services.payments.pay_context import pay_values
from hub.services.payments.pay_context import payment_for
from hub.services.portal.links import short_url
from hub.services.read.owed import OwedSource
from hub.services.read.owed import owed_by

DATE_KEYS = frozenset({"day", "as_of", "oldest_due"})
# notices that carry a PDF statement of open items when e-mailed (letters always do)
STATEMENT_TEMPLATES = frozenset({"reminder-2", "final-notice", "pre-legal"})
# channels that carry the EPC QR code: an inline image part (SMTP / mail folder), a PNG in
# the letter's PDF; Graph mail and SMS get the bank details and reference as text
QR_CHANNELS = frozenset({"email", "letter"})
ACCOUNT_BUTTONS = ((N_("Mark contacted: %(name)s"), "mark_contacted"),
                   (N_("Log promise: %(name)s"), "log_promise"),
                   (N_("Snooze 3 days: %(name)s"), "snooze_3d"),
                   (N_("Mark done: %(name)s"), "mark_done"))


@dataclass
class Choice:
    """The outcome of channel selection for one message."""

    channel: str | None = None
    address: str | None = None
    skipped: list[dict[str, str]] = field(default_factory=list)
    held_reason: str | None = None  # a flagged channel: wait for a person
    capped_until: datetime | None = None  # every candidate is capped: wait


def _address_for(channel: str, contact: DebtorContact) -> str | None:
    if channel in ("email", "graph_mail"):
        return contact.email
    if channel in ("sms", "voice"):
        return contact.phone
    if channel == "whatsapp":
        return contact.whatsapp
    if channel == "letter":
        return "\n".join(contact.postal.block()) if contact.postal else None
    return None


def choose_channel(connection: Connection, *, candidates: list[str], contact: DebtorContact | None,
                   staff_address: str | None, transports: Mapping[str, Transport],
                   flagged: Mapping[str, str], policy: PolicySettings, now: datetime,
                   decided: Sequence[Mapping[str, str]] = (),
                   unrecorded: Mapping[tuple[str, str], int] | None = None) -> Choice:
    """`decided`: channels the cycle already left out, with the reason; they stay on
    record ahead of what is found out now. `unrecorded`: messages sent whose record is not
    written yet, by (customer code, channel); they count against the frequency caps."""
    choice = Choice(skipped=[dict(item) for item in decided
                             if item.get("channel") not in candidates])
    for channel in candidates:
        def skip(reason: str, channel: str = channel) -> None:
            choice.skipped.append({"channel": channel, "reason": reason})
        transport = transports.get(channel)
        if transport is None:
            skip(not_configured(channel))
            continue
        if channel in flagged:
            skip(f"channel {channel} is flagged: {flagged[channel]}")
            choice.held_reason = choice.held_reason or \
                f"channel {channel} is flagged: {flagged[channel]}"
            continue
        raw = staff_address if contact is None else _address_for(channel, contact)
        if not raw:
            skip(missing_address(channel) if contact is not None
                 else f"no {channel} address on file")
            continue
        try:
            address = transport.prepare_address(raw, country=contact.country if contact
                                                else None)
        except AddressError as exc:
            skip(str(exc))
            continue
        if contact is not None:
            cap = policy.cap_for(channel, contact.kind)
            if cap is not None and sent_since(connection, contact.code, channel,
                                              now - timedelta(days=cap.per_days)) \
                    + (unrecorded or {}).get((contact.code, channel), 0) >= cap.max_count:
                skip(f"frequency cap: {cap.max_count} per {cap.per_days} days")
                choice.capped_until = now + timedelta(days=1)
                continue
        choice.channel, choice.address = channel, address
        return choice
    return choice


def _money(value: Any, currency: Any) -> Any:
    try:
        return Money(Decimal(str(value)), str(currency)) if currency else value
    except (ArithmeticError, ValueError):
        return value


def _typed(context: Mapping[str, Any]) -> dict[str, Any]:
    """JSON context from the cycle: ISO dates become dates, amounts with a currency Money,
    so the renderer formats them for the reader."""
    typed: dict[str, Any] = {}
    for key, value in context.items():
        if isinstance(value, str) and (key.endswith(("date", "_on")) or key in DATE_KEYS):
            try:
                typed[key] = date.fromisoformat(value)
                continue
            except ValueError:
                pass
        if key in ("amount", "promise_amount", "total") and isinstance(value, str):
            typed[key] = _money(value, context.get("currency"))
            continue
        typed[key] = value
    if "promise_amount" not in typed and "amount" in typed:
        typed["promise_amount"] = typed["amount"]
    if "promise_date" not in typed and "due_date" in typed:
        typed["promise_date"] = typed["due_date"]
    if isinstance(typed.get("instalments"), list):
        typed["instalments"] = [
            {"due_date": date.fromisoformat(str(item["due_date"])),
             "amount": _money(item["amount"], item.get("currency") or context.get("currency"))}
            for item in typed["instalments"]]
    if isinstance(typed.get("invoice_numbers"), list):
        typed.setdefault("dispute_invoices", ", ".join(map(str, typed["invoice_numbers"])))
    return typed


@dataclass(frozen=True)
class ComposeSettings:
    sender_name: str = "Accounts receivable"
    hub_url: str = "http://localhost:5000"
    documents_dir: Path | None = None  # invoice copies attached to formal e-mail notices
    creditor: CreditorProfile | None = None  # who is owed (hub.creditor); None: not set
    pay_online: bool = False  # the portal takes payments (a payment provider is set up)


MAX_COPIES = 5
MAX_COPY_BYTES = 5 * 1024 * 1024


def invoice_copies(connection: Connection, contact: DebtorContact, numbers: set[str],
                   documents_dir: Path | None) -> tuple[Attachment, ...]:
    """Copies on file of the overdue invoices a formal notice lists (a few, not huge)."""
    if documents_dir is None:
        return ()
    found: list[Attachment] = []
    for row in open_items(connection, contact.customer_id):
        path = invoice_document(documents_dir, row.number, row.document_ref) \
            if row.number in numbers else None
        if path is not None and path.stat().st_size <= MAX_COPY_BYTES:
            mime = "application/pdf" if path.suffix.lower() == ".pdf" else \
                "application/octet-stream"
            found.append(Attachment(path.name, path.read_bytes(), mime))
        if len(found) == MAX_COPIES:
            break
    return tuple(found)


def _total(amounts: tuple[Money, ...]) -> Any:
    """One Money, or several currencies joined with " + " (never added together)."""
    if len(amounts) == 1:
        return amounts[0]
    return " + ".join(str(amount) for amount in amounts) or "0"
def requested_copy(connection: Connection, contact: DebtorContact, number: str,
                   documents_dir: Path | None) -> Attachment:
    """The copy of one invoice the debtor asked for; a copy no longer on file stops the
    message (it would promise an attachment it does not carry)."""
    ref = connection.execute(sa.select(invoices.c.document_ref).where(
        invoices.c.number == number, invoices.c.customer_id == contact.customer_id)
    ).one_or_none()
    path = invoice_document(documents_dir, number, ref.document_ref) \
        if ref is not None and documents_dir is not None else None
    if path is None:
        raise LookupError(f"the copy of invoice {number} is no longer on file")
    return Attachment(f"{file_stem(number)}.pdf", path.read_bytes(), "application/pdf")


def debtor_context(connection: Connection, contact: DebtorContact, context: Mapping[str, Any],
                   *, portal: PortalLinks | None, today: date, source: OwedSource | None = None
                   ) -> tuple[dict[str, Any], list[tuple[str, date, Money]]]:
    """What a message says is owed (hub.services.read.owed): the overdue invoices net of credit
    notes, the fees and interest on them with period and basis, the total of both, and the
    disputed invoices apart (not in the total). `source`: the customer's ledger rows read
    already (a dispatcher batch reads its debtors at once)."""
    owed = source.owed(today) if source is not None else \
        owed_by(connection, contact.customer_id, today)
    overdue = [(item.number, item.due_date, item.open) for item in owed.items]
    values: dict[str, Any] = {
        "customer_name": contact.name, "customer_code": contact.code,
        "contact_name": contact.contact_name or contact.name,
        "items": [{"invoice": item.number, "due_date": item.due_date, "open": item.open,
                   "credited": item.credited if item.credited.amount > 0 else None}
                  for item in owed.items],
        "count": len(owed.items), "total": _total(owed.totals),
        "invoices_total": _total(owed.invoice_totals),
        "charges": [{"invoice": charge.invoice, "kind": charge.kind, "amount": charge.amount,
                     "basis": charge.basis or "", "rate": charge.rate or "",
                     "period_from": charge.period_from, "period_to": charge.period_to}
                    for charge in owed.charges],
        "charges_total": _total(owed.charge_totals),
        "disputed": [{"invoice": item.number, "due_date": item.due_date, "open": item.open}
                     for item in owed.disputed],
        "disputed_total": _total(owed.disputed_totals),
        "oldest_due": min((item.due_date for item in owed.items), default=None),
        "days_overdue": max(((today - item.due_date).days for item in owed.items), default=0),
        "portal_link": portal.portal_url(contact.code) if portal else "",
    }
    values.update(_typed(context))
    return values, overdue


def statement_charges(values: Mapping[str, Any], renderer: MessageRenderer,
                      language: str) -> tuple[tuple[str, str, str, str], ...]:
    """The charges as a letter's statement prints them: kind, invoice, period, amount."""
    rows = []
    for charge in values.get("charges", ()):
        start, end = charge["period_from"], charge["period_to"]
        period = "" if start is None or end is None else \
            f"{renderer.format_date(start, language)} – {renderer.format_date(end, language)}"
        rows.append((str(charge["kind"]), str(charge["invoice"]), period,
                     renderer.format_money(charge["amount"], language)))
    return tuple(rows)


def _staff_context(connection: Connection, raw: Mapping[str, Any], *,
                   portal: PortalLinks | None, today: date) -> dict[str, Any]:
    """A staff message about one account gets the account's facts from the ledger; the
    cycle's own context (step, rule, task) wins where both say something."""
    context: dict[str, Any] = {}
    code = raw.get("customer_code")
    contact = debtor_contact(connection, str(code)) if code else None
    if contact is not None:
        values, _overdue = debtor_context(connection, contact, {}, portal=portal, today=today)
        context.update(values)
        context.update({"owner": contact.owner or "nobody", "assignee": contact.owner or
                        "nobody", "task_type": "follow-up",
                        "overdue_days": values["days_overdue"]})
    typed = _typed(raw)
    typed.setdefault("stage", raw.get("step") or raw.get("rule") or "collection")
    typed.setdefault("task_overdue", False)  # an overdue task, or a ladder step escalating
    if isinstance(typed.get("accounts"), list):
        typed["accounts"] = [{**account, "balance": _money(account.get("balance"),
                                                           account.get("currency"))}
                             for account in typed["accounts"]]
    context.update(typed)
    return context


def account_buttons(code: str, hub_url: str, name: str = "", language: str = "en"
                    ) -> list[Button]:
    """One account's buttons, each named for the account ("Mark done: Acme") so a screen
    reader and a Teams card say which account a button acts on; the `action_id` carries
    the code (`mark_done:ACME`), unique within a digest as Slack requires, and for any
    creditor but the default one the creditor's id (`mark_done@2:ACME`), which the press
    is applied for (hub/web/slack.py)."""
    name = name or code
    creditor = current_creditor()  # any but the default: named in the button, `@<id>`
    mark = f"@{creditor}" if creditor not in (DEFAULT_CREDITOR, ALL_CREDITORS) else ""
    return [*(Button(gettext_for(language, label, name=name), f"{action}{mark}:{code}",
                     value=code, account=name)
              for label, action in ACCOUNT_BUTTONS),
            Button(gettext_for(language, "Open %(name)s in the hub", name=name),
                   f"open_hub{mark}:{code}", value=code,
                   url=f"{hub_url}/accounts/{code}", account=name)]


def compose(connection: Connection, row: Any, *, choice: Choice, contact: DebtorContact | None,
            renderer: MessageRenderer, portal: PortalLinks | None, settings: ComposeSettings,
            today: date, source: OwedSource | None = None) -> Delivery:
    channel = choice.channel or ""
    creditor = settings.creditor
    base: dict[str, Any] = {"sender": creditor.name if creditor else settings.sender_name,
                            "hub_url": settings.hub_url, "portal_link": "",
                            "hub_link": settings.hub_url}
    qr_payload = reference = ""
    statement: tuple[tuple[str, str, str], ...] = ()
    charges: tuple[tuple[str, str, str, str], ...] = ()
    statement_total = ""
    buttons: list[Button] = []
    attachments: tuple[Attachment, ...] = ()
    if contact is not None:
        values, overdue = debtor_context(connection, contact, row.context, portal=portal,
                                         today=today, source=source)
        context = {**base, **values}
        language = row.language or contact.language
        block = payment_for(creditor, contact.code, [n for n, _d, _a in overdue],
                            context["total"])
        reference = block.reference if block is not None else ""
        qr_payload = block.epc_payload if block is not None and \
            channel in QR_CHANNELS else ""
        pay = pay_values(block)
        if pay is not None:
            pay["qr"] = bool(qr_payload)  # the text mentions the code only where it is
        if channel == "letter" and context.get("portal_link"):
            context["portal_link"] = short_url(str(context["portal_link"]))  # typed in
        context.update(creditor=creditor_values(creditor), pay=pay,
                       pay_online=settings.pay_online and bool(context.get("portal_link")))
        if channel == "letter" or row.template in STATEMENT_TEMPLATES:
            statement = tuple((n, renderer.format_date(d, language),
                               renderer.format_money(a, language)) for n, d, a in overdue)
            charges = statement_charges(values, renderer, language)
        if channel in ("email", "graph_mail") and row.template in STATEMENT_TEMPLATES:
            attachments = invoice_copies(connection, contact, {n for n, _d, _a in overdue},
                                         settings.documents_dir)
        if row.template == COPY_TEMPLATE:
            attachments = (requested_copy(connection, contact, str(row.context.get("invoice")),
                                          settings.documents_dir),)
        total = context["total"]
        statement_total = renderer.format_money(total, language) if isinstance(total, Money) \
            else str(total)
    else:
        context = {**base, **_staff_context(connection, row.context, portal=portal,
                                            today=today)}
        language = row.language
        named = [(str(account["code"]), str(account.get("name") or account["code"]))
                 for account in context.get("accounts", [])] or \
            ([(str(context["customer_code"]), str(context.get("customer_name") or
                                                  context["customer_code"]))]
             if context.get("customer_code") else [])
        for code, name in named:
            buttons.extend(account_buttons(code, settings.hub_url, name, language))
        if context.get("customer_code"):
            context["hub_link"] = f"{settings.hub_url}/accounts/{context['customer_code']}"
    template = _letter_variant(renderer, row.template, language, contact) \
        if channel == "letter" else row.template
    rendered = renderer.render(template, language, channel, context)
    fields = template_variables(context, renderer, language) \
        if channel == "whatsapp" and contact is not None else ()
    return Delivery(key=row.idempotency_key, channel=channel, address=choice.address or "",
                    subject=rendered.subject, text=rendered.text, html=rendered.html,
                    name=contact.contact_name if contact else None, language=language,
                    attachments=attachments, buttons=tuple(buttons),
                    postal=contact.postal if contact else None,
                    batch=row.batch, statement=statement, statement_total=statement_total,
                    statement_charges=charges, qr_payload=qr_payload, template=row.template,
                    reference=reference,
                    fields=fields, creditor_id=_creditor_id(),
                    **_creditor_fields(creditor, contact, renderer, language, today))


def _creditor_id() -> int | None:
    creditor = current_creditor()
    return None if creditor == ALL_CREDITORS else creditor


def _creditor_fields(creditor: CreditorProfile | None, contact: DebtorContact | None,
                     renderer: MessageRenderer, language: str, today: date
                     ) -> dict[str, Any]:
    """Who sends a debtor's message: the creditor's name and address on e-mail, its SMS
    sender id, and the letterhead, date and customer number of a letter."""
    if contact is None:
        return {}
    fields: dict[str, Any] = {"customer_number": contact.code,
                              "letter_date": renderer.format_date(today, language)}
    if creditor is not None:
        fields.update(sender_name=creditor.name, sender_address=creditor.email,
                      sender_id=creditor.sms_sender_id, letterhead=creditor.letterhead(),
                      return_address=creditor.return_address(), logo=creditor.logo)
    return fields


def template_variables(context: Mapping[str, Any], renderer: MessageRenderer,
                       language: str) -> tuple[tuple[str, str], ...]:
    """The numbered placeholders of an approved WhatsApp template, the same for every
    template: {{1}} the contact, {{2}} what is owed, {{3}} the oldest due date, {{4}} the
    portal link; {{5}} the promised date where the message is about a promise."""
    def text(value: Any) -> str:
        if isinstance(value, Money):
            return renderer.format_money(value, language)
        if isinstance(value, date):
            return renderer.format_date(value, language)
        return "" if value is None else str(value)

    found = [("1", text(context.get("contact_name"))), ("2", text(context.get("total"))),
             ("3", text(context.get("oldest_due")) or "-"),
             ("4", text(context.get("portal_link")) or "-")]
    if context.get("promise_date") and "due_date" in context:
        found.append(("5", text(context["promise_date"])))
    return tuple(found)


def _letter_variant(renderer: MessageRenderer, template: str, language: str,
                    contact: DebtorContact | None) -> str:
    """Letters by customer group: `<template>-<segment>`, then `<template>-<b2b|b2c>`,
    when such a template exists in the language; else the step's template."""
    groups = [contact.segment, contact.kind] if contact else []
    for group in groups:
        if group and renderer.has_template(f"{template}-{group.lower()}", language):
            return f"{template}-{group.lower()}"
    return template


def load_contact(connection: Connection, row: Any) -> DebtorContact | None:
    if row.recipient_kind != "debtor" or not row.customer_code:
        return None
    return debtor_contact(connection, row.customer_code)
