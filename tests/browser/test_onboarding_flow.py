"""Onboarding a creditor in a real browser (issue 17, docs/creditors.md#onboarding): the
platform admin creates creditor "ibm-demo" with its admin; the admin uploads the IBM
invoices file, sees the columns guessed and the first rows as the hub reads them, leaves the
settlement column out (the rows are open items), imports, starts a campaign from the
Standard template with SMS moved before e-mail after simulating its first 30 days, and
after the cycle ran for ibm-demo day by day sees the campaign page with the steps reached
and the amounts owed, as computed here from the file."""

from __future__ import annotations

import csv
import re
import shutil
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from datetime import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from playwright.sync_api import Page
from playwright.sync_api import expect

from hub.bootstrap import Hub
from hub.domain.clock import FixedClock
from hub.ledger.current import acting_for
from hub.services.staff.creditors import creditor_by_code
from tests.browser.test_staff_flows import TODAY
from tests.browser.test_staff_flows import sign_in
from tests.integration.cycle.helpers import run_day
from tests.web.conftest import PASSWORD
from tests.web.conftest import add_staff

IBM = "ibm-late-payment-histories.csv"


def _money(amount: Decimal) -> re.Pattern[str]:
    return re.compile(re.escape(f"{amount:,.2f}"))


def test_a_new_creditor_imports_the_ibm_file_and_runs_a_campaign_with_sms_first(
        ledger: Hub, serve: Callable[[Hub], str], page: Page, *, shared_data: Path,
        tmp_path: Path, shot: Callable[[Page, str], Path]) -> None:
    source = tmp_path / IBM
    shutil.copy(shared_data / "ar" / IBM, source)
    with source.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    owed: dict[str, Decimal] = defaultdict(Decimal)
    undisputed = set()
    for row in rows:
        owed[row["customerID"]] += Decimal(row["InvoiceAmount"])
        if row["Disputed"] == "No":
            undisputed.add(row["customerID"])
    # the campaign takes every customer with an overdue debt that is not all disputed;
    # every invoice of the file fell due in 2013-2014
    members = sorted(undisputed)
    first = rows[0]["customerID"]  # 0379-NEVHP, line 2 of the file
    add_staff(ledger)
    base = serve(ledger)

    # 1. the platform admin (an admin of the hub's own company) creates the creditor
    sign_in(page, base, "adm@example.com")
    page.get_by_role("link", name="Creditor", exact=True).click()
    page.get_by_role("link", name=re.compile("^Onboarding")).click()
    expect(page.get_by_role("heading", name="New creditor")).to_be_visible()
    page.get_by_role("textbox", name=re.compile("^Creditor code")).fill("ibm-demo")
    page.get_by_label("Company name").fill("IBM Demo Receivables")
    page.get_by_label("Admin e-mail").fill("boss@ibm-demo.example")
    page.get_by_label("Admin name").fill("Iris Boss")
    page.get_by_label(re.compile("^Admin password")).fill(PASSWORD)
    page.get_by_role("button", name="Create creditor").click()
    expect(page.get_by_role("status")).to_contain_text("You now act for it.")
    expect(page.get_by_role("heading", name="You act for IBM Demo Receivables")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    # 2. the creditor's admin uploads the open items and checks the mapping preview
    sign_in(page, base, "boss@ibm-demo.example")
    page.get_by_role("link", name="Creditor", exact=True).click()
    page.get_by_role("link", name=re.compile("^Onboarding")).click()
    page.get_by_role("link", name="2. Open items").click()
    page.get_by_label("Open-items file", exact=True).set_input_files(str(source))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("heading", name=f"Columns of {IBM}")).to_be_visible()
    expect(page.get_by_label("Column for invoice_number")).to_have_value("invoiceNumber")
    expect(page.get_by_label("Column for customer_id")).to_have_value("customerID")
    expect(page.get_by_label("Column for due_date")).to_have_value("DueDate")
    expect(page.get_by_label("Column for amount")).to_have_value("InvoiceAmount")
    expect(page.get_by_label("Column for settled_on")).to_have_value("SettledDate")
    line2 = page.locator('#preview tr[data-line="2"]')
    expect(line2.locator('[data-col="due_date"]')).to_have_text("2013-02-01")  # 2/1/2013
    expect(line2.locator('[data-col="amount"]')).to_have_text(rows[0]["InvoiceAmount"])
    expect(line2.locator('[data-col="settled_on"]')).to_have_text("2013-01-15")
    # these are open items: the settlement date is not read
    page.get_by_label("Column for settled_on").select_option("")
    page.get_by_role("button", name="Preview with these columns").click()
    expect(page.get_by_label("Column for settled_on")).to_have_value("")
    expect(page.locator("#preview-counts")).to_contain_text(
        f"{len(rows):,} rows read as invoices, 0 rejected")
    expect(line2.locator('[data-col="settled_on"]')).to_have_count(0)
    expect(page.get_by_label("Owner of the imported customers")).to_have_value(
        "boss@ibm-demo.example")
    shot(page, "1-mapping-preview")
    page.get_by_role("button", name=f"Import {IBM}").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Imported: {len(rows)} invoices created, 0 updated, 0 rejected; {len(owed)} "
        "customers created, owned by boss@ibm-demo.example.")

    # 3. a campaign from the Standard template, SMS moved before e-mail, simulated first
    expect(page.get_by_role("heading", name="First campaign")).to_be_visible()
    page.get_by_label("Template").select_option("standard")
    page.get_by_role("button", name="Use this template").click()
    expect(page.get_by_label("Step 1 channel")).to_have_value("email")
    page.get_by_label("Name").fill("Welcome IBM")
    page.get_by_label("Step 1 channel").select_option("sms")
    page.get_by_label("Step 2 channel").select_option("email")
    page.get_by_role("button", name="Simulate 30 days").click()
    day0 = page.locator('#simulation tr[data-day="0"]')
    expect(day0.locator('[data-channel="sms"]')).to_have_text(str(len(members)))
    expect(day0.locator('[data-col="reached"]')).to_have_text(str(len(members)))
    total = sum((owed[code] for code in members), Decimal(0))
    expect(day0.locator('[data-col="amount"]')).to_have_text(_money(total))
    # day 5, the e-mail's day, is Saturday 2026-11-28: it goes out on Monday (day 7)
    day7 = page.locator('#simulation tr[data-day="7"]')
    expect(day7.locator('[data-channel="email"]')).to_have_text(str(len(members)))
    shot(page, "2-simulation")
    expect(page.get_by_label("Step 1 channel")).to_have_value("sms")  # the form is kept
    page.get_by_role("button", name="Start campaign").click()
    expect(page.get_by_role("heading", name="Campaign Welcome IBM")).to_be_visible()
    expect(page.locator('[data-total="customers"]')).to_have_text(str(len(members)))
    expect(page.locator('[data-total="owed"]')).to_have_text(_money(total))

    # 4. the daily cycle runs for ibm-demo, day after day, up to Monday 2026-11-30
    with ledger.engine.connect() as connection:
        creditor = creditor_by_code(connection, "ibm-demo").id
    last = TODAY + timedelta(days=7)
    with acting_for(creditor):
        day = TODAY
        while day <= last:
            run_day(ledger, ledger.reload_rules().policy, day)
            day += timedelta(days=1)
    assert isinstance(ledger.clock, FixedClock)
    ledger.clock.moment = datetime.combine(last, time(9, 0), UTC)  # the page's today
    page.reload()
    row = page.locator(f'tr[data-customer="{first}"]')
    expect(row.locator('[data-col="reached"]')).to_contain_text("2. email")
    expect(row.locator('[data-col="reached"]')).to_contain_text("2026-11-30")
    expect(row.locator('[data-col="next"]')).to_contain_text("3. letter")
    expect(row.locator('[data-col="next"]')).to_contain_text("2026-12-07")  # day 14
    expect(row.locator('[data-col="owed"]')).to_have_text(_money(owed[first]))
    expect(page.locator('[data-total="reached"]')).to_have_text(str(len(members)))
    expect(page.locator('[data-total="owed"]')).to_have_text(_money(total))
    expect(page.get_by_text("1. SMS (day 0) → 2. E-mail (day 5)")).to_be_visible()
    shot(page, "3-campaign-page")
