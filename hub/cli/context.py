"""What every command needs: the hub, bootstrapped once per command (`get_hub`), and who
the command acts as (`cli_actor`). Command modules import this module, never the package
hub.cli (which imports them to register them)."""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING
from typing import Literal

import click

if TYPE_CHECKING:
    from datetime import date

    from hub.bootstrap import Hub
    from hub.ledger.embedded import EmbeddedLedger

Schema = Literal["one-shot", "long-running", "upgrade", "as-is"]


class _LazyHub:
    """Bootstraps on first use, so `--help` needs no database.

    Only `db upgrade` (the release step) changes the schema, and one-shot commands on the
    embedded SQLite default, so a fresh checkout works without a separate step (Alembic is
    loaded only when the database is behind: at head it cost 0.5 s a command). On
    PostgreSQL every other command, and long-running processes (web workers, the scheduler)
    everywhere, refuse to start on a database at another revision than the code's."""

    _hub: Hub | None = None
    _creditor_token: object | None = None

    def __init__(self, creditor_code: str | None = None) -> None:
        self.creditor_code = creditor_code

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
            if self.creditor_code is not None:
                self._act_for(hub, self.creditor_code)
        return self._hub

    def embedded(self) -> tuple[EmbeddedLedger, date] | None:
        """For a read that runs one statement: the embedded SQLite through `sqlite3`,
        without bootstrapping the hub or importing SQLAlchemy (issue 16), and today in
        HUB_TIMEZONE; None when the command must take the hub's path (PostgreSQL, a file
        to make or migrate, an unknown creditor code: `get` handles each as ever), or the
        hub is up already. The caller closes the ledger."""
        if self._hub is not None:
            return None
        from hub.config import Settings  # noqa: PLC0415
        from hub.domain.clock import SystemClock  # noqa: PLC0415
        from hub.ledger.embedded import open_embedded  # noqa: PLC0415

        settings = Settings.from_env()
        ledger = open_embedded(settings.database_url, self.creditor_code)
        if ledger is None:
            return None
        return ledger, SystemClock(settings.zone).today()

    def _act_for(self, hub: Hub, code: str) -> None:
        """`--creditor CODE`: the whole command acts for that creditor (docs/creditors.md)."""
        from hub.ledger import tenancy  # noqa: PLC0415
        from hub.services.staff.creditors import creditor_by_code  # noqa: PLC0415

        with hub.engine.connect() as connection:
            creditor = creditor_by_code(connection, code)
        self._creditor_token = tenancy.set_current(creditor.id)

    def close(self) -> None:
        """Release pooled connections when the command ends (tests run many in one process)."""
        if self._creditor_token is not None:
            from hub.ledger import tenancy  # noqa: PLC0415

            tenancy.reset(self._creditor_token)
            self._creditor_token = None
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


def embedded_ledger(ctx: click.Context) -> tuple[EmbeddedLedger, date] | None:
    """The embedded SQLite for a one-statement read, without the hub (`_LazyHub.embedded`)."""
    lazy: _LazyHub = ctx.find_object(_LazyHub)  # type: ignore[assignment]
    return lazy.embedded()
