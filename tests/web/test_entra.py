"""Sign-in with Microsoft Entra through msal against a fake Entra over TLS on 127.0.0.1."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs
from urllib.parse import urlsplit

import pytest
import requests
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.ledger.tables import audit_log
from hub.web import create_app
from tests.fake_servers.entra_oidc import CLIENT_ID
from tests.fake_servers.entra_oidc import CLIENT_SECRET
from tests.fake_servers.entra_oidc import EntraUser
from tests.fake_servers.entra_oidc import FakeEntra


@pytest.fixture
def entra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEntra]:
    with FakeEntra(tmp_path, EntraUser("Mia@Example.com", "Mia Manager")) as fake:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(fake.cert_path))
        yield fake


@pytest.fixture
def entra_app(staffed: Hub, entra: FakeEntra) -> Iterator[Callable[..., Flask]]:
    """The app with Microsoft sign-in pointed at the fake (its engine disposed after)."""
    made: list[Hub] = []

    def build(secret: str = CLIENT_SECRET) -> Flask:
        settings = dataclasses.replace(staffed.settings, entra_client_id=CLIENT_ID,
                                       entra_client_secret=secret,
                                       entra_authority=entra.authority)
        made.append(Hub(settings=settings, clock=staffed.clock))
        return create_app(made[-1], {"TESTING": True})

    yield build
    for hub in made:
        hub.engine.dispose()


def _round_trip(client: FlaskClient, fake: FakeEntra) -> tuple[int, str]:
    """The browser's part: go to Entra, come back to the callback with its answer."""
    start = client.get("/signin/entra?next=/team")
    assert start.status_code == 302
    authorize = start.headers["Location"]
    assert authorize.startswith(f"{fake.authority}/oauth2/v2.0/authorize?")
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["redirect_uri"] == ["http://127.0.0.1:5000/signin/entra/callback"]
    answer = requests.get(authorize, allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    back = urlsplit(answer.headers["Location"])
    response = client.get(f"{back.path}?{back.query}")
    return response.status_code, response.headers.get("Location", "") or response.get_data(
        as_text=True)


def test_a_known_user_signs_in_with_microsoft(staffed: Hub, entra: FakeEntra,
                                              entra_app: Callable[..., Flask]) -> None:
    client = entra_app().test_client()
    assert "Sign in with Microsoft" in client.get("/signin").get_data(as_text=True)
    status, where = _round_trip(client, entra)
    assert (status, where) == (302, "/team")
    assert "Team: sales" in client.get("/team").get_data(as_text=True)  # Mia, manager, sales
    with staffed.engine.connect() as connection:
        detail = connection.execute(sa.select(audit_log.c.detail).where(
            audit_log.c.action == "signin.succeeded")).scalar()
    assert detail == {"method": "entra"}


def test_a_microsoft_account_unknown_to_the_hub_is_refused(staffed: Hub, entra: FakeEntra,
                                                           entra_app: Callable[..., Flask]) -> None:
    entra.user = EntraUser("stranger@example.com", "Stranger")
    client = entra_app().test_client()
    status, page = _round_trip(client, entra)
    assert status == 403
    assert "stranger@example.com has no account in the hub" in page
    assert client.get("/team").status_code == 302


def test_a_wrong_client_secret_is_reported(staffed: Hub, entra: FakeEntra,
                                           entra_app: Callable[..., Flask]) -> None:
    client = entra_app(secret="wrong").test_client()
    status, page = _round_trip(client, entra)
    assert status == 401
    assert "AADSTS7000215" in page


def test_a_declined_consent_is_reported(staffed: Hub, entra: FakeEntra,
                                        entra_app: Callable[..., Flask]) -> None:
    entra.deny = True
    client = entra_app().test_client()
    status, page = _round_trip(client, entra)
    assert status == 401
    assert "the user declined" in page


def test_a_replayed_callback_is_refused(staffed: Hub, entra: FakeEntra,
                                        entra_app: Callable[..., Flask]) -> None:
    client = entra_app().test_client()
    start = client.get("/signin/entra")
    answer = requests.get(start.headers["Location"], allow_redirects=False, timeout=10)
    back = urlsplit(answer.headers["Location"])
    assert client.get(f"{back.path}?{back.query}").status_code == 302
    again = client.get(f"{back.path}?{back.query}")  # the flow was used up
    assert again.status_code == 400
