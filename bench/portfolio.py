"""Write a synthetic portfolio of N invoices in the importers' `generic` layout, fast."""

from __future__ import annotations

import csv
import random
from datetime import date
from datetime import timedelta
from pathlib import Path

CURRENCIES = ["EUR", "EUR", "EUR", "GBP", "USD", "PLN"]
COUNTRIES = {"EUR": "NL", "GBP": "GB", "USD": "US", "PLN": "PL"}
OWNERS = [f"collector{i}@bench.example" for i in range(1, 21)]
DEPARTMENTS = ["Sales", "Finance", "Operations"]


def write_portfolio(folder: Path, invoices: int, today: date, seed: int = 1) -> tuple[Path, Path]:
    """customers.csv (one customer per 20 invoices) and invoices.csv; returns both paths."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    count = max(1, invoices // 20)
    currencies = [rng.choice(CURRENCIES) for _ in range(count)]
    customers_path = folder / "customers.csv"
    with customers_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["customer_id", "name", "kind", "country", "owner", "department",
                         "currency"])
        for index, currency in enumerate(currencies):
            writer.writerow([f"B{index:07d}", f"Bench Customer {index}",
                             "B2B" if index % 4 else "B2C", COUNTRIES[currency],
                             OWNERS[index % len(OWNERS)], DEPARTMENTS[index % 3], currency])
    invoices_path = folder / "invoices.csv"
    start = today - timedelta(days=365)
    with invoices_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["invoice_number", "customer_id", "issue_date", "due_date", "currency",
                         "amount", "open_amount"])
        for number in range(invoices):
            customer = rng.randrange(count)
            issue = start + timedelta(days=rng.randrange(365))
            cents = rng.randrange(1_500, 2_500_000)
            open_cents = 0 if rng.random() < 0.7 else cents
            writer.writerow([f"BI{number:08d}", f"B{customer:07d}", issue.isoformat(),
                             (issue + timedelta(days=30)).isoformat(), currencies[customer],
                             f"{cents // 100}.{cents % 100:02d}",
                             f"{open_cents // 100}.{open_cents % 100:02d}"])
    return customers_path, invoices_path
