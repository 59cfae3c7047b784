"""An account's timeline: every event on the customer, newest first, with its data
(message content, rule and facts of a decision, sheet edits, chat actions...)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection

from hub.ledger.tables import events
from hub.ledger.tables import invoices
from hub.ledger.tables import messages

# Event kinds grouped for display (the first part of "kind" before the dot).
GROUPS = {
    "decision": "rule", "rules": "rule", "rule": "rule",
    "payment": "payment", "credit": "payment", "checkout": "payment",
    "promise": "promise", "plan": "promise",
    "message": "message", "digest": "message",
    "dispute": "dispute", "sales_hold": "hold", "legal": "hold", "account": "action",
    "task": "action", "note": "action", "sheet": "sheet", "chat": "chat",
}


@dataclass(frozen=True)
class TimelineEntry:
    id: int
    occurred_at: datetime
    actor: str
    kind: str
    summary: str
    invoice_number: str | None
    data: dict[str, Any]

    @property
    def group(self) -> str:
        return GROUPS.get(self.kind.split(".")[0], "other")

    @property
    def source(self) -> str | None:
        source = self.data.get("source")
        return str(source) if source else None


@dataclass(frozen=True)
class TimelinePage:
    entries: list[TimelineEntry]
    older_than: int | None  # pass as `before_id` for the next page; None at the start


# Named filters of the timeline: (kind prefixes, sources). An event matches when its kind
# starts with one of the prefixes or it came through one of the sources (data.source).
FILTERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "decision": (("decision.",), ("rules",)),
    "message": (("message.",), ()),
    "payment": (("payment.", "credit", "checkout."), ()),
    "promise": (("promise.",), ()),
    "plan": (("plan.",), ()),
    "dispute": (("dispute.",), ()),
    "hold": (("sales_hold.", "legal.", "customer.excluded", "customer.included"), ()),
    "sheet": (("sheet.",), ("sheet",)),
    "chat": (("chat.",), ("slack", "teams")),
    "portal": (("portal.",), ("portal",)),
    "task": (("task.", "account."), ()),
    "note": (("note.",), ()),
}


def _matching(name: str) -> sa.ColumnElement[bool]:
    prefixes, sources = FILTERS[name]
    conditions = [events.c.kind.startswith(p, autoescape=True) for p in prefixes]
    if sources:
        conditions.append(events.c.data["source"].as_string().in_(sources))
    return sa.or_(*conditions)


def timeline(connection: Connection, customer_id: int, *, limit: int = 100,
             before_id: int | None = None, kinds: str | None = None) -> TimelinePage:
    """Newest first; `kinds` names one of FILTERS ("payment", "sheet", "chat"...)."""
    query = (sa.select(events, invoices.c.number.label("invoice_number"))
             .outerjoin(invoices, invoices.c.id == events.c.invoice_id)
             .where(events.c.customer_id == customer_id)
             .order_by(events.c.id.desc()).limit(limit + 1))
    if before_id is not None:
        query = query.where(events.c.id < before_id)
    if kinds in FILTERS:
        query = query.where(_matching(kinds))
    rows = connection.execute(query).all()
    entries = [TimelineEntry(id=r.id, occurred_at=r.occurred_at, actor=r.actor, kind=r.kind,
                             summary=r.summary, invoice_number=r.invoice_number,
                             data=dict(r.data or {}))
               for r in rows[:limit]]
    return TimelinePage(entries, entries[-1].id if len(rows) > limit else None)


@dataclass(frozen=True)
class MessageEntry:
    created_at: datetime
    sent_at: datetime | None
    state: str
    channel: str | None
    template: str
    language: str
    recipient: str | None
    subject: str | None
    body: str | None
    last_error: str | None


def messages_for(connection: Connection, customer_code: str, *,
                 limit: int = 50) -> list[MessageEntry]:
    """The messages to this debtor, newest first, with their rendered content."""
    rows = connection.execute(
        sa.select(messages).where(messages.c.customer_code == customer_code,
                                  messages.c.recipient_kind == "debtor")
        .order_by(messages.c.id.desc()).limit(limit))
    return [MessageEntry(created_at=r.created_at, sent_at=r.sent_at, state=r.state,
                         channel=r.channel, template=r.template, language=r.language,
                         recipient=r.recipient, subject=r.subject, body=r.body,
                         last_error=r.last_error) for r in rows]
