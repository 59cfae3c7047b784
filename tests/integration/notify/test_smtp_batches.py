"""A dispatcher batch of e-mails goes over one SMTP connection (issue 16: a connection,
greeting and login per message); a connection the server dropped is replaced, and every
message still arrives once."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from hub.bootstrap import Hub
from hub.ledger.outbox import enqueue_many
from hub.services.notify.dispatch import Dispatcher
from hub.services.notify.dispatch import DispatchSettings
from notifications.email import SmtpSettings
from notifications.email import SmtpTransport
from notifications.templates import TemplateRenderer
from tests.fake_servers.smtp import FakeSmtp
from tests.integration.notify.helpers import ALWAYS
from tests.integration.notify.helpers import debtor
from tests.integration.notify.helpers import notice

PASSWORD = "smtp-secret"
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.fixture
def smtp_server() -> Iterator[FakeSmtp]:
    server = FakeSmtp(require_auth=True).start()
    yield server
    server.stop()


class CountingSmtp(SmtpTransport):
    """The real transport; counts the connections it opens to the server."""

    connections = 0

    def _connect(self):  # type: ignore[no-untyped-def]
        self.connections += 1
        return super()._connect()


def _dispatcher(hub: Hub, transport: SmtpTransport, batch_size: int) -> Dispatcher:
    return Dispatcher(engine=hub.engine, transports={"email": transport},
                      renderer=TemplateRenderer(), clock=hub.clock, policy=ALWAYS,
                      settings=DispatchSettings(batch_size=batch_size))


def _queue(hub: Hub, count: int) -> None:
    with hub.engine.begin() as connection:
        for number in range(count):
            debtor(connection, f"M{number:02d}", email=f"ap{number}@m{number}.example")
        enqueue_many(connection, [notice(f"M{number:02d}") for number in range(count)],
                     now=hub.clock.now())


def test_one_connection_per_batch(hub: Hub, smtp_server: FakeSmtp) -> None:
    _queue(hub, 7)
    transport = CountingSmtp(SmtpSettings("127.0.0.1", smtp_server.port, security="none",
                                          username="hub", password=PASSWORD,
                                          sender="ar@hub.example"))
    report = _dispatcher(hub, transport, batch_size=3).run()
    assert report.counts["sent"] == 7, (report.counts, report.errors)
    assert transport.connections == 3  # batches of 3, 3 and 1
    assert sorted(str(message["To"]).rpartition("<")[2].rstrip(">")
                  for message in smtp_server.received) == sorted(
        f"ap{number}@m{number}.example" for number in range(7))


def test_a_dropped_connection_is_replaced_without_losing_a_message(
        hub: Hub, smtp_server: FakeSmtp, monkeypatch: pytest.MonkeyPatch) -> None:
    _queue(hub, 4)
    transport = CountingSmtp(SmtpSettings("127.0.0.1", smtp_server.port, security="none",
                                          username="hub", password=PASSWORD,
                                          sender="ar@hub.example"))
    # every connection looks idle, so each message is preceded by a NOOP check; the
    # server hangs up on the first connection after its first message
    monkeypatch.setattr("notifications.email.FRESH_SECONDS", -1.0)
    original = SmtpTransport._send_locked
    sent = [0]

    def send_then_drop(self: SmtpTransport, message):  # type: ignore[no-untyped-def]
        result = original(self, message)
        sent[0] += 1
        if sent[0] == 1 and self._client is not None:
            self._client.sock.shutdown(socket.SHUT_RDWR)  # type: ignore[union-attr]
        return result

    monkeypatch.setattr(SmtpTransport, "_send_locked", send_then_drop)
    report = _dispatcher(hub, transport, batch_size=10).run()
    assert report.counts["sent"] == 4
    assert len(smtp_server.received) == 4
    assert transport.connections == 2
