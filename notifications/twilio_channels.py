"""WhatsApp and voice reminders through Twilio (the same `twilio` SDK as SMS).

WhatsApp: business-initiated messages must use a template WhatsApp approved, so the hub
sends Twilio Content API templates (ContentSid + ContentVariables) from `whatsapp:+...`
to `whatsapp:+...`, and only to contacts who opted in (the dispatcher checks that).

Voice: the hub places a call whose TwiML it serves itself (hub.web.twilio_hooks); the
debtor answers with the keypad. Both ask Twilio for status callbacks, which come back
signed with X-Twilio-Signature: `signature_valid` checks them with Twilio's
RequestValidator."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator
from twilio.twiml.voice_response import Gather
from twilio.twiml.voice_response import VoiceResponse

from hub.domain.outbox import Delivery
from hub.domain.outbox import TransportError
from notifications.base import Sleep
from notifications.sms import to_e164
from notifications.sms import twilio_client
from notifications.sms import with_retries

# Twilio's voices by the hub's languages (TwiML <Say language=...>)
VOICE_LANGUAGES = {"en": "en-GB", "nl": "nl-NL", "de": "de-DE", "pl": "pl-PL", "es": "es-ES"}
STATUS_PATH = "/hooks/twilio/status"
VOICE_PATH = "/hooks/twilio/voice"


def whatsapp_address(number: str) -> str:
    return number if number.startswith("whatsapp:") else f"whatsapp:{number}"


def signature_valid(auth_token: str, url: str, params: Mapping[str, str],
                    signature: str) -> bool:
    """Whether a webhook request really comes from Twilio (X-Twilio-Signature)."""
    return bool(auth_token and signature and
                RequestValidator(auth_token).validate(url, dict(params), signature))


def content_variables(delivery: Delivery) -> str:
    """The template's numbered placeholders, {{1}}..{{4}} (docs/notifications.md)."""
    return json.dumps(dict(delivery.fields), ensure_ascii=False)


class TwilioWhatsAppTransport:
    """`content_sids`: the approved template per hub template name, or per
    `name.language` where each language has its own approved template."""

    channel = "whatsapp"
    tries = 3

    def __init__(self, account_sid: str, auth_token: str, sender: str, *,
                 content_sids: Mapping[str, str], hub_url: str,
                 base_url: str | None = None, timeout: float = 10.0,
                 sleep: Sleep = time.sleep) -> None:
        self.client = twilio_client(account_sid, auth_token, base_url=base_url,
                                    timeout=timeout)
        self.sender = whatsapp_address(sender)
        self.content_sids = dict(content_sids)
        self.status_callback = hub_url.rstrip("/") + STATUS_PATH
        self.sleep = sleep

    def prepare_address(self, address: str, *, country: str | None) -> str:
        return to_e164(address.removeprefix("whatsapp:"), country)

    def content_sid(self, template: str, language: str) -> str:
        sid = self.content_sids.get(f"{template}.{language}") or self.content_sids.get(template)
        if not sid:
            raise TransportError(f"no approved WhatsApp template (ContentSid) is set for "
                                 f"{template!r} in {language!r}: add it to "
                                 f"HUB_TWILIO_WHATSAPP_TEMPLATES", permanent=True)
        return sid

    def send(self, delivery: Delivery) -> str | None:
        sid = self.content_sid(delivery.template, delivery.language)
        return with_retries(self.client, lambda: self.client.messages.create(
            to=whatsapp_address(delivery.address), from_=self.sender, content_sid=sid,
            content_variables=content_variables(delivery),
            status_callback=self.status_callback), tries=self.tries, sleep=self.sleep)


class TwilioVoiceTransport:
    """A reminder call: Twilio fetches what to say from the hub's voice endpoint (the
    outbox key and the creditor in the URL, which Twilio signs when it calls back, so the
    answers land on the right creditor's account, even before the hub has the call's SID)."""

    channel = "voice"
    tries = 3

    def __init__(self, account_sid: str, auth_token: str, caller_id: str, *, hub_url: str,
                 base_url: str | None = None, timeout: float = 10.0,
                 sleep: Sleep = time.sleep) -> None:
        self.client = twilio_client(account_sid, auth_token, base_url=base_url,
                                    timeout=timeout)
        self.caller_id = caller_id
        self.hub_url = hub_url.rstrip("/")
        self.sleep = sleep

    def prepare_address(self, address: str, *, country: str | None) -> str:
        return to_e164(address, country)

    def send(self, delivery: Delivery) -> str | None:
        query = {"key": delivery.key}
        if delivery.creditor_id is not None:  # two creditors' calls may share a key
            query["creditor"] = str(delivery.creditor_id)
        url = f"{self.hub_url}{VOICE_PATH}?{urlencode(query)}"
        return with_retries(self.client, lambda: self.client.calls.create(
            to=delivery.address, from_=self.caller_id, url=url, method="POST",
            status_callback=self.hub_url + STATUS_PATH,
            status_callback_event=["completed"]), tries=self.tries, sleep=self.sleep)


def say(language: str, *lines: str, gather: tuple[str, int] | None = None,
        after: str | None = None) -> str:
    """TwiML: `lines` spoken in the debtor's language; with `gather` (action URL, number
    of digits) they are spoken inside a <Gather> that posts the keys to the action;
    `after`: what is said when no key comes."""
    voice = VOICE_LANGUAGES.get(language.replace("_", "-").split("-", maxsplit=1)[0], "en-GB")
    response = VoiceResponse()
    if gather is not None:
        action, digits = gather
        block = Gather(num_digits=digits, action=action, method="POST", timeout=8)
        for line in lines:
            block.say(line, language=voice)
        response.append(block)
        if after:
            response.say(after, language=voice)
    else:
        for line in lines:
            response.say(line, language=voice)
    response.hangup()
    return str(response)
