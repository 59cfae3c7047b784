"""E-mail: a MIME message with a text part, an HTML alternative and attachments, sent over
SMTP (STARTTLS or implicit TLS, with authentication) or, in the embedded default, written
as an `.eml` file to a local mail folder that any mail client opens."""

from __future__ import annotations

import hashlib
import os
import smtplib
import socket
import ssl
import tempfile
import threading
import time
from dataclasses import dataclass
from email import message_from_bytes
from email import policy
from email.message import EmailMessage
from email.utils import formataddr
from email.utils import formatdate
from functools import cached_property
from pathlib import Path

from hub.domain.outbox import AddressError
from hub.domain.outbox import Attachment
from hub.domain.outbox import Delivery
from hub.domain.outbox import TransportError
from hub.payment_qr import qr_png
from notifications import mime
from notifications.letter import statement_pdf
from notifications.templates import QR_CID

PERMANENT_SMTP_CODES = range(500, 600)
# A connection that answered this recently is used without a NOOP first (a NOOP is a round
# trip per message; servers drop idle connections after minutes, not seconds).
FRESH_SECONDS = 5.0


def message_id(key: str, domain: str) -> str:
    """The same idempotency key always gives the same Message-ID, so a resent message is
    recognisably the same one."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


def check_address(address: str) -> str:
    """A usable address; an international domain becomes its ASCII (IDNA) form."""
    address = address.strip()
    local, _, domain = address.rpartition("@")
    if not local or "." not in domain or any(char.isspace() for char in address):
        raise AddressError(f"{address!r} is not an e-mail address")
    if not local.isascii():
        raise AddressError(f"{address!r} has a non-ASCII name part (needs SMTPUTF8)")
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise AddressError(f"{address!r} has a domain that cannot be written in "
                           "ASCII") from None
    return f"{local}@{domain}"


def _build(delivery: Delivery, sender: str, sender_name: str | None,
           linesep: str = "\r\n") -> tuple[bytes, str, str]:
    """The message's bytes, its envelope sender and Message-ID, or a permanent error:
    nothing has been sent yet."""
    try:
        return message_bytes(delivery, sender, sender_name=sender_name, linesep=linesep)
    except (UnicodeError, ValueError, TypeError) as exc:
        raise TransportError(f"cannot build the e-mail for {delivery.address!r}: {exc}",
                             permanent=True) from None


def build_message(delivery: Delivery, sender: str, *, sender_name: str | None = None
                  ) -> EmailMessage:
    """The MIME message (pure: no network) as a reader sees it, so tests can read it."""
    raw, _sender, _id = message_bytes(delivery, sender, sender_name=sender_name)
    parsed = message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def message_bytes(delivery: Delivery, sender: str, *, sender_name: str | None = None,
                  linesep: str = "\n") -> tuple[bytes, str, str]:
    """The message's bytes (notifications.mime), the envelope sender and the Message-ID.
    The creditor's name and contact address (on the delivery) win over the transport's
    settings."""
    sender = delivery.sender_address or sender
    sender_name = delivery.sender_name or sender_name
    domain = sender.rpartition("@")[2] or "localhost"
    identifier = message_id(delivery.key, domain)
    body = mime.Part.text(delivery.text, "plain", linesep)
    if delivery.html:
        html = mime.Part.text(delivery.html, "html", linesep)
        if delivery.qr_payload and f"cid:{QR_CID}" in delivery.html:
            html = mime.Part("multipart/related", parts=[html, mime.Part.binary(
                qr_png(delivery.qr_payload), "image/png", linesep,
                filename="pay-by-bank-transfer.png", disposition="inline",
                cid=f"<{QR_CID}>")])
        body = mime.Part("multipart/alternative", parts=[body, html])
    attachments = list(delivery.attachments)
    if delivery.statement:
        attachments.append(statement_attachment(delivery))
    if attachments:
        body = mime.Part("multipart/mixed", parts=[body, *(
            mime.Part.binary(attachment.content, attachment.mime_type, linesep,
                             filename=attachment.filename) for attachment in attachments)])
    raw = mime.message((
        ("From", formataddr((sender_name or "", sender)) if sender_name else sender),
        ("To", formataddr((delivery.name, delivery.address)) if delivery.name
         else delivery.address),
        ("Subject", delivery.subject),
        ("Date", formatdate(localtime=False)),
        ("Message-ID", identifier)), body, linesep,
        trailing=(("Content-Language", delivery.language),))
    return raw, sender, identifier


def statement_attachment(delivery: Delivery) -> Attachment:
    return Attachment("statement.pdf", statement_pdf(delivery))


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One message on its way: its bytes, the envelope and its Message-ID."""

    raw: bytes
    sender: str
    recipient: str
    identifier: str


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    security: str = "starttls"  # starttls | tls | none
    username: str = ""
    password: str = ""
    sender: str = "collections@localhost"
    sender_name: str = ""
    timeout: float = 20.0
    ca_file: str | None = None  # a private CA (tests, internal relays)


class SmtpTransport:
    """Sends over one SMTP connection per dispatcher batch (issue 16: a connection, EHLO,
    STARTTLS and login per message took most of the time of a send). The dispatcher calls
    `begin_batch()` and `end_batch()` around each batch; outside one, each message has its
    own connection, as before. A connection idle for a while is checked with a NOOP before
    the next message and replaced if the server has dropped it."""

    channel = "email"

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._helo: str | None = None
        self._client: smtplib.SMTP | None = None
        self._used = 0.0  # time.monotonic() of the connection's last reply
        self._lock = threading.Lock()  # one message at a time on the connection
        self._batch = False

    @property
    def helo(self) -> str:
        """Our name in EHLO, looked up once (smtplib would ask DNS on every connection)."""
        if self._helo is None:
            self._helo = socket.getfqdn()
        return self._helo

    def prepare_address(self, address: str, *, country: str | None) -> str:  # noqa: ARG002
        return check_address(address)

    @cached_property
    def tls(self) -> ssl.SSLContext:
        """Built once: loading the CA bundle costs more than the SMTP exchange."""
        return ssl.create_default_context(cafile=self.settings.ca_file)

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        if settings.security == "tls":
            return smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                    context=self.tls, local_hostname=self.helo)
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout,
                              local_hostname=self.helo)
        if settings.security == "starttls":
            client.starttls(context=self.tls)
        return client

    def _open(self) -> smtplib.SMTP:
        """The batch's connection: the open one if the server still answers, else a new
        one (logged in)."""
        client = self._client
        if client is not None:
            if time.monotonic() - self._used < FRESH_SECONDS:
                return client  # it answered a moment ago
            try:
                if client.noop()[0] == 250:
                    return client
            except (smtplib.SMTPException, OSError):
                pass
            self._drop()
        client = self._connect()
        try:
            if self.settings.username:
                client.login(self.settings.username, self.settings.password)
        except BaseException:
            _close(client)
            raise
        self._client = client
        return client

    def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            _close(client)

    def begin_batch(self) -> None:
        """Keep the connection open from one message to the next until `end_batch`."""
        with self._lock:
            self._batch = True

    def end_batch(self) -> None:
        """Close the batch's connection (QUIT)."""
        with self._lock:
            self._batch = False
            self._drop()

    def send(self, delivery: Delivery) -> str | None:
        raw, sender, identifier = _build(delivery, self.settings.sender,
                                         self.settings.sender_name)
        with self._lock:
            try:
                return self._send_locked(Outgoing(raw, sender, delivery.address, identifier))
            finally:
                if not self._batch:
                    self._drop()

    def _send_locked(self, message: Outgoing) -> str | None:
        sender, recipient = message.sender, message.recipient
        # what smtplib's send_message asks for when an address is not ASCII
        options = () if (sender + recipient).isascii() else ("SMTPUTF8", "BODY=8BITMIME")
        try:
            try:
                self._open().sendmail(sender, [recipient], message.raw, mail_options=options)
                self._used = time.monotonic()
            except smtplib.SMTPRecipientsRefused:
                self._used = time.monotonic()
                raise  # smtplib has reset the session: the connection stays usable
            except smtplib.SMTPResponseException as exc:
                if exc.smtp_code in (421, -1):  # the server is closing the connection
                    self._drop()
                raise
            except BaseException:
                self._drop()  # in an unknown state: never reuse it
                raise
        except smtplib.SMTPAuthenticationError as exc:
            raise TransportError(f"SMTP login refused: {exc.smtp_code} {exc.smtp_error!r}",
                                 configuration=True) from None
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()))
            raise TransportError(f"recipient refused: {code} {text!r}",
                                 permanent=code in PERMANENT_SMTP_CODES) from None
        except smtplib.SMTPResponseException as exc:
            raise TransportError(f"SMTP {exc.smtp_code}: {exc.smtp_error!r}",
                                 permanent=exc.smtp_code in PERMANENT_SMTP_CODES) from None
        except (smtplib.SMTPServerDisconnected, TimeoutError) as exc:
            raise TransportError(f"SMTP server {self.settings.host}: {exc or 'timed out'}"
                                 ) from None
        except ssl.SSLError as exc:
            raise TransportError(f"TLS with {self.settings.host} failed: {exc.reason}",
                                 configuration=True) from None
        except OSError as exc:
            raise TransportError(f"cannot reach SMTP server {self.settings.host}:"
                                 f"{self.settings.port}: {exc.strerror or exc}",
                                 unreachable=True) from None
        return message.identifier


def _close(client: smtplib.SMTP) -> None:
    try:
        client.quit()
    except (smtplib.SMTPException, OSError):
        client.close()


class MailFolderTransport:
    """The embedded default: each message is an `.eml` file named after its key, written
    atomically, so a resend after a crash overwrites the same file instead of adding one."""

    channel = "email"

    def __init__(self, folder: Path, sender: str = "collections@localhost",
                 sender_name: str = "") -> None:
        self.folder = folder
        self.sender = sender
        self.sender_name = sender_name

    def prepare_address(self, address: str, *, country: str | None) -> str:  # noqa: ARG002
        return check_address(address)

    def path_for(self, key: str) -> Path:
        return self.folder / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.eml"

    def send(self, delivery: Delivery) -> str | None:
        raw, _sender, identifier = _build(delivery, self.sender, self.sender_name, "\n")
        target = self.path_for(delivery.key)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(handle, "wb") as out:
                out.write(raw)
            os.replace(temporary, target)
        except OSError as exc:
            raise TransportError(f"cannot write {target}: {exc.strerror}",
                                 configuration=True) from None
        return identifier
