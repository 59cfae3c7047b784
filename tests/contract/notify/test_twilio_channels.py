"""The WhatsApp and voice transports (real `twilio` SDK) against the fake Twilio API:
what they send, how Twilio's errors and rate limits are read."""

from __future__ import annotations

import dataclasses
import json

import pytest

from hub.domain.outbox import Delivery
from hub.domain.outbox import TransportError
from notifications.twilio_channels import TwilioVoiceTransport
from notifications.twilio_channels import TwilioWhatsAppTransport
from notifications.twilio_channels import say
from notifications.twilio_channels import signature_valid
from tests.fake_servers.twilio import ACCOUNT_SID
from tests.fake_servers.twilio import AUTH_TOKEN
from tests.fake_servers.twilio import TEMPLATES
from tests.fake_servers.twilio import FakeTwilio

SID = next(iter(TEMPLATES))
HUB = "https://hub.example.com"


@pytest.fixture
def twilio(twilio_server: FakeTwilio) -> FakeTwilio:
    twilio_server.reset()
    twilio_server.messages.clear()
    twilio_server.calls.clear()
    return twilio_server


def whatsapp(server: FakeTwilio, waits: list[float] | None = None,
             **sids: str) -> TwilioWhatsAppTransport:
    return TwilioWhatsAppTransport(
        ACCOUNT_SID, AUTH_TOKEN, "+3197010000002", content_sids=sids or {"reminder-1": SID},
        hub_url=HUB, base_url=server.url,
        sleep=(waits.append if waits is not None else lambda _s: None))


def _template(delivery: Delivery, **changes: object) -> Delivery:
    values: dict[str, object] = {"template": "reminder-1", **changes}
    return dataclasses.replace(delivery, channel="whatsapp", address="+31612345678",
                               fields=(("1", "Ann"), ("2", "€10.00")),
                               **values)  # type: ignore[arg-type]


def test_a_template_goes_from_whatsapp_to_whatsapp_with_its_variables(
        twilio: FakeTwilio, delivery: Delivery) -> None:
    sid = whatsapp(twilio).send(_template(delivery))
    [sent] = twilio.messages
    assert sid == sent["sid"]
    assert (sent["From"], sent["To"], sent["ContentSid"]) == (
        "whatsapp:+3197010000002", "whatsapp:+31612345678", SID)
    assert json.loads(sent["ContentVariables"]) == {"1": "Ann", "2": "€10.00"}
    assert sent["StatusCallback"] == f"{HUB}/hooks/twilio/status"
    assert "Body" not in sent


def test_a_language_of_its_own_wins_and_a_missing_template_is_named(
        twilio: FakeTwilio, delivery: Delivery) -> None:
    other = "HX" + "2" * 32
    whatsapp(twilio, **{"reminder-1": SID, "reminder-1.de": other}).send(
        _template(delivery, language="de"))
    assert twilio.messages[0]["ContentSid"] == other
    with pytest.raises(TransportError, match=r"no approved WhatsApp template .* 'reminder-2'"
                       ) as caught:
        whatsapp(twilio).send(_template(delivery, template="reminder-2"))
    assert caught.value.permanent


def test_twilio_refusals_are_permanent_and_429_waits_as_asked(
        twilio: FakeTwilio, delivery: Delivery) -> None:
    with pytest.raises(TransportError, match="code 21655") as caught:
        whatsapp(twilio, **{"reminder-1": "HX" + "9" * 32}).send(_template(delivery))
    assert caught.value.permanent
    assert not caught.value.configuration
    waits: list[float] = []
    twilio.throttle_next(times=2, retry_after=3)
    whatsapp(twilio, waits).send(_template(delivery))
    assert waits == [3.0, 3.0]
    assert len(twilio.messages) == 1


def test_a_call_asks_twilio_to_fetch_the_hubs_menu(twilio: FakeTwilio,
                                                   delivery: Delivery) -> None:
    voice = TwilioVoiceTransport(ACCOUNT_SID, AUTH_TOKEN, "+3197010000001", hub_url=HUB,
                                 base_url=twilio.url, sleep=lambda _s: None)
    sid = voice.send(dataclasses.replace(delivery, channel="voice", address="+31612345678"))
    [call] = twilio.calls
    assert sid == call["sid"]
    assert call["Url"] == f"{HUB}/hooks/twilio/voice?key=ACME%7Creminder-1%7C2026-11-23%7Csend"
    assert (call["From"], call["To"], call["StatusCallback"]) == (
        "+3197010000001", "+31612345678", f"{HUB}/hooks/twilio/status")
    with pytest.raises(TransportError, match="code 21211"):
        voice.send(dataclasses.replace(delivery, channel="voice", address="12"))


def test_twiml_speaks_the_debtors_language_and_gathers_keys() -> None:
    xml = say("nl", "Goedendag.", gather=(f"{HUB}/next", 4), after="Tot ziens.")
    assert '<Gather action="https://hub.example.com/next" method="POST" numDigits="4"' in xml
    assert '<Say language="nl-NL">Goedendag.</Say></Gather><Say language="nl-NL">' \
           'Tot ziens.</Say><Hangup />' in xml


def test_only_twilios_signature_is_valid() -> None:
    from twilio.request_validator import RequestValidator

    url, params = f"{HUB}/hooks/twilio/status", {"MessageSid": "MM1", "MessageStatus": "failed"}
    good = RequestValidator(AUTH_TOKEN).compute_signature(url, params)
    assert signature_valid(AUTH_TOKEN, url, params, good)
    assert not signature_valid(AUTH_TOKEN, url, {**params, "MessageStatus": "read"}, good)
    assert not signature_valid(AUTH_TOKEN, url, params, "")
    assert not signature_valid("", url, params, good)
