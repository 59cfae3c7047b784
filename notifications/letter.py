"""Letters: a PDF mail merge with an address block and a statement of open items, written
one file per letter into the cycle's print batch folder; `close_batch` binds a cycle's
letters into one print file. fpdf2 is pure Python, so it installs from the registry alone."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import unicodedata
from dataclasses import asdict
from pathlib import Path
from typing import Any

from fpdf import FPDF

from hub.domain.outbox import AddressError
from hub.domain.outbox import Delivery
from hub.domain.outbox import PostalAddress
from hub.domain.outbox import TransportError
from hub.i18n import LANGUAGES
from hub.i18n import N_
from hub.i18n import gettext_for
from hub.payment_qr import qr_png
from notifications.letter_fonts import add_cached_font
from notifications.letter_layout import INFO_LABELS
from notifications.letter_layout import PAGE_LABELS
from notifications.letter_layout import Layout
from notifications.letter_layout import layout_for

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/Library/Fonts/DejaVuSans.ttf",
)
# the words are in the catalogues (hub.i18n); these are their translations per language
STATEMENT_HEADINGS = {language: tuple(gettext_for(language, heading) for heading in (
    N_("Invoice"), N_("Due date"), N_("Open"), N_("Total due"))) for language in LANGUAGES}
# a statement's charge rows: "<label> <invoice>"; the period goes in the date column
CHARGE_LABELS = {language: {kind: gettext_for(language, label) for kind, label in (
    ("interest", N_("Interest on")), ("fixed_compensation", N_("Compensation on")),
    ("", N_("Charge on")))} for language in LANGUAGES}


def charge_rows(delivery: Delivery) -> list[tuple[str, str, str]]:
    """The delivery's fees and interest as statement rows: label and invoice, period,
    amount."""
    labels = CHARGE_LABELS.get(delivery.language, CHARGE_LABELS["en"])
    return [(f"{labels.get(kind, labels[''])} {invoice}", period, amount)
            for kind, invoice, period, amount in delivery.statement_charges]


CORE_ENCODING = "windows-1252"  # the built-in PDF fonts: Western European letters and €


def _fits_core_font(deliveries: list[Delivery]) -> bool:
    text = "".join(d.subject + d.text + d.statement_total + "".join(
        STATEMENT_HEADINGS.get(d.language, STATEMENT_HEADINGS["en"])) + "".join(
        "".join(row) for row in [*d.statement, *charge_rows(d)])
        + "".join(d.postal.block() if d.postal else ()) + "".join(d.letterhead)
        + "".join(INFO_LABELS.get(d.language, INFO_LABELS["en"]))
        + PAGE_LABELS.get(d.language, PAGE_LABELS["en"]) + d.return_address + d.reference
        + d.letter_date for d in deliveries)
    try:
        text.encode(CORE_ENCODING)
    except UnicodeEncodeError:
        return False
    return True


class _Pdf(FPDF):
    """Built-in Helvetica when every letter fits Windows-1252 (fast, small); a Unicode
    TrueType font otherwise (Polish), parsed once per process and embedded once per PDF;
    folded text when no such font is installed."""

    def __init__(self, font_file: str | None, deliveries: list[Delivery]) -> None:
        super().__init__(format="A4")
        self.set_margins(20, 20, 20)
        self.set_auto_page_break(True, margin=25)  # room for the page number
        self.core_fonts_encoding = CORE_ENCODING
        self.fold = False
        if _fits_core_font(deliveries) or font_file is None:
            self.family = "Helvetica"
            self.fold = not _fits_core_font(deliveries)
        else:
            add_cached_font(self, "Body", font_file)
            self.family = "Body"

    def text_of(self, value: str) -> str:
        return core_text(value) if self.fold else value


def core_text(value: str) -> str:
    """Text folded into the built-in font's encoding (accents dropped, "ł" as "l"), for a
    PDF with no Unicode font to print it as written."""
    value = value.replace("ł", "l").replace("Ł", "L")
    folded = unicodedata.normalize("NFKD", value)
    return folded.encode(CORE_ENCODING, "ignore").decode(CORE_ENCODING)


def font_file(configured: str | None = None) -> str | None:
    for candidate in (configured, *FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def _statement(pdf: _Pdf, delivery: Delivery) -> None:
    invoice, due, still_open, total = STATEMENT_HEADINGS.get(delivery.language,
                                                             STATEMENT_HEADINGS["en"])
    pdf.set_font(pdf.family, size=9)
    widths = (60, 75, 30)  # the date column holds a charge's period too

    def headings() -> None:
        for width, heading in zip(widths, (invoice, due, still_open), strict=True):
            pdf.cell(width, 5.5, pdf.text_of(heading), border="B",
                     align="R" if width == 30 else "")
        pdf.ln()

    headings()
    for row in [*delivery.statement, *charge_rows(delivery)]:
        if pdf.will_page_break(5):  # the table goes on: its headings again on the next page
            pdf.add_page()
            headings()
        for width, value in zip(widths, row, strict=True):
            pdf.cell(width, 5, pdf.text_of(value), align="R" if width == 30 else "")
        pdf.ln()
    pdf.set_font(pdf.family, size=10)
    pdf.cell(widths[0] + widths[1], 7, pdf.text_of(total), border="T")
    pdf.cell(widths[2], 7, pdf.text_of(delivery.statement_total), border="T", align="R")
    pdf.ln(9)


LOGO_BOX = (20.0, 12.0, 60.0, 25.0)  # x, y, at most w x h mm, top left of the letterhead


def _logo(pdf: _Pdf, logo: str) -> None:
    """The creditor's logo, scaled to fit its box with its proportions kept."""
    x, y, width, height = LOGO_BOX
    try:
        pdf.image(logo, x=x, y=y, w=width, h=height, keep_aspect_ratio=True)
    except (OSError, ValueError, RuntimeError) as exc:  # a file gone since the check
        raise TransportError(f"cannot print the creditor's logo {logo}: {exc}",
                             configuration=True) from None


def _letterhead(pdf: _Pdf, delivery: Delivery) -> None:
    """The creditor's logo top left; name, address, contact and VAT/registration numbers
    top right, above the address field."""
    if delivery.logo:
        _logo(pdf, delivery.logo)
    for index, line in enumerate(delivery.letterhead):
        pdf.set_font(pdf.family, size=11 if index == 0 else 8)
        pdf.set_xy(110, 12 + (0 if index == 0 else 2 + 4 * index))
        pdf.cell(80, 5, pdf.text_of(line), align="R")


def _address_field(pdf: _Pdf, delivery: Delivery, layout: Layout) -> None:
    """The return address line at the bottom of the remark zone, the recipient in the
    address zone: both show through the envelope's window."""
    width = layout.window_w
    left = layout.window_x - pdf.c_margin  # the text itself starts at the field's edge
    if delivery.return_address:
        pdf.set_font(pdf.family, size=6)
        line = pdf.text_of(delivery.return_address)
        while pdf.get_string_width(line) > width and " · " in line:
            line = line.rsplit(" · ", 1)[0]  # the country, then the city go first
        pdf.set_xy(left, layout.address_y - 4)
        pdf.cell(width, 3.5, line, border="B")
    if delivery.postal is None:
        return
    pdf.set_font(pdf.family, size=10)
    pdf.set_xy(left, layout.address_y + 1)
    for line in delivery.postal.block()[:6]:  # the address zone holds six 4.5 mm lines
        pdf.set_x(left)
        pdf.cell(width, 4.5, pdf.text_of(line), new_x="LMARGIN", new_y="NEXT")


def _information_block(pdf: _Pdf, delivery: Delivery, layout: Layout) -> None:
    """Date, customer number and payment reference, right of the address field."""
    date_label, customer_label, reference_label = INFO_LABELS.get(delivery.language,
                                                                  INFO_LABELS["en"])
    rows = [(date_label, delivery.letter_date), (customer_label, delivery.customer_number),
            (reference_label, delivery.reference)]
    y = layout.info_y
    left = layout.info_x - pdf.c_margin
    width = pdf.w - left - layout.margin_right
    for label, value in rows:
        if not value:
            continue
        pdf.set_xy(left, y)
        pdf.set_font(pdf.family, size=7)
        pdf.cell(width, 3.5, pdf.text_of(label))
        pdf.set_xy(left, y + 3.5)
        pdf.set_font(pdf.family, size=9)
        pdf.cell(width, 4.5, pdf.text_of(value))
        y += 9


def _marks(pdf: _Pdf, layout: Layout) -> None:
    """Fold marks and the hole mark on the left edge, for the folding machine and the
    punch."""
    pdf.set_line_width(0.2)
    pdf.set_draw_color(128)
    for y in layout.fold_marks:
        pdf.line(3, y, 8, y)
    if layout.hole_mark is not None:
        pdf.line(3, layout.hole_mark, 10, layout.hole_mark)
    pdf.set_draw_color(0)


def _payment_qr(pdf: _Pdf, delivery: Delivery) -> None:
    """The EPC QR code for the amount and reference the letter's text gives."""
    size = 30  # a version 8-10 code: modules of about 0.45 mm, above what apps need
    if pdf.get_y() + size > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.image(io.BytesIO(qr_png(delivery.qr_payload)), x=pdf.l_margin, y=pdf.get_y(),
              w=size, h=size)
    pdf.set_y(pdf.get_y() + size + 2)


def _page_numbers(pdf: _Pdf, delivery: Delivery, first: int) -> None:
    """"Page 1 of 2" at the foot of each page of a letter longer than one page."""
    last = pdf.page
    if last == first:
        return
    label = PAGE_LABELS.get(delivery.language, PAGE_LABELS["en"])
    pdf.set_auto_page_break(False)
    pdf.set_font(pdf.family, size=8)
    for page in range(first, last + 1):
        pdf.page = page
        pdf.set_xy(pdf.l_margin, pdf.h - 15)
        text = label.format(page=page - first + 1, pages=last - first + 1)
        pdf.cell(pdf.w - pdf.l_margin - pdf.r_margin, 4, pdf.text_of(text), align="R")
    pdf.page = last
    pdf.set_auto_page_break(True, margin=25)


def _page(pdf: _Pdf, delivery: Delivery, *, with_letter: bool) -> None:
    layout = layout_for(delivery.postal.country if delivery.postal else None,
                        delivery.language)
    pdf.set_left_margin(layout.margin_left)
    pdf.set_right_margin(layout.margin_right)
    pdf.add_page()
    first = pdf.page
    if with_letter:
        _marks(pdf, layout)
        _letterhead(pdf, delivery)
        _address_field(pdf, delivery, layout)
        _information_block(pdf, delivery, layout)
        pdf.set_y(layout.subject_y)
    pdf.set_x(pdf.l_margin)
    pdf.set_font(pdf.family, "", size=12)
    pdf.multi_cell(0, 6, pdf.text_of(delivery.subject), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    if with_letter:
        pdf.set_font(pdf.family, size=10)
        pdf.multi_cell(0, 4.5, pdf.text_of(delivery.text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    if delivery.statement:
        _statement(pdf, delivery)
    if with_letter and delivery.qr_payload:
        _payment_qr(pdf, delivery)
    _page_numbers(pdf, delivery, first)


def letters_pdf(deliveries: list[Delivery], font: str | None = None) -> bytes:
    """One page (or more) per letter, in the order given."""
    pdf = _Pdf(font_file(font), deliveries)
    for delivery in deliveries:
        _page(pdf, delivery, with_letter=True)
    return bytes(pdf.output())


def statement_pdf(delivery: Delivery, font: str | None = None) -> bytes:
    """The statement of open items alone (an e-mail attachment)."""
    pdf = _Pdf(font_file(font), [delivery])
    _page(pdf, delivery, with_letter=False)
    return bytes(pdf.output())


def _to_json(delivery: Delivery) -> dict[str, Any]:
    data = asdict(delivery)
    data["attachments"] = []
    return data


def _from_json(data: dict[str, Any]) -> Delivery:
    postal = PostalAddress(**{**data["postal"], "lines": tuple(data["postal"]["lines"])}) \
        if data.get("postal") else None
    return Delivery(**{**data, "postal": postal, "attachments": (), "buttons": (),
                       "fields": tuple(tuple(pair) for pair in data["fields"]),
                       "letterhead": tuple(data.get("letterhead", ())),
                       "statement": tuple(tuple(row) for row in data["statement"]),
                       "statement_charges": tuple(tuple(row) for row in
                                                  data.get("statement_charges", ()))})


def _write_atomic(target: Path, content: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    with os.fdopen(handle, "wb") as out:
        out.write(content)
    os.replace(temporary, target)


class LetterTransport:
    """Writes `<folder>/<batch>/<key hash>.pdf` plus the letter's data beside it."""

    channel = "letter"

    def __init__(self, folder: Path, font: str | None = None) -> None:
        self.folder = folder
        self.font = font

    def prepare_address(self, address: str, *, country: str | None) -> str:  # noqa: ARG002
        if not address.strip():
            raise AddressError("no postal address on file")
        return address

    def batch_folder(self, batch: str | None) -> Path:
        return self.folder / (batch or "unbatched")

    def send(self, delivery: Delivery) -> str | None:
        if delivery.postal is None:
            raise TransportError("no postal address on file", permanent=True)
        folder = self.batch_folder(delivery.batch)
        name = hashlib.sha256(delivery.key.encode()).hexdigest()[:32]
        try:
            folder.mkdir(parents=True, exist_ok=True)
            _write_atomic(folder / f"{name}.pdf", letters_pdf([delivery], self.font))
            _write_atomic(folder / f"{name}.json",
                          json.dumps(_to_json(delivery), ensure_ascii=False).encode())
        except OSError as exc:
            raise TransportError(f"cannot write the letter to {folder}: {exc.strerror}",
                                 configuration=True) from None
        return str(folder / f"{name}.pdf")

    def close_batch(self, batch: str) -> Path | None:
        """All the batch's letters in one PDF for the print room, sorted by postcode: the
        pages each letter got when it was sent, bound together, not laid out again
        (issue 16: laying out a batch again took six times as long as binding it)."""
        folder = self.batch_folder(batch)
        letters = [(_from_json(json.loads(path.read_text(encoding="utf-8"))), path)
                   for path in sorted(folder.glob("*.json"))] if folder.is_dir() else []
        if not letters:
            return None
        letters.sort(key=lambda item: ((item[0].postal.postcode or "") if item[0].postal
                                       else "", item[0].key))
        target = folder / "print-batch.pdf"
        _write_atomic(target, bind([self._laid_out(delivery, path.with_suffix(".pdf"))
                                    for delivery, path in letters]))
        return target

    def _laid_out(self, delivery: Delivery, path: Path) -> bytes:
        """The letter's PDF as sent; laid out again only if that file is gone."""
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return letters_pdf([delivery], self.font)


def bind(documents: list[bytes]) -> bytes:
    """One PDF of the documents' pages, in order (pypdf copies the pages as they are)."""
    from pypdf import PdfReader  # noqa: PLC0415 (only a print batch needs it)
    from pypdf import PdfWriter  # noqa: PLC0415

    writer = PdfWriter()
    for document in documents:
        writer.append(PdfReader(io.BytesIO(document)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
