"""`api-token create NAME --role ROLE`, `api-token list`, `api-token revoke NAME`."""

from __future__ import annotations

import click

from hub.cli.context import cli_actor
from hub.cli.context import get_hub
from hub.cli.report_output import table
from hub.domain.model import Role
from hub.services.staff import api_tokens as service


@click.group("api-token")
def api_token_group() -> None:
    """Tokens for machine clients of the JSON API (Authorization: Bearer ...)."""


@api_token_group.command("create")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]),
              help="What the token may see, as for a person with this role.")
@click.option("--user", "user_email", help="Whose accounts a collector token sees (e-mail).")
@click.option("--department", help="The department a manager token sees.")
@click.pass_context
def create_command(ctx: click.Context, name: str, role: str, user_email: str | None,
                   department: str | None) -> None:
    """Create a token NAME and print it once (only its hash is kept)."""
    hub = get_hub(ctx)
    with hub.engine.begin() as connection:
        token = service.create_token(connection, name=name, role=role, actor=cli_actor(),
                                     now=hub.clock.now(), user_email=user_email,
                                     department=department)
    click.echo(token)
    click.echo(f"token {name!r} ({role}) created; it is shown only now: store it safely",
               err=True)


@api_token_group.command("list")
@click.pass_context
def list_command(ctx: click.Context) -> None:
    """Every token with its role and scope (never the token itself)."""
    hub = get_hub(ctx)
    with hub.engine.connect() as connection:
        rows = service.list_tokens(connection)
    click.echo(table(["name", "role", "sees", "created", "last used", "state"], [
        [r.name, r.role, r.user_email or r.department or "everything",
         f"{r.created_at:%Y-%m-%d}", f"{r.last_used_at:%Y-%m-%d %H:%M}" if r.last_used_at
         else "never", f"revoked {r.revoked_at:%Y-%m-%d}" if r.revoked_at else "live"]
        for r in rows]))


@api_token_group.command("revoke")
@click.argument("name")
@click.pass_context
def revoke_command(ctx: click.Context, name: str) -> None:
    """Revoke the token NAME: its next request is refused."""
    hub = get_hub(ctx)
    with hub.engine.begin() as connection:
        service.revoke_token(connection, name=name, now=hub.clock.now())
    click.echo(f"revoked {name}")


def register(cli: click.Group) -> None:
    cli.add_command(api_token_group)
