"""A fake Twilio REST API, speaking as Twilio does (HTTP basic auth, form bodies,
Twilio-shaped JSON errors):

- `POST /2010-04-01/Accounts/{sid}/Messages.json`: an SMS (To, From, Body) or a WhatsApp
  template (`whatsapp:` To and From, ContentSid of a known template, ContentVariables as
  JSON, StatusCallback) -> 201 with a Message resource;
- `POST /2010-04-01/Accounts/{sid}/Calls.json` (To, From, Url, StatusCallback) -> 201 with
  a Call resource.

Errors: 401 code 20003 (authentication), 404 code 20404, 400 code 21211 for a 'To' that is
not a valid number, 21910 for a From/To pair on different channels, 21655 for an unknown
ContentSid, 21656 for ContentVariables that are not a JSON object, 21205 for a call
without a valid Url, and 429 code 20429 with Retry-After (`throttle_next`).

Like Twilio, the fake calls back: `answer` plays a placed call (fetches its TwiML from the
Url, follows each <Gather> with the next keys, signed with X-Twilio-Signature) and
`report_status` posts a signed delivery status to a message's StatusCallback."""

from __future__ import annotations

import itertools
import json
import re
import xml.etree.ElementTree as ET
from base64 import b64decode
from collections import deque
from typing import Any

import requests
from twilio.request_validator import RequestValidator
from werkzeug.wrappers import Response

from tests.fake_servers.notify_base import FakeHttpServer
from tests.fake_servers.notify_base import Logged

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "twilio-test-token"
E164 = re.compile(r"\+[1-9]\d{6,14}")
BASE = f"/2010-04-01/Accounts/{ACCOUNT_SID}"
# approved Content API templates the fake knows: ContentSid -> number of variables
TEMPLATES = {"HX" + "1" * 32: 4, "HX" + "2" * 32: 5}


def twilio_error(code: int, message: str, status: int) -> dict[str, Any]:
    return {"code": code, "message": message, "status": status,
            "more_info": f"https://www.twilio.com/docs/errors/{code}"}


def signed_post(url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> requests.Response:
    """POST a form as Twilio's webhooks do, with X-Twilio-Signature made with `token`."""
    signature = RequestValidator(token).compute_signature(url, params)
    return requests.post(url, data=params, headers={"X-Twilio-Signature": signature},
                         timeout=10)


class FakeTwilio(FakeHttpServer):
    def __init__(self) -> None:
        super().__init__()
        self.messages: list[dict[str, str]] = []
        self.calls: list[dict[str, str]] = []
        self.unreachable: set[str] = set()  # numbers answered with 21211
        self._ids = itertools.count(1)

    def throttle_next(self, times: int = 1, retry_after: int | None = None) -> None:
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
        self.fail_next("/2010-04-01/", 429, body=twilio_error(20429, "Too Many Requests", 429),
                       times=times, headers=headers)

    def handle(self, entry: Logged) -> Response:
        auth = entry.headers.get("authorization", "")
        expected = f"{ACCOUNT_SID}:{AUTH_TOKEN}"
        if not auth.startswith("Basic ") or b64decode(auth[6:]).decode() != expected:
            return self.json_response(twilio_error(20003, "Authenticate", 401), 401)
        if entry.method == "POST" and entry.path == f"{BASE}/Messages.json":
            return self._message(entry.form)
        if entry.method == "POST" and entry.path == f"{BASE}/Calls.json":
            return self._call(entry.form)
        return self.json_response(twilio_error(20404, "The requested resource was not "
                                               "found", 404), 404)

    @staticmethod
    def _bad(code: int, message: str) -> Response:
        return FakeHttpServer.json_response(twilio_error(code, message, 400), 400)

    def _number_error(self, to: str) -> Response | None:
        if not E164.fullmatch(to) or to in self.unreachable:
            return self._bad(21211, f"The 'To' number {to} is not a valid phone number.")
        return None

    def _message(self, form: dict[str, str]) -> Response:
        to, sender = form.get("To", ""), form.get("From", "")
        if to.startswith("whatsapp:") != sender.startswith("whatsapp:"):
            return self._bad(21910, "Invalid From and To pair. From and To should be of the "
                                    "same channel")
        error = self._number_error(to.removeprefix("whatsapp:"))
        if error is not None:
            return error
        if "ContentSid" in form:
            if form["ContentSid"] not in TEMPLATES:
                return self._bad(21655, "The ContentSid is Invalid")
            try:
                variables = json.loads(form.get("ContentVariables", "{}"))
            except ValueError:
                variables = None
            if not isinstance(variables, dict):
                return self._bad(21656, "The ContentVariables Parameter is invalid")
        elif not form.get("Body"):
            return self._bad(21602, "Message body is required.")
        sid = f"{'MM' if 'ContentSid' in form else 'SM'}{next(self._ids):032x}"
        with self.lock:
            self.messages.append({"sid": sid, **form})
        return self.json_response({
            "sid": sid, "account_sid": ACCOUNT_SID, "to": to, "from": sender,
            "body": form.get("Body", ""), "status": "queued", "num_segments": "1",
            "direction": "outbound-api", "api_version": "2010-04-01",
            "date_created": "Tue, 01 Dec 2026 10:00:00 +0000",
            "uri": f"{BASE}/Messages/{sid}.json"}, 201)

    def _call(self, form: dict[str, str]) -> Response:
        error = self._number_error(form.get("To", ""))
        if error is not None:
            return error
        if not form.get("Url", "").startswith(("http://", "https://")):
            return self._bad(21205, "Url is not a valid URL.")
        sid = f"CA{next(self._ids):032x}"
        with self.lock:
            self.calls.append({"sid": sid, **form})
        return self.json_response({
            "sid": sid, "account_sid": ACCOUNT_SID, "to": form["To"],
            "from": form.get("From"), "status": "queued", "direction": "outbound-api",
            "api_version": "2010-04-01", "date_created": "Tue, 01 Dec 2026 10:00:00 +0000",
            "uri": f"{BASE}/Calls/{sid}.json"}, 201)

    # -- Twilio calling the hub ----------------------------------------------------
    def answer(self, sid: str, *keys: str, token: str = AUTH_TOKEN) -> list[tuple[str, str]]:
        """Pick up call `sid` and press `keys` at each <Gather> in turn; returns what was
        said, as (language, text). Stops at <Hangup>, or when a <Gather> gets no key."""
        call = next(call for call in self.calls if call["sid"] == sid)
        params = {"CallSid": sid, "AccountSid": ACCOUNT_SID, "From": call.get("From", ""),
                  "To": call["To"], "CallStatus": "in-progress", "Direction": "outbound-api"}
        pressed = deque(keys)
        spoken: list[tuple[str, str]] = []
        url: str | None = call["Url"]
        form = dict(params)
        while url is not None:
            reply = signed_post(url, form, token)
            reply.raise_for_status()
            url = None
            for verb in ET.fromstring(reply.text):
                says = [verb] if verb.tag == "Say" else list(verb) if verb.tag == "Gather" \
                    else []
                spoken += [(say.get("language", ""), say.text or "") for say in says]
                if verb.tag == "Gather" and pressed:
                    url, form = verb.get("action"), {**params, "Digits": pressed.popleft()}
                    break
                if verb.tag == "Hangup":
                    break
        return spoken

    def report_status(self, sid: str, status: str, error_code: str | None = None, *,
                      token: str = AUTH_TOKEN) -> requests.Response:
        """Twilio's status callback for a WhatsApp message or a call."""
        found = next(item for item in self.messages + self.calls if item["sid"] == sid)
        kind = "Call" if sid.startswith("CA") else "Message"
        params = {f"{kind}Sid": sid, "AccountSid": ACCOUNT_SID, f"{kind}Status": status,
                  "To": found["To"], "From": found.get("From", "")}
        if error_code:
            params["ErrorCode"] = error_code
        return signed_post(found["StatusCallback"], params, token)
