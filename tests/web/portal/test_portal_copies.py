"""Copy requests, end to end (SQLite and PostgreSQL): a copy on file is e-mailed to the
debtor with the PDF attached (portal -> outbox -> dispatcher -> the e-mail), on the
timeline and without a task; no copy on file is one task. Copies come from the import's
document_ref column (relative to the import file), the documents folder (files named by
invoice number) and the API upload."""

from __future__ import annotations

import csv
from email import message_from_bytes
from email import policy as email_policy
from email.message import EmailMessage
from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner

from hub.ledger.tables import contacts
from hub.ledger.tables import events
from hub.ledger.tables import invoices
from hub.ledger.tables import messages
from hub.ledger.tables import tasks
from tests.integration.notify.helpers import ALWAYS
from tests.web.api_support import authorized
from tests.web.portal.support import PDF
from tests.web.portal.support import PNG
from tests.web.portal.support import Portal


def _mails(portal: Portal) -> list[EmailMessage]:
    folder = portal.hub.settings.var_dir / "mail"
    return [message_from_bytes(path.read_bytes(), policy=email_policy.default)  # type: ignore[misc]
            for path in sorted(folder.glob("*.eml"))]


def _attachments(mail: EmailMessage) -> dict[str, bytes]:
    return {str(part.get_filename()): part.get_content() for part in mail.iter_attachments()}


def _timeline(portal: Portal) -> list[str]:
    return [row.summary for row in portal.rows(sa.select(events.c.summary)
                                                .order_by(events.c.id))]


def test_a_copy_on_file_is_emailed_with_the_pdf_and_no_task(portal: Portal) -> None:
    response = portal.post("copy-request", {"invoice": "A-1"})
    assert response.status_code == 303
    page = portal.page(response.headers["Location"])
    assert "We e-mailen een kopie van factuur A-1 naar pia@acme.example." in page
    portal.post("copy-request", {"invoice": "A-1"})  # asked twice the same day: one e-mail
    assert portal.count(tasks) == 0
    assert portal.count(messages, messages.c.template == "invoice-copy") == 1
    assert portal.hub.dispatcher(policy=ALWAYS).run().counts["sent"] == 1
    (mail,) = _mails(portal)
    assert mail["To"] == "Pia Jansen <pia@acme.example>"
    assert mail["Subject"] == "Kopie van factuur A-1"
    assert _attachments(mail) == {"A-1.pdf": PDF}
    timeline = _timeline(portal)
    assert ("asked for a copy of invoice A-1 in the portal; it is e-mailed to "
            "pia@acme.example with A-1.pdf attached") in timeline
    assert "invoice-copy sent by email" in timeline


def test_a_pdf_named_by_invoice_number_in_the_documents_folder_is_on_file(
        portal: Portal) -> None:
    html = portal.page()
    assert f"{portal.url}/invoices/A-2/copy" not in html
    (portal.hub.settings.documents_path / "A-2.pdf").write_bytes(PDF + b"% A-2\n")
    assert f"{portal.url}/invoices/A-2/copy" in portal.page()
    portal.post("copy-request", {"invoice": "A-2"})
    assert portal.count(tasks) == 0
    portal.hub.dispatcher(policy=ALWAYS).run()
    (mail,) = _mails(portal)
    assert _attachments(mail) == {"A-2.pdf": PDF + b"% A-2\n"}


def test_no_copy_on_file_is_exactly_one_task(portal: Portal) -> None:
    portal.post("copy-request", {"invoice": "A-2"})
    portal.post("copy-request", {"invoice": "A-2"})
    (task,) = portal.rows(sa.select(tasks.c.task_type, tasks.c.reason))
    assert task.task_type == "copy_request"
    assert task.reason.endswith("no document is on file: send it to them")
    assert portal.count(messages) == 0


def test_a_copy_on_file_without_an_email_address_is_a_task_saying_so(portal: Portal) -> None:
    with portal.hub.engine.begin() as connection:
        connection.execute(sa.update(contacts).values(email=None))
    portal.post("copy-request", {"invoice": "A-1"})
    (task,) = portal.rows(sa.select(tasks.c.reason))
    assert "a copy is on file (A-1.pdf) but there is no e-mail address to send it to" \
        in task.reason
    assert portal.count(messages) == 0


def test_the_api_puts_a_pdf_on_file_and_a_copy_request_emails_it(portal: Portal) -> None:
    app = authorized(portal.app, portal.hub, role="finance")
    client = app.test_client()
    url = "/api/v1/invoices/A-2/document"
    refused = client.post(url, data=PNG, content_type="application/pdf")
    assert refused.status_code == 422
    assert "not a PDF" in refused.get_json()["error"]["message"]
    big = client.post(url, data=PDF + b"x" * (portal.hub.settings.document_max_bytes),
                      content_type="application/pdf")
    assert big.status_code == 413
    assert client.post("/api/v1/invoices/NOPE/document", data=PDF,
                       content_type="application/pdf").status_code == 404
    stored = client.post(url, data=PDF, content_type="application/pdf")
    assert stored.status_code == 201, stored.get_data(as_text=True)
    assert stored.get_json()["data"]["document_ref"] == "A-2.pdf"
    assert portal.rows(sa.select(invoices.c.document_ref)
                       .where(invoices.c.number == "A-2"))[0].document_ref == "A-2.pdf"
    assert any(summary.startswith("copy of invoice A-2 on file (A-2.pdf, ")
               for summary in _timeline(portal))
    portal.post("copy-request", {"invoice": "A-2"})
    portal.hub.dispatcher(policy=ALWAYS).run()
    (mail,) = _mails(portal)
    assert _attachments(mail) == {"A-2.pdf": PDF}
    reader = authorized(portal.app, portal.hub, name="reader", role="read_only")
    assert reader.test_client().post(url, data=PDF, content_type="application/pdf"
                                     ).status_code == 403


def test_the_import_column_names_a_pdf_beside_the_import_file(
        portal: Portal, tmp_path: Path) -> None:
    folder = tmp_path / "erp-export"
    (folder / "pdf").mkdir(parents=True)
    (folder / "pdf" / "A-7.pdf").write_bytes(PDF + b"% A-7\n")
    path = folder / "open-items.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["invoice_number", "customer_id", "customer_name", "issue_date",
                         "due_date", "currency", "amount", "document_ref"])
        writer.writerow(["A-7", "ACME", "Acme Trading BV", "2026-10-01", "2026-10-31", "EUR",
                         "70.00", "pdf/A-7.pdf"])
        writer.writerow(["A-8", "ACME", "Acme Trading BV", "2026-10-01", "2026-10-31", "EUR",
                         "80.00", "pdf/A-8.pdf"])
    from hub.cli import cli

    settings = portal.hub.settings
    result = CliRunner().invoke(cli, ["import", "invoices", str(path)], env={
        "HUB_DATABASE_URL": settings.database_url, "HUB_VAR_DIR": str(settings.var_dir)})
    assert result.exit_code == 0, result.output
    assert f"documents: 1 copied into {settings.documents_path}" in result.output
    assert "A-8 (pdf/A-8.pdf)" in result.output
    assert (settings.documents_path / "pdf" / "A-7.pdf").read_bytes() == PDF + b"% A-7\n"
    portal.post("copy-request", {"invoice": "A-7"})
    portal.post("copy-request", {"invoice": "A-8"})
    assert portal.count(tasks) == 1  # no copy anywhere
    portal.hub.dispatcher(policy=ALWAYS).run()
    (mail,) = _mails(portal)
    assert _attachments(mail) == {"A-7.pdf": PDF + b"% A-7\n"}
