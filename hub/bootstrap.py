"""The composition root: the one place that picks concrete adapters.

Commands, the web app and tests call `bootstrap()`; nothing else builds engines
or chooses between SQLite and PostgreSQL, local files and remote services.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Engine

from hub.config import Settings
from hub.domain.clock import Clock
from hub.domain.clock import SystemClock
from hub.ledger.db import make_engine
from hub.ledger.db import upgrade
from hub.ports import PortalLinks
from hub.services.portal_links import LedgerPortalLinks


@dataclass
class Hub:
    """Everything a use case needs, wired once."""

    settings: Settings
    clock: Clock

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.database_url)

    def portal_links(self) -> PortalLinks:
        """Debtor portal links (NOTIFY's templates, SHEETS' portal-link column)."""
        return LedgerPortalLinks(self.engine, self.clock, self.settings.signing_key(),
                                 self.settings.public_url, self.settings.portal_link_days)

    def migrate(self) -> None:
        upgrade(self.engine)


def bootstrap(settings: Settings | None = None, clock: Clock | None = None,
              migrate: bool = True) -> Hub:
    settings = settings or Settings.from_env()
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    hub = Hub(settings=settings, clock=clock or SystemClock(settings.zone))
    if migrate:
        hub.migrate()
    return hub
