"""Slack's interactivity endpoint: buttons on hub messages come back here.

A request counts only with a valid `v0` signature made within 5 minutes and never seen
before; anything else gets 401 and changes nothing. The press is applied as the hub user
whose e-mail the Slack account has, answered at once (Slack waits 3 seconds at most), and
the message is updated afterwards in the background."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import threading
from typing import Any

from flask import Blueprint
from flask import Response
from flask import current_app
from flask import jsonify
from flask import request
from flask.blueprints import BlueprintSetupState

from hub.bootstrap import Hub
from hub.domain.errors import UserError
from hub.domain.outbox import Delivery
from hub.ledger.outbox import remember_request
from hub.services.chat_actions import apply_chat_action
from hub.services.chat_actions import hub_user
from hub.web.security import csrf_exempt
from notifications.slack import SlackTransport
from notifications.slack import verify_request

log = logging.getLogger(__name__)
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


def _update_later(client: SlackTransport, payload: dict[str, Any], text: str) -> None:
    """Replace the pressed message's buttons with what was done (after we answered)."""
    channel = str(payload.get("channel", {}).get("id", ""))
    ts = str(payload.get("message", {}).get("ts", ""))
    if not channel or not ts:
        return
    original = str(payload.get("message", {}).get("text", "")).split("\n")[0]
    update = Delivery(key=ts, channel="slack", address=channel, subject=original[:150] or
                      "Collections Hub", text=f":white_check_mark: {text}")

    def run() -> None:
        try:
            client.update_message(channel, ts, dataclasses.replace(update))
        except Exception:  # the ledger already changed; a stale message is cosmetic
            log.exception("could not update the Slack message %s/%s", channel, ts)

    threading.Thread(target=run, name="slack-update", daemon=True).start()


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
        return _ephemeral("The hub could not read this request.")
    pressed = (payload.get("actions") or [{}])[0]
    action_id, code = str(pressed.get("action_id", "")), str(pressed.get("value", ""))
    if payload.get("type") != "block_actions" or action_id == "open_hub" or not code:
        return Response("", status=200)
    client = hub.transports.get("slack")
    if not isinstance(client, SlackTransport):
        return _ephemeral("Slack is not connected to the hub (HUB_SLACK_TOKEN).")
    return _apply(hub, client, payload, action_id, code)


def _apply(hub: Hub, client: SlackTransport, payload: dict[str, Any], action_id: str,
           code: str) -> Response:
    try:
        email = client.email_of(str(payload.get("user", {}).get("id", "")))
    except Exception:
        log.exception("Slack users.info failed")
        email = None
    with hub.engine.begin() as connection:
        actor = hub_user(connection, email)
        if actor is None:
            return _ephemeral(f"No active hub user has the e-mail {email or '(hidden)'}; "
                              "ask an admin to add you.")
        try:
            done = apply_chat_action(connection, action_id=action_id, customer_code=code,
                                     actor=actor, source="slack", now=hub.clock.now(),
                                     today=hub.clock.today())
        except UserError as exc:
            return _ephemeral(str(exc))
    _update_later(client, payload, done)
    return Response("", status=200)
