"""Reading the portal's forms: dates, amounts and the proof-of-payment upload.

Every problem is a FormError naming the form and its message (an English msgid of the
catalogues, hub.i18n), so the debtor reads it in their language next to the field; nothing
they typed is lost (the page is shown again with their values).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from dataclasses import field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from werkzeug.datastructures import FileStorage

from hub.domain import parsing
from hub.domain.money import Money
from hub.domain.portal import sniff_proof
from hub.i18n import N_
from hub.services.portal.actions import StoredProof

UPLOADS = Path("uploads") / "portal"  # under var/
MAX_REASON = 2000
MAX_AMOUNT = Decimal(10) ** 12  # far above any invoice; keeps minor units inside BIGINT


@dataclass
class FormError(Exception):
    form: str  # promise | plan | paid | dispute | copy
    key: str  # the message: an English msgid, translated when shown (hub.i18n)
    values: dict[str, Any] = field(default_factory=dict)
    message: str | None = None  # the ledger's own words, when it refused the action


def parse_date(raw: str | None, form: str, language: str) -> date:
    try:
        return parsing.parse_date(raw, language)
    except parsing.ParseError as exc:
        raise FormError(form, N_("Enter a date."), message=exc.message(language)) from None


def parse_amount(raw: str | None, currency: str, form: str, language: str, *,
                 required: bool = True) -> Money | None:
    """What the debtor typed, read the way they write amounts ("1.234,56" in Dutch, and
    also "1,234.56"); readable two ways, or not an amount: FormError in their words."""
    if not (raw or "").strip() and not required:
        return None
    try:
        money = parsing.parse_money(raw, currency, language)
    except parsing.ParseError as exc:
        raise FormError(form, N_("Enter an amount such as 150.00."),
                        message=exc.message(language)) from None
    if money.amount <= 0 or money.amount >= MAX_AMOUNT:
        raise FormError(form, N_("Enter an amount such as 150.00."))
    return money


def parse_count(raw: str | None, form: str, maximum: int) -> int:
    try:
        count = int((raw or "").strip())
    except ValueError:
        raise FormError(form, N_("Choose 2 to %(max)s instalments."), {"max": maximum}) from None
    if not 2 <= count <= maximum:
        raise FormError(form, N_("Choose 2 to %(max)s instalments."), {"max": maximum})
    return count


def parse_reason(raw: str | None, form: str) -> str:
    text = (raw or "").replace("\x00", "").strip()  # PostgreSQL refuses NUL in text
    if not text:
        raise FormError(form, N_("Tell us what is wrong."))
    return text[:MAX_REASON]


def store_proof(upload: FileStorage | None, *, var_dir: Path, max_bytes: int,
                size_label: str) -> StoredProof | None:
    """Save an uploaded proof under var/uploads/portal by its content hash; None when no
    file was chosen. Too large or not a PDF/PNG/JPEG: FormError, nothing kept."""
    if upload is None or not upload.filename:
        return None
    content = upload.stream.read(max_bytes + 1)
    if len(content) > max_bytes:
        raise FormError("paid", N_("The file is too large: at most %(size)s."),
                        {"size": size_label})
    kind = sniff_proof(content[:16])
    if kind is None or not content:
        raise FormError("paid", N_("This kind of file is not accepted: send a PDF, PNG or "
                                   "JPEG."))
    digest = hashlib.sha256(content).hexdigest()
    relative = UPLOADS / f"{digest}.{kind.extension}"
    target = var_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        partial = target.with_suffix(".part")
        partial.write_bytes(content)
        partial.replace(target)  # never a half-written file under the final name
    name = Path(upload.filename.replace("\x00", "")).name[:200]
    return StoredProof(relative.as_posix(), digest, len(content), kind.mime_type, name)
