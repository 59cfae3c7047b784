"""`scheduler`: the scheduler process (daily cycle, read-back, dispatch)."""

from __future__ import annotations

import click

from hub.cli.context import get_hub


@click.command("scheduler")
@click.option("--list", "list_only", is_flag=True, help="print the jobs and exit")
@click.pass_context
def scheduler(ctx: click.Context, list_only: bool) -> None:
    """Run the daily cycle, sheet read-back and outbox dispatch on their schedules
    (in the foreground; stop with Ctrl-C). Run it in its own process, never in web workers."""
    from hub.scheduler import build_scheduler  # noqa: PLC0415  (APScheduler loads only here)
    from hub.scheduler import describe  # noqa: PLC0415

    hub = get_hub(ctx, schema="long-running")
    process = build_scheduler(hub)
    for line in describe(process):
        click.echo(line)
    if list_only:
        return
    click.echo("scheduler running; Ctrl-C stops it")
    try:
        process.start()
    except (KeyboardInterrupt, SystemExit):
        click.echo("scheduler stopped")


def register(cli: click.Group) -> None:
    cli.add_command(scheduler)
