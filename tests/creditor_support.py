"""A realistic creditor profile for tests, and reading EPC QR codes back with zxing-cpp
(an independent decoder: what a banking app would read)."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import sqlalchemy as sa
import zxingcpp
from PIL import Image

from hub.bootstrap import Hub
from hub.ledger.tables import creditors
from hub.ledger.tenancy import DEFAULT_CREDITOR
from hub.ledger.tenancy import platform_wide

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


def svg_qr_png(svg: str, scale: int = 8) -> bytes:
    """Rasterise segno's SVG (one path of horizontal strokes: `M x y`, `h n`, `m dx dy`)
    into a PNG, so the portal's inline QR code is decoded like a phone camera would."""
    import re

    box = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)
    path = re.search(r' d="([^"]+)"', svg)
    assert box, svg[:200]
    assert path, svg[:200]
    size = int(box.group(1)) // 4  # segno draws at scale 4 inside the path's transform
    image = Image.new("L", (size * scale, size * scale), 255)
    x = y = 0.0
    for command, numbers in re.findall(r"([Mmh])([^Mmh]+)", path.group(1)):
        values = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", numbers)]
        if command == "M":
            x, y = values
        elif command == "m":
            x, y = x + values[0], y + values[1]
        else:
            row = int(y - 0.5)
            for column in range(int(x), int(x + values[0])):
                image.paste(0, (column * scale, row * scale, (column + 1) * scale,
                                (row + 1) * scale))
            x += values[0]
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def name_the_operator(hub: Hub, name: str) -> None:
    """Give the hub's default creditor (the operator) a real name in the creditors list,
    writing its row when the ledger lacks it (a schema made without the migration's row)."""
    with hub.engine.begin() as connection, platform_wide():
        found = connection.execute(sa.select(creditors.c.id).where(
            creditors.c.id == DEFAULT_CREDITOR)).first()
        if found is None:
            connection.execute(creditors.insert().values(
                id=DEFAULT_CREDITOR, code="default", name=name, created_at=hub.clock.now()))
        else:
            connection.execute(creditors.update().where(creditors.c.id == DEFAULT_CREDITOR)
                               .values(name=name))
