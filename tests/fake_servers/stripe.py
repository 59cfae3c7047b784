"""A fake Stripe API for Checkout: `POST /v1/checkout/sessions` and
`GET /v1/checkout/sessions/{id}` with `Authorization: Bearer sk_test_...` and Stripe's
form encoding (`line_items[0][price_data][currency]=eur`, `metadata[customer]=...`);
Stripe-shaped errors (`{"error": {"type", "message", "param", "code"}}`: 401 for a bad key,
400 for a missing or unsupported parameter, 400 `idempotency_error` for a key reused with
other parameters) and Idempotency-Key replay.

The "debtor" side: `pay(session_id)` marks a session paid as Stripe's hosted page would,
and `deliver(event, url)` posts the signed webhook (`Stripe-Signature: t=...,v1=...`,
HMAC-SHA256 with the endpoint secret) to the hub over HTTP, as Stripe does."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import parse_qsl

from werkzeug.wrappers import Response

from tests.fake_servers.notify_base import FakeHttpServer
from tests.fake_servers.notify_base import Logged

SECRET_KEY = "sk_test_" + "4eC39HqLyjWDarjtT1zdp7dc"
WEBHOOK_SECRET = "whsec_" + "fake0endpoint0secret0for0tests"
EURO_ONLY = {"ideal", "bancontact"}
_KEY = re.compile(r"[^\[\]]+|\[(\d*|[^\[\]]*)\]")


def stripe_error(message: str, *, param: str | None = None, code: str | None = None,
                 kind: str = "invalid_request_error") -> dict[str, Any]:
    error: dict[str, Any] = {"type": kind, "message": message}
    if param:
        error["param"] = param
    if code:
        error["code"] = code
    return {"error": error}


def decode_form(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's nested form keys back into dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in pairs:
        parts = [m.group(1) if m.group(0).startswith("[") else m.group(0)
                 for m in _KEY.finditer(key)]
        node: Any = root
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            following = None if last else parts[index + 1]
            child: Any = value if last else ([] if following is not None and
                                               (following.isdigit() or following == "")
                                               else {})
            if isinstance(node, list):
                position = int(part) if part.isdigit() else len(node)
                while len(node) <= position:
                    node.append(None)
                if node[position] is None or last:
                    node[position] = child
                node = node[position]
            else:
                if part not in node or last:
                    node[part] = child
                node = node[part]
    return root


def sign(payload: bytes, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    moment = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{moment}.".encode() + payload, hashlib.sha256)
    return f"t={moment},v1={mac.hexdigest()}"


class FakeStripe(FakeHttpServer):
    def __init__(self) -> None:
        super().__init__()
        self.sessions: dict[str, dict[str, Any]] = {}
        self.idempotent: dict[str, tuple[str, dict[str, Any]]] = {}
        self._ids = itertools.count(1)

    # -- the API ---------------------------------------------------------------------
    def handle(self, entry: Logged) -> Response:
        auth = entry.headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            return self.json_response(stripe_error(
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth."), 401)
        if auth[7:] != SECRET_KEY:
            return self.json_response(stripe_error(
                f"Invalid API Key provided: {auth[7:15]}****{auth[-4:]}",
                code="api_key_invalid"), 401)
        if entry.method == "POST" and entry.path == "/v1/checkout/sessions":
            return self._create(entry)
        found = re.fullmatch(r"/v1/checkout/sessions/([^/]+)", entry.path)
        if entry.method == "GET" and found:
            session = self.sessions.get(found.group(1))
            if session is None:
                return self.json_response(stripe_error(
                    f"No such checkout.session: '{found.group(1)}'", param="session",
                    code="resource_missing"), 404)
            return self.json_response(session)
        return self.json_response(stripe_error(
            f"Unrecognized request URL ({entry.method}: {entry.path}).", ), 404)

    def _create(self, entry: Logged) -> Response:
        body = entry.body.decode()
        key = entry.headers.get("idempotency-key")
        if key and key in self.idempotent:
            seen_body, seen = self.idempotent[key]
            if seen_body != body:
                return self.json_response(stripe_error(
                    "Keys for idempotent requests can only be used with the same parameters "
                    "they were first used with.", kind="idempotency_error"), 400)
            return self.json_response(seen)
        params = decode_form(parse_qsl(body, keep_blank_values=True))
        problem = self._check(params)
        if problem is not None:
            return problem
        line = params["line_items"][0]
        price = line["price_data"]
        number = next(self._ids)
        session_id = f"cs_test_a1{number:08d}Hub"
        session = {
            "id": session_id, "object": "checkout.session", "mode": "payment",
            "status": "open", "payment_status": "unpaid", "livemode": False,
            "amount_total": int(price["unit_amount"]) * int(line.get("quantity", 1)),
            "currency": price["currency"], "created": int(time.time()),
            "expires_at": int(time.time()) + 24 * 3600,
            "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata", {}),
            "payment_method_types": params["payment_method_types"],
            "locale": params.get("locale"), "payment_intent": None,
            "success_url": params.get("success_url"), "cancel_url": params.get("cancel_url"),
            "url": f"{self.url}/c/pay/{session_id}",
        }
        with self.lock:
            self.sessions[session_id] = session
            if key:
                self.idempotent[key] = (body, session)
        return self.json_response(session)

    @staticmethod
    def _check(params: dict[str, Any]) -> Response | None:
        def bad(message: str, param: str) -> Response:
            return FakeStripe.json_response(stripe_error(message, param=param), 400)

        if params.get("mode") != "payment":
            return bad("Missing required param: mode.", "mode")
        lines = params.get("line_items") or []
        if not lines or "price_data" not in lines[0]:
            return bad("Missing required param: line_items[0][price_data].", "line_items")
        price = lines[0]["price_data"]
        if not str(price.get("unit_amount", "")).isdigit() or int(price["unit_amount"]) < 1:
            return bad("Invalid integer: unit_amount", "line_items[0][price_data][unit_amount]")
        if not (price.get("product_data") or {}).get("name"):
            return bad("Missing required param: line_items[0][price_data][product_data][name].",
                       "line_items[0][price_data][product_data][name]")
        for method in params.get("payment_method_types") or ["card"]:
            if method in EURO_ONLY and price.get("currency") != "eur":
                return bad(f"The payment method `{method}` does not support the currency "
                           f"`{price.get('currency')}`.", "payment_method_types")
        return None

    # -- Stripe's side of the debtor paying ----------------------------------------------
    def pay(self, session_id: str, *, paid: bool = True) -> dict[str, Any]:
        """The debtor finished the hosted page: the session completes (paid, or unpaid for
        a method whose money arrives later); returns the webhook event Stripe would send."""
        with self.lock:
            session = self.sessions[session_id]
            session["status"] = "complete"
            session["payment_status"] = "paid" if paid else "unpaid"
            session["payment_intent"] = f"pi_test_{session_id[-11:]}"
        return self.event("checkout.session.completed", session)

    def settle(self, session_id: str, *, succeeded: bool = True) -> dict[str, Any]:
        with self.lock:
            session = self.sessions[session_id]
            session["payment_status"] = "paid" if succeeded else "unpaid"
        kind = "succeeded" if succeeded else "failed"
        return self.event(f"checkout.session.async_payment_{kind}", session)

    def event(self, kind: str, session: dict[str, Any]) -> dict[str, Any]:
        return {"id": f"evt_test_{next(self._ids):010d}", "object": "event",
                "api_version": "2025-09-30.clover", "created": int(time.time()),
                "livemode": False, "pending_webhooks": 1, "type": kind,
                "request": {"id": None, "idempotency_key": None},
                "data": {"object": json.loads(json.dumps(session))}}

    @staticmethod
    def deliver(event: dict[str, Any], url: str, *, secret: str = WEBHOOK_SECRET,
                timestamp: int | None = None) -> tuple[int, dict[str, Any]]:
        """POST the event, signed, as Stripe does; (status, JSON answer)."""
        payload = json.dumps(event, indent=2).encode()
        request = urllib.request.Request(url, data=payload, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8",
            "Stripe-Signature": sign(payload, secret, timestamp),
            "User-Agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)"})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, json.loads(answer.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")
