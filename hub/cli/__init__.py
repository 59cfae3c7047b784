"""`python app.py COMMAND`: the command line. Each resource has its own module; they take
the hub and the actor from hub.cli.context, and this package registers them (no module
imports this package back, so the import graph has no cycle here)."""

from __future__ import annotations

import sys
from typing import Any

import click
from sqlalchemy.exc import OperationalError

from hub.cli.context import _LazyHub
from hub.config import ConfigError
from hub.domain.errors import UserError


class HubGroup(click.Group):
    """Turns user errors, and a database that cannot be reached, into one line on stderr
    and exit status 2 (no traceback: the person needs the cause, not the call stack)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (UserError, ConfigError) as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            sys.exit(2)
        except OperationalError as exc:
            click.secho(f"error: {database_problem(exc)}", fg="red", err=True)
            sys.exit(2)


def database_problem(exc: OperationalError) -> str:
    """The driver's first line, e.g. "connection to server at ... failed: Connection
    refused", and what to check when it is about connecting."""
    lines = [line.strip() for line in str(exc.orig or exc).splitlines() if line.strip()]
    said = lines[0] if lines else type(exc.orig).__name__
    if any(word in said.lower() for word in ("connect", "unable to open", "resolve",
                                             "authentication", "does not exist")):
        return (f"the database cannot be reached: {said} "
                "(check HUB_DATABASE_URL and that the database server is running)")
    return f"the database refused: {said}"


@click.group(cls=HubGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def cli(ctx: click.Context) -> None:
    """Collections Hub: overdue invoices, worklists, reminders and reports."""
    ctx.obj = _LazyHub()
    ctx.call_on_close(ctx.obj.close)


def _register() -> None:
    from hub.cli import api_tokens  # noqa: PLC0415
    from hub.cli import creditor  # noqa: PLC0415
    from hub.cli import cycle  # noqa: PLC0415
    from hub.cli import db  # noqa: PLC0415
    from hub.cli import demo  # noqa: PLC0415
    from hub.cli import dispatch  # noqa: PLC0415
    from hub.cli import experiments  # noqa: PLC0415
    from hub.cli import export  # noqa: PLC0415
    from hub.cli import imports  # noqa: PLC0415
    from hub.cli import model  # noqa: PLC0415
    from hub.cli import payments  # noqa: PLC0415
    from hub.cli import portal  # noqa: PLC0415
    from hub.cli import reports  # noqa: PLC0415
    from hub.cli import rules  # noqa: PLC0415
    from hub.cli import scheduler  # noqa: PLC0415
    from hub.cli import sheets  # noqa: PLC0415
    from hub.cli import users  # noqa: PLC0415
    from hub.cli import web  # noqa: PLC0415
    from hub.cli import worker  # noqa: PLC0415

    for module in (db, imports, payments, reports, demo, web, portal, users, dispatch,
                   cycle, export, scheduler, rules, sheets, api_tokens, creditor, experiments,
                   model, worker):
        module.register(cli)


_register()
