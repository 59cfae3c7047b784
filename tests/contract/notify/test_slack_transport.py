"""slack_sdk against the fake Slack Web API: success, 429 then success, permanent and
configuration errors, timeout."""

from __future__ import annotations

import dataclasses

import pytest

from hub.domain.outbox import Button
from hub.domain.outbox import Delivery
from hub.domain.outbox import TransportError
from notifications.slack import SlackTransport
from notifications.slack import blocks
from tests.fake_servers.slack import TOKEN
from tests.fake_servers.slack import FakeSlack


@pytest.fixture
def slack(slack_server: FakeSlack) -> FakeSlack:
    slack_server.reset()
    slack_server.posted.clear()
    slack_server.users.clear()
    slack_server.add_user("ann@example.com")
    return slack_server


def _digest(delivery: Delivery) -> Delivery:
    return dataclasses.replace(
        delivery, channel="slack", address="ann@example.com", subject="Collections for today",
        buttons=(Button("Mark contacted", "mark_contacted", "ACME"),
                 Button("Snooze 3 days", "snooze_3d", "ACME"),
                 Button("Open in the hub", "open_hub", "ACME", url="http://hub/accounts/ACME")))


def transport(slack: FakeSlack, **kwargs: object) -> SlackTransport:
    return SlackTransport(TOKEN, base_url=f"{slack.url}/api/", **kwargs)  # type: ignore[arg-type]


def test_it_looks_up_the_user_opens_a_dm_and_posts_block_kit(slack: FakeSlack,
                                                             delivery: Delivery) -> None:
    message_id = transport(slack).send(_digest(delivery))
    assert [entry.path for entry in slack.log] == [
        "/api/users.lookupByEmail", "/api/conversations.open", "/api/chat.postMessage"]
    posted = slack.posted[0]
    assert posted["channel"] == "D00000001"
    assert message_id == f"D00000001:{posted['ts']}"
    kinds = [block["type"] for block in posted["blocks"]]
    assert kinds[:2] == ["header", "section"]
    assert "actions" in kinds
    actions = [e["action_id"] for b in posted["blocks"] if b["type"] == "actions"
               for e in b["elements"]]
    assert actions == ["mark_contacted", "snooze_3d", "open_hub"]


def test_a_department_channel_is_posted_to_directly(slack: FakeSlack, delivery: Delivery) -> None:
    transport(slack).send(dataclasses.replace(_digest(delivery), address="C0SALES"))
    assert [entry.path for entry in slack.log] == ["/api/chat.postMessage"]
    assert slack.posted[0]["channel"] == "C0SALES"


def test_a_rate_limit_is_waited_out_and_the_post_goes_through(slack: FakeSlack,
                                                               delivery: Delivery) -> None:
    slack.rate_limit_next("chat.postMessage", retry_after=0)
    transport(slack).send(_digest(delivery))
    assert len(slack.requests_to("/api/chat.postMessage")) == 2
    assert len(slack.posted) == 1


def test_an_unknown_user_is_a_permanent_error(slack: FakeSlack, delivery: Delivery) -> None:
    with pytest.raises(TransportError) as caught:
        transport(slack).send(dataclasses.replace(_digest(delivery), address="bob@example.com"))
    assert caught.value.permanent
    assert not caught.value.configuration
    assert "users_not_found" in caught.value.message
    assert slack.posted == []


def test_a_revoked_token_flags_the_configuration(slack: FakeSlack, delivery: Delivery) -> None:
    slack.error_next("users.lookupByEmail", "token_revoked")
    with pytest.raises(TransportError) as caught:
        transport(slack).send(_digest(delivery))
    assert caught.value.configuration


def test_a_stalled_api_is_a_transient_error(slack: FakeSlack, delivery: Delivery) -> None:
    slack.fail_next("/api/users.lookupByEmail", 200, body={"ok": True}, stall=2.5)
    with pytest.raises(TransportError) as caught:
        transport(slack, timeout=1).send(_digest(delivery))
    assert not caught.value.permanent
    assert slack.posted == []


def test_blocks_group_buttons_per_account() -> None:
    body = blocks(Delivery(key="k", channel="slack", address="x", subject="S", text="T",
                           buttons=(Button("Done", "mark_done", "A"),
                                    Button("Done", "mark_done", "B"))))
    assert [b["block_id"] for b in body if b["type"] == "actions"] == ["acct:A:actions",
                                                                  "acct:B:actions"]
