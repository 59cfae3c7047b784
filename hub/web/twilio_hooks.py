"""Twilio's webhooks: delivery status of WhatsApp messages and calls, and the keypad
menu of reminder calls (TwiML).

Only requests signed by Twilio count: X-Twilio-Signature over the URL Twilio called (the
hub's public URL) and the form, checked with the account's auth token; anything else gets
403 and changes nothing. The call's outbox key, its creditor, and the date being confirmed,
travel in the URL, which the signature covers, so nobody can answer for another account.

Each callback acts for the creditor whose message it is about (docs/creditors.md): a voice
callback for the creditor its URL names (calls placed before the URL named one: by the
key); a status callback by the message's or call's SID, else by the call's outbox key (with
the SID telling two creditors' equal keys apart). A callback about no message the hub
knows is refused (404, or the "unknown call" answer on the phone) and changes nothing."""

from __future__ import annotations

import logging
from datetime import date
from urllib.parse import urlencode

from flask import Blueprint
from flask import Response
from flask import request

from hub.bootstrap import Hub
from hub.bootstrap.chat import STATUS_PATH
from hub.bootstrap.chat import VOICE_PATH
from hub.bootstrap.chat import say
from hub.bootstrap.chat import signature_valid
from hub.domain.errors import UserError
from hub.ledger.current import acting_for
from hub.services.notify import phone
from hub.services.notify.phone import CallAccount
from hub.web.portal_access import policy_settings
from hub.web.portal_access import the_hub
from hub.web.portal_text import format_money
from hub.web.security import csrf_exempt
from hub.web.voice_text import speak
from hub.web.voice_text import spoken_date

log = logging.getLogger(__name__)
twilio_hooks = Blueprint("twilio_hooks", __name__)


def _signed(hub: Hub) -> bool:
    url = hub.settings.public_url.rstrip("/") + request.path
    if request.query_string:
        url += "?" + request.query_string.decode()
    ok = signature_valid(hub.settings.notify.twilio_auth_token, url, request.form.to_dict(),
                         request.headers.get("X-Twilio-Signature", ""))
    if not ok:
        log.warning("Twilio webhook refused: no valid X-Twilio-Signature for %s", request.path)
    return ok


def _refused() -> Response:
    return Response("forbidden: not signed by Twilio\n", status=403, mimetype="text/plain")


def _twiml(xml: str) -> Response:
    return Response(xml, mimetype="text/xml")


@twilio_hooks.post(STATUS_PATH)
@csrf_exempt
def status() -> Response:
    hub = the_hub()
    if not _signed(hub):
        return _refused()
    form = request.form
    sid = form.get("MessageSid") or form.get("CallSid") or ""
    state = form.get("MessageStatus") or form.get("CallStatus") or ""
    if state not in phone.FAILED_STATUSES:
        return Response(status=204)  # delivered, read, completed...: nothing to record
    with hub.engine.begin() as connection:
        creditor = phone.message_creditor(connection, sid=sid)
        if creditor is None:
            log.warning("Twilio status %s for %r refused: no message of the hub has this "
                        "SID", state, sid)
            return Response(f"not found: no message with SID {sid!r}\n", status=404,
                            mimetype="text/plain")
        with acting_for(creditor):
            phone.delivery_status(connection, sid=sid, status=state,
                                  error_code=form.get("ErrorCode", ""), now=hub.clock.now())
    return Response(status=204)


def _url(hub: Hub, step: str, call: CallAccount, **extra: str) -> str:
    named = request.args.get("creditor")  # kept from the call's URL to each next step
    query = urlencode({"key": call.key, **({"creditor": named} if named else {}), **extra})
    return f"{hub.settings.public_url.rstrip('/')}{VOICE_PATH}{step}?{query}"


def _amount(call: CallAccount) -> str:
    return format_money(call.owed, call.language) if call.owed is not None else ""


def _menu(hub: Hub, call: CallAccount) -> str:
    language = call.language
    if call.owed is None:
        return say(language, speak(language, "nothing_owed"))
    return say(language, speak(language, "intro", sender=hub.settings.notify.sender_name,
                               customer=call.customer_name, amount=_amount(call)),
               speak(language, "menu"), gather=(_url(hub, "/menu", call), 1),
               after=speak(language, "no_input"))


def _ask_date(hub: Hub, call: CallAccount, *first: str) -> str:
    latest = hub.clock.today().toordinal() + policy_settings(hub).promise_max_days_ahead
    return say(call.language, *first,
               speak(call.language, "ask_date",
                     latest=spoken_date(date.fromordinal(latest), call.language)),
               gather=(_url(hub, "/date", call), 4), after=speak(call.language, "no_input"))


def _call(hub: Hub) -> CallAccount | None:
    with hub.engine.connect() as connection:
        return phone.call_account(connection, request.args.get("key", ""), hub.clock.today())


@twilio_hooks.post(VOICE_PATH)
@twilio_hooks.post(f"{VOICE_PATH}/<step>")
@csrf_exempt
def voice(step: str = "") -> Response:
    hub = the_hub()
    if not _signed(hub):
        return _refused()
    named = request.args.get("creditor", "")
    if named and not named.isdigit():
        log.warning("Twilio voice callback refused: creditor %r in its URL", named)
        return _twiml(say("en", speak("en", "unknown_call")))
    with hub.engine.connect() as connection:
        creditor = phone.message_creditor(connection, key=request.args.get("key", ""),
                                          sid=request.form.get("CallSid", ""),
                                          channel="voice",
                                          creditor=int(named) if named else None)
    if creditor is None:
        log.warning("Twilio voice callback refused: no single call of the hub has key %r "
                    "(creditor %r)", request.args.get("key", ""), named or "not named")
        return _twiml(say("en", speak("en", "unknown_call")))
    with acting_for(creditor):
        return _voice(hub, step)


def _voice(hub: Hub, step: str) -> Response:
    call = _call(hub)
    if call is None:
        return _twiml(say("en", speak("en", "unknown_call")))
    digits = request.form.get("Digits", "")
    if step == "menu" and digits in ("1", "2", "3"):
        return _twiml(_choice(hub, call, digits))
    if step == "date":
        return _twiml(_keyed_date(hub, call, digits))
    if step == "confirm":
        return _twiml(_confirm(hub, call, digits, request.args.get("date", "")))
    return _twiml(_menu(hub, call))  # the call's start, or a key the menu does not know


def _choice(hub: Hub, call: CallAccount, digits: str) -> str:
    language, now, today = call.language, hub.clock.now(), hub.clock.today()
    if call.owed is None:
        return say(language, speak(language, "nothing_owed"))
    if digits == "1":
        return _ask_date(hub, call)
    with hub.engine.begin() as connection:
        if digits == "2":
            phone.call_back(connection, call, now=now, today=today)
            return say(language, speak(language, "call_back"))
        phone.dispute(connection, call, now=now, today=today)
    return say(language, speak(language, "disputed"))


def _keyed_date(hub: Hub, call: CallAccount, digits: str) -> str:
    settings = policy_settings(hub)
    try:
        due = phone.keyed_date(digits, today=hub.clock.today(),
                               max_days_ahead=settings.promise_max_days_ahead)
    except UserError:
        return _ask_date(hub, call, speak(call.language, "bad_date"))
    return say(call.language, speak(call.language, "confirm", amount=_amount(call),
                                    date=spoken_date(due, call.language)),
               gather=(_url(hub, "/confirm", call, date=due.isoformat()), 1),
               after=speak(call.language, "no_input"))


def _confirm(hub: Hub, call: CallAccount, digits: str, raw_date: str) -> str:
    try:
        due = date.fromisoformat(raw_date)
    except ValueError:
        return _ask_date(hub, call)
    if digits != "1":
        return _ask_date(hub, call)
    try:
        with hub.engine.begin() as connection:
            phone.promise(connection, call, due_date=due, settings=policy_settings(hub),
                          now=hub.clock.now(), today=hub.clock.today())
    except UserError:  # the date went out of range (a call left open past midnight)
        return _ask_date(hub, call, speak(call.language, "bad_date"))
    return say(call.language, speak(call.language, "promised",
                                    date=spoken_date(due, call.language)))
