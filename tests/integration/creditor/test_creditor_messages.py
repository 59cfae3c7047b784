"""Must show: the creditor in every debtor message (sender, signature, letterhead) and a
way to pay: bank details, the RF reference, and an EPC QR code that decodes back (with
zxing-cpp) to the right IBAN, amount and reference; without a profile, nothing invented.
On SQLite and PostgreSQL."""

from __future__ import annotations

import io
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage

import pytest
from pypdf import PdfReader

from hub.bootstrap import Hub
from hub.domain.references import creditor_reference
from hub.domain.references import is_creditor_reference
from hub.ledger.outbox import enqueue
from notifications.templates import LANGUAGES
from tests.creditor_support import IBAN
from tests.creditor_support import IBAN_PRINTED
from tests.creditor_support import decode_qr
from tests.creditor_support import epc_fields
from tests.creditor_support import with_creditor
from tests.integration.notify.helpers import ALWAYS
from tests.integration.notify.helpers import debtor
from tests.integration.notify.helpers import notice

REFERENCE = creditor_reference("ACME-1")  # one overdue invoice: its own reference


def _mail(hub: Hub) -> EmailMessage:
    path = next((hub.settings.var_dir / "mail").glob("*.eml"))
    mail = message_from_bytes(path.read_bytes(), policy=email_policy.default)
    assert isinstance(mail, EmailMessage)
    return mail


def test_an_email_reminder_comes_from_the_creditor_with_bank_details_and_a_qr_code(
        hub: Hub) -> None:
    with_creditor(hub)
    with hub.engine.begin() as connection:
        debtor(connection, "ACME", email="pay@acme.example", language="de")
        enqueue(connection, notice("ACME", "email", language="de"), now=hub.clock.now())
    assert hub.dispatcher(policy=ALWAYS).run().counts["sent"] == 1
    mail = _mail(hub)
    assert mail["From"] == "Rheinwerk <forderungen@rheinwerk.example>"
    text = mail.get_body(("plain",)).get_content()
    assert f"IBAN: {IBAN_PRINTED}" in text
    assert "BIC: COBADEFFXXX" in text
    printed = " ".join(REFERENCE[i:i + 4] for i in range(0, len(REFERENCE), 4))
    assert f"Verwendungszweck (bitte genau so angeben): {printed}" in text
    assert "Debitorenbuchhaltung\nRheinwerk\n+49 221 123456" in text
    assert "Rechnungen und Zahlungsangaben ansehen" in text
    html = mail.get_body(("html",)).get_content()
    assert 'src="cid:epc-qr@hub"' in html
    assert "Rechnungen und Zahlungsangaben" in html  # the button says what is true
    image = next(part for part in mail.walk() if part.get_content_type() == "image/png")
    assert image["Content-ID"] == "<epc-qr@hub>"
    (payload,) = decode_qr(image.get_content())
    fields = epc_fields(payload)
    assert fields["iban"] == IBAN
    assert fields["bic"] == "COBADEFFXXX"
    assert fields["name"] == "Rheinwerk Handels GmbH"
    assert fields["amount"] == "EUR1234.56"
    assert fields["reference"] == REFERENCE
    assert is_creditor_reference(fields["reference"])
    assert fields["text"] == ""


def test_without_a_creditor_profile_no_bank_details_and_no_pay_wording(hub: Hub) -> None:
    with hub.engine.begin() as connection:
        debtor(connection, "ACME", email="pay@acme.example")
        enqueue(connection, notice("ACME", "email"), now=hub.clock.now())
    hub.dispatcher(policy=ALWAYS).run()
    mail = _mail(hub)
    text = mail.get_body(("plain",)).get_content()
    assert "IBAN" not in text
    # the reference, compact or printed (a bare "RF" may occur in the link's signature)
    assert REFERENCE not in text
    assert REFERENCE[:4] + " " not in text
    assert "View your invoices or propose a payment date:" in text
    assert "pay online" not in mail.as_string().lower()
    assert "View your invoices online" in mail.get_body(("html",)).get_content()
    assert not [part for part in mail.walk() if part.get_content_type() == "image/png"]


def test_a_gbp_debt_gets_sort_code_and_account_number_and_no_qr_code(hub: Hub) -> None:
    with_creditor(hub)
    with hub.engine.begin() as connection:
        debtor(connection, "BRIT", email="ap@brit.example", country="GB")
        connection.execute(__import__("sqlalchemy").text(
            "UPDATE invoices SET currency = 'GBP'"))
        enqueue(connection, notice("BRIT", "email"), now=hub.clock.now())
    hub.dispatcher(policy=ALWAYS).run()
    mail = _mail(hub)
    text = mail.get_body(("plain",)).get_content()
    assert "Please pay £1,234.56 by bank transfer to:" in text
    assert "Sort code: 60-16-13\nAccount number: 31926819" in text
    assert creditor_reference("BRIT-1")[:4] in text
    assert "cid:" not in mail.get_body(("html",)).get_content()


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_letter_holds_creditor_date_customer_number_iban_reference_and_the_qr(
        hub: Hub, language: str) -> None:
    with_creditor(hub)
    with hub.engine.begin() as connection:
        debtor(connection, "ACME", address=True, language=language)
        enqueue(connection, notice("ACME", "letter", template="reminder-2", language=language),
                now=hub.clock.now())
    assert hub.dispatcher(policy=ALWAYS).run().counts["sent"] == 1
    path = next((hub.settings.var_dir / "letters" / "2026-11-23").glob("*.pdf"))
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    text = "\n".join(page.extract_text() for page in reader.pages)
    flat = " ".join(text.split())
    day = hub.dispatcher().renderer.format_date(hub.clock.today(), language)
    assert "Rheinwerk" in flat
    assert "Rheinwerk Handels GmbH" in flat
    assert "Hafenstraße 12" in flat
    assert "DE123456789" in flat
    assert " ".join(day.split()) in flat
    assert "ACME" in flat  # the customer number beside its label
    assert {"en": "Customer number", "nl": "Klantnummer", "de": "Kundennummer",
            "pl": "Numer klienta", "es": "Número de cliente"}[language] in flat
    assert IBAN_PRINTED in flat
    printed = " ".join(REFERENCE[i:i + 4] for i in range(0, len(REFERENCE), 4))
    assert printed in flat
    images = [image.data for page in reader.pages for image in page.images]
    payloads = [payload for data in images for payload in decode_qr(data)]
    assert len(payloads) == 1
    fields = epc_fields(payloads[0])
    assert (fields["iban"], fields["amount"], fields["reference"]) == \
        (IBAN, "EUR1234.56", REFERENCE)


def test_graph_mail_gets_the_bank_details_but_no_image_it_could_not_carry(hub: Hub) -> None:
    from hub.services.notify.dispatch import Dispatcher
    from notifications.templates import TemplateRenderer
    from tests.integration.notify.helpers import ScriptedTransport

    with_creditor(hub)
    graph = ScriptedTransport("graph_mail")
    with hub.engine.begin() as connection:
        debtor(connection, "ACME", email="pay@acme.example")
        enqueue(connection, notice("ACME", "graph_mail"), now=hub.clock.now())
    Dispatcher(engine=hub.engine, transports={"graph_mail": graph}, renderer=TemplateRenderer(),
               clock=hub.clock, policy=ALWAYS,
               settings=hub.dispatcher().settings).run()
    (sent,) = graph.sent
    assert f"IBAN: {IBAN_PRINTED}" in sent.text
    assert "QR" not in sent.text
    assert sent.html is not None
    assert "cid:" not in sent.html
    assert sent.qr_payload == ""
