"""`python app.py COMMAND`: the command line. Each resource has its own module."""

from __future__ import annotations

import getpass
import sys
from typing import Any
from typing import Literal

import click
from sqlalchemy.exc import OperationalError

from hub.bootstrap import Hub
from hub.bootstrap import bootstrap
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


Schema = Literal["one-shot", "long-running", "upgrade", "as-is"]


class _LazyHub:
    """Bootstraps on first use, so `--help` needs no database.

    Only `db upgrade` (the release step) changes the schema, and one-shot commands on the
    embedded SQLite default, so a fresh checkout works without a separate step. On
    PostgreSQL every other command, and long-running processes (web workers, the scheduler)
    everywhere, refuse to start on a database at another revision than the code's."""

    _hub: Hub | None = None

    def get(self, schema: Schema = "one-shot") -> Hub:
        if self._hub is None:
            hub = bootstrap(migrate=False)
            if schema == "upgrade" or (schema == "one-shot" and hub.embedded):
                hub.migrate()
            elif schema != "as-is":
                hub.require_current_schema()
            self._hub = hub
        return self._hub

    def close(self) -> None:
        """Release pooled connections when the command ends (tests run many in one process)."""
        if self._hub is not None:
            self._hub.engine.dispose()


def cli_actor() -> str:
    """Who a command acts as, on the timeline: the operating-system user."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no user name in some containers
        return "cli"


def get_hub(ctx: click.Context, schema: Schema = "one-shot") -> Hub:
    """The hub, bootstrapped once per command. `schema` says how the command treats the
    database schema (see `_LazyHub`): "long-running" for serve and the scheduler,
    "upgrade" for `db upgrade`, "as-is" for `db status`."""
    lazy: _LazyHub = ctx.find_object(_LazyHub)  # type: ignore[assignment]
    return lazy.get(schema)


def _register() -> None:
    from hub.cli import api_tokens  # noqa: PLC0415
    from hub.cli import creditor  # noqa: PLC0415
    from hub.cli import cycle  # noqa: PLC0415
    from hub.cli import db  # noqa: PLC0415
    from hub.cli import demo  # noqa: PLC0415
    from hub.cli import dispatch  # noqa: PLC0415
    from hub.cli import export  # noqa: PLC0415
    from hub.cli import imports  # noqa: PLC0415
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
                   cycle, export, scheduler, rules, sheets, api_tokens, creditor, worker):
        module.register(cli)


_register()
