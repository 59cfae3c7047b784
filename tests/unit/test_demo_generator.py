from __future__ import annotations

import re
from collections import Counter
from datetime import date
from decimal import Decimal

from hub.demo.portfolio import generate
from hub.demo.portfolio import iban

TODAY = date(2026, 11, 23)
INVOICE = re.compile(r"INV-\d{4}-\d{6}")


def test_same_seed_gives_the_same_portfolio_and_another_seed_does_not() -> None:
    assert generate(3, TODAY, customers=40) == generate(3, TODAY, customers=40)
    assert generate(3, TODAY, customers=40) != generate(4, TODAY, customers=40)


def test_portfolio_spans_countries_currencies_languages_and_both_kinds() -> None:
    portfolio = generate(7, TODAY)
    customers = portfolio.customers
    assert len(customers) == 400
    assert len({c["country"] for c in customers}) >= 5
    assert {c["currency"] for c in customers} >= {"EUR", "GBP", "PLN", "USD"}
    assert {c["language"] for c in customers} == {"en", "nl", "de", "pl", "es"}
    kinds = Counter(c["kind"] for c in customers)
    assert kinds["B2B"] > kinds["B2C"] > 50
    assert len({c["department"] for c in customers}) == 3


def test_twelve_months_of_invoices_with_realistic_payment_behaviour() -> None:
    portfolio = generate(7, TODAY)
    issued = sorted(date.fromisoformat(i["issue_date"]) for i in portfolio.invoices)
    assert (TODAY - issued[0]).days >= 330
    assert issued[-1] <= TODAY
    due = {i["invoice_number"]: date.fromisoformat(i["due_date"]) for i in portfolio.invoices}
    payments = portfolio.payments + portfolio.statement
    named = [(p, m.group(0)) for p in payments if (m := INVOICE.search(p["remittance"]))]
    late_days = [(date.fromisoformat(p["received_on"]) - due[n]).days for p, n in named]
    on_time = sum(1 for d in late_days if d <= 0) / len(late_days)
    assert 0.4 < on_time < 0.8  # most pay on time...
    assert sum(1 for d in late_days if d > 60) > 50  # ...with a tail of late payers
    disputed = sum(1 for i in portfolio.invoices if i["disputed"] == "yes")
    assert 0.005 < disputed / len(portfolio.invoices) < 0.05
    amounts = {i["invoice_number"]: Decimal(i["amount"]) for i in portfolio.invoices}
    assert any(Decimal(p["amount"]) < amounts[n] for p, n in named), "some payments are partial"
    assert all(date.fromisoformat(p["received_on"]) <= TODAY for p in payments)


def test_demo_ibans_carry_valid_check_digits() -> None:
    account = iban("NL", "DEMO", 42)
    digits = "".join(str(int(ch, 36)) for ch in account[4:] + account[:4])
    assert len(account) == 18
    assert int(digits) % 97 == 1
