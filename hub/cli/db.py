"""`db upgrade|status|backup|restore`: schema migrations and SQLite backups.

`db upgrade` is the release step: the only command that migrates a PostgreSQL database
(web workers and the scheduler refuse to start until it has run).
"""

from __future__ import annotations

from pathlib import Path

import click

from hub.ledger.db import current_revision
from hub.ledger.db import head_revision


@click.group("db")
def db_group() -> None:
    """Database schema (Alembic migrations) and backups of the embedded SQLite file."""


@db_group.command("upgrade")
@click.pass_context
def upgrade_command(ctx: click.Context) -> None:
    """Apply pending migrations: the release step, run once before starting new code."""
    from hub.cli.context import get_hub  # noqa: PLC0415

    hub = get_hub(ctx, schema="as-is")
    before = current_revision(hub.engine)
    hub.migrate()
    # Without HUB_SECRET_KEY every process reads var/secret.key: create it here, once,
    # before web workers and the scheduler start together on a shared var/ folder.
    hub.settings.signing_key()
    after = current_revision(hub.engine)
    if before == after:
        click.echo(f"schema at revision {after} (already up to date)")
    else:
        click.echo(f"schema upgraded from revision {before or '(empty)'} to {after}")


@db_group.command("status")
@click.pass_context
def status_command(ctx: click.Context) -> None:
    """Show the database in use, its schema revision and the one the code needs."""
    from hub.cli.context import get_hub  # noqa: PLC0415

    hub = get_hub(ctx, schema="as-is")
    current = current_revision(hub.engine)
    needed = head_revision()
    click.echo(f"database: {hub.engine.url.render_as_string(hide_password=True)}")
    click.echo(f"revision: {current or '(empty)'}")
    click.echo(f"code needs: {needed}" + ("" if current == needed
                                          else " (run `python app.py db upgrade`)"))


@db_group.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
def backup_command(ctx: click.Context, target: Path) -> None:
    """Copy the SQLite ledger to TARGET while the hub keeps running (online backup).

    PostgreSQL: use pg_dump (docs/operations.md)."""
    from hub.cli.context import get_hub  # noqa: PLC0415
    from hub.ledger.backup import backup_sqlite  # noqa: PLC0415

    hub = get_hub(ctx, schema="as-is")
    result = backup_sqlite(hub.engine, target)
    click.echo(f"backed up {result.source} to {result.target}: {result.pages} pages, "
               f"schema revision {result.revision}, integrity ok")


@db_group.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace the ledger without asking.")
@click.pass_context
def restore_command(ctx: click.Context, source: Path, yes: bool) -> None:
    """Replace the SQLite ledger with the backup SOURCE. Stop the web app and the scheduler
    first; run `python app.py db upgrade` after restoring an older backup."""
    from hub.cli.context import get_hub  # noqa: PLC0415
    from hub.ledger.backup import restore_sqlite  # noqa: PLC0415

    hub = get_hub(ctx, schema="as-is")
    where = hub.engine.url.database
    if not yes:
        click.confirm(f"replace {where} with {source}? Everything written since the backup "
                      "is lost", abort=True)
    result = restore_sqlite(hub.engine, source)
    click.echo(f"restored {result.source} into {result.target}: schema revision "
               f"{result.revision} (the code needs {head_revision()})")


def register(cli: click.Group) -> None:
    cli.add_command(db_group)
