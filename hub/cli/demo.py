"""`demo`: build a realistic portfolio in the configured ledger and print a summary.

The generated rows are written as files under `var/demo/` and imported through the
same importers and bank-statement reader a customer's own exports take.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from datetime import date
from datetime import timedelta
from pathlib import Path

import click
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from hub.bootstrap import Hub
from hub.bootstrap.readers import import_file
from hub.bootstrap.readers import read_statement
from hub.cli.context import get_hub
from hub.cli.demo_replay import DAYS
from hub.cli.demo_replay import Replay
from hub.cli.demo_replay import has_history
from hub.cli.demo_replay import stepped_clock
from hub.cli.demo_replay import write_csv
from hub.cli.reports import aging_output
from hub.demo.portfolio import DOMAIN
from hub.demo.portfolio import DemoPortfolio
from hub.demo.portfolio import generate
from hub.demo.statement import camt053
from hub.domain.model import Role
from hub.domain.model import User
from hub.ledger.tables import customers
from hub.ledger.tables import invoices
from hub.ledger.tables import payments
from hub.ledger.users import list_users
from hub.ledger.users import upsert_users
from hub.services.payments import incoming as payment_service
from hub.services.read.reports import aging_report
from hub.services.staff.auth import set_password

ACTOR = "demo"
# Printed by the demo so people can sign in; a demo ledger holds no real data.
DEMO_PASSWORD = "collect-the-cash"  # noqa: S105 - printed on purpose
STAFF = [("Fenna de Boer", "fenna.deboer", Role.FINANCE, "Finance"),
         ("Alex Admin", "admin", Role.ADMIN, None),
         ("Rita Reader", "rita.reader", Role.READ_ONLY, None)]


@dataclass
class DemoFiles:
    folder: Path
    customers: Path
    invoices: Path
    payments: Path
    statement: Path
    extra: list[Path] = field(default_factory=list)


def write_files(portfolio: DemoPortfolio, folder: Path, statement_id: str) -> DemoFiles:
    """The portfolio as an ERP would export it: CSVs and a camt.053 statement."""
    folder.mkdir(parents=True, exist_ok=True)
    statement = folder / "statement.camt053.xml"
    created = max((row["received_on"] for row in portfolio.statement), default=statement_id)
    statement.write_bytes(camt053(portfolio.statement, statement_id, date.fromisoformat(created)))
    return DemoFiles(folder=folder,
                     customers=write_csv(folder / "customers.csv", portfolio.customers),
                     invoices=write_csv(folder / "invoices.csv", portfolio.invoices),
                     payments=write_csv(folder / "payments.csv", portfolio.payments),
                     statement=statement)


def _reset(hub: Hub) -> None:
    url = make_url(hub.settings.database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        raise click.UsageError("--reset only removes the embedded SQLite ledger; "
                               "empty a PostgreSQL database with your own tools")
    hub.engine.dispose()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{url.database}{suffix}").unlink(missing_ok=True)


# The demo company: fictitious, with the banks' own published example account numbers
# (valid checksums, no real account behind them).
DEMO_CREDITOR = """\
# The demo's creditor profile (docs/creditor.md); HUB_CREDITOR_FILE names your own.
legal_name: Northwind Supplies B.V.
trading_name: Northwind Supplies
address:
  - Keizersgracht 123
  - 1015 CJ Amsterdam
  - Netherlands
email: ar@northwind.example
phone: +31 20 123 4567
website: northwind.example
vat_number: NL123456789B01
registration_number: KvK 12345678
reference_per: invoice
sms_sender_id: Northwind
accounts:
  - currency: EUR
    iban: NL91 ABNA 0417 1643 00
    bic: ABNANL2A
  - currency: GBP
    iban: GB29 NWBK 6016 1331 9268 19
    bic: NWBKGB2L
    sort_code: 60-16-13
    account_number: "31926819"
  - currency: PLN
    iban: PL61 1090 1014 0000 0712 1981 2874
    bic: WBKPPLPP
"""


def demo_creditor(hub: Hub) -> str:
    """The demo uses HUB_CREDITOR_FILE when set; otherwise it writes the demo company's
    profile under var/demo/ and uses that."""
    if hub.settings.creditor_file is None:
        path = hub.settings.var_dir / "demo" / "creditor.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(DEMO_CREDITOR, encoding="utf-8")
        hub.settings = replace(hub.settings, creditor_file=path)
    state = hub.creditor_state()
    if state.profile is None:
        return f"  creditor   warning: {state.problem}"
    return f"  creditor   {state.profile.name} ({hub.settings.creditor_file})"


def _existing_files(folder: Path) -> DemoFiles | None:
    files = DemoFiles(folder=folder, customers=folder / "customers.csv",
                      invoices=folder / "invoices.csv", payments=folder / "payments.csv",
                      statement=folder / "statement.camt053.xml")
    if all(path.exists() for path in (files.customers, files.invoices, files.payments,
                                       files.statement)):
        return files
    return None


def _history(hub: Hub, portfolio: DemoPortfolio, *, seed: int, days: int, today: date,
             folder: Path) -> tuple[DemoFiles, list[str]]:
    """Replay `days` of history (none on a ledger that has its own) and write the files
    an ERP and a bank would hand over today."""
    if days > 0 and has_history(hub):
        files = _existing_files(folder)
        note = ["  history    this ledger has run cycles before: no history replayed"]
        if files is not None:
            return files, note
        return write_files(portfolio, folder, f"DEMO-{today:%Y%m%d}"), note
    if days == 0:
        return write_files(portfolio, folder, f"DEMO-{today:%Y%m%d}"), []
    replay = Replay(hub, portfolio, stepped_clock(hub), seed, days, folder)
    lines = replay.run(today)
    # The bank lines of the replayed days stand on the statement file, as the bank wrote
    # them (a camt.053 entry keeps its own reference); the older ones in payments.csv.
    first = (today - timedelta(days=days)).isoformat()
    now = replace(portfolio,
                  payments=[row for row in replay.received if row["received_on"] <= first],
                  statement=[row for row in replay.received if row["received_on"] > first])
    return write_files(now, folder, f"DEMO-{today:%Y%m%d}"), lines


def build_demo(hub: Hub, *, seed: int, customers_count: int, days: int = DAYS) -> list[str]:
    """Generate the demo portfolio, replay `days` of its history through the product,
    then import today's files; returns the summary lines."""
    today = hub.clock.today()
    started = time.perf_counter()
    portfolio = generate(seed, today, customers_count)
    now = hub.clock.now()
    people = [User(email=row["email"], name=row["name"], role=Role(row["role"]),
                   department=row["department"], manager_email=row["manager_email"] or None)
              for row in portfolio.users]
    people += [User(email=f"{login}@{DOMAIN}", name=name, role=role, department=department)
               for name, login, role, department in STAFF]
    with hub.engine.begin() as connection:
        upsert_users(connection, people, now)
        for person in people:
            set_password(connection, person.email, DEMO_PASSWORD, actor=ACTOR, now=now)
    folder = hub.settings.var_dir / "demo"
    lines = [f"Demo portfolio (seed {seed}, as of {today}) in {hub.settings.database_url}",
             f"  files: {folder}", demo_creditor(hub)]
    files, history = _history(hub, portfolio, seed=seed, days=days, today=today, folder=folder)
    lines += history
    for kind, path in (("customers", files.customers), ("invoices", files.invoices),
                       ("payments", files.payments)):
        result = import_file(hub.engine, path, kind, preset="generic", actor=ACTOR,
                             clock=hub.clock)
        lines.append(f"  {kind:<10} created {result.created:>6}  updated {result.updated:>5}  "
                     f"unchanged {result.unchanged:>6}  rejected {result.rejected}")
    parsed = read_statement(files.statement)
    statement = payment_service.import_statement(
        hub.engine, parsed.payments, source=parsed.source, sha256=parsed.sha256, actor=ACTOR,
        clock=hub.clock, rejected=len(parsed.rejected))
    lines.append(f"  statement  {result_line(statement)}")
    lines += _ledger_lines(hub)
    departments = ", ".join(sorted({p.department for p in people if p.department}))
    lines.append(f"  built in {time.perf_counter() - started:.1f} s; "
                 f"{len(people)} users (departments: {departments})")
    return lines


def result_line(result: payment_service.PaymentsResult) -> str:
    return (f"credits {result.created}, matched by reference {result.matched_by_reference}, "
            f"by amount {result.matched_by_amount}, unmatched {result.unmatched}, "
            f"unchanged {result.unchanged}")


def _counts_by(connection: sa.Connection, column: sa.Column[str]) -> dict[str, int]:
    rows = connection.execute(sa.select(column, sa.func.count()).group_by(column))
    return {str(value): int(count) for value, count in rows}


def _ledger_lines(hub: Hub) -> list[str]:
    with hub.engine.connect() as connection:
        kinds = _counts_by(connection, customers.c.kind)
        countries = connection.execute(sa.select(sa.func.count(sa.distinct(customers.c.country)))
                                       ).scalar_one()
        languages = connection.execute(sa.select(sa.func.count(sa.distinct(customers.c.language)))
                                       ).scalar_one()
        statuses = _counts_by(connection, invoices.c.status)
        disputed = connection.execute(sa.select(sa.func.count()).where(invoices.c.disputed)
                                      ).scalar_one()
        payment_states = _counts_by(connection, payments.c.status)
    return [
        f"  customers  {sum(kinds.values())} ({kinds.get('B2B', 0)} B2B, {kinds.get('B2C', 0)} "
        f"B2C) in {countries} countries, {languages} languages",
        f"  invoices   {sum(statuses.values())}: "
        + ", ".join(f"{count} {status.replace('_', ' ')}"
                    for status, count in sorted(statuses.items()))
        + f"; {disputed} disputed",
        "  payments   " + ", ".join(f"{count} {status.replace('_', ' ')}"
                                   for status, count in sorted(payment_states.items())),
    ]


def _most_overdue_debtor(hub: Hub) -> str | None:
    """A debtor worth showing in the portal: open, overdue invoices, not excluded."""
    with hub.engine.connect() as connection:
        return connection.execute(
            sa.select(customers.c.code).join(invoices, invoices.c.customer_id == customers.c.id)
            .where(invoices.c.open_minor > 0, invoices.c.due_date < hub.clock.today(),
                   ~customers.c.excluded, ~invoices.c.disputed)
            .group_by(customers.c.code).order_by(sa.func.count().desc(), customers.c.code)
            .limit(1)).scalar()


def _run_cycle(hub: Hub) -> str:
    from hub.bootstrap.cycle import build_cycle  # noqa: PLC0415
    from hub.bootstrap.cycle import cycle_options  # noqa: PLC0415
    from hub.cli.cycle import summary  # noqa: PLC0415 - the cycle's own wording

    report = build_cycle(hub).run(cycle_options(hub, actor=ACTOR))
    return summary(report)


def _where_to_look(hub: Hub, host: str, port: int) -> list[str]:
    var = hub.settings.var_dir
    lines = ["", "Where to look:",
             f"  worklists (Excel)   {var / 'sheets'}  (one workbook per department)",
             f"  mail sent           {var / 'mail'}  (.eml files; also the outbox page)",
             f"  web app             http://{host}:{port}/",
             f"  sign in as          any demo user below, password {DEMO_PASSWORD!r}"]
    with hub.engine.connect() as connection:
        for person in list_users(connection):
            lines.append(f"    {person.role.value:<10} {person.email:<45} "
                         f"{person.department or ''}")
    code = _most_overdue_debtor(hub)
    if code is not None:
        lines.append(f"  debtor portal       {hub.portal_links().portal_url(code)}  ({code})")
    return lines


def register(cli: click.Group) -> None:
    """Add this module's commands to the top-level group."""

    @cli.command("demo")
    @click.option("--seed", type=int, default=7, show_default=True,
                  help="Same seed and date, same portfolio.")
    @click.option("--customers", "customers_count", type=click.IntRange(1, 100_000),
                  default=400, show_default=True)
    @click.option("--days", type=click.IntRange(0, 366), default=DAYS, show_default=True,
                  help="Days of history to replay before today (0: none).")
    @click.option("--reset", is_flag=True,
                  help="Start from an empty embedded ledger (removes var/hub.db).")
    @click.option("--no-serve", "no_serve", is_flag=True,
                  help="Build everything and exit instead of serving the web app.")
    @click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True)
    @click.pass_context
    def demo_command(ctx: click.Context, *, seed: int, customers_count: int, days: int,
                     reset: bool, no_serve: bool, port: int) -> None:
        """Build a realistic demo portfolio, run today's cycle, then serve the web app.

        Several hundred customers in seven countries, five languages and four
        currencies, twelve months of invoices. The last DAYS days are replayed day
        by day through the product: new invoices, a daily camt.053 statement, the
        cycle, and people working their lists (promises kept and broken, payment
        plans, disputes). Then today's cycle: decisions, worklists in var/sheets,
        reminders in var/mail. Running it again on the same day changes nothing.
        Ends with the web app on http://127.0.0.1:PORT/ (Ctrl+C stops it).
        """
        hub = get_hub(ctx, schema="upgrade")  # the demo is its own release step
        if reset:
            _reset(hub)
            hub.migrate()
        for line in build_demo(hub, seed=seed, customers_count=customers_count, days=days):
            click.echo(line)
        click.echo("")
        aging_output(aging_report(hub.engine, hub.clock.today(), "currency"), "table")
        click.echo("")
        click.echo(_run_cycle(hub))
        host = "127.0.0.1"
        for line in _where_to_look(hub, host, port):
            click.echo(line)
        if no_serve:
            return
        from hub.web import create_app  # noqa: PLC0415 - only when serving

        click.echo(f"\nserving on http://{host}:{port}/ ; Ctrl+C stops")
        create_app(hub).run(host=host, port=port, debug=False, use_reloader=False)
