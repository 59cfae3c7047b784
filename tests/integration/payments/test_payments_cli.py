"""`import statement` and `payments ...` through click's runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from click.testing import Result

from hub.bootstrap import Hub
from hub.cli import cli
from tests.integration.payments import ledger_rows as rows

STATEMENT = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
 <GrpHdr><MsgId>M1</MsgId></GrpHdr>
 <Stmt><Id>S1</Id><Acct><Id><IBAN>NL02BANK0123456789</IBAN></Id></Acct>
  {entries}
 </Stmt></BkToCstmrStmt></Document>"""

ENTRY = """<Ntry><Amt Ccy="{ccy}">{amount}</Amt><CdtDbtInd>{side}</CdtDbtInd><Sts>BOOK</Sts>
  <BookgDt><Dt>2026-11-20</Dt></BookgDt><AcctSvcrRef>{ref}</AcctSvcrRef>
  <NtryDtls><TxDtls><RltdPties><Dbtr><Nm>{name}</Nm></Dbtr>
   <DbtrAcct><Id><IBAN>{iban}</IBAN></Id></DbtrAcct></RltdPties>
   <RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"""


def statement(path: Path, *entries: dict[str, str]) -> Path:
    defaults = {"ccy": "EUR", "side": "CRDT", "name": "Somebody", "iban": "NL00X", "text": ""}
    path.write_text(STATEMENT.format(entries="".join(
        ENTRY.format(**(defaults | entry)) for entry in entries)), encoding="utf-8")
    return path


def run(hub: Hub, *args: str) -> Result:
    env = {"HUB_DATABASE_URL": hub.settings.database_url,
           "HUB_VAR_DIR": str(hub.settings.var_dir)}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def acme(hub: Hub) -> Hub:
    with hub.engine.begin() as connection:
        customer = rows.customer(connection, "ACME", "Acme Trading B.V.")
        rows.invoice(connection, customer, "INV-1001", "100.00", due="2026-09-30")
        rows.invoice(connection, customer, "INV-1002", "250.00", due="2026-10-31")
        rows.invoice(connection, customer, "INV-1003", "40.00", due="2026-11-30")
    return hub


def test_statement_import_reports_what_happened_and_is_idempotent(
        acme: Hub, tmp_path: Path) -> None:
    path = statement(
        tmp_path / "nov.xml",
        {"amount": "100.00", "ref": "A1", "text": "Invoice INV-1001", "iban": "NL91ACME1"},
        {"amount": "250.00", "ref": "A2", "text": "october", "iban": "NL91ACME1"},
        {"amount": "77.00", "ref": "A3", "text": "who knows"},
        {"amount": "9.99", "ref": "A4", "side": "DBIT"})
    first = run(acme, "import", "statement", str(path))
    assert first.exit_code == 0, first.output
    assert "nov.xml: camt.053.001.02, account NL02BANK0123456789" in first.output
    for line in ("credits imported        3", "matched by reference    1",
                 "matched by amount       1", "left unmatched          1",
                 "skipped                 1 debits, 0 reversals"):
        assert line in first.output
    with acme.engine.connect() as connection:
        before = rows.snapshot(connection)
    again = run(acme, "import", "statement", str(path))
    assert "credits imported        0" in again.output
    assert "unchanged (seen before) 3" in again.output
    with acme.engine.connect() as connection:
        assert rows.snapshot(connection) == before


def test_bad_files_are_named_and_the_good_ones_still_imported(
        acme: Hub, tmp_path: Path) -> None:
    good = statement(tmp_path / "good.xml", {"amount": "40.00", "ref": "G1", "text": "INV-1003"})
    (tmp_path / "empty.sta").write_bytes(b"")
    (tmp_path / "cut.xml").write_text(good.read_text()[:200])
    result = run(acme, "import", "statement", str(tmp_path / "empty.sta"),
                 str(tmp_path / "cut.xml"), str(good))
    assert result.exit_code == 2
    assert "error: empty.sta: the file is empty" in result.stderr
    assert "error: cut.xml: not well-formed XML" in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert "good.xml: camt.053.001.02" in result.stdout
    with acme.engine.connect() as connection:
        assert rows.invoice_state(connection, "INV-1003") == ("0.00", "paid")


def test_unmatched_queue_then_match_by_hand(acme: Hub, tmp_path: Path) -> None:
    path = statement(tmp_path / "s.xml", {"amount": "290.00", "ref": "Q1",
                                          "name": "ACME TRADING", "text": "two invoices"})
    run(acme, "import", "statement", str(path))
    queue = run(acme, "payments", "unmatched")
    assert queue.exit_code == 0
    line = next(x for x in queue.output.splitlines() if "NL02BANK0123456789/Q1" in x)
    assert "290.00 EUR" in line
    assert "(ACME)" in line
    assert "INV-1001, INV-1002, INV-1003" in line
    matched = run(acme, "payments", "match", "NL02BANK0123456789/Q1", "INV-1003", "INV-1002")
    assert matched.exit_code == 0, matched.output
    assert "40.00 EUR applied to invoice INV-1003" in matched.output
    assert "250.00 EUR applied to invoice INV-1002" in matched.output
    assert "payment NL02BANK0123456789/Q1: allocated" in matched.output
    assert run(acme, "payments", "unmatched").output.strip() == "No unmatched payments."
    listed = run(acme, "payments", "list", "--customer", "ACME")
    assert "INV-1003, INV-1002" in listed.output


def test_on_account_and_return_from_the_command_line(acme: Hub, tmp_path: Path) -> None:
    path = statement(tmp_path / "s.xml",
                     {"amount": "77.00", "ref": "R1", "text": "who knows"},
                     {"amount": "55.00", "ref": "R2", "text": "deposit"})
    run(acme, "import", "statement", str(path))
    kept = run(acme, "payments", "on-account", "NL02BANK0123456789/R2", "ACME")
    assert kept.output == "payment NL02BANK0123456789/R2: kept as credit on account ACME\n"
    returned = run(acme, "payments", "return", "NL02BANK0123456789/R1", "--reason", "not ours")
    assert returned.output == "payment NL02BANK0123456789/R1: returned\n"
    with acme.engine.connect() as connection:
        assert rows.payment_state(connection, "NL02BANK0123456789/R2")["status"] == "credit"
        assert rows.payment_state(connection, "NL02BANK0123456789/R1")["status"] == "returned"
        assert "payment.returned" in rows.event_kinds(connection)
    again = run(acme, "payments", "return", "NL02BANK0123456789/R1")
    assert again.exit_code == 2
    assert "is returned, not waiting in the manual queue" in again.stderr


def test_match_errors_are_one_line(acme: Hub) -> None:
    result = run(acme, "payments", "match", "NOPE", "INV-1001")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: no payment 'NOPE'")


@pytest.mark.shared_data
def test_every_sample_statement_imports_or_is_refused_by_name(
        hub: Hub, shared_data: Path) -> None:
    files = sorted((shared_data / "bank" / "camt053").iterdir()) + sorted(
        (shared_data / "bank" / "mt940").iterdir())
    result = run(hub, "import", "statement", *map(str, files))
    assert "Traceback" not in result.output + result.stderr
    for path in files:
        assert path.name in result.stdout + result.stderr
    assert result.exit_code == 0, result.stderr
    assert "rejected: WoLpH-mt940__cmxl__mt940.sta: statement 1" in result.stdout
