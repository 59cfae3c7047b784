"""Behind a reverse proxy (HUB_TRUSTED_PROXIES): whose address the rate limits count.

With no proxy trusted, X-Forwarded-For is the client's own claim and is ignored; with
one trusted proxy, the address that proxy appended is the client's."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from tests.web.conftest import csrf_from


def _sign_in_statuses(client: FlaskClient, forwarded_for: str, times: int) -> list[int]:
    token = csrf_from(client.get("/signin").get_data(as_text=True))
    return [client.post("/signin", headers={"X-Forwarded-For": forwarded_for},
                        data={"email": f"x{i}@example.com", "password": "x",
                              "csrf_token": token}).status_code
            for i in range(times)]


def test_one_trusted_proxy_gives_each_debtor_their_own_bucket(
        make_app: Callable[..., Flask]) -> None:
    client = make_app(trusted_proxies=1).test_client()
    # 30 failed sign-ins from one address (docs/web.md), then 429
    assert _sign_in_statuses(client, "203.0.113.5", 31) == [401] * 30 + [429]
    # another client behind the same proxy is not locked out by the first one
    assert _sign_in_statuses(client, "203.0.113.9", 1) == [401]
    # a client that forges an earlier hop is still counted by the address the proxy saw
    assert _sign_in_statuses(client, "198.51.100.1, 203.0.113.5", 1) == [429]


def test_without_a_trusted_proxy_forwarded_for_is_ignored(
        make_app: Callable[..., Flask]) -> None:
    client = make_app(trusted_proxies=0).test_client()
    assert _sign_in_statuses(client, "203.0.113.5", 30) == [401] * 30
    # changing the header does not buy a fresh bucket: the limit follows the peer address
    assert _sign_in_statuses(client, "203.0.113.9", 1) == [429]

