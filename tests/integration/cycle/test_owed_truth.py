"""What a debtor is told they owe, end to end (issue 11, items 8, 9 and 11): files imported
through the command line, the cycle with a real rule file, the outbox sent to the mail and
letters folders, and the portal page. On SQLite and PostgreSQL.

- a disputed invoice is left out of the reminder and its total, and shown apart;
- credit notes count against the balance: credited to zero (or below the minimum balance)
  means no reminder, partly credited means the rest;
- fees and interest are stated with their period, rate and legal basis, in the total, in the
  e-mail, the letter PDF and the portal; the fixed fee can be set per currency.
"""

from __future__ import annotations

import re
from datetime import date
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.ledger.tables import charges
from hub.ledger.tables import messages
from hub.services.portal import links as portal_links
from hub.web import create_app
from rules import DEFAULT_POLICY
from tests.integration.cycle.owed_support import CUSTOMERS
from tests.integration.cycle.owed_support import customer_row
from tests.integration.cycle.owed_support import cycle_and_send
from tests.integration.cycle.owed_support import import_csv
from tests.integration.cycle.owed_support import letters
from tests.integration.cycle.owed_support import mails
from tests.integration.cycle.owed_support import policy_from

DAY = date(2026, 11, 23)  # a Monday: the test clock's day
INVOICES = "invoice_number,customer_id,issue_date,due_date,currency,amount,disputed," \
           "credits_invoice\n"


def _row(number: str, code: str, due: date, amount: str, *, currency: str = "EUR",
         disputed: str = "", credits: str = "") -> str:
    return f"{number},{code},{due - timedelta(days=30)},{due},{currency},{amount},{disputed}," \
           f"{credits}\n"


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_disputes_and_credit_notes_change_what_the_reminder_says(hub: Hub,
                                                                  tmp_path: Path) -> None:
    due = DAY - timedelta(days=5)
    import_csv(hub, "customers", tmp_path / "customers.csv", CUSTOMERS + "".join(
        customer_row(code) for code in ("DISP", "CRED", "PART", "MINB")))
    import_csv(hub, "invoices", tmp_path / "invoices.csv", INVOICES
               + _row("D-1", "DISP", due, "500.00")
               + _row("D-2", "DISP", due - timedelta(days=5), "300.00", disputed="yes")
               + _row("C-1", "CRED", due, "1000.00")
               + _row("CN-C1", "CRED", due, "-1000.00", credits="C-1")
               + _row("P-1", "PART", due, "1000.00")
               + _row("P-2", "PART", due + timedelta(days=1), "200.00")
               + _row("CN-P", "PART", due, "-400.00")
               + _row("M-1", "MINB", due, "100.00")
               + _row("CN-M", "MINB", due, "-90.00", credits="M-1"))
    policy = policy_from(DEFAULT_POLICY.read_text(encoding="utf-8"), tmp_path / "rules.yaml")

    cycle_and_send(hub, policy, DAY)

    sent = mails(hub)
    # credited to zero, or to 10.00 under the minimum balance of 25.00: nothing to chase
    assert set(sent) == {"pay@disp.example", "pay@part.example"}
    disputed = sent["pay@disp.example"]
    assert "Friendly reminder: €500.00 overdue" in disputed
    assert "- D-1: €500.00" in disputed
    assert "Total overdue: €500.00" in disputed
    assert "Under dispute, not included in the total:\n- D-2: €300.00" in disputed
    assert "€800.00" not in disputed
    credited = sent["pay@part.example"]
    assert "- P-1: €600.00, due 18 November 2026 (credit notes of €400.00 deducted)" in credited
    assert "- P-2: €200.00" in credited
    assert "Total overdue: €800.00" in credited
    with hub.engine.connect() as connection:
        queued = {row.customer_code for row in connection.execute(sa.select(messages))}
    assert queued == {"DISP", "PART"}


FEES_RULES = """\
name: fees shown
segments: [{name: business, when: true}]
ladders:
  business:
    steps:
      - {name: final notice, at: 3, send: [letter], template: final-notice, fees: statutory}
fees:
  by_country: {DE: de, GB: uk}
  default: eu
  fixed: {CHF: 50}
"""


def test_fees_and_interest_are_stated_with_period_basis_and_total_in_letter_and_portal(
        hub: Hub, tmp_path: Path) -> None:
    due = DAY - timedelta(days=20)
    import_csv(hub, "customers", tmp_path / "customers.csv", CUSTOMERS
               + customer_row("FEDE", country="DE") + customer_row("FECH", country="CH",
                                                                    currency="CHF")
               + customer_row("FEUK", country="GB", currency="GBP"))
    import_csv(hub, "invoices", tmp_path / "invoices.csv", INVOICES
               + _row("F-1", "FEDE", due, "1000.00")
               + _row("F-2", "FEDE", due - timedelta(days=10), "400.00", disputed="yes")
               + _row("H-1", "FECH", due, "1000.00", currency="CHF")
               + _row("K-1", "FEUK", due, "2000.00", currency="GBP"))
    policy = policy_from(FEES_RULES, tmp_path / "rules.yaml")

    cycle_and_send(hub, policy, DAY)

    with hub.engine.connect() as connection:
        lines = {(row.kind, row.currency, row.amount_minor, row.basis) for row in
                 connection.execute(sa.select(charges))}
    assert lines == {
        # DE: EUR 40 (section 288(5) BGB), base rate 1.27 + 9 points for 20 days
        ("fixed_compensation", "EUR", 4000, "de"), ("interest", "EUR", 563, "de"),
        # the rule file's CHF 50; interest at the ECB rate 2.15 + 8 points
        ("fixed_compensation", "CHF", 5000, "contract"), ("interest", "CHF", 556, "eu"),
        # UK: GBP 70 for a debt from 1,000 to 9,999.99; base rate 3.75 + 8 points
        ("fixed_compensation", "GBP", 7000, "uk"), ("interest", "GBP", 1288, "uk")}
    by_customer = {text.split("Dear Pat")[0]: _flat(text) for text in letters(hub)}
    assert len(by_customer) == 3
    german = next(text for text in by_customer.values() if "F-1" in text)
    assert ("Interest on F-1 from 4 November 2026 to 23 November 2026 at 10.27% a year "
            "(section 288 BGB): €5.63") in german
    assert "Fixed compensation for late payment of F-1 (section 288 BGB): €40.00" in german
    assert "Invoices: €1,000.00" in german
    assert "Fees and interest: €45.63" in german
    assert "Total due: €1,045.63" in german
    assert "Under dispute, not included in the total: - F-2: €400.00" in german
    # the statement on the letter lists the charges and closes with what is owed
    assert "Interest on F-1 4 November 2026 – 23 November 2026 €5.63" in german
    assert "Compensation on F-1 €40.00" in german
    assert german.count("€1,045.63") >= 2
    swiss = next(text for text in by_customer.values() if "H-1" in text)
    assert "Fixed compensation for late payment of H-1 (our terms of payment): CHF50.00" \
        in swiss
    british = next(text for text in by_customer.values() if "K-1" in text)
    assert ("Fixed compensation for late payment of K-1 (Late Payment of Commercial Debts "
            "(Interest) Act 1998): £70.00") in british
    assert "at 11.75% a year" in british

    with hub.engine.begin() as connection:
        token = portal_links.issue_link(
            connection, customer_code="FEDE", secret=hub.settings.signing_key(),
            public_url=hub.settings.public_url, days=30, actor="tests",
            now=hub.clock.now()).token
    page = create_app(hub, {"TESTING": True}).test_client().get(f"/portal/{token}?lang=en")
    assert page.status_code == 200
    html = _flat(page.get_data(as_text=True).replace("\xa0", " "))
    assert "Total open: <span class=\"amount\">€1,045.63</span>" in html
    assert "Fees and interest (included in the total)" in html
    assert ("Interest on F-1, November 4, 2026 to November 23, 2026, at 10.27% a year "
            "(section 288 BGB): <span class=\"amount\">€5.63</span>") in html
    assert "Fixed compensation for late payment of F-1 (section 288 BGB)" in html
    assert "Under dispute, not included in the total: €400.00" in html


def test_finance_extends_the_rate_table_from_a_rates_folder(hub: Hub, tmp_path: Path) -> None:
    rates = tmp_path / "finance-rates"
    rates.mkdir()
    (rates / "ecb.csv").write_text("# set by finance\nvalid_from,percent\n2026-07-01,4.00\n",
                                   encoding="utf-8")
    due = DAY - timedelta(days=20)
    import_csv(hub, "customers", tmp_path / "customers.csv", CUSTOMERS + customer_row("RATE"))
    import_csv(hub, "invoices", tmp_path / "invoices.csv",
               INVOICES + _row("R-1", "RATE", due, "1000.00"))
    policy = policy_from(FEES_RULES.replace("fixed: {CHF: 50}", f"rates_folder: {rates}"),
                         tmp_path / "rules.yaml")

    cycle_and_send(hub, policy, DAY)

    (letter,) = letters(hub)
    # 4.00 (finance's row for the second half of 2026) + 8 points, 20 days on 1,000.00
    assert "from 4 November 2026 to 23 November 2026 at 12.00% a year (Directive 2011/7/EU): " \
           "€6.58" in _flat(letter)


@pytest.mark.parametrize(("content", "problem"), [
    ("valid_from,percent\n2026-07-01,four\n", "ecb.csv line 2: expected a date (2026-07-01) "
                                              "and a percent (2.15), got '2026-07-01,four'"),
    ("date,rate\n2026-07-01,4\n", "ecb.csv line 1: the first row must be valid_from,percent"),
])
def test_a_broken_rates_file_is_refused_by_rules_check_with_file_and_line(
        tmp_path: Path, content: str, problem: str) -> None:
    from rules import check_text

    (tmp_path / "ecb.csv").write_text(content, encoding="utf-8")
    problems = check_text(FEES_RULES.replace("fixed: {CHF: 50}", f"rates_folder: {tmp_path}"),
                          "rules.yaml", isolation="none")
    errors = [str(p) for p in problems if p.severity == "error"]
    assert len(errors) == 1, errors
    assert problem in errors[0]
    assert "rules.yaml line 10" in errors[0]


def test_a_fixed_fee_in_an_unknown_currency_is_refused(tmp_path: Path) -> None:
    from rules import check_text

    problems = check_text(FEES_RULES.replace("fixed: {CHF: 50}", "fixed: {EURO: 40}"),
                          "rules.yaml", isolation="none")
    assert [str(p) for p in problems if p.severity == "error"] == [
        'rules.yaml line 10, fees: "EURO" under "fixed" is not a currency code such as EUR']


def test_a_credit_note_naming_an_invoice_it_cannot_credit_is_rejected_with_the_reason(
        hub: Hub, tmp_path: Path) -> None:
    import_csv(hub, "customers", tmp_path / "customers.csv",
               CUSTOMERS + customer_row("ONE") + customer_row("TWO"))
    due = DAY - timedelta(days=5)
    path = tmp_path / "items.csv"
    result = import_csv(hub, "invoices", path, INVOICES
                        + _row("O-1", "ONE", due, "100.00")
                        + _row("O-2", "ONE", due, "100.00", currency="USD")
                        + _row("CN-1", "ONE", due, "-10.00", credits="NOPE")
                        + _row("CN-2", "TWO", due, "-10.00", credits="O-1")
                        + _row("CN-3", "ONE", due, "-10.00", credits="O-2")
                        + _row("T-1", "TWO", due, "50.00", credits="O-1")
                        + _row("CN-4", "ONE", due, "-10.00", credits="O-1"))
    assert "rejected           4" in result.output
    rejects = path.with_name("items.rejects.csv").read_text(encoding="utf-8")
    for reason in ("credit note CN-1 credits invoice NOPE, which is not in the ledger "
                   "(import the invoice first)",
                   "credit note CN-2 credits invoice O-1, which belongs to another customer "
                   "(not TWO)",
                   "credit note CN-3 credits invoice O-2, which is in USD, not EUR",
                   "credits_invoice O-1 is only for credit notes (a negative amount), not for "
                   "an amount of 50.00"):
        assert reason in rejects
