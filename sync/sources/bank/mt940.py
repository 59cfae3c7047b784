"""SWIFT MT940 (statement) and MT942 (interim report), read with the `mt-940`
package after a little clean-up of what real banks send:

- SWIFT block framing (`{1:...}{2:...}{4:` ... `-}{5:}`, SOH/ETX bytes), as in
  ASN Bank's files, which the package does not expect;
- a `:61:` customer reference longer than the 16 characters the standard
  allows (ASN puts the payer's IBAN there), which the package cannot parse;
- a statement-level `:86:` after the closing balance, which the package would
  glue to the last transaction's text.

The `:86:` text is read in its three common dialects: German structured
(`?20`..`?32` sub-fields, parsed by the package), Dutch tagged (`/NAME/`,
`/REMI/`, `/EREF/`, ...), and free text.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import mt940

from sync.sources.bank.statement import CreditLine
from sync.sources.bank.statement import ParsedStatement
from sync.sources.bank.statement import StatementBuilder
from sync.sources.bank.statement import StatementError
from sync.sources.bank.statement import clean
from sync.sources.bank.statement import meaningful

# The package logs every failed regular-expression fragment (dozens of lines per bad line)
# at ERROR and INFO; the person needs one line naming the file and line, which
# parse_mt940 gives, so its own chatter is kept out of the output.
logging.getLogger("mt940").setLevel(logging.CRITICAL)

_SWIFT_HEADER = re.compile(r"\{1:[^}]*\}(?:\{2:[^}]*\})?(?:\{3:(?:\{[^}]*\}|[^}])*\})?\{4:[ \t]*")
_SWIFT_TRAILER = re.compile(r"^-\}(?:\{5:(?:\{[^}]*\}|[^}])*\})?[ \t]*$", re.MULTILINE)
_LONG_REFERENCE = re.compile(
    r"^(:61:\d{6}(?:\d{4})?R?[CD][A-Z]?[\d,]+[A-Z][A-Z0-9]{3})([^/\n]{17,})$")
_TAG_LINE = re.compile(r"^:(\d{2}[A-Z]?|NS):")
_CLOSING_TAGS = {"62F", "62M", "64", "65"}
_SWIFT_LINE = 65
_IBAN = re.compile(r"^([A-Z]{2}\d{2}[A-Z0-9]{10,30})\b\s*(.*)$")
_DUTCH_TAG = re.compile(
    r"/(EREF|MARF|CSID|CNTP|REMI|PURP|ULTC|ULTD|ULTB|BENM|ORDP|NAME|ID|ADDR|IBAN|BIC|ISDT"
    r"|RTRN|CREF|SVCL|EXCH|CHGS|OCMT|TRCD|BUSP|PREF)/")


def looks_like_mt940(text: str) -> bool:
    return bool(re.search(r"^:20:", text, re.MULTILINE)
                and re.search(r"^:(25|28C?|60[FM]|61|62[FM]):", text, re.MULTILINE))


def decode(data: bytes) -> str:
    """MT940 files come as UTF-8, Windows-1252 or Latin-1."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def prepare(text: str) -> str:
    """Undo the framing and the deviations listed in the module's docstring."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate({1: None, 3: None})
    text = _SWIFT_TRAILER.sub("-", _SWIFT_HEADER.sub("", text))
    lines = text.split("\n")
    out: list[str] = []
    tag = ""
    skipping = False
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        opened = _TAG_LINE.match(line)
        if opened:
            skipping = opened.group(1) == "86" and tag in _CLOSING_TAGS
            tag = opened.group(1)
        if skipping:
            continue
        long_reference = _LONG_REFERENCE.match(line.rstrip())
        if long_reference:
            extra = long_reference.group(2).strip()
            if index < len(lines) and lines[index].strip() and not lines[index].startswith(":"):
                extra = f"{extra} {lines[index].strip()}"
                index += 1
            out += [long_reference.group(1) + "NONREF", extra]
            continue
        out.append(line)
    return "\n".join(out)


def parse_mt940(data: bytes, source: str) -> ParsedStatement:
    text = prepare(decode(data))
    try:
        statements = mt940.parse_statements(text, options=mt940.Options.all())
    except Exception as exc:  # the package raises several kinds on bad input
        raise StatementError(_problem(exc, decode(data), source)) from exc
    if not statements:
        raise StatementError(f"{source}: no MT940 statement (no :20: tag) in the file")
    builder = StatementBuilder(source)
    for number, statement in enumerate(statements, start=1):
        account = clean(statement.data.get("account_identification"))
        builder.account(account)
        for line, transaction in enumerate(statement, start=1):
            _transaction(builder, transaction.data, account, statement.currency,
                         f"statement {number}, transaction {line}")
    return builder.build("MT942" if "\n:34F:" in text or "\n:13D:" in text else "MT940")


def _problem(exc: Exception, text: str, source: str) -> str:
    """One line: the file, the line number and the text the package could not read (it
    raises RuntimeError(message, tag, value) for a line that does not match its tag)."""
    value = exc.args[2] if len(exc.args) >= 3 and isinstance(exc.args[2], str) else None
    first = value.strip().splitlines()[0] if value and value.strip() else None
    if first:
        for number, line in enumerate(text.splitlines(), start=1):
            if first in line:
                shown = line.strip()[:120]
                return f"{source} line {number}: cannot read this MT940 line: {shown!r}"
    problem = str(exc.args[0] if exc.args else exc).splitlines()[0][:200]
    return f"{source}: cannot read this MT940 file: {problem}"


def _transaction(builder: StatementBuilder, data: dict[str, Any], account: str | None,
                 currency: str | None, position: str) -> None:
    status = str(data.get("status") or "").upper()
    if status == "RD":  # a debit taken back: no customer's payment
        builder.reversals += 1
        return
    if status not in ("C", "RC"):
        builder.debits += 1
        return
    amount = data.get("amount")
    value = getattr(amount, "amount", None)
    # RC, the reversal of a credit: a payment taken back
    record = builder.reversal if status == "RC" else builder.credit
    record(CreditLine(
        position=position,
        account=account,
        amount="" if value is None else str(abs(value)),
        currency=str(data.get("currency") or getattr(amount, "currency", None) or currency
                     or ""),
        booked_on=data.get("entry_date"),
        value_date=data.get("date"),
        bank_reference=data.get("bank_reference"),
        **_details(data),
    ))


def _details(data: dict[str, Any]) -> dict[str, str | None]:
    customer_reference = meaningful(data.get("customer_reference"))
    if customer_reference is not None and len(customer_reference) < 2:
        customer_reference = None
    raw = data.get("transaction_details")
    if raw is None:  # German structured :86:, split into fields by the package
        return {
            "payer_name": data.get("applicant_name"),
            "payer_account": data.get("applicant_iban"),
            "remittance": clean(" ".join(filter(None, [
                data.get("purpose"), data.get("additional_purpose")])))
            or data.get("posting_text"),
            "end_to_end_id": meaningful(data.get("end_to_end_reference")) or customer_reference,
        }
    text = _unwrap(str(raw))
    if _DUTCH_TAG.search(text):
        return _dutch(text, customer_reference)
    return _free_text(text, clean(data.get("extra_details")), customer_reference)


def _unwrap(raw: str) -> str:
    """Join :86: lines; a full 65-character line was wrapped mid-word."""
    joined = ""
    for line in raw.split("\n"):
        joined += line if len(joined.rsplit("\n", 1)[-1]) >= _SWIFT_LINE else f"\n{line}"
    return re.sub(r"[ \t]*\n[ \t]*", " ", joined.strip("\n"))


def _dutch(text: str, customer_reference: str | None) -> dict[str, str | None]:
    parts = _DUTCH_TAG.split(text)
    fields: dict[str, str] = {}
    for tag, value in zip(parts[1::2], parts[2::2], strict=True):
        fields.setdefault(tag, value.strip(" /"))
    counterparty = fields.get("CNTP", "").split("/")  # account/BIC/name/city
    name = fields.get("NAME") or (counterparty[2] if len(counterparty) > 2 else None)
    return {
        "payer_name": name or None,
        "payer_account": fields.get("IBAN") or counterparty[0] or None,
        "remittance": fields.get("REMI") or None,
        "end_to_end_id": meaningful(fields.get("EREF")) or customer_reference,
    }


def _free_text(text: str, extra: str | None, customer_reference: str | None
               ) -> dict[str, str | None]:
    name = None
    account = None
    leading = _IBAN.match(text)
    if leading:
        account = leading.group(1)
    if extra and (named := _IBAN.match(extra)):  # ASN: ":61:" carries "IBAN name"
        account = account or named.group(1)
        name = named.group(2) or None
    polish_account = re.search(r"Z RACH\.:\s*([\d ]{10,})", text)  # mBank
    if polish_account:
        account = account or polish_account.group(1).replace(" ", "")
        payer = re.search(r"OD:\s*([^;]+)", text)
        name = name or (payer.group(1) if payer else None)
    return {
        "payer_name": name,
        "payer_account": account,
        "remittance": text,
        "end_to_end_id": customer_reference,
    }
