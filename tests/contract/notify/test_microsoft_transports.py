"""msal + Microsoft Graph and the Teams Workflows webhook against their fakes."""

from __future__ import annotations

import dataclasses

import pytest

from hub.domain.outbox import Button
from hub.domain.outbox import Delivery
from hub.domain.outbox import TransportError
from hub.services.notify.compose import account_buttons
from notifications.microsoft import GraphClient
from notifications.microsoft import GraphMailTransport
from notifications.teams import TeamsTransport
from tests.fake_servers.microsoft import CLIENT_ID
from tests.fake_servers.microsoft import CLIENT_SECRET
from tests.fake_servers.microsoft import TENANT
from tests.fake_servers.microsoft import FakeMicrosoft
from tests.fake_servers.teams import FakeTeamsWorkflow


@pytest.fixture
def microsoft(microsoft_server: FakeMicrosoft) -> FakeMicrosoft:
    microsoft_server.reset()
    microsoft_server.sent.clear()
    microsoft_server.mailboxes = {"ar@contoso.example"}
    microsoft_server.managers.clear()
    return microsoft_server


def graph(server: FakeMicrosoft, secret: str = CLIENT_SECRET, **kwargs: object) -> GraphClient:
    waits: list[float] = []
    client = GraphClient(TENANT, CLIENT_ID, secret, authority=server.url, base_url=server.url,
                         sleep=waits.append, **kwargs)  # type: ignore[arg-type]
    client.waits = waits  # type: ignore[attr-defined]
    return client


def test_manager_lookup_uses_an_app_token(microsoft: FakeMicrosoft) -> None:
    microsoft.set_manager("ann@contoso.example", "boss@contoso.example")
    client = graph(microsoft)
    assert client.manager_of("ann@contoso.example") == "boss@contoso.example"
    token_calls = microsoft.requests_to(f"/{TENANT}/oauth2/v2.0/token")
    assert token_calls[0].form["grant_type"] == "client_credentials"
    assert token_calls[0].form["scope"] == "https://graph.microsoft.com/.default"


def test_no_manager_is_none_not_an_error(microsoft: FakeMicrosoft) -> None:
    assert graph(microsoft).manager_of("loner@contoso.example") is None


def test_send_mail_posts_the_message_and_gets_202(microsoft: FakeMicrosoft,
                                                  delivery: Delivery) -> None:
    GraphMailTransport(graph(microsoft), "ar@contoso.example").send(delivery)
    sent = microsoft.sent[0]
    assert sent["message"]["subject"] == delivery.subject
    assert sent["message"]["body"]["contentType"] == "HTML"
    assert sent["message"]["toRecipients"][0]["emailAddress"]["address"] == "pay@acme.example"
    assert sent["message"]["attachments"][0]["name"] == "statement.pdf"
    assert sent["saveToSentItems"] == "false"


def test_throttling_is_retried_after_the_wait_graph_asks_for(microsoft: FakeMicrosoft,
                                                              delivery: Delivery) -> None:
    microsoft.throttle_next("/v1.0/users/ar@contoso.example/sendMail", retry_after=2)
    client = graph(microsoft)
    GraphMailTransport(client, "ar@contoso.example").send(delivery)
    assert len(microsoft.sent) == 1
    assert client.waits == [2.0]  # type: ignore[attr-defined]


def test_a_bad_recipient_is_permanent_and_a_wrong_secret_is_configuration(
        microsoft: FakeMicrosoft, delivery: Delivery) -> None:
    with pytest.raises(TransportError) as caught:
        GraphMailTransport(graph(microsoft), "nobody@contoso.example").send(delivery)
    assert caught.value.configuration  # the sending mailbox does not exist
    with pytest.raises(TransportError) as refused:
        GraphMailTransport(graph(microsoft, secret="wrong"), "ar@contoso.example").send(delivery)
    assert refused.value.configuration
    assert "AADSTS7000215" in refused.value.message
    assert microsoft.sent == []


def test_a_stalled_graph_is_transient(microsoft: FakeMicrosoft, delivery: Delivery) -> None:
    microsoft.fail_next("/v1.0/", 202, stall=1.5, times=3)
    with pytest.raises(TransportError) as caught:
        GraphMailTransport(graph(microsoft, timeout=0.5), "ar@contoso.example").send(delivery)
    assert not caught.value.permanent


@pytest.fixture
def teams(teams_server: FakeTeamsWorkflow) -> FakeTeamsWorkflow:
    teams_server.reset()
    teams_server.cards.clear()
    return teams_server


def _card_delivery(delivery: Delivery) -> Delivery:
    return dataclasses.replace(delivery, channel="teams", fields=(("Balance", "€1,234.56"),),
                               buttons=(Button("Mark done", "mark_done", "ACME"),
                                        Button("Open in the hub", "open_hub", "ACME",
                                               url="http://hub/accounts/ACME")))


def test_teams_gets_an_adaptive_card_whose_buttons_open_the_hub(
        teams: FakeTeamsWorkflow, delivery: Delivery) -> None:
    TeamsTransport(teams.webhook_url).send(_card_delivery(delivery))
    card = teams.cards[0]
    assert card["type"] == "AdaptiveCard"
    assert card["body"][0]["text"] == delivery.subject
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Open in the hub",
                                "url": "http://hub/accounts/ACME"}]


def test_teams_429_then_success(teams: FakeTeamsWorkflow, delivery: Delivery) -> None:
    teams.fail_next("/workflows/", 429, headers={"Retry-After": "1"})
    waits: list[float] = []
    TeamsTransport(teams.webhook_url, sleep=waits.append).send(_card_delivery(delivery))
    assert waits == [1.0]
    assert len(teams.cards) == 1


def test_teams_wrong_signature_is_configuration(teams: FakeTeamsWorkflow,
                                                delivery: Delivery) -> None:
    with pytest.raises(TransportError) as caught:
        TeamsTransport(teams.webhook_url.replace("sig-test-123", "forged")).send(delivery)
    assert caught.value.configuration
    assert "sig-test" not in caught.value.message  # the secret stays out of logs


def test_teams_timeout_is_transient(teams: FakeTeamsWorkflow, delivery: Delivery) -> None:
    teams.fail_next("/workflows/", 202, stall=1.5, times=3)
    with pytest.raises(TransportError) as caught:
        TeamsTransport(teams.webhook_url, timeout=0.5).send(delivery)
    assert not caught.value.permanent
    assert "sig=" not in caught.value.message


def test_teams_digest_links_are_titled_per_account(teams: FakeTeamsWorkflow,
                                                  delivery: Delivery) -> None:
    buttons = (*account_buttons("ACME", "http://hub", "Acme B.V."),
               *account_buttons("BETA", "http://hub", "Beta GmbH"))
    TeamsTransport(teams.webhook_url).send(dataclasses.replace(
        delivery, channel="teams", buttons=buttons))
    links = [(action["title"], action["url"]) for block in teams.cards[0]["body"]
             if block["type"] == "ActionSet" for action in block["actions"]]
    assert links == [("Open Acme B.V. in the hub", "http://hub/accounts/ACME"),
                     ("Open Beta GmbH in the hub", "http://hub/accounts/BETA")]
    assert "actions" not in teams.cards[0]  # no untitled "Open in the hub" left over
