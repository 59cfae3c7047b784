"""A fake Microsoft Entra token endpoint and Microsoft Graph on one 127.0.0.1 port.

Entra: `GET /{tenant}/v2.0/.well-known/openid-configuration` (advertising the real
login host, as msal requires https; the hub's session redirects it here) and
`POST /{tenant}/oauth2/v2.0/token` (client credentials; `invalid_client` with AADSTS7000215
for a wrong secret). Graph: `GET /v1.0/users/{id}/manager` (404 Request_ResourceNotFound
when there is none) and `POST /v1.0/users/{id}/sendMail` (202, empty body), both needing
the issued bearer token; Graph-shaped error bodies."""

from __future__ import annotations

import itertools
import re
from typing import Any
from urllib.parse import unquote

from werkzeug.wrappers import Response

from tests.fake_servers.notify_base import FakeHttpServer
from tests.fake_servers.notify_base import Logged

TENANT = "contoso-tenant"
CLIENT_ID = "hub-client-id"
CLIENT_SECRET = "hub-client-secret"
LOGIN = "https://login.microsoftonline.com"


def graph_error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message,
                      "innerError": {"date": "2026-12-01T10:00:00", "request-id": "fake"}}}


class FakeMicrosoft(FakeHttpServer):
    def __init__(self) -> None:
        super().__init__()
        self.managers: dict[str, dict[str, str]] = {}  # user -> manager user object
        self.mailboxes: set[str] = set()
        self.sent: list[dict[str, Any]] = []
        self.tokens: set[str] = set()
        self._token_ids = itertools.count(1)

    def set_manager(self, user: str, manager_email: str, name: str = "Manager") -> None:
        self.managers[user.lower()] = {"id": f"id-{manager_email}", "displayName": name,
                                       "mail": manager_email,
                                       "userPrincipalName": manager_email}

    def throttle_next(self, prefix: str = "/v1.0/", retry_after: int = 1, times: int = 1) -> None:
        self.fail_next(prefix, 429, body=graph_error(
            "TooManyRequests", "Too many requests"), headers={"Retry-After": str(retry_after)},
            times=times)

    def handle(self, entry: Logged) -> Response:
        path = entry.path
        if path == f"/{TENANT}/v2.0/.well-known/openid-configuration":
            return self.json_response({
                "authorization_endpoint": f"{LOGIN}/{TENANT}/oauth2/v2.0/authorize",
                "token_endpoint": f"{LOGIN}/{TENANT}/oauth2/v2.0/token",
                "issuer": f"{LOGIN}/{TENANT}/v2.0"})
        if path == f"/{TENANT}/oauth2/v2.0/token" and entry.method == "POST":
            return self._token(entry.form)
        if path.startswith("/v1.0/"):
            if entry.headers.get("authorization", "").removeprefix("Bearer ") not in self.tokens:
                return self.json_response(graph_error(
                    "InvalidAuthenticationToken", "Access token is empty."), 401)
            return self._graph(entry)
        return self.json_response(graph_error("BadRequest", f"no route {path}"), 400)

    def _token(self, form: dict[str, str]) -> Response:
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return self.json_response({
                "error": "invalid_client",
                "error_description": "AADSTS7000215: Invalid client secret provided.",
                "error_codes": [7000215]}, 401)
        token = f"eyJ.fake.{next(self._token_ids)}"
        self.tokens.add(token)
        return self.json_response({"token_type": "Bearer", "expires_in": 3599,
                                   "access_token": token})

    def _graph(self, entry: Logged) -> Response:
        manager = re.fullmatch(r"/v1\.0/users/([^/]+)/manager", entry.path)
        if manager and entry.method == "GET":
            found = self.managers.get(unquote(manager.group(1)).lower())
            if found is None:
                return self.json_response(graph_error(
                    "Request_ResourceNotFound", "Resource 'manager' does not exist or one of "
                    "its queried reference-property objects are not present."), 404)
            return self.json_response({"@odata.type": "#microsoft.graph.user", **found})
        send = re.fullmatch(r"/v1\.0/users/([^/]+)/sendMail", entry.path)
        if send and entry.method == "POST":
            mailbox = unquote(send.group(1)).lower()
            if mailbox not in self.mailboxes:
                return self.json_response(graph_error(
                    "ErrorInvalidUser", f"The requested user '{mailbox}' is invalid."), 404)
            body = entry.json or {}
            message = body.get("message") or {}
            if not message.get("toRecipients"):
                return self.json_response(graph_error(
                    "ErrorInvalidRecipients", "At least one recipient is not valid."), 400)
            with self.lock:
                self.sent.append({"mailbox": mailbox, **body})
            return Response("", status=202)
        return self.json_response(graph_error("BadRequest", "Unsupported request"), 400)
