"""The notifications part of the composition root (the Hub in root.py calls it): which
transports exist follows from the settings; e-mail falls back to the local mail folder
and letters always go to the letters folder, so the embedded default needs no service."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from datetime import timedelta
from functools import cache
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from hub.config import Settings
from hub.domain.clock import Clock
from hub.domain.contact_window import SATURDAY_SUNDAY
from hub.domain.creditor import CreditorProfile
from hub.domain.decisions import PolicySettings
from hub.ports import ManagerDirectory
from hub.ports import MessageRenderer
from hub.ports import PortalLinks
from hub.ports import Transport
from hub.services.notify.compose import ComposeSettings
from hub.services.notify.digests import DigestSettings
from hub.services.notify.digests import NotifyHook
from hub.services.notify.digests import SendsOutbox
from hub.services.notify.dispatch import Dispatcher
from hub.services.notify.dispatch import DispatchReport
from hub.services.notify.dispatch import DispatchSettings
from hub.services.notify.dispatch import HolidayTest
from hub.services.notify.dispatch import WeekendOf

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from hub.queue import CeleryQueue


def creditor_folder(base: Path) -> Path:
    """`base` for the default creditor, `base/creditor-<id>` for any other (the one it
    acts for now): two creditors' files with the same message key never meet, and each
    creditor's letters are bound in their own print batch (docs/creditors.md)."""
    from hub.ledger.current import DEFAULT_CREDITOR  # noqa: PLC0415
    from hub.ledger.current import current_creditor  # noqa: PLC0415

    creditor = current_creditor()
    return base if creditor == DEFAULT_CREDITOR else base / f"creditor-{creditor}"


class _PerCreditorFolder:
    """Mixed into a transport that writes files: its `folder` is the creditor's own."""

    _base: Path

    @property
    def folder(self) -> Path:
        return creditor_folder(self._base)

    @folder.setter
    def folder(self, value: Path) -> None:
        self._base = value


def build_transports(settings: Settings) -> dict[str, Transport]:
    from notifications.email import MailFolderTransport  # noqa: PLC0415
    from notifications.email import SmtpSettings  # noqa: PLC0415
    from notifications.email import SmtpTransport  # noqa: PLC0415
    from notifications.letter import LetterTransport  # noqa: PLC0415

    notify = settings.notify
    transports: dict[str, Transport] = {}
    if notify.smtp_host:
        transports["email"] = SmtpTransport(SmtpSettings(
            host=notify.smtp_host, port=notify.smtp_port, security=notify.smtp_security,
            username=notify.smtp_user, password=notify.smtp_password, sender=notify.smtp_from,
            sender_name=notify.sender_name))
    else:
        mail = type("CreditorMailFolder", (_PerCreditorFolder, MailFolderTransport), {})
        transports["email"] = mail(notify.mail_dir or settings.var_dir / "mail",
                                   notify.smtp_from, notify.sender_name)
    letters = type("CreditorLetters", (_PerCreditorFolder, LetterTransport), {})
    transports["letter"] = letters(notify.letters_dir or settings.var_dir / "letters",
                                   notify.letter_font or None)
    if notify.slack_token:
        from notifications.slack import SlackTransport  # noqa: PLC0415

        transports["slack"] = SlackTransport(notify.slack_token, base_url=notify.slack_api_url)
    if notify.teams_webhook_url:
        from notifications.teams import TeamsTransport  # noqa: PLC0415

        transports["teams"] = TeamsTransport(notify.teams_webhook_url)
    if notify.twilio_account_sid and notify.twilio_auth_token and notify.twilio_from:
        from notifications.sms import TwilioSmsTransport  # noqa: PLC0415

        transports["sms"] = TwilioSmsTransport(
            notify.twilio_account_sid, notify.twilio_auth_token, notify.twilio_from,
            base_url=notify.twilio_base_url or None)
    transports.update(_twilio_channels(settings))
    graph = graph_client(settings)
    if graph is not None and notify.graph_sender:
        from notifications.microsoft import GraphMailTransport  # noqa: PLC0415

        transports["graph_mail"] = GraphMailTransport(graph, notify.graph_sender)  # type: ignore[arg-type]
    return transports


def _twilio_channels(settings: Settings) -> dict[str, Transport]:
    """WhatsApp and voice: each with the Twilio account and its own sender number."""
    from notifications.twilio_channels import TwilioVoiceTransport  # noqa: PLC0415
    from notifications.twilio_channels import TwilioWhatsAppTransport  # noqa: PLC0415

    notify = settings.notify
    found: dict[str, Transport] = {}
    if not (notify.twilio_account_sid and notify.twilio_auth_token):
        return found
    if notify.twilio_whatsapp_from:
        found["whatsapp"] = TwilioWhatsAppTransport(
            notify.twilio_account_sid, notify.twilio_auth_token, notify.twilio_whatsapp_from,
            content_sids=dict(notify.twilio_whatsapp_templates), hub_url=settings.public_url,
            base_url=notify.twilio_base_url or None)
    if notify.twilio_voice_from:
        found["voice"] = TwilioVoiceTransport(
            notify.twilio_account_sid, notify.twilio_auth_token, notify.twilio_voice_from,
            hub_url=settings.public_url, base_url=notify.twilio_base_url or None)
    return found


@cache
def _graph(tenant: str, client_id: str, secret: str, authority: str, base_url: str
           ) -> ManagerDirectory:
    from notifications.microsoft import GraphClient  # noqa: PLC0415

    return GraphClient(tenant, client_id, secret, authority=authority, base_url=base_url)


def graph_client(settings: Settings) -> ManagerDirectory | None:
    notify = settings.notify
    if not (notify.graph_tenant and notify.graph_client_id and notify.graph_client_secret):
        return None
    return _graph(notify.graph_tenant, notify.graph_client_id, notify.graph_client_secret,
                  notify.graph_authority, notify.graph_base_url)


def _calendar_tests() -> tuple[HolidayTest, WeekendOf]:
    """Public holidays and the weekend of each country, from the holidays package (which
    knows that Israel rests on Friday and Saturday); Saturday-Sunday and no holidays for a
    country it does not know."""
    import holidays  # noqa: PLC0415

    calendars: dict[str, holidays.HolidayBase | None] = {}

    def calendar(country: str | None) -> holidays.HolidayBase | None:
        if not country:
            return None
        if country not in calendars:
            try:
                calendars[country] = holidays.country_holidays(country.upper())
            except NotImplementedError:  # a country the package does not know
                calendars[country] = None
        return calendars[country]

    def is_holiday(country: str | None, day: date) -> bool:
        found = calendar(country)
        return found is not None and day in found

    def weekend_of(country: str | None) -> frozenset[int]:
        found = calendar(country)
        return frozenset(found.weekend) if found is not None else SATURDAY_SUNDAY

    return is_holiday, weekend_of


def build_dispatcher(settings: Settings, engine: Engine, clock: Clock, *,
                     transports: dict[str, Transport], policy: PolicySettings,
                     portal: PortalLinks, creditor: CreditorProfile | None) -> Dispatcher:
    notify = settings.notify
    dispatch_settings = DispatchSettings(
        batch_size=notify.dispatch_batch, lease=_seconds(notify.dispatch_lease_seconds),
        max_attempts=notify.dispatch_max_attempts,
        backoff_base_seconds=notify.dispatch_backoff_seconds,
        pause_after=notify.channel_pause_after,
        pause=timedelta(minutes=notify.channel_pause_minutes),
        alert_channels=notify.staff_channels,
        compose=ComposeSettings(sender_name=notify.sender_name,
                                hub_url=settings.public_url,
                                documents_dir=settings.documents_path,
                                creditor=creditor,
                                pay_online=settings.payments.enabled))
    is_holiday, weekend_of = _calendar_tests()
    return Dispatcher(engine=engine, transports=transports,
                      renderer=_renderer(settings.templates_dir), clock=clock,
                      policy=policy, portal=portal, is_holiday=is_holiday,
                      weekend_of=weekend_of, settings=dispatch_settings)


def _seconds(value: int) -> timedelta:
    return timedelta(seconds=value)


def _renderer(templates_dir: Path | None) -> MessageRenderer:
    from notifications.templates import TemplateRenderer  # noqa: PLC0415

    return TemplateRenderer(templates_dir)


def build_notify_hook(settings: Settings, engine: Engine, clock: Clock, *,
                      letters: Transport | None, dispatcher: Callable[[], SendsOutbox],
                      directory: ManagerDirectory | None,
                      queue: CeleryQueue | None = None) -> NotifyHook:
    """The notify phase; with `queue`, a round of dispatchers on the queue's workers sends
    the outbox (several at once), instead of this process."""
    notify = settings.notify
    close = getattr(letters, "close_batch", None)
    if queue is not None:
        dispatcher = partial(_QueuedDispatch, queue)
    return NotifyHook(
        engine=engine, dispatcher=dispatcher, clock=clock,
        settings=DigestSettings(staff_channels=notify.staff_channels,
                                all_clear=notify.digest_all_clear,
                                escalate_after_days=notify.escalate_after_days,
                                hub_url=settings.public_url,
                                department_channels=dict(notify.slack_department_channels),
                                language=settings.staff_language),
        directory=directory, close_letters=close)


class _QueuedDispatch:
    """A dispatch run as a round of dispatchers on the task queue."""

    def __init__(self, queue: CeleryQueue) -> None:
        self.queue = queue

    def run(self) -> DispatchReport:
        return self.queue.dispatch_round()
