"""Outbox messages: what the hub wants to tell a debtor or a colleague, queued with a unique
idempotency key and sent later by the dispatcher. Plain data, standard library only."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from collections.abc import Sequence
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
    WHATSAPP = "whatsapp"  # an approved template through Twilio, to opted-in contacts
    VOICE = "voice"  # a reminder call with keypad answers through Twilio Voice


DEBTOR_CHANNELS = frozenset({Channel.EMAIL, Channel.SMS, Channel.LETTER, Channel.GRAPH_MAIL,
                             Channel.WHATSAPP, Channel.VOICE})
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
    # channels of the step left out when the decision was made, with the reason
    skipped: tuple[dict[str, str], ...] = ()

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
    service asked us to wait. `unreachable`: the service itself cannot be reached
    (connection refused, unknown host): every message on the channel would fail now, so
    the dispatcher pauses the channel at once instead of trying each message."""

    def __init__(self, message: str, *, permanent: bool = False, configuration: bool = False,
                 retry_after: float | None = None, unreachable: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent or configuration
        self.configuration = configuration
        self.retry_after = retry_after
        self.unreachable = unreachable and not self.permanent


def retry_delay(attempts: int, *, base_seconds: int = 60, cap_seconds: int = 3600,
                retry_after: float | None = None) -> timedelta:
    """Exponential backoff after `attempts` failed tries (1, 2, ...), never sooner than
    the service asked, and never less than a second (a retry is never due in the same
    instant, so one dispatch run cannot take it again)."""
    delay = min(cap_seconds, base_seconds * 2 ** max(0, attempts - 1))
    if retry_after is not None:
        delay = max(delay, int(retry_after + 0.999))
    return timedelta(seconds=max(1, delay))


class AddressError(ValueError):
    """The recipient's address cannot be used on a channel (the reason is the message)."""


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str = "application/pdf"


@dataclass(frozen=True, slots=True)
class Button:
    """A button on a chat message: `url` opens the hub; otherwise `action_id` and `value`
    come back to the interactivity endpoint."""

    label: str
    action_id: str
    value: str = ""
    url: str | None = None
    account: str = ""  # the account's name, shown above its row of buttons


@dataclass(frozen=True, slots=True)
class PostalAddress:
    name: str
    lines: tuple[str, ...]
    postcode: str | None = None
    city: str | None = None
    country: str | None = None

    def block(self) -> list[str]:
        place = " ".join(part for part in (self.postcode, self.city) if part)
        return [self.name, *self.lines, *([place] if place else []),
                *([self.country] if self.country else [])]


@dataclass(frozen=True, slots=True)
class Rendered:
    """A template rendered for one channel and language."""

    subject: str
    text: str
    html: str | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    """Everything a transport needs to send one message; built by the dispatcher."""

    key: str  # the idempotency key (Message-ID, Twilio/Graph idempotency, file names)
    channel: str
    address: str  # e-mail, E.164 number, Slack user e-mail, channel id, webhook name
    subject: str
    text: str
    html: str | None = None
    name: str | None = None
    language: str = "en"
    attachments: tuple[Attachment, ...] = ()
    buttons: tuple[Button, ...] = ()
    fields: tuple[tuple[str, str], ...] = ()  # label, value (digest lines, account facts)
    postal: PostalAddress | None = None
    batch: str | None = None
    statement: tuple[tuple[str, str, str], ...] = ()  # invoice, due date, open (formatted)
    statement_total: str = ""  # invoices and charges: what is owed
    # fees and interest on the statement's invoices: kind, invoice, period, amount (formatted)
    statement_charges: tuple[tuple[str, str, str, str], ...] = ()
    # the creditor (hub.domain.creditor): From name and address of e-mail, SMS sender id,
    # letterhead lines; empty without a creditor profile (the transport's own settings)
    sender_name: str = ""
    sender_address: str = ""
    sender_id: str = ""
    letterhead: tuple[str, ...] = ()
    return_address: str = ""  # one line above a letter's address window
    logo: str = ""  # the creditor's logo file (PNG or JPEG), printed on letters
    customer_number: str = ""
    letter_date: str = ""  # the day it was composed, in the reader's format
    reference: str = ""  # the payment reference (RF), in a letter's information block
    qr_payload: str = ""  # an EPC QR code to print (letters) or show inline (e-mail)
    template: str = ""  # the template's name (WhatsApp sends the approved one of that name)
    # the creditor whose message it is (None: not known): a call's voice URL names it, so
    # the answers act for that creditor even when another one's call has the same key
    creditor_id: int | None = None


# Why a customer cannot receive a channel: the same words in the decision, the outbox and
# the timeline, whether the cycle or the dispatcher found it out.
MISSING_ADDRESS = {"email": "no e-mail address", "graph_mail": "no e-mail address",
                   "sms": "no phone number on file", "call": "no phone number on file",
                   "voice": "no phone number on file", "whatsapp": "no WhatsApp opt-in",
                   "letter": "no postal address"}
OUTSIDE_WINDOW = "outside the send window"


def missing_address(channel: str) -> str:
    return MISSING_ADDRESS.get(channel, f"no {channel} address on file")


def not_configured(channel: str) -> str:
    return f"{channel} is not configured"


def describe_skipped(skipped: Sequence[Mapping[str, str]]) -> str:
    """`sms: no phone number on file; letter: no postal address` for summaries."""
    return "; ".join(f"{item['channel']}: {item['reason']}" for item in skipped)


# Timeline event kinds written by the dispatcher and the chat buttons.
MESSAGE_SENT = "message.sent"
MESSAGE_FAILED = "message.failed"
MESSAGE_UNCERTAIN = "message.uncertain"
MESSAGE_SKIPPED = "message.skipped"
