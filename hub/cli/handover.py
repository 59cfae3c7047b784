"""`handover list | show | start | approve | decline | status | file`: accounts handed over to hard
collection (docs/handover.md), for the creditor `--creditor` names (default: the default
creditor)."""

from __future__ import annotations

from pathlib import Path

import click

from hub.cli.context import cli_actor
from hub.cli.context import get_hub
from hub.cli.report_output import table
from hub.domain.handover import HandoverStatus
from hub.services.handover.cases import Case
from hub.services.handover.cases import get_case
from hub.services.handover.cases import history
from hub.services.handover.cases import list_cases
from hub.services.handover.workflow import approve_case
from hub.services.handover.workflow import case_file
from hub.services.handover.workflow import change_status
from hub.services.handover.workflow import decline_case
from hub.services.handover.workflow import hand_over_now

STATUSES = [s.value for s in HandoverStatus]


@click.group("handover")
def handover_group() -> None:
    """Hand-overs to hard collection: approve, decline, follow the case, its case file."""


def _owed(case: Case) -> str:
    return ", ".join(str(m) for m in case.owed) or "-"


@handover_group.command("list")
@click.option("--status", type=click.Choice(STATUSES), help="only cases in this status")
@click.pass_context
def list_command(ctx: click.Context, status: str | None) -> None:
    """The hand-overs: waiting for approval, declined, with the collection company."""
    with get_hub(ctx).engine.connect() as connection:
        found = list_cases(connection, statuses=[HandoverStatus(status)] if status else None)
    if not found:
        click.echo("no hand-overs" + (f" in status {status}" if status else ""))
        return
    click.echo(table(["case", "customer", "status", "proposed", "handed over", "overdue",
                      "note"],
                     [[str(c.id), c.customer_code, c.status.value, str(c.requested_on),
                       f"{c.handed_over_at:%Y-%m-%d}" if c.handed_over_at else "-",
                       _owed(c), c.note or c.decline_reason or ""] for c in found]))


def _show(case: Case) -> None:
    click.echo(f"case {case.id}: {case.customer_code} {case.customer_name}, {case.status.value}")
    click.echo(f"  proposed {case.requested_on} by {case.requested_by}: {case.reason}")
    click.echo(f"  overdue then: {_owed(case)}")
    if case.decided_by:
        click.echo(f"  decided by {case.decided_by}"
                   + (f": {case.decline_reason}" if case.decline_reason else ""))
    if case.handed_over_at:
        click.echo(f"  handed over {case.handed_over_at:%Y-%m-%d %H:%M}; case file: "
                   + (", ".join(case.files) or "not made yet"))


@handover_group.command("show")
@click.argument("case_id", type=int)
@click.pass_context
def show_command(ctx: click.Context, case_id: int) -> None:
    """One case, with every status it went through."""
    with get_hub(ctx).engine.connect() as connection:
        case = get_case(connection, case_id)
        steps = history(connection, case_id)
    _show(case)
    for step in steps:
        click.echo(f"  {step.at:%Y-%m-%d %H:%M} {step.status.value} by {step.actor}"
                   + (f": {step.note}" if step.note else ""))


@handover_group.command("approve")
@click.argument("case_id", type=int)
@click.pass_context
def approve_command(ctx: click.Context, case_id: int) -> None:
    """Approve a proposed hand-over: the account goes to the collection company now."""
    hub = get_hub(ctx)
    _show(approve_case(hub.engine, hub.case_files(), case_id, actor=cli_actor(),
                       now=hub.clock.now()))


@handover_group.command("start")
@click.argument("customer")
@click.option("--reason", required=True, help="why the account goes to the collection company")
@click.pass_context
def start_command(ctx: click.Context, customer: str, reason: str) -> None:
    """Hand an account over by hand, as the creditor's approval: the hub's reminders to the
    customer stop, the collection company takes the case over, the case file is made now."""
    hub = get_hub(ctx)
    _show(hand_over_now(hub.engine, hub.case_files(), customer, actor=cli_actor(),
                        reason=reason, today=hub.clock.today(), now=hub.clock.now()))


@handover_group.command("decline")
@click.argument("case_id", type=int)
@click.option("--reason", required=True, help="why the account stays with the creditor")
@click.pass_context
def decline_command(ctx: click.Context, case_id: int, reason: str) -> None:
    """Decline a proposed hand-over: the hub goes on chasing the account."""
    hub = get_hub(ctx)
    _show(decline_case(hub.engine, case_id, actor=cli_actor(), reason=reason,
                       now=hub.clock.now()))


@handover_group.command("status")
@click.argument("case_id", type=int)
@click.argument("status", type=click.Choice([s for s in STATUSES
                                             if s not in ("awaiting_approval", "declined")]))
@click.option("--note", default="", help="what happened (the creditor sees it)")
@click.pass_context
def status_command(ctx: click.Context, case_id: int, status: str, note: str) -> None:
    """The collection company moves a case on (returned: back to the creditor, whose dunning
    resumes at the next cycle)."""
    hub = get_hub(ctx)
    _show(change_status(hub.engine, case_id, status, note=note, actor=cli_actor(),
                        now=hub.clock.now()))


@handover_group.command("file")
@click.argument("case_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="the JSON export instead of the PDF")
@click.option("--csv", "as_csv", is_flag=True,
              help="CSV files in a zip (claim, invoices, reminders, responses, charges, "
                   "payments) instead of the PDF")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="where to write it (default: the file's own name, here)")
@click.pass_context
def file_command(ctx: click.Context, case_id: int, as_json: bool, as_csv: bool,
                 output: Path | None) -> None:
    """Write the case file kept at the hand-over (PDF, --json, or --csv: a zip)."""
    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    hub = get_hub(ctx)
    name, content = case_file(hub.engine, hub.case_files(), case_id,
                              "json" if as_json else "zip" if as_csv else "pdf")
    target = output or Path(name)
    target.write_bytes(content)
    click.echo(f"wrote {target} ({len(content)} bytes)")


def register(cli: click.Group) -> None:
    cli.add_command(handover_group)
