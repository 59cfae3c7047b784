"""Slack: the one module that imports slack_sdk.

Direct messages go `users.lookupByEmail` -> `conversations.open` -> `chat.postMessage`
with a Block Kit body; department channels get `chat.postMessage` straight away. Buttons
come back signed to the interactivity endpoint (hub/web/slack.py), which checks them with
`verify_request` and updates the message with `update_message`."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier

from hub.domain.outbox import AddressError
from hub.domain.outbox import Button
from hub.domain.outbox import Delivery
from hub.domain.outbox import TransportError
from hub.i18n import gettext_for

DEFAULT_API_URL = "https://slack.com/api/"
# https://docs.slack.dev/reference/methods/chat.postMessage#errors
CONFIGURATION_ERRORS = frozenset({"invalid_auth", "not_authed", "account_inactive",
                                  "token_revoked", "token_expired", "missing_scope",
                                  "no_permission", "not_allowed_token_type",
                                  "team_access_not_granted"})
PERMANENT_ERRORS = frozenset({"users_not_found", "user_not_found", "channel_not_found",
                              "not_in_channel", "is_archived", "invalid_blocks",
                              "msg_too_long", "no_text", "user_disabled",
                              "cannot_dm_bot", "invalid_arguments"})
MAX_TEXT = 3000  # characters in one section block


class _Clock:
    def __init__(self, now: float | None) -> None:
        self.fixed = now

    def now(self) -> float:
        return self.fixed if self.fixed is not None else time.time()


def verify_request(signing_secret: str, body: bytes, headers: Mapping[str, str], *,
                   now: float | None = None) -> bool:
    """Slack's v0 HMAC-SHA256 signature over `v0:{timestamp}:{body}`, within 5 minutes."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    if not timestamp.isdigit() or not signing_secret:
        return False
    verifier = SignatureVerifier(signing_secret, clock=_Clock(now))  # type: ignore[arg-type]
    return verifier.is_valid(body=body, timestamp=timestamp,
                             signature=headers.get("X-Slack-Signature"))


def sign_request(signing_secret: str, body: bytes, timestamp: int) -> dict[str, str]:
    """The headers Slack would send (for the fake Slack and for tests)."""
    signature = SignatureVerifier(signing_secret).generate_signature(
        timestamp=str(timestamp), body=body)
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": signature or ""}


def _button(button: Button) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "button", "action_id": button.action_id,
                               "text": {"type": "plain_text", "text": button.label[:75]}}
    if button.url:
        element["url"] = button.url
    if button.value:
        element["value"] = button.value
    return element


def account_block_id(code: str) -> str:
    return f"acct:{code}"[:255]


def blocks(delivery: Delivery) -> list[dict[str, Any]]:
    """The Block Kit body (pure): a header, the text, fields, then per account a section
    naming it (block_id `acct:<code>`) and its row of buttons (`acct:<code>:actions`), so a
    press can replace that account's blocks and leave the others' alone."""
    body: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": delivery.subject[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": delivery.text[:MAX_TEXT]}},
    ]
    if delivery.fields:
        body.append({"type": "section", "fields": [
            {"type": "mrkdwn", "text": f"*{label}*\n{value}"}
            for label, value in delivery.fields[:10]]})
    rows: dict[str, list[Button]] = {}
    for button in delivery.buttons:
        rows.setdefault(button.value or "links", []).append(button)
    for code, buttons in rows.items():
        block_id = account_block_id(code)
        name = buttons[0].account or code
        body.append({"type": "section", "block_id": block_id,
                     "text": {"type": "mrkdwn", "text": f"*{name}*"[:MAX_TEXT]}})
        body.append({"type": "actions", "block_id": f"{block_id}:actions"[:255],
                     "elements": [_button(button) for button in buttons[:25]]})
    return body


def replace_account(message_blocks: list[dict[str, Any]], code: str,
                    done: str) -> list[dict[str, Any]]:
    """The message's blocks with one account's section and buttons replaced by what was
    done (pure); every other block, the other accounts' buttons included, stays as it is."""
    block_id = account_block_id(code)
    mine = {block_id, f"{block_id}:actions"[:255]}
    updated: list[dict[str, Any]] = []
    for block in message_blocks:
        if block.get("block_id") not in mine:
            updated.append(block)
        elif block.get("block_id") == block_id:
            updated.append({"type": "section", "block_id": block_id,
                            "text": {"type": "mrkdwn",
                                     "text": f":white_check_mark: {done}"[:MAX_TEXT]}})
    return updated


PROMISE_CALLBACK = "log_promise"


def promise_modal(*, code: str, name: str, balance: str, amount: str, due_date: str,
                  latest: str, metadata: str, language: str = "en") -> dict[str, Any]:
    """The "Log promise" modal (pure) in the Slack user's language: the amount as the user
    types it, prefilled with the open balance, and the promised date from a date picker."""
    return {
        "type": "modal", "callback_id": PROMISE_CALLBACK, "private_metadata": metadata,
        "title": {"type": "plain_text", "text": gettext_for(language, "Log promise")},
        "submit": {"type": "plain_text", "text": gettext_for(language, "Record promise")},
        "close": {"type": "plain_text", "text": gettext_for(language, "Cancel")},
        "blocks": [
            {"type": "section", "block_id": "account", "text": {
                "type": "mrkdwn", "text": gettext_for(
                    language, "*%(name)s* (%(code)s): %(balance)s open", name=name,
                    code=code, balance=balance)[:MAX_TEXT]}},
            {"type": "input", "block_id": "amount",
             "label": {"type": "plain_text", "text": gettext_for(language, "Promised amount")},
             "element": {"type": "plain_text_input", "action_id": "amount",
                         "initial_value": amount}},
            {"type": "input", "block_id": "due_date",
             "label": {"type": "plain_text", "text": gettext_for(language, "Promised date")},
             "hint": {"type": "plain_text", "text": gettext_for(
                 language, "At the latest %(date)s", date=latest)},
             "element": {"type": "datepicker", "action_id": "due_date",
                         "initial_date": due_date}},
        ]}


def submitted(view: Mapping[str, Any]) -> tuple[str, str]:
    """The typed amount and the picked date (ISO) from a promise modal's submission."""
    values = view.get("state", {}).get("values", {})
    amount = values.get("amount", {}).get("amount", {}).get("value") or ""
    due = values.get("due_date", {}).get("due_date", {}).get("selected_date") or ""
    return str(amount), str(due)


def payload(delivery: Delivery) -> dict[str, Any]:
    return {"text": f"{delivery.subject}\n{delivery.text}"[:MAX_TEXT],
            "blocks": blocks(delivery)}


def _error(exc: SlackApiError) -> TransportError:
    code = str(exc.response.get("error", "unknown_error"))
    status = exc.response.status_code
    detail = f"Slack {code} (HTTP {status})"
    if code in CONFIGURATION_ERRORS:
        return TransportError(detail, configuration=True)
    if code in PERMANENT_ERRORS:
        return TransportError(detail, permanent=True)
    retry_after = exc.response.headers.get("Retry-After") if status == 429 else None
    if isinstance(retry_after, list):
        retry_after = retry_after[0]
    return TransportError(detail, retry_after=float(retry_after) if retry_after else None)


class SlackTransport:
    channel = "slack"

    def __init__(self, token: str, *, base_url: str = DEFAULT_API_URL, timeout: int = 10,
                 rate_limit_retries: int = 2) -> None:
        self.client = WebClient(token=token, base_url=base_url, timeout=timeout)
        self.client.retry_handlers.append(
            RateLimitErrorRetryHandler(max_retry_count=rate_limit_retries))

    def prepare_address(self, address: str, *, country: str | None) -> str:  # noqa: ARG002
        address = address.strip()
        if not address:
            raise AddressError("no Slack user or channel")
        return address

    def _call(self, method: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self.client.api_call(method, params=kwargs) if method.startswith(
                "users.") else self.client.api_call(method, json=kwargs)
        except SlackApiError as exc:
            raise _error(exc) from None
        except (TimeoutError, OSError) as exc:
            raise TransportError(f"Slack {method} did not answer: {exc}") from None
        return dict(response.data) if isinstance(response.data, dict) else {}

    def conversation_for(self, address: str) -> str:
        """A DM channel for an e-mail address; a channel id or #name as it is."""
        if "@" not in address:
            return address
        user = self._call("users.lookupByEmail", email=address)["user"]["id"]
        return str(self._call("conversations.open", users=user)["channel"]["id"])

    def send(self, delivery: Delivery) -> str | None:
        channel = self.conversation_for(delivery.address)
        posted = self._call("chat.postMessage", channel=channel, **payload(delivery))
        return f"{posted.get('channel', channel)}:{posted.get('ts', '')}"

    def update_message(self, channel: str, ts: str, delivery: Delivery) -> None:
        self._call("chat.update", channel=channel, ts=ts, **payload(delivery))

    def update_blocks(self, channel: str, ts: str, text: str,
                      message_blocks: list[dict[str, Any]]) -> None:
        """Replace a message's blocks with the full updated list (Slack has no partial
        update)."""
        self._call("chat.update", channel=channel, ts=ts, text=text[:MAX_TEXT],
                   blocks=message_blocks)

    def open_view(self, trigger_id: str, view: dict[str, Any]) -> None:
        """Open a modal; the trigger id from a button press is valid for 3 seconds."""
        self._call("views.open", trigger_id=trigger_id, view=view)

    def email_of(self, user_id: str) -> str | None:
        """The e-mail on a Slack user's profile (needs users:read.email)."""
        return self.person(user_id)[0]

    def person(self, user_id: str) -> tuple[str | None, str | None]:
        """The e-mail on a Slack user's profile (needs users:read.email) and their Slack
        locale ("nl-NL"), used to read what they type."""
        user = self._call("users.info", user=user_id, include_locale="true").get("user", {})
        email = user.get("profile", {}).get("email")
        locale = user.get("locale")
        return (str(email) if email else None), (str(locale) if locale else None)
