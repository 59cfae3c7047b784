"""Slack's interactivity endpoint: buttons on hub messages come back here.

A request counts only with a valid `v0` signature made within 5 minutes and never seen
before; anything else gets 401 and changes nothing. The press is applied as the hub user
whose e-mail the Slack account has, answered at once (Slack waits 3 seconds at most), and
only that account's blocks of the message are updated afterwards in the background.
"Log promise" opens a modal; its `view_submission` comes back to the same endpoint.

A press acts for the creditor the button names (`mark_done@2:ACME`; the modal carries it
on), which the person must be a user of or be granted (docs/creditors.md); a button that
names none (the default creditor's, or older) acts for the person's own creditor. A press
for a creditor the person may not act for is refused and changes nothing."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import threading
import zlib
from datetime import timedelta
from typing import Any

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import jsonify
from flask import request
from flask.blueprints import BlueprintSetupState
from sqlalchemy import Connection

from hub.bootstrap import Hub
from hub.bootstrap.chat import PROMISE_CALLBACK
from hub.bootstrap.chat import SlackTransport
from hub.bootstrap.chat import promise_modal
from hub.bootstrap.chat import replace_account
from hub.bootstrap.chat import submitted
from hub.bootstrap.chat import verify_request
from hub.domain.errors import UserError
from hub.domain.outbox import TransportError
from hub.domain.parsing import format_amount
from hub.domain.parsing import language_of
from hub.i18n import gettext_for
from hub.ledger.current import acting_for
from hub.ledger.replay import remember_request
from hub.services.notify.chat_actions import PROMISE_DAYS
from hub.services.notify.chat_actions import FieldErrors
from hub.services.notify.chat_actions import apply_chat_action
from hub.services.notify.chat_actions import button_creditor
from hub.services.notify.chat_actions import hub_user
from hub.services.notify.chat_actions import press_creditor
from hub.services.notify.chat_actions import promise_prompt
from hub.services.notify.chat_actions import record_chat_promise
from hub.services.notify.chat_actions import split_action
from hub.web.portal_access import policy_settings
from hub.web.security import csrf_exempt

log = logging.getLogger(__name__)
MAX_METADATA = 3000  # Slack's limit on a view's private_metadata
slack = Blueprint("slack", __name__)


@slack.record_once
def _warm_up(state: BlueprintSetupState) -> None:
    """Build the transports when the app starts, not on the first button press (Slack
    gives up after 3 seconds)."""
    hub: Hub = state.app.extensions["hub"]
    if hub.settings.notify.slack_token:
        hub.transports.get("slack")


def _refuse(reason: str) -> Response:
    log.warning("Slack callback refused: %s", reason)
    response = jsonify({"error": "unauthorized", "message": reason})
    response.status_code = 401
    return response


def _ephemeral(text: str) -> Response:
    return jsonify({"response_type": "ephemeral", "replace_original": False, "text": text})


def _update_later(client: SlackTransport, channel: str, ts: str, *,
                  message_blocks: list[dict[str, Any]], code: str, text: str) -> None:
    """Replace only the pressed account's blocks with what was done (after we answered);
    the other accounts keep their buttons."""
    if not channel or not ts or not message_blocks:
        return
    updated = replace_account(message_blocks, code, text)

    def run() -> None:
        try:
            client.update_blocks(channel, ts, text, updated)
        except Exception:  # the ledger already changed; a stale message is cosmetic
            log.exception("could not update the Slack message %s/%s", channel, ts)

    threading.Thread(target=run, name="slack-update", daemon=True).start()


def _pack(channel: str, ts: str, code: str, message_blocks: list[dict[str, Any]],
          creditor: int) -> str:
    """The modal's private_metadata (3000 characters at most): where the message is and,
    compressed, its blocks, so the submission can update that account's block; a message
    too large to carry is left as it is."""
    meta: dict[str, Any] = {"c": channel, "t": ts, "a": code, "r": creditor}
    packed = base64.b64encode(zlib.compress(json.dumps(
        message_blocks, separators=(",", ":")).encode(), 9)).decode()
    if len(json.dumps({**meta, "b": packed})) <= MAX_METADATA:
        meta["b"] = packed
    return json.dumps(meta)


def _unpack(metadata: str) -> tuple[str, str, str, list[dict[str, Any]], int | None]:
    try:
        meta = json.loads(metadata or "{}")
        message_blocks = json.loads(zlib.decompress(base64.b64decode(meta["b"]))) \
            if meta.get("b") else []
    except (ValueError, zlib.error, TypeError):
        return "", "", "", [], None
    creditor = meta.get("r")
    return str(meta.get("c", "")), str(meta.get("t", "")), str(meta.get("a", "")), \
        list(message_blocks), creditor if isinstance(creditor, int) else None


def _authentic(hub: Hub) -> Response | None:
    """401 unless the request is signed, fresh and new."""
    body = request.get_data(cache=True)
    secret = hub.settings.notify.slack_signing_secret
    if not verify_request(secret, body, dict(request.headers),
                          now=hub.clock.now().timestamp()):
        return _refuse("bad or stale signature")
    signature = hashlib.sha256(request.headers.get("X-Slack-Signature", "").encode())
    with hub.engine.begin() as connection:
        if not remember_request(connection, signature.hexdigest(), hub.clock.now()):
            return _refuse("replayed request")
    return None


def _language(hub: Hub, locale: str | None) -> str:
    """The presser's language: their Slack locale, else the staff language."""
    return language_of(locale) if locale else language_of(hub.settings.staff_language)


@slack.post("/slack/actions")
@csrf_exempt
def actions() -> Response:
    hub: Hub = current_app.extensions["hub"]
    refused = _authentic(hub)
    if refused is not None:
        return refused
    try:
        payload = json.loads(request.form.get("payload", ""))
    except ValueError:
        return _ephemeral(gettext_for(_language(hub, None),
                                      "The hub could not read this request."))
    client = hub.transports.get("slack")
    if payload.get("type") == "view_submission" and isinstance(client, SlackTransport):
        return _submit_promise(hub, client, payload)
    pressed = (payload.get("actions") or [{}])[0]
    action_id, code = split_action(str(pressed.get("action_id", "")),
                                   str(pressed.get("value", "")))
    wanted = button_creditor(str(pressed.get("action_id", "")))
    if payload.get("type") != "block_actions" or action_id == "open_hub" or not code:
        return Response("", status=200)
    if not isinstance(client, SlackTransport):
        return _ephemeral(gettext_for(_language(hub, None),
                                      "Slack is not connected to the hub (HUB_SLACK_TOKEN)."))
    return _apply(hub, client, payload, action_id, code, wanted=wanted)


def _person(client: SlackTransport, payload: dict[str, Any]) -> tuple[str | None, str | None]:
    try:
        return client.person(str(payload.get("user", {}).get("id", "")))
    except Exception:
        log.exception("Slack users.info failed")
        return None, None


def _not_theirs(language: str) -> str:
    return gettext_for(language, "This button is for accounts of a creditor you do not act "
                                 "for; nothing was changed.")


def _creditor(connection: Connection, email: str | None, wanted: int | None,
              language: str) -> int | str:
    """The creditor the press acts for, or what to tell the person instead."""
    creditor = press_creditor(connection, email, wanted)
    if creditor is not None:
        return creditor
    if hub_user(connection, email) is None:
        return _no_user(email, language)
    log.warning("Slack press by %s refused: not a user of creditor %s", email, wanted)
    return _not_theirs(language)


def _no_user(email: str | None, language: str) -> str:
    if not email:
        return gettext_for(language, "No active hub user has the e-mail (hidden); ask an "
                                     "admin to add you.")
    return gettext_for(language, "No active hub user has the e-mail %(email)s; ask an admin "
                                 "to add you.", email=email)


def _apply(hub: Hub, client: SlackTransport, payload: dict[str, Any], action_id: str,
           code: str, *, wanted: int | None) -> Response:
    email, locale = _person(client, payload)
    language = _language(hub, locale)
    with hub.engine.connect() as connection:
        creditor = _creditor(connection, email, wanted, language)
    if isinstance(creditor, str):
        return _ephemeral(creditor)
    with acting_for(creditor), hub.engine.begin() as connection:
        actor = hub_user(connection, email)
        if actor is None:
            return _ephemeral(_no_user(email, language))
        try:
            if action_id == "log_promise":
                return _open_promise(hub, client, connection, payload=payload, code=code,
                                     locale=locale, creditor=creditor)
            done = apply_chat_action(connection, action_id=action_id, customer_code=code,
                                     actor=actor, source="slack", now=hub.clock.now(),
                                     today=hub.clock.today(), language=language)
        except UserError as exc:
            return _ephemeral(exc.message(language))
    message = payload.get("message", {})
    _update_later(client, str(payload.get("channel", {}).get("id", "")),
                  str(message.get("ts", "")),
                  message_blocks=list(message.get("blocks") or []), code=code, text=done)
    return Response("", status=200)


def _open_promise(hub: Hub, client: SlackTransport, connection: Connection, *,
                  payload: dict[str, Any], code: str, locale: str | None,
                  creditor: int) -> Response:
    """Open the promise modal at once (the trigger id lasts 3 seconds); nothing is
    recorded until it is submitted."""
    name, balance = promise_prompt(connection, code)
    today = hub.clock.today()
    limit = policy_settings(hub).promise_max_days_ahead
    language = language_of(locale)
    message = payload.get("message", {})
    view = promise_modal(
        code=code, name=name, balance=f"{format_amount(balance.amount, language)} "
                                      f"{balance.currency}",
        amount=format_amount(balance.amount, language),
        due_date=(today + timedelta(days=min(PROMISE_DAYS, limit))).isoformat(),
        latest=(today + timedelta(days=limit)).isoformat(), language=language,
        metadata=_pack(str(payload.get("channel", {}).get("id", "")),
                       str(message.get("ts", "")), code, list(message.get("blocks") or []),
                       creditor))
    try:
        client.open_view(str(payload.get("trigger_id", "")), view)
    except TransportError as exc:
        return _ephemeral(gettext_for(language, "The promise form could not be opened: "
                                                "%(problem)s", problem=exc))
    return Response("", status=200)


def _errors(errors: dict[str, str]) -> Response:
    return jsonify({"response_action": "errors", "errors": errors})


def _submit_promise(hub: Hub, client: SlackTransport, payload: dict[str, Any]) -> Response:
    """The promise modal's submission: recorded, or the errors shown next to the field."""
    view = payload.get("view", {})
    if view.get("callback_id") != PROMISE_CALLBACK:
        return Response("", status=200)
    channel, ts, code, message_blocks, wanted = _unpack(str(view.get("private_metadata",
                                                                     "")))
    amount, due = submitted(view)
    email, locale = _person(client, payload)
    language = _language(hub, locale)
    if not code:
        return _errors({"amount": gettext_for(
            language, "The hub could not tell which account this is for.")})
    with hub.engine.connect() as connection:
        creditor = _creditor(connection, email, wanted, language)
        actor = hub_user(connection, email)  # e-mail addresses are unique across the hub
    if isinstance(creditor, str) or actor is None:
        return _errors({"amount": creditor if isinstance(creditor, str)
                        else _no_user(email, language)})
    with acting_for(creditor), hub.engine.begin() as connection:
        try:
            done = record_chat_promise(
                connection, customer_code=code, amount_text=amount, due_text=due,
                locale=locale, actor=actor, source="slack", now=hub.clock.now(),
                today=hub.clock.today(),
                max_days_ahead=policy_settings(hub).promise_max_days_ahead)
        except FieldErrors as exc:
            return _errors(exc.errors)
        except UserError as exc:
            return _errors({"amount": exc.message(language)})
    _update_later(client, channel, ts, message_blocks=message_blocks, code=code, text=done)
    return Response("", status=200)
