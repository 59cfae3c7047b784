"""A realistic creditor profile for tests, and reading EPC QR codes back with zxing-cpp
(an independent decoder: what a banking app would read)."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import zxingcpp
from PIL import Image

from hub.bootstrap import Hub

IBAN = "DE89370400440532013000"
IBAN_PRINTED = "DE89 3704 0044 0532 0130 00"
CREDITOR_YAML = """\
legal_name: Rheinwerk Handels GmbH
trading_name: Rheinwerk
address:
  - Hafenstraße 12
  - 50667 Köln
  - Deutschland
email: forderungen@rheinwerk.example
phone: +49 221 123456
vat_number: DE123456789
registration_number: HRB 12345 Köln
sms_sender_id: Rheinwerk
accounts:
  - currency: EUR
    iban: DE89 3704 0044 0532 0130 00
    bic: COBADEFFXXX
  - currency: GBP
    sort_code: 60-16-13
    account_number: "31926819"
"""


def with_creditor(hub: Hub, text: str = CREDITOR_YAML) -> Path:
    path = hub.settings.var_dir / "creditor.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    hub.settings = replace(hub.settings, creditor_file=path)
    return path


def decode_qr(image: bytes) -> list[str]:
    """The text of every QR code in a PNG or JPEG image."""
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(image)).convert("L"))
    return [result.text for result in found if result.format == zxingcpp.BarcodeFormat.QRCode]


def epc_fields(payload: str) -> dict[str, str]:
    """An EPC069-12 payload by field name, checking the fixed header as a bank app would."""
    lines = payload.split("\n")
    assert lines[:4] == ["BCD", "002", "1", "SCT"], lines
    assert len(lines) <= 12
    lines += [""] * (12 - len(lines))
    return {"bic": lines[4], "name": lines[5], "iban": lines[6], "amount": lines[7],
            "purpose": lines[8], "reference": lines[9], "text": lines[10]}
