"""National structured payment references, beside ISO 11649 RF (hub.domain.references):

- Belgian structured communication, "+++123/4567/89012+++": ten digits and two check
  digits, the ten modulo 97 (0 becomes 97);
- Dutch betalingskenmerk: sixteen digits, a check digit then fifteen digits weighted
  2, 4, 8, 5, 10, 9, 7, 3, 6, 1 from the right (repeating), modulus 11;
- Finnish reference (viitenumero): 3 to 19 digits then a check digit, the digits
  weighted 7, 3, 1 from the right, the check the next multiple of ten minus the sum.

Each is made from the digits of an invoice number (or customer code) and read back to
those digits, so the matcher finds the invoice without amount or name heuristics.
Pure functions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

BELGIAN = "be"
DUTCH = "nl"
FINNISH = "fi"
FORMATS = (BELGIAN, DUTCH, FINNISH)
_DUTCH_WEIGHTS = (2, 4, 8, 5, 10, 9, 7, 3, 6, 1)


def _digits(payload: str) -> str:
    return "".join(char for char in payload if char.isdigit())


def _belgian_check(base: str) -> int:
    return int(base) % 97 or 97


def belgian_reference(payload: str) -> str:
    """`+++123/4567/89012+++` for the digits of `payload` (at most ten)."""
    digits = _digits(payload)
    if not digits or len(digits) > 10:
        raise ValueError(f"cannot make a Belgian structured communication of {payload!r} "
                         "(1-10 digits)")
    base = digits.zfill(10)
    full = f"{base}{_belgian_check(base):02d}"
    return f"+++{full[:3]}/{full[3:7]}/{full[7:]}+++"


def belgian_payload(reference: str) -> str | None:
    """The ten digits of a valid structured communication (any of +++, *** or none
    around it, slashes optional), or None."""
    digits = re.sub(r"[\s+*/]", "", reference)
    if not digits.isdigit() or len(digits) != 12:
        return None
    base, check = digits[:10], int(digits[10:])
    return base if _belgian_check(base) == check else None


def _dutch_check(body: str) -> int:
    total = sum(int(digit) * _DUTCH_WEIGHTS[i % 10] for i, digit in enumerate(reversed(body)))
    check = 11 - total % 11
    return {10: 1, 11: 0}.get(check, check)


def dutch_reference(payload: str) -> str:
    """The sixteen-digit betalingskenmerk for the digits of `payload` (at most fifteen),
    written in groups of four as banks print it."""
    digits = _digits(payload)
    if not digits or len(digits) > 15:
        raise ValueError(f"cannot make a betalingskenmerk of {payload!r} (1-15 digits)")
    body = digits.zfill(15)
    full = f"{_dutch_check(body)}{body}"
    return " ".join(full[i:i + 4] for i in range(0, 16, 4))


def dutch_payload(reference: str) -> str | None:
    """The fifteen digits of a valid sixteen-digit betalingskenmerk, or None."""
    digits = re.sub(r"[\s.]", "", reference)
    if not digits.isdigit() or len(digits) != 16:
        return None
    return digits[1:] if _dutch_check(digits[1:]) == int(digits[0]) else None


def _finnish_check(base: str) -> int:
    weights = (7, 3, 1)
    total = sum(int(digit) * weights[i % 3] for i, digit in enumerate(reversed(base)))
    return (10 - total % 10) % 10


def finnish_reference(payload: str) -> str:
    """The Finnish reference for the digits of `payload` (padded to three, at most
    nineteen), in groups of five from the right as printed on Finnish bills."""
    digits = _digits(payload)
    if not digits or len(digits) > 19:
        raise ValueError(f"cannot make a Finnish reference of {payload!r} (1-19 digits)")
    base = digits.zfill(3)
    full = f"{base}{_finnish_check(base)}"
    head = len(full) % 5
    groups = ([full[:head]] if head else []) + [full[i:i + 5] for i in range(head, len(full), 5)]
    return " ".join(groups)


def finnish_payload(reference: str) -> str | None:
    """The digits before the check digit of a valid Finnish reference, or None."""
    digits = re.sub(r"\s", "", reference)
    if not digits.isdigit() or not 4 <= len(digits) <= 20:
        return None
    return digits[:-1] if _finnish_check(digits[:-1]) == int(digits[-1]) else None


def national_reference(kind: str, payload: str) -> str:
    makers = {BELGIAN: belgian_reference, DUTCH: dutch_reference, FINNISH: finnish_reference}
    if kind not in makers:
        raise ValueError(f"unknown national reference {kind!r}; use be, nl or fi")
    return makers[kind](payload)


_BELGIAN_IN_TEXT = re.compile(
    r"(?:\+{3}|\*{3})\s*(\d{3})\s*/\s*(\d{4})\s*/\s*(\d{5})\s*(?:\+{3}|\*{3})")
_DIGITS_IN_TEXT = re.compile(r"(?<![\d.,])\d(?:[ ]?\d){3,19}(?![\d.,])")


def national_payloads_in(text: str, kinds: tuple[str, ...]) -> Iterator[str]:
    """The digits named by valid national references of `kinds` in `text`. Belgian ones
    are only read with their `+++`/`***` frame (a bare twelve-digit number is too often
    something else); Dutch and Finnish ones are digit runs whose check digit holds."""
    if BELGIAN in kinds:
        for match in _BELGIAN_IN_TEXT.finditer(text):
            payload = belgian_payload("".join(match.groups()))
            if payload is not None:
                yield payload
    for run in _DIGITS_IN_TEXT.finditer(text):
        digits = run.group().replace(" ", "")
        if DUTCH in kinds and (found := dutch_payload(digits)) is not None:
            yield found
        if FINNISH in kinds and (found := finnish_payload(digits)) is not None:
            yield found
