"""Fake servers for the notification transports, one per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.domain.outbox import Delivery
from tests.fake_servers.microsoft import FakeMicrosoft
from tests.fake_servers.slack import FakeSlack
from tests.fake_servers.smtp import FakeSmtp
from tests.fake_servers.teams import FakeTeamsWorkflow
from tests.fake_servers.twilio import FakeTwilio


@pytest.fixture(scope="module")
def slack_server() -> Iterator[FakeSlack]:
    server = FakeSlack().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def microsoft_server() -> Iterator[FakeMicrosoft]:
    server = FakeMicrosoft().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def teams_server() -> Iterator[FakeTeamsWorkflow]:
    server = FakeTeamsWorkflow().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def twilio_server() -> Iterator[FakeTwilio]:
    server = FakeTwilio().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server() -> Iterator[FakeSmtp]:
    server = FakeSmtp(require_auth=True).start()
    yield server
    server.stop()


@pytest.fixture
def delivery() -> Delivery:
    return Delivery(key="ACME|reminder-1|2026-11-23|send", channel="email",
                    address="pay@acme.example", subject="Friendly reminder: €1,234.56 overdue",
                    text="Dear Ann,\n\nInvoice F-1 is overdue.", html="<p>Dear Ann,</p>",
                    name="Ann Smith", language="en",
                    statement=(("F-1", "2 November 2026", "€1,234.56"),),
                    statement_total="€1,234.56")
