"""Write demo payments as an ISO 20022 camt.053.001.02 bank statement."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from xml.etree import ElementTree as ET

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"
CREDITOR_IBAN = "NL91DEMO0417164300"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def camt053(rows: Sequence[dict[str, str]], statement_id: str, created: date) -> bytes:
    """One statement holding each row as a booked credit entry with remittance text."""
    ET.register_namespace("", NAMESPACE)
    document = ET.Element("Document", xmlns=NAMESPACE)
    root = _sub(document, "BkToCstmrStmt")
    header = _sub(root, "GrpHdr")
    _sub(header, "MsgId", statement_id)
    _sub(header, "CreDtTm", f"{created.isoformat()}T18:00:00")
    statement = _sub(root, "Stmt")
    _sub(statement, "Id", statement_id)
    _sub(statement, "CreDtTm", f"{created.isoformat()}T18:00:00")
    account = _sub(statement, "Acct")
    _sub(_sub(account, "Id"), "IBAN", CREDITOR_IBAN)
    for currency in sorted({row["currency"] for row in rows}):
        total = sum((Decimal(r["amount"]) for r in rows if r["currency"] == currency), Decimal(0))
        balance = _sub(statement, "Bal")
        _sub(_sub(_sub(balance, "Tp"), "CdOrPrtry"), "Cd", "CLBD")
        _sub(balance, "Amt", str(total), Ccy=currency)
        _sub(balance, "CdtDbtInd", "CRDT")
        _sub(_sub(balance, "Dt"), "Dt", created.isoformat())
    for row in rows:
        entry = _sub(statement, "Ntry")
        _sub(entry, "Amt", row["amount"], Ccy=row["currency"])
        _sub(entry, "CdtDbtInd", "CRDT")
        _sub(entry, "Sts", "BOOK")
        _sub(_sub(entry, "BookgDt"), "Dt", row["received_on"])
        _sub(_sub(entry, "ValDt"), "Dt", row["received_on"])
        _sub(entry, "AcctSvcrRef", row["reference"])
        details = _sub(_sub(entry, "NtryDtls"), "TxDtls")
        _sub(_sub(details, "Refs"), "EndToEndId", "NOTPROVIDED")
        _sub(details, "Amt", row["amount"], Ccy=row["currency"])
        parties = _sub(details, "RltdPties")
        _sub(_sub(parties, "Dbtr"), "Nm", row["payer_name"])
        _sub(_sub(_sub(parties, "DbtrAcct"), "Id"), "IBAN", row["payer_account"])
        if row["remittance"]:
            _sub(_sub(details, "RmtInf"), "Ustrd", row["remittance"])
    ET.indent(document)
    body: bytes = ET.tostring(document, encoding="utf-8", xml_declaration=False)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body
