"""The portal's creditor header and "How to pay" section: bank details people copy, the
payment reference, and for euros an inline EPC QR code that decodes (zxing-cpp) to the
right IBAN, amount and reference; nothing invented without a creditor profile."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from hub.domain.references import creditor_reference
from tests.creditor_support import CREDITOR_YAML
from tests.creditor_support import IBAN
from tests.creditor_support import IBAN_PRINTED
from tests.creditor_support import decode_qr
from tests.creditor_support import epc_fields
from tests.creditor_support import svg_qr_png
from tests.web.portal.support import Portal


def test_the_portal_shows_who_is_owed_and_how_to_pay(
        make_portal: Callable[..., Portal], tmp_path: Path) -> None:
    path = tmp_path / "creditor.yaml"
    path.write_text(CREDITOR_YAML, encoding="utf-8")
    portal = make_portal(creditor_file=path)
    html = portal.page()
    assert '<p class="creditor">Rheinwerk</p>' in html
    assert "Vragen? +49 221 123456 · forderungen@rheinwerk.example" in html
    assert "Zo betaalt u" in html
    assert "Maak € 1.500,00 over naar:" in html
    assert f'<dd class="iban">{IBAN_PRINTED}</dd>' in html
    reference = creditor_reference("ACME")  # two open invoices: the customer's reference
    printed = " ".join(reference[i:i + 4] for i in range(0, len(reference), 4))
    assert f'<dd class="reference">{printed}</dd>' in html
    svg = re.search(r"<svg.*?</svg>", html, re.S)
    assert svg is not None
    (payload,) = decode_qr(svg_qr_png(svg.group(0)))
    fields = epc_fields(payload)
    assert (fields["iban"], fields["amount"], fields["reference"]) == \
        (IBAN, "EUR1500.00", reference)


def test_without_a_profile_the_portal_shows_no_bank_details(portal: Portal) -> None:
    html = portal.page()
    assert "Zo betaalt u" not in html
    assert "IBAN" not in html
    assert "<svg" not in html
