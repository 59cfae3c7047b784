"""The debtor portal's own rules: languages, instalment schedules, proof-of-payment files.

Plain data and arithmetic; the limits themselves come from finance's rule file
(`hub.domain.decisions.PolicySettings`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hub.domain.money import Money

LANGUAGES: tuple[str, ...] = ("en", "nl", "de", "pl", "es")
MAX_INSTALMENTS_OFFERED = 12  # the form offers 2..12; the rule file decides what is automatic

# File types a proof of payment may have, recognised by their first bytes (never by the
# name or the browser's claim): a bank's PDF receipt or a photo / screenshot.
_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
)
PROOF_TYPES = "PDF, PNG, JPEG"


def portal_language(*candidates: str | None) -> str:
    """The first candidate (a BCP 47 tag such as "nl-BE") the portal speaks; else English."""
    for candidate in candidates:
        if candidate:
            primary = candidate.replace("_", "-").split("-")[0].lower()
            if primary in LANGUAGES:
                return primary
    return "en"


@dataclass(frozen=True, slots=True)
class ProofType:
    mime_type: str
    extension: str


def sniff_proof(head: bytes) -> ProofType | None:
    """The type of an uploaded proof from its first bytes; None when it is not allowed."""
    for signature, mime_type, extension in _SIGNATURES:
        if head.startswith(signature):
            return ProofType(mime_type, extension)
    return None


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("every month has a 28th")


def monthly_schedule(total: Money, count: int, first: date) -> list[tuple[date, Money]]:
    """`count` monthly instalments from `first` that add up to `total` exactly (in minor
    units); the first instalment carries the cents that do not divide evenly."""
    if count < 1:
        raise ValueError("a plan needs at least one instalment")
    cents = total.to_minor()
    share, rest = divmod(cents, count)
    amounts = [share + rest] + [share] * (count - 1)
    return [(add_months(first, index), Money.from_minor(amount, total.currency))
            for index, amount in enumerate(amounts)]
