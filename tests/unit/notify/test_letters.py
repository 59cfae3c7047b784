"""Must show: a letter's PDF has the address block and the right totals (read back from
the PDF text), and a cycle's letters are bound into one print batch."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader

from hub.domain.outbox import Delivery
from hub.domain.outbox import PostalAddress
from notifications.letter import LetterTransport
from notifications.letter import letters_pdf


def _letter(key: str, *, postcode: str, language: str = "en", total: str = "€1,434.56",
            rows: tuple[tuple[str, str, str], ...] = (
                ("F-1", "2 November 2026", "€1,234.56"), ("F-2", "9 November 2026", "€200.00")),
            ) -> Delivery:
    return Delivery(key=key, channel="letter", address="", subject="Final notice: " + total,
                    text="Dear Ann,\n\nPlease pay.", language=language, batch="2026-11-23",
                    postal=PostalAddress("Acme B.V.", ("Keizersgracht 1",), postcode,
                                         "Amsterdam", "NL"),
                    statement=rows, statement_total=total)


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_letter_has_the_address_block_the_items_and_the_total() -> None:
    text = _text(letters_pdf([_letter("k1", postcode="1015 AA")]))
    assert "Acme B.V." in text
    assert "Keizersgracht 1" in text
    assert "1015 AA Amsterdam" in text
    assert "F-1" in text
    assert "€1,234.56" in text
    assert "€200.00" in text
    assert "Total due" in text
    assert text.count("€1,434.56") == 2  # the subject line and the statement total


def test_a_polish_letter_keeps_its_letters() -> None:
    letter = _letter("k2", postcode="00-001", language="pl", total="1\xa0434,56\xa0€",
                     rows=(("F-1", "2 listopada 2026", "1\xa0434,56\xa0€"),))
    text = _text(letters_pdf([letter]))
    assert "Razem do zapłaty" in text
    assert "listopada" in text


def test_one_print_batch_per_cycle_sorted_by_postcode(tmp_path: Path) -> None:
    transport = LetterTransport(tmp_path)
    transport.send(_letter("b", postcode="9999 ZZ"))
    transport.send(_letter("a", postcode="1000 AA"))
    transport.send(_letter("a", postcode="1000 AA"))  # the same letter again: one file
    batch = transport.close_batch("2026-11-23")
    assert batch == tmp_path / "2026-11-23" / "print-batch.pdf"
    reader = PdfReader(batch)
    assert len(reader.pages) == 2
    assert "1000 AA" in reader.pages[0].extract_text()
    assert "9999 ZZ" in reader.pages[1].extract_text()
    assert transport.close_batch("2026-11-24") is None


def test_the_print_batch_binds_each_letter_as_it_was_laid_out(tmp_path: Path) -> None:
    """The batch holds the pages each letter's PDF has (issue 16: not laid out again); a
    letter whose PDF is gone is laid out from its data, not left out."""
    transport = LetterTransport(tmp_path)
    transport.send(_letter("b", postcode="9999 ZZ", total="€9.99",
                           rows=(("F-9", "2 November 2026", "€9.99"),)))
    transport.send(_letter("a", postcode="1000 AA"))
    folder = tmp_path / "2026-11-23"
    by_postcode = {("9999 ZZ" if "9999 ZZ" in _text(path.read_bytes()) else "1000 AA"): path
                   for path in folder.glob("*.pdf")}
    by_postcode["9999 ZZ"].unlink()
    # the file is what gets printed: a letter's PDF as written is what the batch holds
    by_postcode["1000 AA"].write_bytes(letters_pdf([_letter(
        "a", postcode="1000 AA", total="€1.00", rows=(("F-LAID-OUT", "1 May 2026", "€1.00"),))]))
    batch = transport.close_batch("2026-11-23")
    assert batch is not None
    pages = [page.extract_text() for page in PdfReader(batch).pages]
    assert len(pages) == 2
    assert "1000 AA" in pages[0]
    assert "F-LAID-OUT" in pages[0]
    assert "9999 ZZ" in pages[1]
    assert "€9.99" in pages[1]


def test_without_a_unicode_font_polish_text_is_folded_not_lost() -> None:
    from notifications.letter import core_text

    assert core_text("Łódź, ul. Żółkiewskiego 5, Müller & Søn") == \
        "Lodz, ul. Zolkiewskiego 5, Muller & Søn"
