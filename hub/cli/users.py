"""`users`: staff accounts for the web app (add, set a password, deactivate, list)."""

from __future__ import annotations

import sys

import click

from hub.domain.errors import UserError
from hub.domain.model import Role
from hub.domain.model import User
from hub.ledger.users import list_users
from hub.services.staff import admin as staff_admin
from hub.services.staff import auth as staff_auth

ACTOR = "cli"


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@click.group("users")
def users_group() -> None:
    """Staff who sign in to the web app, their roles and passwords."""


@users_group.command("add")
@click.argument("email")
@click.option("--name", required=True, help="Full name shown in the app.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True,
              help="collector: own accounts; manager: the department; finance, admin: all; "
                   "read_only: all, no changes.")
@click.option("--department", help="Department (a manager sees all accounts in it).")
@click.option("--manager", "manager_email", help="E-mail of this person's manager.")
@click.option("--password/--no-password", default=True, show_default=True,
              help="Ask for a password (--no-password: Microsoft sign-in only).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_context
def add_command(ctx: click.Context, *, email: str, name: str, role: str, department: str | None,
                manager_email: str | None, password: bool, password_stdin: bool) -> None:
    """Create a user, or update the name, role and department of an existing one."""
    from hub.cli.context import get_hub  # noqa: PLC0415

    if "@" not in email:  # before asking for a password (save_user checks it in full)
        raise UserError(f"{email!r} is not an e-mail address")
    secret = _read_password(password_stdin) if password or password_stdin else None
    hub = get_hub(ctx)
    with hub.engine.begin() as connection:
        created = staff_admin.save_user(
            connection, User(email=email, name=name, role=Role(role), department=department,
                             manager_email=manager_email),
            password=secret, actor=ACTOR, now=hub.clock.now())
    click.echo(f"{'added' if created else 'updated'} {email.lower()} ({role})")


@users_group.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_context
def set_password_command(ctx: click.Context, email: str, password_stdin: bool) -> None:
    """Set a user's password (this also lifts a sign-in lockout)."""
    from hub.cli.context import get_hub  # noqa: PLC0415

    secret = _read_password(password_stdin)
    hub = get_hub(ctx)
    with hub.engine.begin() as connection:
        staff_auth.set_password(connection, email, secret, actor=ACTOR, now=hub.clock.now())
    click.echo(f"password set for {email.lower()}")


@users_group.command("deactivate")
@click.argument("email")
@click.pass_context
def deactivate_command(ctx: click.Context, email: str) -> None:
    """Stop a user signing in; their open sessions end at once."""
    _set_active(ctx, email, active=False)
    click.echo(f"deactivated {email.lower()}")


@users_group.command("activate")
@click.argument("email")
@click.pass_context
def activate_command(ctx: click.Context, email: str) -> None:
    """Let a deactivated user sign in again."""
    _set_active(ctx, email, active=True)
    click.echo(f"activated {email.lower()}")


def _set_active(ctx: click.Context, email: str, *, active: bool) -> None:
    from hub.cli.context import get_hub  # noqa: PLC0415

    hub = get_hub(ctx)
    with hub.engine.begin() as connection:
        staff_admin.set_active(connection, email, active, actor=ACTOR, now=hub.clock.now())


@users_group.command("list")
@click.pass_context
def list_command(ctx: click.Context) -> None:
    """Every user with role and department."""
    from hub.cli.context import get_hub  # noqa: PLC0415

    with get_hub(ctx).engine.connect() as connection:
        people = list_users(connection)
    for person in people:
        state = "" if person.active else " (inactive)"
        click.echo(f"{person.email}\t{person.role.value}\t{person.department or '-'}\t"
                   f"{person.name}{state}")


def register(cli: click.Group) -> None:
    cli.add_command(users_group)
