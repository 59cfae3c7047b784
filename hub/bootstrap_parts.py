"""What the three halves of the composition root (bootstrap_notify, bootstrap_rules,
bootstrap_sheets) use of the Hub, as a Protocol: they build from these parts and never
import hub/bootstrap.py, which imports them, so the composition root has no import cycle,
not even for the type checker."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import Engine

from hub.config import Settings
from hub.creditor import CreditorState
from hub.domain.clock import Clock
from hub.domain.decisions import PolicySettings
from hub.ports import ManagerDirectory
from hub.ports import PortalLinks
from hub.ports import Transport
from hub.services.dispatch import Dispatcher


class Parts(Protocol):
    """The Hub (hub.bootstrap.Hub) as its halves see it."""

    settings: Settings
    clock: Clock

    @property
    def engine(self) -> Engine: ...

    @property
    def transports(self) -> dict[str, Transport]: ...

    def portal_links(self) -> PortalLinks: ...

    def creditor_state(self) -> CreditorState: ...

    def policy_settings(self) -> PolicySettings: ...

    def dispatcher(self, policy: PolicySettings | None = None) -> Dispatcher: ...

    def manager_directory(self) -> ManagerDirectory | None: ...
