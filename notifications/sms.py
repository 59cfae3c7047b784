"""SMS through Twilio's Messages API (the `twilio` package). Numbers are checked and
normalised to E.164 with `phonenumbers` before anything is sent."""

from __future__ import annotations

import time
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


class TwilioSmsTransport:
    channel = "sms"
    tries = 3

    def __init__(self, account_sid: str, auth_token: str, sender: str, *,
                 base_url: str | None = None, timeout: float = 10.0,
                 sleep: Sleep = time.sleep) -> None:
        self.client = Client(account_sid, auth_token,
                             http_client=TwilioHttpClient(timeout=timeout))
        if base_url:  # an emulator or a regional edge; the SDK's own host otherwise
            self.client.api.base_url = base_url.rstrip("/")
        self.sender = sender
        self.sleep = sleep

    def prepare_address(self, address: str, *, country: str | None) -> str:
        return to_e164(address, country)

    def _error(self, exc: TwilioRestException) -> TransportError:
        detail = f"Twilio {exc.status} code {exc.code}: {exc.msg}"
        if exc.code in CONFIGURATION_CODES or exc.status in (401, 403):
            return TransportError(detail, configuration=True)
        if exc.code in PERMANENT_CODES or (400 <= exc.status < 500 and exc.status != 429):
            return TransportError(detail, permanent=True)
        return TransportError(detail, retry_after=1.0 if exc.status == 429 else None)

    def send(self, delivery: Delivery) -> str | None:
        error = TransportError("no attempt made")
        for attempt in range(1, self.tries + 1):
            try:
                message = self.client.messages.create(**payload(delivery, self.sender))
            except TwilioRestException as exc:
                error = self._error(exc)
                if error.permanent:
                    raise error from None
            except OSError as exc:  # requests' timeouts and connection errors
                error = TransportError(f"Twilio did not answer: {exc.__class__.__name__}")
            else:
                return str(message.sid)
            if attempt < self.tries:
                self.sleep(min(error.retry_after or 0.0, MAX_INLINE_WAIT))
        raise error
