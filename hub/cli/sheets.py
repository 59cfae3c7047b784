"""`sheets sync [--backend NAME]` and `sheets status`: the shared worklist sheets."""

from __future__ import annotations

from datetime import date

import click

from hub.bootstrap.sheets import BACKENDS
from hub.cli.context import get_hub
from hub.domain.errors import UserError
from hub.ledger.sheet_state import list_books
from hub.services.sheets.sync import SyncReport


def sync_summary(report: SyncReport, *, write: bool) -> str:
    lines = [f"sheets {'sync' if write else 'read-back'} ({report.backend}): "
             f"{len(report.books)} book(s)"]
    for book in report.books:
        if book.error:
            state = "open or locked, retried next cycle" if book.busy else "not synced"
            lines.append(f"  {book.book}: {state}: {book.error}")
            continue
        if book.untouched:
            lines.append(f"  {book.book}: unchanged since the hub wrote it, nothing to read")
            continue
        written = (f", {book.written} row(s) written, {book.rows} account row(s)"
                   if write else "")
        lines.append(f"  {book.book}: {book.edits} edit(s) taken in ({book.actions} action(s)),"
                     f" {book.conflicts} conflict(s){written}, {book.calls} API call(s)"
                     + (f", {book.restored} row(s) put right" if book.restored and write
                        else ""))
        lines += [f"    ! {problem}" for problem in book.problems]
        lines += [f"    - {notice}" for notice in book.notices]
    return "\n".join(lines)


@click.group("sheets")
def sheets() -> None:
    """Shared worklist sheets: local XLSX workbooks, Google Sheets or Smartsheet."""


@sheets.command("sync")
@click.option("--backend", type=click.Choice(BACKENDS),
              help="Sync with this backend instead of HUB_SHEETS_BACKEND.")
@click.option("--as-of", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="The worklist of this day (default: today).")
@click.option("--read-only", is_flag=True, help="Only take edits in; write nothing.")
@click.option("--book", "books", multiple=True, help="Only this department (repeatable).")
@click.pass_context
def sync_command(ctx: click.Context, backend: str | None, as_of: object, read_only: bool,
                 books: tuple[str, ...]) -> None:
    """Read people's edits back into the ledger, then rewrite each owner's tab."""
    hub = get_hub(ctx)
    sync = hub.sheet_sync(backend)
    if sync is None:
        from hub.bootstrap.sheets import creditor_sheet_settings  # noqa: PLC0415

        where = "the sheets section of this creditor's profile says backend: off" if \
            creditor_sheet_settings(hub.settings, hub.engine)[1] else "HUB_SHEETS_BACKEND=off"
        raise UserError(f"sheets are off ({where}); pass --backend to sync anyway")
    day = as_of.date() if hasattr(as_of, "date") else hub.clock.today()
    assert isinstance(day, date)
    report = sync.run(as_of=day, now=hub.clock.now(), write=not read_only,
                      only=list(books) or None)
    click.echo(sync_summary(report, write=not read_only))
    if report.errors and all(book.error and not book.busy for book in report.books):
        ctx.exit(1)


@sheets.command("status")
@click.pass_context
def status_command(ctx: click.Context) -> None:
    """The books per backend: where they live, the last sync and its result."""
    hub = get_hub(ctx)
    with hub.engine.connect() as connection:
        found = list_books(connection)
    from hub.bootstrap.sheets import creditor_sheet_settings  # noqa: PLC0415

    settings, own = creditor_sheet_settings(hub.settings, hub.engine)
    click.echo(f"sheets backend: {settings.backend}" + (
        " (the sheets section of this creditor's profile)" if own else ""))
    if not found:
        click.echo("no sheet has been synced yet: run `python app.py sheets sync`")
        return
    for book in found:
        when = f"{book.last_sync_at:%Y-%m-%d %H:%M}" if book.last_sync_at else "never"
        state = f"error: {book.last_error}" if book.last_error else "ok"
        click.echo(f"  {book.backend:<10} {book.book:<20} last sync {when}, {state}; "
                   f"{book.rows} account row(s), {book.calls} call(s); {book.remote_id or '-'}")


def register(cli: click.Group) -> None:
    cli.add_command(sheets)
