"""A fake Slack Web API under /api/ for slack_sdk's WebClient: users.lookupByEmail,
users.info (with `locale` when `include_locale` is asked), conversations.open,
chat.postMessage, chat.update (the full block list replaces the message's), views.open
(needs a trigger id and a modal view), auth.test. Slack answers
HTTP 200 with `{"ok": false, "error": ...}` for API errors, and 429 with Retry-After and
`{"ok": false, "error": "ratelimited"}` when rate limited. The sync WebClient POSTs every
method (form or JSON), so both are accepted."""

from __future__ import annotations

import itertools
import json
from typing import Any

from werkzeug.wrappers import Response

from tests.fake_servers.notify_base import FakeHttpServer
from tests.fake_servers.notify_base import Logged

TOKEN = "xoxb-hub-test-token"


class FakeSlack(FakeHttpServer):
    def __init__(self) -> None:
        super().__init__()
        self.users: dict[str, str] = {}  # e-mail -> user id
        self.posted: list[dict[str, Any]] = []
        self.updated: list[dict[str, Any]] = []
        self.views: list[dict[str, Any]] = []
        self.locales: dict[str, str] = {}  # user id -> Slack locale ("nl-NL")
        self._ts = itertools.count(1)

    def add_user(self, email: str) -> str:
        user_id = f"U{len(self.users) + 1:08d}"
        self.users[email] = user_id
        return user_id

    def rate_limit_next(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        self.fail_next(f"/api/{method}", 429, body={"ok": False, "error": "ratelimited"},
                       headers={"Retry-After": str(retry_after)}, times=times)

    def error_next(self, method: str, error: str, times: int = 1) -> None:
        self.fail_next(f"/api/{method}", 200, body={"ok": False, "error": error}, times=times)

    @staticmethod
    def _args(entry: Logged) -> dict[str, Any]:
        if entry.headers.get("content-type", "").startswith("application/json"):
            return dict(entry.json or {})
        return {**entry.query, **entry.form}

    def handle(self, entry: Logged) -> Response:
        method = entry.path.removeprefix("/api/")
        if entry.headers.get("authorization") != f"Bearer {TOKEN}":
            return self.json_response({"ok": False, "error": "invalid_auth"})
        args = self._args(entry)
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return self.json_response({"ok": False, "error": "unknown_method"})
        return self.json_response(handler(args))

    def _auth_test(self, _args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "user_id": "UBOT", "team": "Hub"}

    def _users_lookupByEmail(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(args.get("email")))
        if user is None:
            return {"ok": False, "error": "users_not_found"}
        return {"ok": True, "user": {"id": user, "profile": {"email": args["email"]}}}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        email = next((e for e, u in self.users.items() if u == args.get("user")), None)
        if email is None:
            return {"ok": False, "error": "user_not_found"}
        user: dict[str, Any] = {"id": args["user"], "profile": {"email": email}}
        if str(args.get("include_locale", "")).lower() in ("true", "1"):
            user["locale"] = self.locales.get(str(args["user"]), "en-US")
        return {"ok": True, "user": user}

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channel": {"id": "D" + str(args.get("users", ""))[1:]}}

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel"):
            return {"ok": False, "error": "channel_not_found"}
        if not args.get("text") and not args.get("blocks"):
            return {"ok": False, "error": "no_text"}
        ts = f"1700000000.{next(self._ts):06d}"
        with self.lock:
            self.posted.append({**args, "ts": ts})
        return {"ok": True, "channel": args["channel"], "ts": ts,
                "message": {"text": args.get("text")}}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("channel") or not args.get("ts"):
            return {"ok": False, "error": "invalid_arguments"}
        blocks = args.get("blocks")
        if isinstance(blocks, str):  # a form-encoded call sends the blocks as JSON text
            blocks = json.loads(blocks)
        ids = [block.get("block_id") for block in blocks or [] if block.get("block_id")]
        if len(ids) != len(set(ids)):
            return {"ok": False, "error": "invalid_blocks"}
        with self.lock:
            self.updated.append({**args, "blocks": blocks})
        return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts")}

    def _views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        view = args.get("view")
        if isinstance(view, str):
            view = json.loads(view)
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        if not isinstance(view, dict) or view.get("type") != "modal" or \
                len(str(view.get("private_metadata", ""))) > 3000 or \
                len(view.get("title", {}).get("text", "")) > 24:
            return {"ok": False, "error": "invalid_arguments"}
        with self.lock:
            self.views.append({**view, "trigger_id": args["trigger_id"]})
        return {"ok": True, "view": {**view, "id": f"V{len(self.views):08d}"}}
