"""The Slack "Log promise" flow against the served app and the Slack fake, end to end: the
cycle's digest reaches Slack with each account's buttons; Slack posts the button press
(signed, as Slack does) and the hub opens a modal that asks for the amount and the date;
Slack posts the submission and the promise is recorded as typed, only that account's
block of the digest changes, and the collector sees the promise on the account page."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from playwright.sync_api import APIResponse
from playwright.sync_api import Page
from playwright.sync_api import expect

from hub.bootstrap import Hub
from hub.bootstrap import bootstrap
from hub.config import NotifySettings
from hub.config import Settings
from hub.domain.clock import FixedClock
from hub.ledger.tables import promises
from hub.services.notify.digests import DigestSettings
from hub.services.notify.digests import NotifyHook
from notifications.slack import sign_request
from tests.browser.test_no_clipping import CLIPPED
from tests.browser.test_staff_flows import portfolio  # noqa: F401 - the shared fixture
from tests.browser.test_staff_flows import sign_in
from tests.conftest import NOW
from tests.fake_servers.slack import TOKEN
from tests.fake_servers.slack import FakeSlack
from tests.integration.notify.helpers import ALWAYS

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@pytest.fixture
def slack_server() -> Iterator[FakeSlack]:
    server = FakeSlack()
    server.start()
    server.add_user("ann@example.com")
    yield server
    server.stop()


@pytest.fixture
def ledger(tmp_path: Path, sqlite_template: Path, slack_server: FakeSlack) -> Iterator[Hub]:
    """The browser tests' ledger, with Slack connected to the fake."""
    path = tmp_path / "hub.db"
    shutil.copy(sqlite_template, path)
    settings = Settings(var_dir=tmp_path / "var", database_url=f"sqlite:///{path}",
                        progress=False,
                        notify=NotifySettings(slack_token=TOKEN, slack_signing_secret=SECRET,
                                              slack_api_url=f"{slack_server.url}/api/"))
    hub = bootstrap(settings, clock=FixedClock(NOW), migrate=False)
    yield hub
    hub.engine.dispose()


def _post(page: Page, base: str, hub: Hub, payload: dict[str, Any]) -> APIResponse:
    """What Slack does: the payload form-encoded, signed with the app's signing secret."""
    body = urlencode({"payload": json.dumps(payload)})
    headers = sign_request(SECRET, body.encode(), int(hub.clock.now().timestamp()))
    return page.request.post(f"{base}/slack/actions", data=body, headers={
        **headers, "Content-Type": "application/x-www-form-urlencoded"})


def _block_ids(blocks: list[dict[str, Any]]) -> dict[str, list[str]]:
    return {str(b["block_id"]): [str(e["action_id"]) for e in b.get("elements", [])]
            for b in blocks if "block_id" in b}


def test_log_promise_in_slack_asks_and_records_what_was_typed(
        portfolio: Hub, serve: Callable[[Hub], str], page: Page,  # noqa: F811
        shot: Callable[[Page, str], Path], slack_server: FakeSlack) -> None:
    base = serve(portfolio)
    today = portfolio.clock.today()
    NotifyHook(engine=portfolio.engine,
               dispatcher=lambda: portfolio.dispatcher(policy=ALWAYS),
               clock=portfolio.clock,
               settings=DigestSettings(staff_channels=("slack",), hub_url=base)
               ).run(today, dry_run=False)
    digest = next(m for m in slack_server.posted
                  if "log_promise:ACME" in json.dumps(m.get("blocks")))
    blocks = digest["blocks"] if isinstance(digest["blocks"], list) \
        else json.loads(digest["blocks"])
    before = _block_ids(blocks)
    assert "log_promise:CRUX" in before["acct:CRUX:actions"]  # Ann's two accounts

    press = {"type": "block_actions", "user": {"id": slack_server.users["ann@example.com"]},
             "channel": {"id": digest["channel"]}, "trigger_id": "1337.42.abcdef",
             "message": {"ts": digest["ts"], "text": digest.get("text"), "blocks": blocks},
             "actions": [{"action_id": "log_promise:ACME", "value": "ACME",
                          "type": "button"}]}
    assert _post(page, base, portfolio, press).status == 200
    view = slack_server.views[-1]
    assert view["trigger_id"] == "1337.42.abcdef"
    assert "Acme Trading BV" in json.dumps(view)
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs["amount"]["type"] == "plain_text_input"
    assert inputs["amount"]["initial_value"] == "1,000.00"  # the open balance, to change
    assert inputs["due_date"]["type"] == "datepicker"
    with portfolio.engine.connect() as c:
        assert c.execute(sa.select(promises)).all() == []  # nothing until submitted

    due = today + timedelta(days=9)
    wrong = {"type": "view_submission", "user": press["user"], "view": {
        "callback_id": view["callback_id"], "private_metadata": view["private_metadata"],
        "state": {"values": {
            "amount": {"amount": {"type": "plain_text_input", "value": "four hundred"}},
            "due_date": {"due_date": {"type": "datepicker",
                                      "selected_date": due.isoformat()}}}}}}
    answer = _post(page, base, portfolio, wrong)
    assert answer.status == 200
    assert list(answer.json()["errors"]) == ["amount"]  # shown under the amount field
    right = json.loads(json.dumps(wrong))
    right["view"]["state"]["values"]["amount"]["amount"]["value"] = "400.00"
    answer = _post(page, base, portfolio, right)
    assert (answer.status, answer.body()) == (200, b"")  # the modal closes
    with portfolio.engine.connect() as c:
        promise = c.execute(sa.select(promises)).one()
    assert (promise.amount_minor, promise.currency, promise.due_date, promise.source,
            promise.actor) == (40000, "EUR", due, "slack", "ann@example.com")

    for _ in range(50):  # the message is updated after Slack got its answer
        if slack_server.updated:
            break
        page.wait_for_timeout(100)
    after = _block_ids(slack_server.updated[-1]["blocks"])
    assert "acct:ACME:actions" not in after  # ACME's buttons gave way to what was done
    assert after["acct:CRUX:actions"] == before["acct:CRUX:actions"]  # CRUX's stay

    sign_in(page, base, "ann@example.com")
    page.goto(f"{base}/accounts/ACME")
    expect(page.locator("ol.timeline")).to_contain_text(
        f"promised to pay 400.00 EUR by {due.isoformat()} (slack)")
    shot(page, "account-after-slack-promise")
    assert page.evaluate(CLIPPED) == []
