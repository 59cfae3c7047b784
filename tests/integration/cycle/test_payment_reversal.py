"""A payment taken back (issue 11, item 9), end to end on SQLite and PostgreSQL: the invoice
is imported and reminded, a statement pays it, then the payment is taken back by a camt.053
reversal entry, an MT940 `RC` line, `payments reverse` or `payments unmatch`. The invoice
reopens, the timeline says so, and the ladder resumes where it was: the next cycle sends the
second reminder, never the first again."""

from __future__ import annotations

from datetime import date
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.ledger.tables import events
from hub.ledger.tables import invoices
from hub.ledger.tables import messages
from hub.ledger.tables import payments
from rules import DEFAULT_POLICY
from tests.integration.cycle.owed_support import CUSTOMERS
from tests.integration.cycle.owed_support import customer_row
from tests.integration.cycle.owed_support import cycle_and_send
from tests.integration.cycle.owed_support import import_csv
from tests.integration.cycle.owed_support import mails
from tests.integration.cycle.owed_support import policy_from
from tests.integration.cycle.owed_support import run_cli

START = date(2026, 1, 5)  # a Monday; the invoice falls due that day
ACCOUNT = "NL02BANK0123456789"
PAYER = "NL91ABNA0417164300"
PAYMENT = f"{ACCOUNT}/PAY-R1"

CAMT = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
 <GrpHdr><MsgId>M1</MsgId></GrpHdr>
 <Stmt><Id>S1</Id><Acct><Id><IBAN>{account}</IBAN></Id></Acct>
  <Ntry><Amt Ccy="EUR">1000.00</Amt><CdtDbtInd>{side}</CdtDbtInd>{reversal}<Sts>BOOK</Sts>
  <BookgDt><Dt>{day}</Dt></BookgDt><AcctSvcrRef>{ref}</AcctSvcrRef>
  <NtryDtls><TxDtls><RltdPties><Dbtr><Nm>REV Ltd</Nm></Dbtr>
   <DbtrAcct><Id><IBAN>{payer}</IBAN></Id></DbtrAcct></RltdPties>
   <RmtInf><Ustrd>{text}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
 </Stmt></BkToCstmrStmt></Document>"""

MT940 = (f":20:STMT1\n:25:{ACCOUNT}\n:28C:1/1\n:60F:C260119EUR5000,00\n"
         ":61:2601190119RC1000,00NTRFNONREF//PAY-R1\n:86:RETURN R-1 REV Ltd\n"
         ":62F:C260119EUR4000,00\n-\n")


def _camt(path: Path, *, day: date, ref: str, text: str, reversal: bool = False) -> Path:
    path.write_text(CAMT.format(
        account=ACCOUNT, payer=PAYER, day=day.isoformat(), ref=ref, text=text,
        side="DBIT" if reversal else "CRDT",
        reversal="<RvslInd>true</RvslInd>" if reversal else ""), encoding="utf-8")
    return path


def _take_back(hub: Hub, how: str, tmp_path: Path) -> str:
    """The CLI's output of taking the payment back."""
    if how == "camt":
        path = _camt(tmp_path / "returned.xml", day=START + timedelta(days=14), ref="RET-9",
                     text="Retoure R-1", reversal=True)
        result = run_cli(hub, "import", "statement", str(path))
    elif how == "mt940":
        path = tmp_path / "returned.sta"
        path.write_text(MT940, encoding="utf-8")
        result = run_cli(hub, "import", "statement", str(path))
    else:
        result = run_cli(hub, "payments", how, PAYMENT, "--reason", "booked to the wrong "
                         "customer" if how == "unmatch" else "chargeback")
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize(("how", "status", "kind"), [
    ("camt", "reversed", "payment.reversed"), ("mt940", "reversed", "payment.reversed"),
    ("reverse", "reversed", "payment.reversed"), ("unmatch", "unmatched", "payment.unmatched")])
def test_a_payment_taken_back_reopens_the_invoice_and_the_ladder_resumes(
        hub: Hub, tmp_path: Path, how: str, status: str, kind: str) -> None:
    import_csv(hub, "customers", tmp_path / "customers.csv", CUSTOMERS + customer_row("REV"))
    import_csv(hub, "invoices", tmp_path / "invoices.csv",
               "invoice_number,customer_id,issue_date,due_date,currency,amount\n"
               f"R-1,REV,{START - timedelta(days=30)},{START},EUR,1000.00\n")
    policy = policy_from(DEFAULT_POLICY.read_text(encoding="utf-8"), tmp_path / "rules.yaml")
    cycle_and_send(hub, policy, START + timedelta(days=3))  # friendly reminder
    paid = run_cli(hub, "import", "statement", str(_camt(
        tmp_path / "paid.xml", day=START + timedelta(days=5), ref="PAY-R1", text="R-1")))
    assert "matched by reference    1" in paid.output
    cycle_and_send(hub, policy, START + timedelta(days=7))  # paid: nothing to do

    output = _take_back(hub, how, tmp_path)

    with hub.engine.connect() as connection:
        invoice = connection.execute(sa.select(invoices.c.status, invoices.c.open_minor)).one()
        payment = connection.execute(sa.select(payments.c.status,
                                               payments.c.unallocated_minor)).one()
        timeline = connection.execute(sa.select(events.c.kind, events.c.summary)
                                      .where(events.c.kind.like("payment.%"))
                                      .order_by(events.c.id)).all()
    assert (invoice.status, invoice.open_minor) == ("open", 100000)
    assert (payment.status, payment.unallocated_minor) == \
        (status, 100000 if status == "unmatched" else 0)
    assert [k for k, _ in timeline][-2:] == ["payment.unallocated", kind]
    assert f"1,000.00 EUR of payment {PAYMENT} taken off invoice R-1" in timeline[-2][1]
    assert "1,000.00 EUR open again" in timeline[-2][1]
    if how in ("camt", "mt940"):
        assert "reversals applied       1" in output
        again = _take_back(hub, how, tmp_path)  # the same statement again: nothing new
        assert "reversals applied       0" in again
        assert "unchanged (seen before) 1" in again
    else:
        assert "taken off invoice R-1" in output

    cycle_and_send(hub, policy, START + timedelta(days=15))

    with hub.engine.connect() as connection:
        sent = [row.template for row in connection.execute(
            sa.select(messages.c.template).where(messages.c.recipient_kind == "debtor")
            .order_by(messages.c.id))]
    assert sent == ["reminder-1", "reminder-2"]  # the first step is not sent again
    assert "Second reminder: €1,000.00 still overdue" in mails(hub)["pay@rev.example"]


def test_a_reversal_that_fits_no_payment_is_reported_and_changes_nothing(
        hub: Hub, tmp_path: Path) -> None:
    path = _camt(tmp_path / "returned.xml", day=START, ref="RET-1", text="?", reversal=True)
    result = run_cli(hub, "import", "statement", str(path))
    assert result.exit_code == 0, result.output
    assert "reversals applied       0" in result.output
    assert ("warning: returned.xml: entry 1: reversal of 1,000.00 EUR on 2026-01-05: no recorded "
            "payment fits; reverse the right one with `python app.py payments reverse "
            "PAYMENT`") in result.output


def test_unmatching_a_payment_twice_or_an_unknown_one_says_what_is_wrong(hub: Hub,
                                                                          tmp_path: Path) -> None:
    unknown = run_cli(hub, "payments", "unmatch", "NOPE")
    assert unknown.exit_code == 2
    assert "no payment 'NOPE'" in unknown.output
    path = _camt(tmp_path / "in.xml", day=START, ref="Q1", text="nothing known")
    assert run_cli(hub, "import", "statement", str(path)).exit_code == 0
    queued = run_cli(hub, "payments", "unmatch", f"{ACCOUNT}/Q1")
    assert queued.exit_code == 2
    assert "is not matched to any invoice; it already waits in the manual queue" in \
        queued.output
    assert run_cli(hub, "payments", "reverse", f"{ACCOUNT}/Q1").exit_code == 0
    again = run_cli(hub, "payments", "reverse", f"{ACCOUNT}/Q1")
    assert again.exit_code == 2
    assert "was already reversed" in again.output
