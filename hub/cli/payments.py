"""`import statement FILE...` and `payments unmatched|match|on-account|return|unmatch|
reverse|list`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from hub.cli.context import cli_actor
from hub.cli.context import get_hub
from hub.cli.imports import import_group
from hub.domain.errors import UserError
from hub.domain.money import Money

if TYPE_CHECKING:  # imported where used: `import invoices` loads this module too
    from collections.abc import Sequence
    from typing import Any

    from hub.bootstrap.readers import ParsedStatement
    from hub.services.payments import incoming as service


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], right: Sequence[int] = ()) -> str:
    """hub.cli.report_output.table, loaded when a payments command prints one."""
    from hub.cli.report_output import table as render  # noqa: PLC0415

    return render(headers, rows, right)


def _money(amount: Money) -> str:
    return f"{amount.amount:,} {amount.currency}"


def _clip(text: str | None, width: int) -> str:
    text = text or ""
    return text if len(text) <= width else text[:width - 1] + "…"


def _accounts(summary: str | None) -> str:
    if not summary:
        return ""
    accounts = summary.split(", ")
    if len(accounts) > 3:
        return f", {len(accounts)} accounts"
    return f", account{'s' if len(accounts) > 1 else ''} {summary}"


def _report(parsed: ParsedStatement, result: service.PaymentsResult) -> str:
    summary = parsed.summary
    lines = [f"{parsed.source}: {parsed.format}{_accounts(summary.account)}",
             f"  credits imported        {result.created}",
             f"  matched by reference    {result.matched_by_reference}",
             f"  matched by amount       {result.matched_by_amount}",
             f"  left unmatched          {result.unmatched}",
             f"  kept as credit          {result.credits}",
             f"  reversals applied       {result.reversed}",
             f"  unchanged (seen before) {result.unchanged}",
             f"  skipped                 {summary.debits_skipped} debits, "
             f"{summary.reversals_skipped} reversals, {parsed.pending_skipped} not booked",
             f"  rejected                {len(parsed.rejected)}"]
    lines += [f"  rejected: {message}" for message in parsed.rejected]
    lines += [f"  warning: {message}" for message in result.warnings]
    return "\n".join(lines)


@click.command("statement")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(path_type=Path, dir_okay=False))
@click.pass_context
def import_statement(ctx: click.Context, files: tuple[Path, ...]) -> None:
    """Import bank statements (camt.052/053/054, MT940/MT942) and match their credits.

    Each file is imported in one transaction; a file that cannot be read is
    reported and changes nothing, and the other files are still imported.
    """
    from hub.bootstrap.readers import read_statement  # noqa: PLC0415
    from hub.services.payments import incoming as service  # noqa: PLC0415

    hub = get_hub(ctx)
    failed = 0
    for path in files:
        try:
            parsed = read_statement(path)
            result = service.import_statement(
                hub.engine, parsed.payments, source=parsed.source,
                sha256=parsed.sha256, actor=cli_actor(), clock=hub.clock,
                rejected=len(parsed.rejected), reversals=parsed.reversals)
        except UserError as exc:
            failed += 1
            click.secho(f"error: {exc}", fg="red", err=True)
            continue
        click.echo(_report(parsed, result))
    if failed:
        click.secho(f"{failed} of {len(files)} files not imported", fg="red", err=True)
        ctx.exit(2)


@click.group("payments")
def payments_group() -> None:
    """Incoming payments: the manual matching queue and the list of payments."""


@payments_group.command("unmatched")
@click.pass_context
def unmatched_command(ctx: click.Context) -> None:
    """Payments waiting to be matched by hand, with invoices worth a look."""
    from hub.services.payments import incoming as service  # noqa: PLC0415

    hub = get_hub(ctx)
    with hub.engine.connect() as connection:
        queue = service.unmatched(connection)
    if not queue:
        click.echo("No unmatched payments.")
        return
    rows = [[f"#{item.id}", item.reference, item.received_on.isoformat(), _money(item.amount),
             _clip(item.payer_name or item.payer_account, 30)
             + (f" ({item.customer_code})" if item.customer_code else ""),
             _clip(item.remittance, 40), ", ".join(item.suggestions)]
            for item in queue]
    click.echo(table(["id", "reference", "date", "amount", "payer", "remittance",
                      "suggestions"], rows, right=[0, 3]))
    click.echo(f"\n{len(queue)} unmatched. Match one with: "
               "python app.py payments match PAYMENT INVOICE... (PAYMENT: reference or #id)")


@payments_group.command("match")
@click.argument("payment")
@click.argument("invoices", nargs=-1, required=True)
@click.pass_context
def match_command(ctx: click.Context, payment: str, invoices: tuple[str, ...]) -> None:
    """Apply PAYMENT (its reference or #id) to INVOICES, in the order given.

    What the invoices do not take stays on the payment as credit on the account.
    """
    from hub.services.payments import cash_application  # noqa: PLC0415

    hub = get_hub(ctx)
    with hub.engine.begin() as connection:
        result = cash_application.match(connection, payment, list(invoices),
                                        actor=cli_actor(), today=hub.clock.today(),
                                        now=hub.clock.now())
    for number, part in result.allocations:
        click.echo(f"{_money(part)} applied to invoice {number}")
    if not result.remainder.is_zero():
        click.echo(f"{_money(result.remainder)} kept as credit on the account")
    for number in result.untouched:
        click.echo(f"nothing left for invoice {number}")
    click.echo(f"payment {result.reference}: {result.status.value.replace('_', ' ')}")


@payments_group.command("on-account")
@click.argument("payment")
@click.argument("customer")
@click.pass_context
def on_account_command(ctx: click.Context, payment: str, customer: str) -> None:
    """Keep PAYMENT (its reference or #id), waiting in the manual queue, as credit on
    CUSTOMER's account for no invoice."""
    from hub.services.payments import cash_application  # noqa: PLC0415

    hub = get_hub(ctx)
    with hub.engine.begin() as connection:
        reference = cash_application.put_on_account(
            connection, payment, customer, actor=cli_actor(), today=hub.clock.today(),
            now=hub.clock.now())
    click.echo(f"payment {reference}: kept as credit on account {customer}")


@payments_group.command("return")
@click.argument("payment")
@click.option("--reason", default=None, help="Why, for the timeline and the audit log.")
@click.pass_context
def return_command(ctx: click.Context, payment: str, reason: str | None) -> None:
    """Record that PAYMENT (its reference or #id), waiting in the manual queue, is refunded
    to the payer: it is marked returned and nothing of it is allocated. Make the refund in
    the bank."""
    from hub.services.payments import cash_application  # noqa: PLC0415

    hub = get_hub(ctx)
    with hub.engine.begin() as connection:
        reference = cash_application.return_to_payer(connection, payment, actor=cli_actor(),
                                                     now=hub.clock.now(), reason=reason)
    click.echo(f"payment {reference}: returned")


def _taken_back(result: service.Unallocation) -> None:
    for number, back, left in result.reopened:
        click.echo(f"{_money(back)} taken off invoice {number}; {_money(left)} open again")
    click.echo(f"payment {result.reference}: {result.status.value.replace('_', ' ')}")


@payments_group.command("unmatch")
@click.argument("payment")
@click.option("--reason", default=None, help="Why, for the account's timeline.")
@click.pass_context
def unmatch_command(ctx: click.Context, payment: str, reason: str | None) -> None:
    """Take PAYMENT (its reference or #id) off the invoices it paid; it waits in the
    manual queue again. The invoices reopen and their reminders resume where they were."""
    from hub.services.payments import incoming as service  # noqa: PLC0415

    hub = get_hub(ctx)
    with hub.engine.begin() as connection:
        result = service.unmatch(connection, payment, actor=cli_actor(), now=hub.clock.now(),
                                 reason=reason)
    _taken_back(result)


@payments_group.command("reverse")
@click.argument("payment")
@click.option("--reason", default=None, help="Why (returned transfer, chargeback...).")
@click.pass_context
def reverse_command(ctx: click.Context, payment: str, reason: str | None) -> None:
    """PAYMENT (its reference or #id) was taken back by the bank: it is marked reversed and
    the invoices it paid reopen; their reminders resume where they were."""
    from hub.services.payments import incoming as service  # noqa: PLC0415

    hub = get_hub(ctx)
    with hub.engine.begin() as connection:
        result = service.unmatch(connection, payment, actor=cli_actor(), now=hub.clock.now(),
                                 reason=reason, reversed_by_bank=True)
    _taken_back(result)


@payments_group.command("list")
@click.option("--customer", "customer", default=None, help="Only this customer's payments.")
@click.pass_context
def list_command(ctx: click.Context, customer: str | None) -> None:
    """Payments received, with their status and the invoices they paid."""
    from hub.services.payments import incoming as service  # noqa: PLC0415

    hub = get_hub(ctx)
    with hub.engine.connect() as connection:
        found = service.list_payments(connection, customer_code=customer)
    if not found:
        click.echo("No payments.")
        return
    rows = [[f"#{p.id}", p.reference, p.received_on.isoformat(), _money(p.amount),
             p.status.value.replace("_", " "),
             "" if p.unallocated.is_zero() else _money(p.unallocated),
             p.customer_code or "", _clip(p.payer_name, 30), _clip(", ".join(p.invoices), 40)]
            for p in found]
    click.echo(table(["id", "reference", "date", "amount", "status", "unallocated",
                      "customer", "payer", "invoices"], rows, right=[0, 3, 5]))


def register(cli: click.Group) -> None:
    """Add this module's commands to the top-level group."""
    import_group.add_command(import_statement)
    cli.add_command(payments_group)
