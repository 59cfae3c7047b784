"""Must show: a forged or stale Slack request is refused (401) and changes nothing; a
valid one changes the ledger as the mapped hub user (and the worklist, which the owner's
sheet is written from, shows it); a replay of it is refused."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.bootstrap import bootstrap
from hub.config import NotifySettings
from hub.config import Settings
from hub.domain.clock import FixedClock
from hub.domain.model import Role
from hub.domain.model import User
from hub.ledger.tables import events
from hub.ledger.tables import promises
from hub.ledger.users import upsert_users
from hub.services.tasks import create_task
from hub.services.worklist import worklist
from hub.web import create_app
from notifications.slack import sign_request
from sync.sheets.layout import load_layout
from sync.sheets.xlsx import XlsxBackend
from tests.contract.sheet_sides import XlsxSide
from tests.fake_servers.slack import TOKEN
from tests.fake_servers.slack import FakeSlack
from tests.integration.notify.helpers import debtor

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"


@pytest.fixture
def slack_server() -> Iterator[FakeSlack]:
    server = FakeSlack().start()
    server.add_user("ann@example.com")
    server.add_user("stranger@example.com")
    yield server
    server.stop()


@pytest.fixture
def slack_hub(database_url: str, tmp_path: Path, clock: FixedClock,
              slack_server: FakeSlack) -> Iterator[Hub]:
    settings = Settings(var_dir=tmp_path / "var", database_url=database_url, progress=False,
                        notify=NotifySettings(slack_token=TOKEN, slack_signing_secret=SECRET,
                                              slack_api_url=f"{slack_server.url}/api/"))
    hub = bootstrap(settings, clock=clock, migrate=False)
    with hub.engine.begin() as connection:
        debtor(connection, "ACME", email="pay@acme.example", owner="ann@example.com")
        create_task(connection, customer_code="ACME", task_type="call",
                    assignee="ann@example.com", due_date=clock.today(), reason="test",
                    actor="rules", now=clock.now(), key="ACME|call")
        upsert_users(connection, [User(email="ann@example.com", name="Ann",
                                       role=Role("collector"), department="sales")],
                     clock.now())
    yield hub
    hub.engine.dispose()


@pytest.fixture
def client(slack_hub: Hub) -> FlaskClient:
    return create_app(slack_hub, {"TESTING": True}).test_client()


def _body(action: str, user: str = "U00000001") -> bytes:
    payload = {"type": "block_actions", "user": {"id": user}, "channel": {"id": "D00000001"},
               "message": {"ts": "1700000000.000001", "text": "Collections for today"},
               "actions": [{"action_id": action, "value": "ACME", "type": "button"}]}
    return urlencode({"payload": json.dumps(payload)}).encode()


def _post(client: FlaskClient, body: bytes, headers: dict[str, str]) -> int:
    return client.post("/slack/actions", data=body, headers={
        **headers, "Content-Type": "application/x-www-form-urlencoded"}).status_code


def _timeline(hub: Hub) -> list[tuple[str, str]]:
    with hub.engine.connect() as connection:
        return [(row.kind, row.actor) for row in connection.execute(
            sa.select(events.c.kind, events.c.actor).order_by(events.c.id))]


def test_forged_and_stale_requests_are_refused_and_change_nothing(
        client: FlaskClient, slack_hub: Hub) -> None:
    before = _timeline(slack_hub)
    now = int(slack_hub.clock.now().timestamp())
    body = _body("mark_contacted")
    forged = sign_request("not-the-secret", body, now)
    stale = sign_request(SECRET, body, now - 301)
    tampered = sign_request(SECRET, body, now)
    assert _post(client, body, forged) == 401
    assert _post(client, body, stale) == 401
    assert _post(client, _body("mark_done"), tampered) == 401  # signed another body
    assert _post(client, body, {}) == 401
    assert _timeline(slack_hub) == before


def test_a_valid_press_changes_the_ledger_once_as_the_mapped_user(
        client: FlaskClient, slack_hub: Hub, slack_server: FakeSlack) -> None:
    now = int(slack_hub.clock.now().timestamp())
    body = _body("mark_contacted")
    headers = sign_request(SECRET, body, now - 30)
    assert _post(client, body, headers) == 200
    assert ("account.contacted", "ann@example.com") in _timeline(slack_hub)
    with slack_hub.engine.connect() as connection:
        rows = worklist(connection, as_of=slack_hub.clock.today(), owner="ann@example.com")
    assert rows[0].last_contact == slack_hub.clock.today()
    sync = slack_hub.sheet_sync("xlsx")  # the owner's sheet after the next sync
    assert sync is not None
    sync.run(as_of=slack_hub.clock.today(), now=slack_hub.clock.now())
    side = XlsxSide(XlsxBackend(slack_hub.settings.var_dir / "sheets"), load_layout())
    sheet = side.rows("sales", "ann@example.com")
    assert [(row["key"], str(row["last_contact"])[:10]) for row in sheet] == [
        ("ACME", "2026-11-23")]
    count = len(_timeline(slack_hub))
    assert _post(client, body, headers) == 401  # the same request again: a replay
    assert len(_timeline(slack_hub)) == count
    deadline = time.monotonic() + 5
    while not slack_server.updated and time.monotonic() < deadline:
        time.sleep(0.05)
    assert slack_server.updated[0]["ts"] == "1700000000.000001"
    assert "marked contacted by ann@example.com" in slack_server.updated[0]["text"]


def test_promise_and_snooze_buttons_use_the_person_actions(client: FlaskClient,
                                                           slack_hub: Hub) -> None:
    now = int(slack_hub.clock.now().timestamp())
    for action in ("log_promise", "snooze_3d"):
        body = _body(action)
        assert _post(client, body, sign_request(SECRET, body, now)) == 200
    with slack_hub.engine.connect() as connection:
        promise = connection.execute(sa.select(promises)).one()
        rows = worklist(connection, as_of=slack_hub.clock.today(), owner="ann@example.com")
    assert promise.amount_minor == 123456
    assert promise.due_date == slack_hub.clock.today() + timedelta(days=7)
    assert promise.source == "slack"
    assert rows == []  # snoozed: nothing for Ann today


def test_a_slack_user_who_is_not_a_hub_user_changes_nothing(client: FlaskClient,
                                                            slack_hub: Hub) -> None:
    before = _timeline(slack_hub)
    body = _body("mark_done", user="U00000002")
    now = int(slack_hub.clock.now().timestamp())
    response = client.post("/slack/actions", data=body, headers={
        **sign_request(SECRET, body, now), "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200
    assert "No active hub user" in response.get_json()["text"]
    assert _timeline(slack_hub) == before
