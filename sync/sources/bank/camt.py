"""ISO 20022 bank-to-customer cash management: camt.052 (intraday report),
camt.053 (statement) and camt.054 (credit notification), any version.

A thin lxml reader: namespaces are dropped, so versions 02, 04, 08 and later
read alike. Entity expansion, DTDs and network access are refused.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from decimal import InvalidOperation
from typing import Any
from typing import TypeAlias
from typing import TypedDict

from lxml import etree  # type: ignore[import-untyped]  # no stubs installed

from sync.sources.bank.statement import CreditLine
from sync.sources.bank.statement import ParsedStatement
from sync.sources.bank.statement import StatementBuilder
from sync.sources.bank.statement import StatementError
from sync.sources.bank.statement import clean
from sync.sources.bank.statement import meaningful

# message element -> element of each report in it
_MESSAGES = {
    "BkToCstmrStmt": "Stmt",  # camt.053
    "BkToCstmrAcctRpt": "Rpt",  # camt.052
    "BkToCstmrDbtCdtNtfctn": "Ntfctn",  # camt.054
}

Element: TypeAlias = Any  # lxml.etree._Element


def _parser() -> Any:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           dtd_validation=False, remove_comments=True, remove_pis=True,
                           huge_tree=False)


def _text(element: Element | None, path: str) -> str | None:
    if element is None:
        return None
    found = element.find(path)
    return None if found is None else clean(found.text)


def _texts(element: Element, path: str) -> list[str]:
    return [text for found in element.findall(path) if (text := clean(found.text))]


def _date(element: Element, path: str) -> date | None:
    """A `Dt` or `DtTm` (dates may carry an offset, "2017-04-01+02:00")."""
    value = _text(element, f"{path}/Dt") or _text(element, f"{path}/DtTm")
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def parse_camt(data: bytes, source: str) -> ParsedStatement:
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise StatementError(f"{source}: not well-formed XML, the file may be truncated "
                             f"or damaged ({exc})") from exc
    if root.getroottree().docinfo.internalDTD is not None:
        raise StatementError(f"{source}: has a DOCTYPE declaration; bank statements never "
                             "do, so it is refused")
    namespace = etree.QName(root).namespace or ""
    for element in root.iter():
        if isinstance(element.tag, str):
            element.tag = etree.QName(element).localname
    message = next((child for child in root if child.tag in _MESSAGES), None)
    if root.tag != "Document" or message is None:
        kind = namespace.rsplit(":", 1)[-1] or root.tag
        raise StatementError(f"{source}: not a camt.052/053/054 statement "
                             f"(found {kind!r})")
    format_name = namespace.rsplit(":", 1)[-1] if "camt." in namespace else message.tag
    builder = StatementBuilder(source)
    position = 0
    for report in message.findall(_MESSAGES[str(message.tag)]):
        account = _text(report, "Acct/Id/IBAN") or _text(report, "Acct/Id/Othr/Id")
        builder.account(account)
        for entry in report.findall("Ntry"):
            position += 1
            _entry(builder, entry, account, position)
    return builder.build(format_name)


class _Common(TypedDict):
    account: str | None
    currency: str
    booked_on: date | None
    value_date: date | None


class _Parties(TypedDict):
    payer_name: str | None
    payer_account: str | None
    remittance: str | None
    structured_reference: str | None
    end_to_end_id: str | None


def _entry(builder: StatementBuilder, entry: Element, account: str | None,
           position: int) -> None:
    status = _text(entry, "Sts/Cd") or _text(entry, "Sts") or "BOOK"
    reversal = (_text(entry, "RvslInd") or "").lower() == "true"
    debit = _text(entry, "CdtDbtInd") == "DBIT"
    if reversal and not debit:  # a debit taken back: no customer's payment
        builder.reversals += 1
        return
    if debit and not reversal:
        builder.debits += 1
        return
    if status.upper() != "BOOK":
        builder.pending += 1
        return
    amount_element = entry.find("Amt")
    amount = _text(entry, "Amt") or ""
    currency = "" if amount_element is None else amount_element.get("Ccy", "")
    details = entry.findall("NtryDtls/TxDtls")
    common = _Common(account=account, currency=currency, booked_on=_date(entry, "BookgDt"),
                     value_date=_date(entry, "ValDt"))
    entry_reference = meaningful(_text(entry, "AcctSvcrRef"))
    entry_info = _text(entry, "AddtlNtryInf")
    if reversal:  # a debit that reverses a credit (RvslInd true): a payment taken back
        builder.reversal(CreditLine(
            position=f"entry {position}", amount=amount,
            bank_reference=entry_reference or _single_reference(details),
            **common, **_parties(details, entry_info)))
        return
    split = _split_amounts(details, amount, currency)
    if split is None:  # one payment for the entry, with every detail's text
        builder.credit(CreditLine(
            position=f"entry {position}", amount=amount,
            bank_reference=entry_reference or _single_reference(details),
            **common, **_parties(details, entry_info)))
        return
    for index, (detail, part) in enumerate(zip(details, split, strict=True), start=1):
        reference = f"{entry_reference}/{index}" if entry_reference else (
            meaningful(_text(detail, "Refs/AcctSvcrRef")))
        builder.credit(CreditLine(
            position=f"entry {position}.{index}", amount=part, bank_reference=reference,
            **common, **_parties([detail], None)))


def _detail_amount(detail: Element, currency: str) -> str | None:
    for path in ("Amt", "AmtDtls/TxAmt/Amt", "AmtDtls/InstdAmt/Amt"):
        found = detail.find(path)
        if found is not None and found.get("Ccy", currency) == currency:
            return clean(found.text)
    return None


def _split_amounts(details: list[Element], amount: str, currency: str) -> list[str] | None:
    """Each detail's amount when a batch entry splits cleanly, else None (one payment).

    A single detail always takes the entry's amount: that is what reached the
    account (its own amount may be 0, missing, or in the payer's currency).
    """
    if len(details) < 2:
        return None
    parts = [_detail_amount(detail, currency) for detail in details]
    try:
        values = [Decimal(part or 0) for part in parts]
        total = Decimal(amount)
    except InvalidOperation:
        return None
    if any(value <= 0 for value in values) or sum(values) != total:
        return None
    return [part for part in parts if part]


def _single_reference(details: list[Element]) -> str | None:
    if len(details) != 1:
        return None
    return meaningful(_text(details[0], "Refs/AcctSvcrRef"))


def _parties(details: list[Element], entry_info: str | None) -> _Parties:
    """Payer, remittance and references of the details that make one payment."""
    names: list[str] = []
    accounts: list[str] = []
    texts: list[str] = []
    structured: list[str] = []
    end_to_end: list[str] = []
    for detail in details:
        name = (_text(detail, "RltdPties/Dbtr/Nm") or _text(detail, "RltdPties/Dbtr/Pty/Nm")
                or _text(detail, "RltdPties/UltmtDbtr/Nm")
                or _text(detail, "RltdPties/UltmtDbtr/Pty/Nm"))
        account = (_text(detail, "RltdPties/DbtrAcct/Id/IBAN")
                   or _text(detail, "RltdPties/DbtrAcct/Id/Othr/Id"))
        names += [name] if name else []
        accounts += [account] if account else []
        texts += _texts(detail, "RmtInf/Ustrd") or _texts(detail, "AddtlTxInf")
        structured += _texts(detail, "RmtInf/Strd/CdtrRefInf/Ref")
        structured += _texts(detail, "RmtInf/Strd/RfrdDocInf/Nb")
        end_to_end += [e for e in _texts(detail, "Refs/EndToEndId") if meaningful(e)]
    if not texts and entry_info:
        texts.append(entry_info)
    return _Parties(
        payer_name=names[0] if len(set(names)) == 1 else None,
        payer_account=accounts[0] if len(set(accounts)) == 1 else None,
        remittance=" ".join(texts) or None,
        structured_reference=" ".join(dict.fromkeys(structured)) or None,
        end_to_end_id=" ".join(end_to_end) or None,
    )
