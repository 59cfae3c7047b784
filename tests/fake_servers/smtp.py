"""A fake SMTP server (aiosmtpd) on 127.0.0.1 with AUTH (PLAIN/LOGIN, no TLS needed) and
fault injection: recipients refused for good (550) or for now (451, the next N times),
and a slow DATA phase (to outlast a client's timeout or to stop a dispatcher mid-batch)."""

from __future__ import annotations

import asyncio
import socket
import threading
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

USER = "hub"
PASSWORD = "smtp-secret"


class _Handler:
    def __init__(self, fake: FakeSmtp) -> None:
        self.fake = fake

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          options: Any) -> str:
        with self.fake.lock:
            if address in self.fake.refused:
                return "550 5.1.1 mailbox unavailable"
            if self.fake.busy.get(address, 0) > 0:
                self.fake.busy[address] -= 1
                return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.fake.data_delay:
            await asyncio.sleep(self.fake.data_delay)
        with self.fake.lock:
            self.fake.received.append(message_from_bytes(envelope.content))
            self.fake.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str,
                   auth_data: Any) -> AuthResult:
    ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


def _free_port() -> int:
    """aiosmtpd's Controller cannot bind port 0 (it connects to its own port to check)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class FakeSmtp:
    def __init__(self, *, require_auth: bool = False, port: int | None = None) -> None:
        """`port`: listen there (a server brought back after an outage); default a free
        one."""
        self.received: list[Message] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refused: set[str] = set()
        self.busy: dict[str, int] = {}
        self.data_delay = 0.0
        self.lock = threading.Lock()
        self.controller = Controller(_Handler(self), hostname="127.0.0.1",
                                     port=port or _free_port(),
                                     authenticator=_authenticator, auth_required=require_auth,
                                     auth_require_tls=False)

    def start(self) -> FakeSmtp:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    @property
    def port(self) -> int:
        return int(self.controller.port)
