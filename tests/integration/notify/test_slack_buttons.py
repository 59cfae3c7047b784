"""Must show: a forged or stale Slack request is refused (401) and changes nothing; a
valid one changes the ledger as the mapped hub user (and the worklist, which the owner's
sheet is written from, shows it); a replay of it is refused. A press updates only that
account's blocks of the digest; "Log promise" opens a modal whose submission records the
typed amount and date, or names the field that is wrong."""

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
from hub.domain.outbox import Delivery
from hub.ledger.tables import events
from hub.ledger.tables import promises
from hub.ledger.users import upsert_users
from hub.services.accounts.tasks import create_task
from hub.services.notify.compose import account_buttons
from hub.services.read.worklist import worklist
from hub.web import create_app
from notifications.slack import SlackTransport
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
        debtor(connection, "BETA", email="pay@beta.example", owner="ann@example.com")
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


@pytest.fixture
def digest(slack_hub: Hub, slack_server: FakeSlack) -> dict[str, object]:
    """The digest as the real transport posted it to the fake Slack: ACME and BETA, each
    with its own buttons."""
    buttons = (*account_buttons("ACME", "http://hub", "ACME B.V."),
               *account_buttons("BETA", "http://hub", "BETA B.V."))
    SlackTransport(TOKEN, base_url=f"{slack_server.url}/api/").send(Delivery(
        key="digest", channel="slack", address="ann@example.com",
        subject="Collections for today", text="2 accounts need you today", buttons=buttons))
    return slack_server.posted[-1]


def _body(action: str, user: str = "U00000001", code: str = "ACME",
          blocks: object = ()) -> bytes:
    payload = {"type": "block_actions", "user": {"id": user}, "channel": {"id": "D00000001"},
               "trigger_id": "13345224609.738474920.8088930838d88f008e0",
               "message": {"ts": "1700000000.000001", "text": "Collections for today",
                           "blocks": list(blocks)},  # type: ignore[call-overload]
               "actions": [{"action_id": f"{action}:{code}", "value": code,
                            "type": "button"}]}
    return urlencode({"payload": json.dumps(payload)}).encode()


def _submission(amount: str, due: str, metadata: str, user: str = "U00000001") -> bytes:
    payload = {"type": "view_submission", "user": {"id": user}, "view": {
        "callback_id": "log_promise", "private_metadata": metadata, "state": {"values": {
            "amount": {"amount": {"type": "plain_text_input", "value": amount}},
            "due_date": {"due_date": {"type": "datepicker", "selected_date": due}}}}}}
    return urlencode({"payload": json.dumps(payload)}).encode()


def _wait_for_update(server: FakeSlack) -> dict[str, object]:
    deadline = time.monotonic() + 5
    while not server.updated and time.monotonic() < deadline:
        time.sleep(0.05)
    return server.updated[-1]


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
        client: FlaskClient, slack_hub: Hub, slack_server: FakeSlack,
        digest: dict[str, object]) -> None:
    now = int(slack_hub.clock.now().timestamp())
    body = _body("mark_contacted", blocks=digest["blocks"])
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
    update = _wait_for_update(slack_server)
    assert update["ts"] == "1700000000.000001"
    assert "marked contacted by ann@example.com" in str(update["text"])


def _ids(blocks: object) -> dict[str, list[str]]:
    """block_id -> the action_ids in it (a section: none)."""
    return {str(block["block_id"]): [str(e["action_id"]) for e in block.get("elements", [])]
            for block in blocks if "block_id" in block}  # type: ignore[attr-defined]


def test_a_press_updates_only_that_accounts_block(client: FlaskClient, slack_hub: Hub,
                                                   slack_server: FakeSlack,
                                                   digest: dict[str, object]) -> None:
    before = _ids(digest["blocks"])
    action_ids = [a for ids in before.values() for a in ids]
    assert len(action_ids) == len(set(action_ids)) == 10  # unique in the whole message
    labels = [e["text"]["text"] for block in digest["blocks"]  # type: ignore[attr-defined]
              for e in block.get("elements", [])]
    assert "Mark done: ACME B.V." in labels
    assert "Mark done: BETA B.V." in labels
    body = _body("mark_done", blocks=digest["blocks"])
    assert _post(client, body, sign_request(
        SECRET, body, int(slack_hub.clock.now().timestamp()))) == 200
    after = _ids(_wait_for_update(slack_server)["blocks"])
    assert "acct:ACME:actions" not in after  # ACME's buttons gave way to what was done
    assert after["acct:BETA:actions"] == before["acct:BETA:actions"]  # BETA's stay
    assert after["acct:BETA"] == []
    assert "acct:ACME" in after
    done = next(b for b in slack_server.updated[-1]["blocks"]  # type: ignore[attr-defined]
                if b.get("block_id") == "acct:ACME")
    assert "ACME: marked done by ann@example.com" in done["text"]["text"]
    assert slack_server.updated[-1]["blocks"][:2] == digest["blocks"][:2]  # type: ignore[index]


def test_log_promise_opens_a_modal_and_records_what_was_typed(
        client: FlaskClient, slack_hub: Hub, slack_server: FakeSlack,
        digest: dict[str, object]) -> None:
    now = int(slack_hub.clock.now().timestamp())
    slack_server.locales["U00000001"] = "nl-NL"
    body = _body("log_promise", blocks=digest["blocks"])
    assert _post(client, body, sign_request(SECRET, body, now)) == 200
    with slack_hub.engine.connect() as connection:
        assert connection.execute(sa.select(promises)).all() == []  # nothing yet: it asks
    view = slack_server.views[-1]
    assert view["trigger_id"] == "13345224609.738474920.8088930838d88f008e0"
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs["amount"]["type"] == "plain_text_input"
    assert inputs["amount"]["initial_value"] == "1.234,56"  # the open balance, in Dutch
    assert inputs["due_date"]["type"] == "datepicker"
    due = slack_hub.clock.today() + timedelta(days=10)
    submit = _submission("250,50", due.isoformat(), str(view["private_metadata"]))
    response = client.post("/slack/actions", data=submit, headers={
        **sign_request(SECRET, submit, now),
        "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200
    assert not response.get_data()
    with slack_hub.engine.connect() as connection:
        promise = connection.execute(sa.select(promises)).one()
    assert (promise.amount_minor, promise.due_date, promise.source, promise.actor) == (
        25050, due, "slack", "ann@example.com")
    after = _ids(_wait_for_update(slack_server)["blocks"])
    assert "acct:ACME:actions" not in after
    assert "acct:BETA:actions" in after


@pytest.mark.parametrize(("amount", "days", "field"), [
    ("twelve", 10, "amount"), ("1.234.5", 10, "amount"), ("250", 400, "due_date")])
def test_a_wrong_promise_says_which_field_and_records_nothing(  # noqa: PLR0917
        client: FlaskClient, slack_hub: Hub, slack_server: FakeSlack,
        digest: dict[str, object], amount: str, days: int, field: str) -> None:
    now = int(slack_hub.clock.now().timestamp())
    body = _body("log_promise", blocks=digest["blocks"])
    assert _post(client, body, sign_request(SECRET, body, now)) == 200
    due = slack_hub.clock.today() + timedelta(days=days)
    submit = _submission(amount, due.isoformat(), str(slack_server.views[-1]["private_metadata"]))
    answer = client.post("/slack/actions", data=submit, headers={
        **sign_request(SECRET, submit, now),
        "Content-Type": "application/x-www-form-urlencoded"}).get_json()
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == [field]
    assert answer["errors"][field]
    with slack_hub.engine.connect() as connection:
        assert connection.execute(sa.select(promises)).all() == []


def test_snooze_button_uses_the_person_action(client: FlaskClient, slack_hub: Hub) -> None:
    now = int(slack_hub.clock.now().timestamp())
    for code in ("ACME", "BETA"):
        body = _body("snooze_3d", code=code)
        assert _post(client, body, sign_request(SECRET, body, now)) == 200
    with slack_hub.engine.connect() as connection:
        rows = worklist(connection, as_of=slack_hub.clock.today(), owner="ann@example.com")
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


def test_answers_and_the_updated_block_are_in_the_pressers_language(
        client: FlaskClient, slack_hub: Hub, slack_server: FakeSlack,
        digest: dict[str, object]) -> None:
    """A Polish Slack user reads the ephemeral refusal and what replaced the account's
    buttons in Polish; a stranger is told in their own language that they are no user."""
    now = int(slack_hub.clock.now().timestamp())
    slack_server.locales["U00000001"] = "pl-PL"
    slack_server.locales["U00000002"] = "de-DE"
    unknown = _body("mark_done", code="NOPE")
    answer = client.post("/slack/actions", data=unknown, headers={
        **sign_request(SECRET, unknown, now),
        "Content-Type": "application/x-www-form-urlencoded"}).get_json()
    assert answer["response_type"] == "ephemeral"
    assert answer["text"] == "klient 'NOPE' nie istnieje"
    stranger = _body("mark_done", user="U00000002")
    answer = client.post("/slack/actions", data=stranger, headers={
        **sign_request(SECRET, stranger, now),
        "Content-Type": "application/x-www-form-urlencoded"}).get_json()
    assert answer["text"].startswith("Kein aktiver Hub-Benutzer hat die E-Mail-Adresse")
    body = _body("mark_done", blocks=digest["blocks"])
    assert _post(client, body, sign_request(SECRET, body, now)) == 200
    _wait_for_update(slack_server)
    done = next(b for b in slack_server.updated[-1]["blocks"]  # type: ignore[attr-defined]
                if b.get("block_id") == "acct:ACME")
    assert "ACME: oznaczony jako zrobiony przez ann@example.com" in done["text"]["text"]
