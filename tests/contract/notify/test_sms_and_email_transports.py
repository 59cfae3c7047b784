"""twilio against the fake Twilio API, smtplib against the fake SMTP server (aiosmtpd)."""

from __future__ import annotations

import dataclasses
from email.message import Message

import pytest

from hub.domain.outbox import AddressError
from hub.domain.outbox import Delivery
from hub.domain.outbox import TransportError
from notifications.email import SmtpSettings
from notifications.email import SmtpTransport
from notifications.email import message_id
from notifications.sms import TwilioSmsTransport
from notifications.sms import to_e164
from tests.fake_servers.smtp import PASSWORD
from tests.fake_servers.smtp import USER
from tests.fake_servers.smtp import FakeSmtp
from tests.fake_servers.twilio import ACCOUNT_SID
from tests.fake_servers.twilio import AUTH_TOKEN
from tests.fake_servers.twilio import FakeTwilio

# the fake SMTP server takes AUTH without TLS (a local socket in a test); aiosmtpd warns
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.fixture
def twilio(twilio_server: FakeTwilio) -> FakeTwilio:
    twilio_server.reset()
    twilio_server.messages.clear()
    return twilio_server


def sms(server: FakeTwilio, token: str = AUTH_TOKEN, **kwargs: object) -> TwilioSmsTransport:
    return TwilioSmsTransport(ACCOUNT_SID, token, "+3197010000000", base_url=server.url,
                              sleep=lambda _s: None, **kwargs)  # type: ignore[arg-type]


def _text(delivery: Delivery, number: str = "+31612345678") -> Delivery:
    return dataclasses.replace(delivery, channel="sms", address=number, text="Pay: http://p/x")


def test_numbers_are_normalised_to_e164_or_refused() -> None:
    assert to_e164("06 1234 5678", "NL") == "+31612345678"
    assert to_e164("+49 30 123456789", None) == "+4930123456789"
    with pytest.raises(AddressError, match="not a valid number"):
        to_e164("12345", "NL")


def test_an_sms_goes_out_through_the_messages_api(twilio: FakeTwilio,
                                                  delivery: Delivery) -> None:
    sid = sms(twilio).send(_text(delivery))
    assert twilio.messages == [{"sid": sid, "To": "+31612345678", "From": "+3197010000000",
                                "Body": "Pay: http://p/x"}]


def test_the_creditors_sender_id_is_used_except_where_carriers_refuse_it(
        twilio: FakeTwilio, delivery: Delivery) -> None:
    named = dataclasses.replace(_text(delivery), sender_id="Rheinwerk")
    sms(twilio).send(named)
    sms(twilio).send(dataclasses.replace(named, address="+12025550143"))  # +1: a number
    assert [message["From"] for message in twilio.messages] == ["Rheinwerk", "+3197010000000"]


def test_429_then_success(twilio: FakeTwilio, delivery: Delivery) -> None:
    twilio.throttle_next()
    sms(twilio).send(_text(delivery))
    assert len(twilio.requests_to("/2010-04-01/")) == 2
    assert len(twilio.messages) == 1


def test_an_invalid_number_is_permanent_and_bad_credentials_configuration(
        twilio: FakeTwilio, delivery: Delivery) -> None:
    twilio.unreachable.add("+31612345678")
    with pytest.raises(TransportError) as caught:
        sms(twilio).send(_text(delivery))
    assert caught.value.permanent
    assert "21211" in caught.value.message
    with pytest.raises(TransportError) as refused:
        sms(twilio, token="wrong").send(_text(delivery, "+31687654321"))
    assert refused.value.configuration
    assert twilio.messages == []


def test_an_sms_timeout_is_transient(twilio: FakeTwilio, delivery: Delivery) -> None:
    twilio.fail_next("/2010-04-01/", 201, stall=1.5, times=3)
    with pytest.raises(TransportError) as caught:
        sms(twilio, timeout=0.5).send(_text(delivery))
    assert not caught.value.permanent


def smtp(server: FakeSmtp, password: str = PASSWORD, timeout: float = 5.0) -> SmtpTransport:
    return SmtpTransport(SmtpSettings(host="127.0.0.1", port=server.port, security="none",
                                      username=USER, password=password,
                                      sender="ar@hub.example", sender_name="Hub AR",
                                      timeout=timeout))


def _parts(message: Message) -> list[str]:
    return [part.get_content_type() for part in message.walk()]


def test_an_email_has_text_html_and_the_statement_and_a_stable_message_id(
        smtp_server: FakeSmtp, delivery: Delivery) -> None:
    smtp(smtp_server).send(delivery)
    received = smtp_server.received[0]
    assert received["Message-ID"] == message_id(delivery.key, "hub.example")
    assert received["To"] == "Ann Smith <pay@acme.example>"
    assert _parts(received) == ["multipart/mixed", "multipart/alternative", "text/plain",
                                "text/html", "application/pdf"]
    assert smtp_server.envelopes == [("ar@hub.example", ["pay@acme.example"])]


def test_a_busy_mailbox_is_transient_then_goes_through(smtp_server: FakeSmtp,
                                                       delivery: Delivery) -> None:
    smtp_server.busy["pay@acme.example"] = 1
    with pytest.raises(TransportError) as caught:
        smtp(smtp_server).send(delivery)
    assert not caught.value.permanent
    smtp(smtp_server).send(delivery)
    assert len(smtp_server.received) == 1


def test_a_refused_mailbox_is_permanent_and_a_bad_login_configuration(
        smtp_server: FakeSmtp, delivery: Delivery) -> None:
    smtp_server.refused.add("pay@acme.example")
    with pytest.raises(TransportError) as caught:
        smtp(smtp_server).send(delivery)
    assert caught.value.permanent
    assert not caught.value.configuration
    with pytest.raises(TransportError) as refused:
        smtp(smtp_server, password="wrong").send(delivery)
    assert refused.value.configuration
    assert smtp_server.received == []


def test_a_slow_server_is_transient(smtp_server: FakeSmtp, delivery: Delivery) -> None:
    smtp_server.data_delay = 2.0
    with pytest.raises(TransportError) as caught:
        smtp(smtp_server, timeout=0.5).send(delivery)
    assert not caught.value.permanent
