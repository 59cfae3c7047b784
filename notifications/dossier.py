"""The PDF dossier of a hand-over to hard collection (docs/handover.md): the claim, the
invoices, every reminder with its date and channel, the debtor's responses, the fees and
interest and the payments received. Fonts as in letters (notifications/letter.py): the
built-in Helvetica when every word fits Windows-1252, else a Unicode TrueType font (Polish
names and addresses), else folded text."""

from __future__ import annotations

from collections.abc import Sequence

from fpdf import FPDF
from fpdf.fonts import FontFace

from hub.domain.handover import CaseFile
from hub.domain.money import Money
from hub.i18n import N_
from hub.i18n import gettext_for
from notifications.letter import CORE_ENCODING
from notifications.letter import core_text
from notifications.letter import font_file
from notifications.letter_fonts import add_cached_font

TITLE = N_("Case file: hand-over to collection")
HEADINGS = {
    "claim": N_("The claim"), "creditor": N_("Creditor"), "debtor": N_("Debtor"),
    "invoices": N_("Invoices"), "reminders": N_("Reminders sent"),
    "responses": N_("The debtor's responses"), "charges": N_("Interest and fees"),
    "payments": N_("Payments received"),
}
WORDS = {
    "case": N_("Case %(case)s, produced %(when)s"), "reason": N_("Handed over by: %(reason)s"),
    "approved": N_("Approved by: %(who)s"), "principal": N_("Open on the invoices"),
    "charged": N_("Interest and fees"), "total": N_("Total claim"),
    "invoice": N_("Invoice"), "issued": N_("Issued"), "due": N_("Due date"),
    "amount": N_("Amount"), "open": N_("Open"), "days": N_("Days overdue"),
    "date": N_("Date"), "channel": N_("Channel"), "message": N_("Message"),
    "state": N_("State"), "source": N_("Source"), "what": N_("What"), "kind": N_("Kind"),
    "period": N_("Period"), "basis": N_("Basis, rate"), "reference": N_("Reference"),
    "none": N_("None."), "disputed": N_("disputed"),
    "page": N_("Page %(page)s of %(pages)s"),
}


def _words(language: str) -> dict[str, str]:
    return {key: gettext_for(language, text) for key, text in {**HEADINGS, **WORDS}.items()}


def _all_text(case: CaseFile, words: dict[str, str]) -> str:
    parts = [gettext_for("en", TITLE), *words.values(), case.reason, case.approved_by,
             case.creditor.name, *case.creditor.lines, case.debtor.name, case.debtor.code,
             *case.debtor.lines]
    parts += [r.subject + r.template + r.channel + r.state for r in case.reminders]
    parts += [r.summary + r.source + r.kind for r in case.responses]
    parts += [i.number + i.status for i in case.invoices]
    parts += [c.invoice + c.kind + c.basis + c.rate + c.period for c in case.charges]
    parts += [p.reference + "".join(p.invoices) for p in case.payments]
    return "".join(parts)


class _Pdf(FPDF):
    def __init__(self, font: str | None, text: str) -> None:
        super().__init__(format="A4")
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(True, margin=20)
        self.core_fonts_encoding = CORE_ENCODING
        try:
            text.encode(CORE_ENCODING)
            fits = True
        except UnicodeEncodeError:
            fits = False
        self.fold = not fits and font is None
        if fits or font is None:
            self.family = "Helvetica"
        else:
            add_cached_font(self, "Body", font)
            self.family = "Body"

    def text_of(self, value: str) -> str:
        return core_text(value) if self.fold else value


def _money(values: Sequence[Money]) -> str:
    return ", ".join(str(m) for m in values) or "0"


class DossierRenderer:
    """Implements hub.ports.CaseFileRenderer."""

    def __init__(self, font: str | None = None) -> None:
        self.font = font

    def pdf(self, case: CaseFile, language: str) -> bytes:
        words = _words(language)
        pdf = _Pdf(font_file(self.font), _all_text(case, words))
        pdf.add_page()
        pdf.set_font(pdf.family, size=15)
        pdf.multi_cell(0, 8, pdf.text_of(gettext_for(language, TITLE)),
                       new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(pdf.family, size=9)
        pdf.multi_cell(0, 5, pdf.text_of(words["case"] % {
            "case": case.case, "when": case.produced_at.strftime("%Y-%m-%d %H:%M")}),
            new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        _heading(pdf, words["claim"])
        _parties(pdf, case, words)
        _table(pdf, [words["kind"], words["amount"]], [
            [words["principal"], _money(case.principal)],
            [words["charged"], _money(case.charged)],
            [words["total"], _money(case.total)]], (60, 114), words)
        _line(pdf, words["reason"] % {"reason": case.reason})
        if case.approved_by:
            _line(pdf, words["approved"] % {"who": case.approved_by})
        _heading(pdf, words["invoices"])
        _table(pdf, [words["invoice"], words["issued"], words["due"], words["amount"],
                     words["open"], words["days"]],
               [[i.number + (f" ({words['disputed']})" if i.disputed else ""),
                 i.issued.isoformat(), i.due.isoformat(), str(i.amount), str(i.open),
                 str(i.days_overdue)] for i in case.invoices], (34, 24, 24, 34, 34, 24), words)
        _heading(pdf, words["reminders"])
        _table(pdf, [words["date"], words["channel"], words["message"], words["state"]],
               [[r.on.isoformat(), r.channel, r.subject or r.template, r.state]
                for r in case.reminders], (24, 26, 100, 24), words)
        _heading(pdf, words["responses"])
        _table(pdf, [words["date"], words["source"], words["what"]],
               [[r.on.isoformat(), r.source, r.summary] for r in case.responses],
               (24, 30, 120), words)
        _heading(pdf, words["charges"])
        _table(pdf, [words["invoice"], words["kind"], words["period"], words["basis"],
                     words["amount"]],
               [[c.invoice, c.kind.replace("_", " "), c.period,
                 " ".join(part for part in (c.basis, f"{c.rate}%" if c.rate else "") if part),
                 str(c.amount)] for c in case.charges], (30, 34, 46, 30, 34), words)
        _heading(pdf, words["payments"])
        _table(pdf, [words["date"], words["reference"], words["amount"], words["invoice"]],
               [[p.received_on.isoformat(), p.reference, str(p.amount), ", ".join(p.invoices)]
                for p in case.payments], (24, 50, 40, 60), words)
        _page_numbers(pdf, words["page"])
        return bytes(pdf.output())


def _heading(pdf: _Pdf, text: str) -> None:
    pdf.ln(3)
    pdf.set_font(pdf.family, size=12)
    pdf.multi_cell(0, 7, pdf.text_of(text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family, size=9)


def _line(pdf: _Pdf, text: str) -> None:
    pdf.multi_cell(0, 5, pdf.text_of(text), new_x="LMARGIN", new_y="NEXT")


def _parties(pdf: _Pdf, case: CaseFile, words: dict[str, str]) -> None:
    creditor = "\n".join([case.creditor.name, *case.creditor.lines])
    debtor = "\n".join([f"{case.debtor.name} ({case.debtor.code})", *case.debtor.lines])
    _table(pdf, [words["creditor"], words["debtor"]], [[creditor, debtor]], (87, 87), words)


def _table(pdf: _Pdf, headings: list[str], rows: list[list[str]],
           widths: tuple[int, ...], words: dict[str, str]) -> None:
    if not rows:
        _line(pdf, words["none"])
        return
    style = FontFace(fill_color=(235, 235, 235))
    with pdf.table(col_widths=widths, width=sum(widths), headings_style=style,
                   line_height=4.6, padding=1, align="LEFT") as table:
        heading = table.row()
        for text in headings:
            heading.cell(pdf.text_of(text))
        for values in rows:
            row = table.row()
            for text in values:
                row.cell(pdf.text_of(text))
    pdf.ln(1)


def _page_numbers(pdf: _Pdf, label: str) -> None:
    last = pdf.page
    pdf.set_auto_page_break(False)
    pdf.set_font(pdf.family, size=8)
    for page in range(1, last + 1):
        pdf.page = page
        pdf.set_xy(pdf.l_margin, pdf.h - 12)
        pdf.cell(pdf.w - pdf.l_margin - pdf.r_margin, 4,
                 pdf.text_of(label % {"page": page, "pages": last}), align="R")
    pdf.page = last
