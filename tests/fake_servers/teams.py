"""A fake Power Automate Workflows webhook: POST a message with one Adaptive Card
attachment -> 202 Accepted with an empty body; a wrong signature is 401, a body that is
not a card message 400."""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from tests.fake_servers.notify_base import FakeHttpServer
from tests.fake_servers.notify_base import Logged

PATH = "/workflows/0a1b2c/triggers/manual/paths/invoke"
SIGNATURE = "sig-test-123"


class FakeTeamsWorkflow(FakeHttpServer):
    def __init__(self) -> None:
        super().__init__()
        self.cards: list[dict[str, Any]] = []

    @property
    def webhook_url(self) -> str:
        return f"{self.url}{PATH}?api-version=1&sig={SIGNATURE}"

    def handle(self, entry: Logged) -> Response:
        if entry.path != PATH or entry.method != "POST":
            return self.json_response({"error": {"code": "TriggerNotFound"}}, 404)
        if entry.query.get("sig") != SIGNATURE:
            return self.json_response({"error": {"code": "DirectApiAuthorizationRequired",
                                                 "message": "The signature is invalid."}}, 401)
        body = entry.json or {}
        attachments = body.get("attachments") or []
        if body.get("type") != "message" or not attachments or attachments[0].get(
                "contentType") != "application/vnd.microsoft.card.adaptive":
            return self.json_response({"error": {"code": "InvalidRequestContent"}}, 400)
        with self.lock:
            self.cards.append(attachments[0]["content"])
        return Response("", status=202)
