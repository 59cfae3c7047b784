"""Microsoft Teams through a Power Automate Workflows webhook: an Adaptive Card whose
buttons open the hub. The webhook answers 202 Accepted with an empty body.

A Workflows webhook only posts cards: it cannot send an `Action.Submit`/`Action.Execute`
back to the hub (that needs a registered bot, which the hub does not have), so each
account's link is an `Action.OpenUrl` titled with the account's name, in its own row
under the account's name."""

from __future__ import annotations

from typing import Any

from hub.domain.outbox import Delivery
from notifications.base import HttpTransport

CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"


def card(delivery: Delivery) -> dict[str, Any]:
    """The Adaptive Card for a message (pure, so tests can read it)."""
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": delivery.subject, "weight": "Bolder", "size": "Medium",
         "wrap": True},
        {"type": "TextBlock", "text": delivery.text, "wrap": True},
    ]
    if delivery.fields:
        body.append({"type": "FactSet",
                     "facts": [{"title": label, "value": value}
                               for label, value in delivery.fields]})
    for account in dict.fromkeys(b.account for b in delivery.buttons if b.url and b.account):
        body.append({"type": "TextBlock", "text": account, "weight": "Bolder", "wrap": True,
                     "spacing": "Medium"})
        body.append({"type": "ActionSet", "actions": [
            {"type": "Action.OpenUrl", "title": button.label, "url": button.url}
            for button in delivery.buttons if button.url and button.account == account]})
    actions = [{"type": "Action.OpenUrl", "title": button.label, "url": button.url}
               for button in delivery.buttons if button.url and not button.account]
    content: dict[str, Any] = {"$schema": CARD_SCHEMA, "type": "AdaptiveCard",
                               "version": "1.4", "body": body}
    if actions:
        content["actions"] = actions
    return content


def payload(delivery: Delivery) -> dict[str, Any]:
    return {"type": "message", "attachments": [{
        "contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None,
        "content": card(delivery)}]}


class TeamsTransport(HttpTransport):
    channel = "teams"

    def __init__(self, webhook_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.webhook_url = webhook_url

    def prepare_address(self, address: str, *, country: str | None) -> str:  # noqa: ARG002
        return address  # the flow decides where the card goes; the address names the person

    def send(self, delivery: Delivery) -> str | None:
        self.request("POST", self.webhook_url, json=payload(delivery))
        return None
