"""Fixtures of the portal tests (the helpers live in tests/web/portal/support.py)."""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Iterator

import pytest

from hub.bootstrap import Hub
from tests.web.portal.support import Portal
from tests.web.portal.support import build_portal


@pytest.fixture
def portal(hub: Hub) -> Portal:
    return build_portal(hub)


@pytest.fixture
def make_portal(hub: Hub) -> Iterator[Callable[..., Portal]]:
    """A portal on the test ledger with some settings changed (limits, sizes)."""
    made: list[Portal] = []

    def build(**settings: object) -> Portal:
        made.append(build_portal(hub, **settings))
        return made[-1]

    yield build
    for portal in made:
        portal.hub.engine.dispose()
