"""A fake Twilio REST API: `POST /2010-04-01/Accounts/{sid}/Messages.json` with HTTP basic
auth and a form body (To, From, Body) -> 201 with a Message resource. Twilio-shaped
errors: 401 code 20003, 400 code 21211 for a 'To' that is not a valid number, 429 code
20429."""

from __future__ import annotations

import itertools
import re
from base64 import b64decode
from typing import Any

from werkzeug.wrappers import Response

from tests.fake_servers.notify_base import FakeHttpServer
from tests.fake_servers.notify_base import Logged

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "twilio-test-token"
E164 = re.compile(r"\+[1-9]\d{6,14}")


def twilio_error(code: int, message: str, status: int) -> dict[str, Any]:
    return {"code": code, "message": message, "status": status,
            "more_info": f"https://www.twilio.com/docs/errors/{code}"}


class FakeTwilio(FakeHttpServer):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[dict[str, str]] = []
        self.unreachable: set[str] = set()  # numbers answered with 21211
        self._ids = itertools.count(1)

    def throttle_next(self, times: int = 1) -> None:
        self.fail_next("/2010-04-01/", 429, body=twilio_error(20429, "Too Many Requests", 429),
                       times=times)

    def handle(self, entry: Logged) -> Response:
        path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
        auth = entry.headers.get("authorization", "")
        expected = f"{ACCOUNT_SID}:{AUTH_TOKEN}"
        if not auth.startswith("Basic ") or b64decode(auth[6:]).decode() != expected:
            return self.json_response(twilio_error(20003, "Authenticate", 401), 401)
        if entry.path != path or entry.method != "POST":
            return self.json_response(twilio_error(20404, "The requested resource was not "
                                                   "found", 404), 404)
        form = entry.form
        to = form.get("To", "")
        if not E164.fullmatch(to) or to in self.unreachable:
            return self.json_response(twilio_error(
                21211, f"The 'To' number {to} is not a valid phone number.", 400), 400)
        sid = f"SM{next(self._ids):032x}"
        with self.lock:
            self.messages.append({"sid": sid, **form})
        return self.json_response({
            "sid": sid, "account_sid": ACCOUNT_SID, "to": to, "from": form.get("From"),
            "body": form.get("Body"), "status": "queued", "num_segments": "1",
            "direction": "outbound-api", "api_version": "2010-04-01",
            "date_created": "Tue, 01 Dec 2026 10:00:00 +0000",
            "uri": f"{path[:-5]}/{sid}.json"}, 201)
