"""Must show: letters a debtor trusts. The letter read back with pypdf puts the return
address and the recipient inside the DIN 5008 form B address field (what shows through a
DL window envelope), the date, customer number and reference in the information block,
fold and hole marks on the edge, the creditor's logo; long letters are numbered "page 1
of 2" in the reader's language, counted per letter in a print batch; the Unicode font is
parsed once, not once per letter. Through the dispatcher, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from fpdf.fonts import TTFFont
from PIL import Image
from pypdf import PdfReader

from hub.bootstrap import Hub
from hub.ledger.outbox import enqueue
from hub.services.portal.links import resolve_short_code
from hub.services.portal.links import verify_link
from notifications.letter import LetterTransport
from tests.builders import add_invoice
from tests.creditor_support import CREDITOR_YAML
from tests.creditor_support import with_creditor
from tests.integration.notify.helpers import ALWAYS
from tests.integration.notify.helpers import debtor
from tests.integration.notify.helpers import notice

PT = 25.4 / 72  # millimetres per PDF point
A4_HEIGHT = 297.0


def _words(page: Any) -> list[tuple[str, float, float]]:
    """Each text run with its baseline position: mm from the left, mm from the top."""
    found: list[tuple[str, float, float]] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: Any) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append((text.strip(), x * PT, A4_HEIGHT - y * PT))

    page.extract_text(visitor_text=visit)
    return found


def _at(words: list[tuple[str, float, float]], text: str) -> tuple[float, float]:
    (x, y), *_ = [(x, y) for word, x, y in words if text in word] or [(-1.0, -1.0)]
    assert x >= 0, f"{text!r} not on the page: {[word for word, _x, _y in words]}"
    return x, y


def _letters(hub: Hub) -> list[Path]:
    return sorted((hub.settings.var_dir / "letters" / "2026-11-23").glob("*.pdf"))


@pytest.mark.parametrize("language", ["de", "pl"])
def test_the_address_shows_through_the_din_5008_window_and_the_info_block_beside_it(
        hub: Hub, language: str) -> None:
    with_creditor(hub)
    with hub.engine.begin() as connection:
        debtor(connection, "ACME", address=True, language=language, country="DE")
        enqueue(connection, notice("ACME", "letter", template="reminder-2", language=language),
                now=hub.clock.now())
    assert hub.dispatcher(policy=ALWAYS).run().counts["sent"] == 1
    (path,) = _letters(hub)
    page = PdfReader(path).pages[0]
    words = _words(page)
    # the address field: 20 mm from the left, 45 to 90 mm from the top, 85 mm wide
    for line in ("Keizersgracht 1", "1015 AA Amsterdam"):
        x, y = _at(words, line)
        assert 19.9 <= x < 21, (line, x)
        assert 62.7 < y <= 90, (line, y)
    x, y = _at(words, "Rheinwerk Handels GmbH · Hafenstraße 12")  # the return address line
    assert 19.9 <= x < 21, x
    assert 45 < y <= 62.7, y
    # the information block: 125 mm from the left, beside the window
    labels = {"de": ("Kundennummer", "Verwendungszweck"),
              "pl": ("Numer klienta", "Tytuł przelewu")}[language]
    for text in (*labels, "ACME", "RF"):
        x, y = _at([w for w in words if w[1] >= 100], text)
        assert 124.9 <= x < 126, (text, x)
        assert 50 <= y <= 90, (text, y)
    # the subject below the address field, the letterhead above it
    assert _at(words, "Rheinwerk")[1] < 45
    # the portal link as a short code the debtor types in, which opens ACME's portal
    text = " ".join(page.extract_text().split())
    assert "/portal/" not in text
    found = re.search(r"127\.0\.0\.1:5000/p/([0-9A-Z]+-[A-Z2-7]{12})", text)
    assert found, text
    with hub.engine.begin() as connection:
        token = resolve_short_code(connection, found.group(1),
                                   secret=hub.settings.signing_key())
        assert verify_link(connection, token, secret=hub.settings.signing_key(),
                           now=hub.clock.now()).customer_code == "ACME"
    # fold marks at 105 and 210 mm, the hole mark at 148.5 mm: short lines at the edge
    content = page.get_contents().get_data().decode("latin-1")  # type: ignore[union-attr]
    lines = [tuple(float(n) * PT for n in match.groups()) for match in re.finditer(
        r"([\d.]+) ([\d.]+) m ([\d.]+) ([\d.]+) l S", content)]
    marks = sorted((round(A4_HEIGHT - y0, 1), round(x1 - x0)) for x0, y0, x1, y1 in lines
                   if y0 == y1 and x1 < 15)
    assert marks == [(105.0, 5), (148.5, 7), (210.0, 5)], marks


def test_a_long_letter_numbers_its_pages_per_letter_in_the_print_batch(hub: Hub) -> None:
    with_creditor(hub)
    with hub.engine.begin() as connection:
        many = debtor(connection, "MANY", address=True, language="de")
        for number in range(2, 60):
            add_invoice(connection, f"MANY-{number}", many, issued="2026-10-01",
                        due="2026-10-31", amount="10.00")
        debtor(connection, "ONE", address=True, language="de")
        for code in ("MANY", "ONE"):
            enqueue(connection, notice(code, "letter", template="reminder-2", language="de"),
                    now=hub.clock.now())
    assert hub.dispatcher(policy=ALWAYS).run().counts["sent"] == 2
    by_size = sorted((len(PdfReader(path).pages), path) for path in _letters(hub))
    (short_pages, short), (long_pages, long) = by_size
    assert short_pages == 1
    assert long_pages >= 2
    assert "Seite" not in PdfReader(short).pages[0].extract_text()
    for index, page in enumerate(PdfReader(long).pages, start=1):
        text = page.extract_text()
        assert f"Seite {index} von {long_pages}" in text
        # a statement table running over a page repeats its headings
        if re.search(r"^MANY-\d+ ?31\. Oktober 2026", text, re.MULTILINE):
            assert re.search(r"^Rechnung ?Fällig am ?Offen", text, re.MULTILINE), text
    batch = LetterTransport(hub.settings.var_dir / "letters").close_batch("2026-11-23")
    assert batch is not None
    numbers = [next((line for line in page.extract_text().splitlines() if "Seite" in line),
                    "") for page in PdfReader(batch).pages]
    expected = [f"Seite {index} von {long_pages}" for index in range(1, long_pages + 1)]
    assert numbers in ([*expected, ""], ["", *expected]), numbers


def test_the_logo_is_printed_scaled_into_the_letterhead(hub: Hub, tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    Image.new("RGB", (400, 100), (200, 30, 30)).save(logo)
    with_creditor(hub, CREDITOR_YAML + f"logo: {logo}\n")
    with hub.engine.begin() as connection:
        debtor(connection, "ACME", address=True, language="en", country="GB")
        enqueue(connection, notice("ACME", "letter", template="reminder-2"),
                now=hub.clock.now())
    assert hub.dispatcher(policy=ALWAYS).run().counts["sent"] == 1
    (path,) = _letters(hub)
    images = PdfReader(path).pages[0].images
    sizes = sorted(image.image.size for image in images)
    assert (400, 100) in sizes  # the logo, beside the QR code
    assert len(images) == 2


def test_the_unicode_font_is_parsed_once_however_many_polish_letters(
        hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    import notifications.letter_fonts as fonts

    monkeypatch.setattr(fonts, "_PARSED", {})
    parsed: list[str] = []
    real = TTFFont.__init__

    def counting(self: TTFFont, *args: Any, **kwargs: Any) -> None:
        parsed.append(str(args[1]))
        real(self, *args, **kwargs)

    monkeypatch.setattr(TTFFont, "__init__", counting)
    with_creditor(hub)
    with hub.engine.begin() as connection:
        for code in ("PL1", "PL2", "PL3"):
            debtor(connection, code, address=True, language="pl", country="PL")
            enqueue(connection, notice(code, "letter", template="reminder-2", language="pl"),
                    now=hub.clock.now())
    assert hub.dispatcher(policy=ALWAYS).run().counts["sent"] == 3
    assert len(parsed) == 1
    for path in _letters(hub):
        text = PdfReader(io.BytesIO(path.read_bytes())).pages[0].extract_text()
        assert "Tytuł przelewu" in text
        assert "zapłaty" in text

