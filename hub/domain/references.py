"""Payment references: ISO 11649 creditor references (RF), Swiss ISR/QRR
references, and finding invoice numbers in free remittance text.

Pure functions; the matcher in hub.domain.matching builds on them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

_RF = re.compile(r"RF(\d{2})([0-9A-Z]{1,21})")
_ISR_TABLE = (0, 9, 4, 6, 8, 2, 7, 1, 3, 5)
_DIGIT_RUN = re.compile(r"\d+")
_CHUNK = re.compile(r"[0-9A-Za-z]+")


def _mod97(text: str) -> int:
    digits = "".join(str(int(char, 36)) for char in text)
    return int(digits) % 97


def is_creditor_reference(reference: str) -> bool:
    """True for an ISO 11649 "RF" reference with valid check digits."""
    compact = compact_text(reference)
    match = _RF.fullmatch(compact)
    if match is None:
        return False
    return _mod97(compact[4:] + compact[:4]) == 1


def creditor_reference(payload: str) -> str:
    """The RF reference for an invoice number (letters and digits are kept)."""
    body = compact_text(payload)
    if not body or len(body) > 21:
        raise ValueError(f"cannot make an RF reference of {payload!r} (1-21 letters or digits)")
    check = 98 - _mod97(body + "RF00")
    return f"RF{check:02d}{body}"


def creditor_reference_payload(reference: str) -> str | None:
    """What the creditor put in a valid RF reference, or None when it is not one."""
    if not is_creditor_reference(reference):
        return None
    return compact_text(reference)[4:]


_RF_START = re.compile(r"(?<![0-9A-Za-z])RF\d{2}")
_RF_BODY = re.compile(r"(?: ?[0-9A-Z]){1,21}")
_RF_TOKEN = re.compile(r"[0-9A-Z]*")


def creditor_references_in(text: str) -> tuple[list[str], str]:
    """Payloads of the valid RF references written in `text` (spaces allowed, as
    printed on invoices), and the text with every RF-shaped token blanked out, so an
    invalid one is not read as an invoice number either."""
    payloads: list[str] = []
    blanked = text
    for start in _RF_START.finditer(text):
        body = _RF_BODY.match(text, start.end())
        if body is None:
            continue
        end = body.end()
        while end > start.end():  # the longest prefix that is a valid reference
            if is_creditor_reference(text[start.start():end]):
                payloads.append(compact_text(text[start.end():end]))
                break
            end -= 1
        if end == start.end():  # none valid: blank the token as written without spaces
            token = _RF_TOKEN.match(text, start.end())
            end = token.end() if token else end
        blanked = blanked[:start.start()] + " " * (end - start.start()) + blanked[end:]
    return payloads, blanked


def isr_payload(reference: str) -> str | None:
    """The digits before the check digit of a valid Swiss ISR/QR reference, or None."""
    digits = re.sub(r"\s", "", reference)
    if not digits.isdigit() or len(digits) not in (16, 27):
        return None
    carry = 0
    for char in digits[:-1]:
        carry = _ISR_TABLE[(carry + int(char)) % 10]
    if (10 - carry) % 10 != int(digits[-1]):
        return None
    return digits[:-1]


def compact_text(text: str) -> str:
    """Upper-case letters and digits only: "inv-00 12" -> "INV0012"."""
    return "".join(_CHUNK.findall(text)).upper()


def significant(digits: str) -> str:
    return digits.lstrip("0")


def number_key(invoice_number: str) -> str | None:
    """Index key of an invoice number: its last run of digits without leading zeros.

    "INV-2024-0017" -> "17". Numbers without a non-zero digit cannot be found in text.
    """
    runs = _DIGIT_RUN.findall(invoice_number)
    if not runs:
        return None
    return significant(runs[-1]) or None


_TOKEN = re.compile(r"\d+|[A-Z]+|[^0-9A-Z]+")
_JOINERS = frozenset("-.")  # a digit, then one of these, then digits: one longer number
_GAP_CHARS = frozenset(" \t\r\n-/._#:")


@dataclass(frozen=True, slots=True)
class _Tokens:
    """Text as runs of digits and of letters (normalised), with what lies between them."""

    words: tuple[str, ...]  # digits without leading zeros ("0" for zeros), or letters
    digits: tuple[bool, ...]
    gaps: tuple[str, ...]  # gaps[k] is the text before words[k]; gaps[-1] the tail


def _normalise(piece: str) -> str:
    return (significant(piece) or "0") if piece.isdigit() else piece


@lru_cache(maxsize=4096)
def _tokens(text: str) -> _Tokens:
    words: list[str] = []
    digits: list[bool] = []
    gaps: list[str] = [""]
    for token in _TOKEN.findall(text.upper()):
        if token[0].isalnum():
            words.append(_normalise(token))
            digits.append(token[0].isdigit())
            gaps.append("")
        else:
            gaps[-1] += token
    return _Tokens(tuple(words), tuple(digits), tuple(gaps))


@lru_cache(maxsize=65536)
def _core(invoice_number: str) -> tuple[str, ...]:
    """The parts of an invoice number from its first digits on; a letter prefix is optional."""
    pieces = re.findall(r"\d+|[A-Z]+", invoice_number.upper())
    first = next((i for i, piece in enumerate(pieces) if piece.isdigit()), len(pieces))
    return tuple(_normalise(piece) for piece in pieces[first:])


def mentions(text: str, invoice_number: str) -> bool:
    """Whether `text` names `invoice_number`.

    Tolerant of case, spaces or separators between its parts, leading zeros and a
    missing letter prefix ("INV-000123" is found in "inv 123"); never inside a
    longer number ("123" is not found in "41234", "2024-123", "123.50" or "123,50").
    """
    core = _core(invoice_number)
    if not core:
        return False
    found = _tokens(text)
    words, digits, gaps = found.words, found.digits, found.gaps
    last = len(core) - 1
    for start in range(len(words) - last):
        if words[start] != core[0] or any(
                words[start + j] != core[j] or not set(gaps[start + j]) <= _GAP_CHARS
                for j in range(1, len(core))):
            continue
        before = gaps[start]
        if start > 0 and digits[start - 1] and len(before) == 1 and before in _JOINERS:
            continue  # "2024-123": the tail of a longer number
        end = start + last
        after = gaps[end + 1]
        if end + 1 < len(words) and digits[end + 1] and (
                after == "" or (len(after) == 1 and after in "-.,")):
            continue  # "123.50", "123,50", "123-4"
        return True
    return False


def digit_run_keys(text: str) -> Iterator[str]:
    """Each run of digits in `text`, without leading zeros: the keys to look up."""
    for run in _DIGIT_RUN.findall(text):
        key = significant(run)
        if key:
            yield key


def split_references(values: Iterable[str | None]) -> list[str]:
    """Whitespace-separated tokens of the structured reference fields."""
    tokens: list[str] = []
    for value in values:
        if value:
            tokens.extend(value.split())
    return tokens
