"""`dispatch`: send the outbox; `dispatch status|release|clear-flag` for the people who
look after it."""

from __future__ import annotations

import signal
import threading
import time
from datetime import datetime

import click
import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.cli.context import get_hub
from hub.domain.errors import UserError
from hub.ledger import outbox as ledger
from hub.ledger.tables import messages


@click.group("dispatch", invoke_without_command=True)
@click.option("--drain", is_flag=True,
              help="Keep going until no queued message is left (waits for retries).")
@click.option("--max-wait", default=600, show_default=True,
              help="With --drain: give up after this many seconds.")
@click.option("--loop", is_flag=True,
              help="Keep dispatching every HUB_SCHEDULER_DISPATCH_SECONDS until stopped "
                   "(SIGTERM or Ctrl+C): a dispatcher process of its own. Several may run "
                   "at once; each message is claimed by one.")
@click.pass_context
def dispatch(ctx: click.Context, drain: bool, max_wait: int, loop: bool) -> None:
    """Send every message that is due now (python app.py dispatch)."""
    if ctx.invoked_subcommand is not None:
        return
    if loop:
        _loop(get_hub(ctx, schema="long-running"))
        return
    hub = get_hub(ctx)
    dispatcher = hub.dispatcher()
    deadline = time.monotonic() + max_wait
    total = dispatcher.run()
    while drain and time.monotonic() < deadline:
        with hub.engine.connect() as connection:
            queued = connection.execute(sa.select(sa.func.min(messages.c.next_attempt_at))
                                        .where(messages.c.state.in_(
                                            ["queued", "claimed"]))).scalar_one()
        if queued is None:
            break
        time.sleep(min(5.0, max(0.2, _seconds_until(queued, hub.clock.now()))))
        total.merge(dispatcher.run())
    letters = hub.transports.get("letter")
    close = getattr(letters, "close_batch", None)
    if callable(close):
        close(hub.clock.today().isoformat())
    counts = {key: value for key, value in total.counts.items() if value}
    click.echo("dispatch: " + (", ".join(f"{key} {value}" for key, value in sorted(
        counts.items())) or "nothing due"))
    for error in total.errors[:20]:
        click.echo(f"  {error}", err=True)


def _loop(hub: Hub) -> None:
    """Dispatch, wait, repeat; SIGTERM ends the wait (never a send) and the loop."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    dispatcher = hub.dispatcher()
    every = hub.settings.dispatch_seconds
    click.echo(f"dispatching every {every} seconds; SIGTERM or Ctrl+C stops")
    try:
        while not stop.is_set():
            report = dispatcher.run()
            counts = {key: value for key, value in report.counts.items() if value}
            if counts:
                click.echo("dispatch: " + ", ".join(f"{key} {value}"
                                                    for key, value in sorted(counts.items())))
            for error in report.errors[:20]:
                click.echo(f"  {error}", err=True)
            stop.wait(every)
    except KeyboardInterrupt:
        pass
    click.echo("dispatcher stopped")


def _seconds_until(moment: datetime, now: datetime) -> float:
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=now.tzinfo)
    return (moment - now).total_seconds()


@dispatch.command("status")
@click.pass_context
def status(ctx: click.Context) -> None:
    """Messages per state, flagged and paused channels, and what waits for a person."""
    hub = get_hub(ctx)
    with hub.engine.connect() as connection:
        counts = ledger.counts_by_state(connection)
        flagged = ledger.flagged_channels(connection)
        paused = ledger.paused_channels(connection, hub.clock.now())
        waiting = connection.execute(
            sa.select(messages.c.id, messages.c.state, messages.c.idempotency_key,
                      messages.c.last_error)
            .where(messages.c.state.in_(["uncertain", "held", "failed", "skipped"]))
            .order_by(messages.c.id).limit(50)).all()
    click.echo("messages: " + (", ".join(f"{state} {count}" for state, count in
                                          sorted(counts.items())) or "none"))
    for channel, error in sorted(flagged.items()):
        click.echo(f"channel {channel} is flagged: {error}")
    for channel, (until, error) in sorted(paused.items()):
        click.echo(f"channel {channel} is paused until {until:%Y-%m-%d %H:%M} UTC (it fails "
                   f"for everyone: {error}); its messages wait and resume by themselves")
    for row in waiting:
        click.echo(f"  #{row.id} {row.state}: {row.idempotency_key}: {row.last_error or ''}")


@dispatch.command("release")
@click.argument("message_id", type=int)
@click.option("--mark-sent", is_flag=True,
              help="It did go out: record it as sent instead of sending it again.")
@click.pass_context
def release(ctx: click.Context, message_id: int, mark_sent: bool) -> None:
    """Decide on an uncertain or held message: send it again, or --mark-sent."""
    hub = get_hub(ctx)
    with hub.engine.begin() as connection:
        if not ledger.release(connection, message_id, resend=not mark_sent,
                              now=hub.clock.now()):
            raise UserError(f"message #{message_id} is not uncertain or held "
                            "(see python app.py dispatch status)")
    click.echo(f"message #{message_id} " + ("recorded as sent" if mark_sent else "queued"))


@dispatch.command("clear-flag")
@click.argument("channel")
@click.pass_context
def clear_flag(ctx: click.Context, channel: str) -> None:
    """After fixing a channel's configuration: unflag it and queue what waited for it."""
    hub = get_hub(ctx)
    with hub.engine.begin() as connection:
        queued = ledger.clear_channel(connection, channel, hub.clock.now())
    click.echo(f"channel {channel} cleared; {queued} held message(s) queued again")


def register(cli: click.Group) -> None:
    cli.add_command(dispatch)
