"""Letters benchmark: a 500-letter print batch through the hub against fpdf2 alone.

The hub side is what a cycle does: `LetterTransport.send` writes each letter as its own
PDF (plus its data), then `close_batch` binds the batch into one print file. Three
figures per round:
  hub batch      close_batch on the 500 letters (one PDF, DIN 5008 layout, QR codes)
  hub send+batch the 500 single-letter PDFs, then the batch (the cycle's real work)
  fpdf2 alone    one FPDF document laying out the same text (letterhead, address, body,
                 statement, the same QR image) with no hub code: the floor
and, for the font cache, `send` of the Polish letters with the cache emptied before each
letter (what every letter paid before). Rounds interleave the variants (at least three);
min and median are printed with the ratio hub/fpdf2, the load average and a CPU
reference (a fixed pure-Python loop) so figures from a shared machine can be compared.

    .venv/bin/python bench/letters.py --letters 500 --rounds 3
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import sys
import tempfile
import time
import timeit
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fpdf import FPDF

from hub.domain.creditor import BankAccount
from hub.domain.creditor import CreditorProfile
from hub.domain.creditor import payment_block
from hub.domain.money import Money
from hub.domain.outbox import Delivery
from hub.domain.outbox import PostalAddress
from hub.payment_qr import qr_png
from notifications import letter_fonts
from notifications.letter import LetterTransport
from notifications.letter import font_file

LANGUAGES = ("en", "nl", "de", "pl", "es")
COUNTRIES = {"en": "GB", "nl": "NL", "de": "DE", "pl": "PL", "es": "ES"}
GREETING = {"en": "Dear Ann Smith,", "nl": "Beste Ann Smith,", "de": "Guten Tag Ann Smith,",
            "pl": "Szanowna Pani Ann Smith,", "es": "Estimada Ann Smith:"}
BODY = {"en": "We have not yet received payment of these invoices:",
        "nl": "Wij hebben de betaling van deze facturen nog niet ontvangen:",
        "de": "wir haben die Zahlung dieser Rechnungen noch nicht erhalten:",
        "pl": "Nie otrzymaliśmy jeszcze zapłaty za poniższe faktury (zażółć gęślą jaźń):",
        "es": "Todavía no hemos recibido el pago de estas facturas:"}
CREDITOR = CreditorProfile(
    legal_name="Rheinwerk Handels GmbH", trading_name="Rheinwerk",
    address=("Hafenstraße 12", "50667 Köln", "Deutschland"), email="ar@rheinwerk.example",
    phone="+49 221 123456", vat_number="DE123456789", registration_number="HRB 12345 Köln",
    accounts=(BankAccount("EUR", iban="DE89370400440532013000", bic="COBADEFFXXX"),))


def cpu_reference_ms() -> float:
    """A fixed pure-Python loop, best of five: how fast this machine is right now."""
    return min(timeit.repeat("sum(range(10**6))", number=1, repeat=5)) * 1000


def make_letters(count: int) -> list[Delivery]:
    letters = []
    for index in range(count):
        language = LANGUAGES[index % len(LANGUAGES)]
        code = f"C{index:05d}"
        invoices = [f"{code}-{n}" for n in range(1, 2 + index % 4)]
        amount = Money.of(f"{100 + index}.{index % 100:02d}", "EUR")
        block = payment_block(CREDITOR, customer_code=code, invoice_numbers=invoices,
                              amount=amount)
        lines = [GREETING[language], "", BODY[language],
                 *(f"- {number}: {amount}, 31.10.2026" for number in invoices), "",
                 f"IBAN: {CREDITOR.accounts[0].iban_printed}", "BIC: COBADEFFXXX",
                 f"{block.reference}", "", *(["Lorem ipsum dolor sit amet, consectetur "
                                             "adipiscing elit, sed do eiusmod tempor."] * 8),
                 "", "Rheinwerk", "+49 221 123456"]
        letters.append(Delivery(
            key=f"{code}|reminder-2|2026-11-23|send", channel="letter", address="x",
            subject=f"Reminder: {amount} overdue", text="\n".join(lines), language=language,
            postal=PostalAddress(f"{code} B.V.", ("Keizersgracht 1",), f"{1000 + index}",
                                 "Amsterdam", COUNTRIES[language]),
            batch="2026-11-23",
            statement=tuple((number, "31.10.2026", str(amount)) for number in invoices),
            statement_total=str(amount),
            statement_charges=(("interest", invoices[0], "31.10.2026 – 23.11.2026", "4.20"),),
            letterhead=CREDITOR.letterhead(), return_address=CREDITOR.return_address(),
            customer_number=code, letter_date="23.11.2026", reference=block.reference,
            qr_payload=block.epc_payload))
    return letters


def fpdf_alone(letters: list[Delivery], font: str) -> bytes:
    """The same text laid out with fpdf2 directly: no layout table, no hub types."""
    pdf = FPDF(format="A4")
    pdf.add_font("Body", "", font)
    for letter in letters:
        pdf.add_page()
        pdf.set_font("Body", size=8)
        for index, line in enumerate(letter.letterhead):
            pdf.set_xy(110, 12 + 4 * index)
            pdf.cell(80, 5, line, align="R")
        pdf.set_xy(20, 58)
        pdf.cell(85, 3.5, letter.return_address)
        pdf.set_font("Body", size=10)
        pdf.set_xy(20, 63)
        for line in letter.postal.block() if letter.postal else ():
            pdf.cell(85, 4.5, line, new_x="LMARGIN", new_y="NEXT")
        for offset, value in enumerate((letter.letter_date, letter.customer_number,
                                        letter.reference)):
            pdf.set_xy(125, 50 + 9 * offset)
            pdf.cell(60, 4.5, value)
        pdf.set_xy(25, 98.5)
        pdf.multi_cell(0, 6, letter.subject, new_x="LMARGIN", new_y="NEXT")
        pdf.multi_cell(0, 4.5, letter.text, new_x="LMARGIN", new_y="NEXT")
        for row in (*letter.statement, *((f"{k} {i}", p, a) for k, i, p, a
                                         in letter.statement_charges)):
            for width, value in zip((60, 75, 30), row, strict=True):
                pdf.cell(width, 5, value)
            pdf.ln()
        pdf.image(io.BytesIO(qr_png(letter.qr_payload)), x=25, y=pdf.get_y(), w=30, h=30)
    return bytes(pdf.output())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    font = font_file()
    if font is None:
        sys.exit("no DejaVu Sans installed: the bench needs a Unicode font")
    letters = make_letters(args.letters)
    polish = [letter for letter in letters if letter.language == "pl"][:50]
    for letter in letters:
        qr_png(letter.qr_payload)  # drawn once by send; both sides reuse the cached PNG
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"{args.letters} letters, {args.rounds} rounds (load average {load} on "
          f"{os.cpu_count()} CPUs, CPU reference {cpu_reference_ms():.1f} ms, "
          f"Python {platform.python_version()})")
    with tempfile.TemporaryDirectory() as scratch:
        transport = LetterTransport(Path(scratch), font)
        for letter in letters:
            transport.send(letter)

        def send_and_batch() -> None:
            batch_transport = LetterTransport(Path(tempfile.mkdtemp(dir=scratch)), font)
            for letter in letters:
                batch_transport.send(letter)
            batch_transport.close_batch("2026-11-23")

        def polish_uncached() -> None:
            for letter in polish:
                letter_fonts._PARSED.clear()
                transport.send(letter)

        def polish_cached() -> None:
            for letter in polish:
                transport.send(letter)

        variants: dict[str, Callable[[], object]] = {
            "hub batch": lambda: transport.close_batch("2026-11-23"),
            "fpdf2 alone": lambda: fpdf_alone(letters, font),
            "hub send+batch": send_and_batch,
            f"{len(polish)} pl sends, font cache": polish_cached,
            f"{len(polish)} pl sends, parse each": polish_uncached,
        }
        times: dict[str, list[float]] = {name: [] for name in variants}
        for _ in range(max(3, args.rounds)):
            for name, run in variants.items():  # interleaved: load drifts hit every one
                started = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - started)
    for name, values in times.items():
        print(f"  {name:28} min {min(values):7.2f} s   median {statistics.median(values):7.2f} s")
    hub_min, base_min = min(times["hub batch"]), min(times["fpdf2 alone"])
    hub_med = statistics.median(times["hub batch"])
    base_med = statistics.median(times["fpdf2 alone"])
    print(f"  ratio hub batch / fpdf2 alone: min {hub_min / base_min:.2f}, "
          f"median {hub_med / base_med:.2f}")
    cached = statistics.median(times[f"{len(polish)} pl sends, font cache"])
    uncached = statistics.median(times[f"{len(polish)} pl sends, parse each"])
    print(f"  font cache: {uncached / len(polish) * 1000:.1f} ms -> "
          f"{cached / len(polish) * 1000:.1f} ms per Polish letter sent")


if __name__ == "__main__":
    main()
