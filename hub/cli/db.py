"""`db upgrade` and `db status`: schema migrations."""

from __future__ import annotations

import click

from hub.ledger.db import current_revision


@click.group("db")
def db_group() -> None:
    """Database schema (Alembic migrations)."""


@db_group.command("upgrade")
@click.pass_context
def upgrade_command(ctx: click.Context) -> None:
    """Apply pending migrations (every command also does this on start)."""
    from hub.cli import get_hub  # noqa: PLC0415

    hub = get_hub(ctx)
    click.echo(f"schema at revision {current_revision(hub.engine)}")


@db_group.command("status")
@click.pass_context
def status_command(ctx: click.Context) -> None:
    """Show the database in use and its schema revision."""
    from hub.cli import get_hub  # noqa: PLC0415

    hub = get_hub(ctx)
    click.echo(f"database: {hub.engine.url.render_as_string(hide_password=True)}")
    click.echo(f"revision: {current_revision(hub.engine)}")


def register(cli: click.Group) -> None:
    cli.add_command(db_group)
