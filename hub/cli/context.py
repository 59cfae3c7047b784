"""What every command needs: the hub, bootstrapped once per command (`get_hub`), and who
the command acts as (`cli_actor`). Command modules import this module, never the package
hub.cli (which imports them to register them)."""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING
from typing import Literal

import click

if TYPE_CHECKING:
    from hub.bootstrap import Hub

Schema = Literal["one-shot", "long-running", "upgrade", "as-is"]


class _LazyHub:
    """Bootstraps on first use, so `--help` needs no database.

    Only `db upgrade` (the release step) changes the schema, and one-shot commands on the
    embedded SQLite default, so a fresh checkout works without a separate step (Alembic is
    loaded only when the database is behind: at head it cost 0.5 s a command). On
    PostgreSQL every other command, and long-running processes (web workers, the scheduler)
    everywhere, refuse to start on a database at another revision than the code's."""

    _hub: Hub | None = None

    def get(self, schema: Schema = "one-shot") -> Hub:
        if self._hub is None:
            from hub.bootstrap import bootstrap  # noqa: PLC0415  (`--help` loads no hub)

            hub = bootstrap(migrate=False)
            if schema == "upgrade":
                hub.migrate()
            elif schema == "one-shot" and hub.embedded:
                hub.migrate_if_behind()
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
