"""SMS through Twilio's Messages API (the `twilio` package). Numbers are checked and
normalised to E.164 with `phonenumbers` before anything is sent."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import phonenumbers
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from hub.domain.outbox import AddressError
from hub.domain.outbox import Delivery
from hub.domain.outbox import TransportError
from notifications.base import MAX_INLINE_WAIT
from notifications.base import Sleep

# https://www.twilio.com/docs/api/errors: the number can never receive this message
PERMANENT_CODES = frozenset({21211, 21214, 21407, 21408, 21610, 21612, 21614, 21617, 30006})
CONFIGURATION_CODES = frozenset({20003, 20404, 21212, 21606, 21659})  # auth, bad From


def to_e164(number: str, country: str | None) -> str:
    """'06 1234 5678' with country NL -> '+31612345678'; AddressError when impossible."""
    try:
        parsed = phonenumbers.parse(number, (country or "").upper() or None)
    except phonenumbers.NumberParseException as exc:
        raise AddressError(f"phone {number!r} is not a phone number ({exc})") from None
    if not phonenumbers.is_valid_number(parsed):
        raise AddressError(f"phone {number!r} is not a valid number"
                           f"{' for ' + country if country else ''}")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


# countries where carriers refuse alphanumeric sender ids (Twilio): there the number is used
NO_ALPHANUMERIC_SENDER = ("+1",)


def payload(delivery: Delivery, sender: str) -> dict[str, Any]:
    """The creditor's alphanumeric sender id when it has one and the destination takes
    it (not North America, +1), else the configured number or messaging service."""
    if delivery.sender_id and not delivery.address.startswith(NO_ALPHANUMERIC_SENDER):
        sender = delivery.sender_id
    return {"to": delivery.address, "from_": sender, "body": delivery.text}


class _HttpClient(TwilioHttpClient):  # type: ignore[misc]
    """The SDK's HTTP client, remembering the Retry-After of the last answer (the SDK's
    exception does not carry the headers)."""

    retry_after: float | None = None

    def request(self, *args: Any, **kwargs: Any) -> Any:
        response = super().request(*args, **kwargs)
        raw = (response.headers or {}).get("Retry-After")
        try:
            self.retry_after = float(raw) if raw else None
        except ValueError:  # an HTTP date: wait the default
            self.retry_after = None
        return response


def twilio_client(account_sid: str, auth_token: str, *, base_url: str | None,
                  timeout: float) -> Client:
    """A Twilio REST client; `base_url`: an emulator or a regional edge (the SDK's own
    host otherwise). Shared by SMS, WhatsApp and voice (notifications.twilio_channels)."""
    client = Client(account_sid, auth_token, http_client=_HttpClient(timeout=timeout))
    if base_url:
        client.api.base_url = base_url.rstrip("/")
    return client


def classify(exc: TwilioRestException, retry_after: float | None = None) -> TransportError:
    """Twilio's answer as permanent (this recipient), configuration (every message) or
    transient (try again, after Retry-After on 429)."""
    detail = f"Twilio {exc.status} code {exc.code}: {exc.msg}"
    if exc.code in CONFIGURATION_CODES or exc.status in (401, 403):
        return TransportError(detail, configuration=True)
    if exc.code in PERMANENT_CODES or (400 <= exc.status < 500 and exc.status != 429):
        return TransportError(detail, permanent=True)
    return TransportError(detail, retry_after=(retry_after or 1.0) if exc.status == 429
                          else None)


def with_retries(client: Client, create: Callable[[], Any], *, tries: int,
                 sleep: Sleep) -> str:
    """Call Twilio up to `tries` times; returns the new resource's SID."""
    error = TransportError("no attempt made")
    for attempt in range(1, tries + 1):
        try:
            resource = create()
        except TwilioRestException as exc:
            http = client.http_client
            error = classify(exc, http.retry_after if isinstance(http, _HttpClient) else None)
            if error.permanent:
                raise error from None
        except OSError as exc:  # requests' timeouts and connection errors
            error = TransportError(f"Twilio did not answer: {exc.__class__.__name__}")
        else:
            return str(resource.sid)
        if attempt < tries:
            sleep(min(error.retry_after or 0.0, MAX_INLINE_WAIT))
    raise error


class TwilioSmsTransport:
    channel = "sms"
    tries = 3

    def __init__(self, account_sid: str, auth_token: str, sender: str, *,
                 base_url: str | None = None, timeout: float = 10.0,
                 sleep: Sleep = time.sleep) -> None:
        self.client = twilio_client(account_sid, auth_token, base_url=base_url,
                                    timeout=timeout)
        self.sender = sender
        self.sleep = sleep

    def prepare_address(self, address: str, *, country: str | None) -> str:
        return to_e164(address, country)

    def send(self, delivery: Delivery) -> str | None:
        return with_retries(self.client, lambda: self.client.messages.create(
            **payload(delivery, self.sender)), tries=self.tries, sleep=self.sleep)
