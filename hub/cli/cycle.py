"""`cycle [--as-of DATE] [--dry-run]`, `cycle runs` and `cycle unlock`: the daily
collections cycle."""

from __future__ import annotations

import socket
from datetime import date
from datetime import datetime

import click

from hub.bootstrap import Hub
from hub.bootstrap.cycle import build_cycle
from hub.bootstrap.cycle import cycle_options
from hub.cli.context import cli_actor
from hub.cli.context import get_hub
from hub.ledger.cycle_runs import current_lock
from hub.ledger.cycle_runs import force_unlock
from hub.ledger.cycle_runs import recent_runs
from hub.services.cycle.daily import CycleReport
from hub.services.cycle.lock_holders import gone_reason
from hub.services.cycle.lock_holders import process_alive

EFFECTS = (("tasks", "tasks"), ("messages", "messages queued"),
           ("holds_placed", "sales holds placed"), ("holds_released", "holds released"),
           ("escalations", "escalations"), ("legal_handovers", "legal handovers"),
           ("fees", "fee lines"), ("interest", "interest lines"), ("warnings", "warnings"))
FOLLOW = (("promises_kept", "promises kept"), ("promises_broken", "promises broken"),
          ("plans_completed", "plans completed"), ("plans_broken", "plans broken"))



def _listing(counts: dict[str, int], names: tuple[tuple[str, str], ...]) -> str:
    parts = [f"{counts.get(key, 0):,} {label}" for key, label in names if counts.get(key)]
    return ", ".join(parts) or "none"


def summary(report: CycleReport) -> str:
    counts = dict(report.counts)
    kind = "every account" if not report.incremental else "accounts that can change today"
    total = sum(report.timings.values())
    lines = [f"cycle {report.as_of}{' (dry run: nothing was kept)' if report.dry_run else ''}: "
             f"{report.status} in {total:.1f} s, run #{report.run_id}",
             f"  evaluated   {counts.get('accounts_evaluated', 0):,} ({kind})",
             f"  decisions   {counts.get('decisions', 0):,}: {counts.get('applied', 0):,} applied"
             f", {counts.get('already_applied', 0):,} already applied"
             + (f", {counts['enforcement_off']:,} recorded only (enforcement off)"
                if counts.get("enforcement_off") else ""),
             f"  created     {_listing(counts, EFFECTS)}",
             f"  follow-up   {_listing(counts, FOLLOW)}"]
    for hook in report.hooks:
        state = "done" if hook.done else "skipped"
        detail = hook.message or ", ".join(f"{v} {k}" for k, v in hook.counts.items())
        lines.append(f"  {hook.name:<11} {state}{': ' + detail if detail else ''}")
    if counts.get("partitions"):
        lines.append(f"  spread      {counts['partitions']:,} partitions over the queue's "
                     f"workers, {counts.get('partition_retries', 0):,} retried")
    lines.append("  timings     " + ", ".join(f"{phase} {seconds:.2f} s"
                                              for phase, seconds in report.timings.items()))
    lines += [f"  error: {error}" for error in report.errors]
    return "\n".join(lines)


@click.group("cycle", invoke_without_command=True)
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="the day to run for (default: today in HUB_TIMEZONE)")
@click.option("--dry-run", is_flag=True, help="decide and count, keep nothing")
@click.option("--wait", "wait", type=float, default=None,
              help="seconds to wait for a cycle that is running (default HUB_CYCLE_WAIT_SECONDS)")
@click.option("--full", is_flag=True, help="evaluate every account, not only those that "
                                           "can change today")
@click.pass_context
def cycle(ctx: click.Context, as_of: datetime | None, dry_run: bool, wait: float | None,
          full: bool) -> None:
    """Run the daily collections cycle: read back, decide, act, write out, notify."""
    if ctx.invoked_subcommand is not None:
        return
    hub = get_hub(ctx)
    day: date | None = as_of.date() if as_of else None
    _refused_rules(hub)
    report = build_cycle(hub).run(cycle_options(hub, as_of=day, dry_run=dry_run, full=full,
                                                wait_seconds=wait, actor=cli_actor()))
    click.echo(summary(report))
    if report.errors:
        ctx.exit(1)


def _refused_rules(hub: Hub) -> None:
    """Say so when the rule file was refused: the cycle runs on the rules in force."""
    status = hub.reload_rules()  # the cycle is where an edited rule file goes live
    if status.refused and status.version is not None:
        for problem in status.problems:
            click.secho(f"rules: {problem}", fg="yellow", err=True)
        click.secho(f"rules: the rule file cannot go live; version {status.version.version} "
                    f"({status.version.file_name}) stays in force", fg="yellow", err=True)


@cycle.command("runs")
@click.option("--limit", type=click.IntRange(1, 1000), default=20, show_default=True)
@click.pass_context
def runs(ctx: click.Context, limit: int) -> None:
    """The latest cycle runs, newest first."""
    hub = get_hub(ctx)
    with hub.engine.connect() as connection:
        rows = recent_runs(connection, limit)
    if not rows:
        click.echo("no cycle has run yet")
        return
    click.echo(f"{'run':>5}  {'as of':<10}  {'status':<11}  {'evaluated':>9}  "
               f"{'decisions':>9}  {'errors':>6}  started")
    for row in rows:
        counts = row.counts or {}
        status = row.status + ("*" if row.dry_run else "")
        click.echo(f"{row.id:>5}  {row.as_of!s:<10}  {status:<11}  "
                   f"{counts.get('accounts_evaluated', 0):>9,}  {counts.get('decisions', 0):>9,}"
                   f"  {len(row.errors or []):>6}  {row.started_at:%Y-%m-%d %H:%M}")
    if any(row.dry_run for row in rows):
        click.echo("* dry run")
    if any(row.status == "interrupted" for row in rows):
        click.echo("interrupted: killed, or its lock removed, before it finished; what it "
                   "kept stays, and the next cycle does the rest without doing anything twice")


@cycle.command("unlock")
@click.option("--force", is_flag=True,
              help="remove the lock even though its holder still runs on this host")
@click.pass_context
def unlock(ctx: click.Context, force: bool) -> None:
    """Remove the cycle lock left by a cycle that stopped (audited)."""
    hub = get_hub(ctx)
    now = hub.clock.now()
    with hub.engine.connect() as connection:
        held = current_lock(connection, now)
    if held is None:
        click.echo("there is no cycle lock: no cycle is running, nothing to unlock")
        return
    running_here = (held.pid is not None and held.host == socket.gethostname()
                    and process_alive(held.pid) and gone_reason(held) is None)
    if running_here and not force:
        click.secho(f"error: the cycle holding the lock still runs on this host "
                    f"({held.describe()}); stop it first, or pass --force", fg="red", err=True)
        ctx.exit(1)
    removed = force_unlock(hub.engine, actor=cli_actor(), now=now, token=held.token)
    if removed is None:
        click.echo("the lock was released or taken over meanwhile; nothing was removed")
        return
    click.echo(f"removed the cycle lock held by {removed.describe()}")
    if removed.run_id is not None:
        click.echo(f"run #{removed.run_id} is recorded as interrupted; the next cycle "
                   f"does the rest of its work")


def register(cli: click.Group) -> None:
    cli.add_command(cycle)
