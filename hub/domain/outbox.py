"""Outbox messages: what the hub wants to tell a debtor or a colleague, queued with a unique
idempotency key and sent later by the dispatcher. Plain data, standard library only."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from enum import StrEnum
from typing import Any


class MessageState(StrEnum):
    QUEUED = "queued"  # waiting for its time (next_attempt_at, not_before, send window)
    CLAIMED = "claimed"  # a dispatcher holds the lease; nothing has left the hub yet
    SENDING = "sending"  # handed to a transport; the outcome is not recorded yet
    SENT = "sent"
    FAILED = "failed"  # permanent error, or transient errors past the attempt limit
    UNCERTAIN = "uncertain"  # found in `sending` after a crash: may or may not have gone out
    HELD = "held"  # waits for a person (channel configuration flagged, or held by hand)
    SKIPPED = "skipped"  # no channel the recipient can receive; reasons recorded


OPEN_STATES = frozenset({MessageState.QUEUED, MessageState.CLAIMED, MessageState.SENDING})


class RecipientKind(StrEnum):
    DEBTOR = "debtor"
    STAFF = "staff"


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    LETTER = "letter"
    SLACK = "slack"
    TEAMS = "teams"
    GRAPH_MAIL = "graph_mail"


DEBTOR_CHANNELS = frozenset({Channel.EMAIL, Channel.SMS, Channel.LETTER, Channel.GRAPH_MAIL})
STAFF_CHANNELS = frozenset({Channel.SLACK, Channel.TEAMS, Channel.EMAIL, Channel.GRAPH_MAIL})


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One notice to queue. `channels` is the ordered list of candidates (a step's
    `send: [email, sms, letter]`); the dispatcher picks the first one the recipient can
    receive at send time and records why the others were skipped."""

    idempotency_key: str
    template: str
    recipient_kind: RecipientKind = RecipientKind.DEBTOR
    customer_code: str | None = None  # None for staff digests
    channel: str | None = None  # a single channel, when there is no choice
    channels: tuple[str, ...] = ()
    language: str = "en"
    context: dict[str, Any] = field(default_factory=dict)  # JSON-serialisable
    not_before: datetime | None = None
    decision_key: str | None = None
    recipient: str | None = None  # staff: an e-mail; debtors: resolved from contacts
    batch: str | None = None  # the cycle (local date) it belongs to, e.g. "2026-11-23"

    @property
    def candidates(self) -> tuple[str, ...]:
        if self.channels:
            return tuple(self.channels)
        return (self.channel,) if self.channel else ()


def message_key(*parts: object) -> str:
    """A deterministic idempotency key from its parts, short enough for any index."""
    text = "|".join(str(part) for part in parts)
    if len(text) <= 200:
        return text
    return text[:150] + "#" + hashlib.sha256(text.encode()).hexdigest()[:40]


class TransportError(Exception):
    """A send failed. `permanent`: trying again will not help (bad address, bad token).
    `configuration`: the channel's settings are wrong, so every message on it would fail:
    the channel is flagged and its messages wait for a person. `retry_after`: seconds the
    service asked us to wait."""

    def __init__(self, message: str, *, permanent: bool = False, configuration: bool = False,
                 retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent or configuration
        self.configuration = configuration
        self.retry_after = retry_after


def retry_delay(attempts: int, *, base_seconds: int = 60, cap_seconds: int = 3600,
                retry_after: float | None = None) -> timedelta:
    """Exponential backoff after `attempts` failed tries (1, 2, ...), never sooner than
    the service asked."""
    delay = min(cap_seconds, base_seconds * 2 ** max(0, attempts - 1))
    if retry_after is not None:
        delay = max(delay, int(retry_after + 0.999))
    return timedelta(seconds=delay)
