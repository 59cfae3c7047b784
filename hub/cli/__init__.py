"""`python app.py COMMAND`: the command line. Each resource has its own module."""

from __future__ import annotations

import gc
import os
import sqlite3
import sys
from importlib import import_module
from typing import Any

import click

from hub.cli.context import _LazyHub
from hub.config import ConfigError
from hub.domain.errors import UserError
from hub.i18n import language_of

# Which modules of hub/cli define each top-level command. A command's module (and the
# services it imports) is loaded only when that command runs or help lists it, so
# `db status` does not import the web app, openpyxl or the bank parsers (issue 16:
# start-up was 1.3-1.6 s CPU for every command). `payments` also adds `import statement`.
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "api-token": ("api_tokens",), "campaign": ("campaigns",), "creditor": ("creditor",),
    "cycle": ("cycle",),
    "db": ("db",), "demo": ("demo",), "dispatch": ("dispatch",),
    "experiments": ("experiments",), "export": ("export",), "handover": ("handover",),
    "model": ("model",),
    "import": ("imports", "payments"), "payments": ("imports", "payments"),
    "portal": ("portal",), "report": ("reports",), "rules": ("rules",),
    "scheduler": ("scheduler",), "serve": ("web",), "sheets": ("sheets",),
    "templates": ("rules",), "users": ("users",), "worker": ("worker",),
}


class HubGroup(click.Group):
    """Turns user errors, and a database that cannot be reached, into one line on stderr
    and exit status 2 (no traceback: the person needs the cause, not the call stack).

    Loads each command's module on first use (COMMAND_MODULES)."""

    _registered: set[str]

    def list_commands(self, ctx: click.Context) -> list[str]:  # noqa: ARG002
        return sorted(set(COMMAND_MODULES) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:  # noqa: ARG002
        if cmd_name not in self.commands:
            for module in COMMAND_MODULES.get(cmd_name, ()):
                self.load(module)
        _started()
        return self.commands.get(cmd_name)

    def load(self, module: str) -> None:
        registered = self.__dict__.setdefault("_registered", set())
        if module not in registered:
            registered.add(module)
            import_module(f"hub.cli.{module}").register(self)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except UserError as exc:  # in the configured staff language
            said = exc.message(language_of(os.environ.get("HUB_STAFF_LANGUAGE")))
            click.secho(f"error: {said}", fg="red", err=True)
            sys.exit(2)
        except ConfigError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            sys.exit(2)
        except Exception as exc:
            if not _operational(exc):
                raise
            click.secho(f"error: {database_problem(exc)}", fg="red", err=True)
            sys.exit(2)


def _operational(exc: Exception) -> bool:
    """Whether the database could not be reached or refused: SQLAlchemy's OperationalError
    (looked up only when SQLAlchemy is loaded: a read on the embedded SQLite does not import
    it, issue 16), or the standard library's sqlite3 one (hub.ledger.embedded)."""
    errors = sys.modules.get("sqlalchemy.exc")
    return isinstance(exc, sqlite3.OperationalError) or (
        errors is not None and isinstance(exc, errors.OperationalError))


def _started() -> None:
    """The command's modules are loaded: app.py paused the garbage collector for start-up;
    freeze what start-up made (the collector never walks it again) and resume it."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


def database_problem(exc: Exception) -> str:
    """The driver's first line, e.g. "connection to server at ... failed: Connection
    refused", and what to check when it is about connecting."""
    driver = getattr(exc, "orig", None) or exc  # SQLAlchemy's wraps the driver's error
    lines = [line.strip() for line in str(driver).splitlines() if line.strip()]
    said = lines[0] if lines else type(driver).__name__
    if any(word in said.lower() for word in ("connect", "unable to open", "resolve",
                                             "authentication", "does not exist")):
        return (f"the database cannot be reached: {said} "
                "(check HUB_DATABASE_URL and that the database server is running)")
    return f"the database refused: {said}"


@click.group(cls=HubGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--creditor", "creditor_code", metavar="CODE",
              help="Act for this creditor company (default: the default creditor; "
                   "`creditor list` shows the codes).")
@click.pass_context
def cli(ctx: click.Context, creditor_code: str | None) -> None:
    """Collections Hub: overdue invoices, worklists, reminders and reports."""
    ctx.obj = _LazyHub(creditor_code)
    ctx.call_on_close(ctx.obj.close)


def load_all_commands() -> None:
    """Register every command now (tests and tools that walk `cli.commands`)."""
    for modules in COMMAND_MODULES.values():
        for module in modules:
            cli.load(module)
