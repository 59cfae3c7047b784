"""Rate limits shared by several web workers through Redis (HUB_RATELIMIT_STORAGE), and
kept per worker in memory by default. Each "worker" is its own Flask app with its own
limiter, as under gunicorn; they share only the Redis at 127.0.0.1:6379 (skipped cleanly
when it is not running)."""

from __future__ import annotations

import dataclasses
import logging
import socket
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from hub.bootstrap import Hub
from hub.config import ObserveSettings
from hub.web import create_app
from hub.web.ratelimit import key_prefix
from tests.web.conftest import csrf_from
from tests.web.portal.support import seed_debtors

REDIS = "redis://127.0.0.1:6379/0"


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def redis_url(hub: Hub) -> Iterator[str]:
    """Redis, with this ledger's keys (and only those) removed before and after."""
    if not _reachable("127.0.0.1", 6379):
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    import redis

    client = redis.Redis.from_url(REDIS)
    pattern = f"*{key_prefix(hub.settings.database_url)}*"

    def clean() -> None:
        for key in client.scan_iter(pattern):
            client.delete(key)

    clean()
    yield REDIS
    clean()
    client.close()


def worker(hub: Hub, storage: str, **settings: object) -> Flask:
    """One web worker: its own app and limiter on the shared ledger."""
    own = Hub(settings=dataclasses.replace(hub.settings, **settings,  # type: ignore[arg-type]
                                           observe=ObserveSettings(ratelimit_storage=storage)),
              clock=hub.clock)
    return create_app(own, {"TESTING": True})


def attempt(client: FlaskClient, email: str, address: str) -> int:
    return post(client, email, address).status_code


def post(client: FlaskClient, email: str, address: str) -> TestResponse:
    environ = {"REMOTE_ADDR": address}
    token = csrf_from(client.get("/signin", environ_base=environ).get_data(as_text=True))
    return client.post("/signin", environ_base=environ,
                       data={"email": email, "password": "wrong", "csrf_token": token})


def test_two_workers_share_the_sign_in_limit_per_address(staffed: Hub,
                                                         redis_url: str) -> None:
    one = worker(staffed, redis_url).test_client()
    two = worker(staffed, redis_url).test_client()
    # 30 failures from one address, on as many accounts, split over the two workers
    statuses = [attempt(one if n % 2 else two, f"x{n}@example.com", "203.0.113.9")
                for n in range(30)]
    assert statuses == [401] * 30
    assert attempt(one, "y@example.com", "203.0.113.9") == 429
    refused = post(two, "z@example.com", "203.0.113.9")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert attempt(two, "y@example.com", "203.0.113.10") == 401  # another address: its own


def test_two_workers_share_the_portal_limit_and_answer_in_the_debtors_language(
        hub: Hub, redis_url: str) -> None:
    one = worker(hub, redis_url, portal_rate_limit=3)
    two = worker(hub, redis_url, portal_rate_limit=3)
    token, _ = seed_debtors(hub)
    url = f"/portal/{token}"
    statuses = [app.test_client().get(url, environ_base={"REMOTE_ADDR": f"192.0.2.{n}"},
                                      headers={"Accept-Language": "nl"}).status_code
                for n, app in enumerate((one, two, one))]
    assert statuses == [200, 200, 200]
    refused = two.test_client().get(url, environ_base={"REMOTE_ADDR": "192.0.2.50"},
                                    headers={"Accept-Language": "nl"})
    assert refused.status_code == 429  # the customer's limit, counted across both workers
    assert int(refused.headers["Retry-After"]) > 0
    assert "Te veel verzoeken" in refused.get_data(as_text=True)


def test_two_workers_share_the_portal_limit_per_address(hub: Hub, redis_url: str) -> None:
    one = worker(hub, redis_url, portal_rate_limit=3)
    two = worker(hub, redis_url, portal_rate_limit=3)
    environ = {"REMOTE_ADDR": "192.0.2.77"}
    statuses = [app.test_client().get(f"/portal/guess-{n}", environ_base=environ).status_code
                for n, app in enumerate((one, two, one, two))]
    assert statuses == [404, 404, 404, 429]


def test_in_memory_each_worker_counts_alone_and_no_redis_is_needed(hub: Hub) -> None:
    one = worker(hub, "memory://", portal_rate_limit=2)
    two = worker(hub, "memory://", portal_rate_limit=2)
    environ = {"REMOTE_ADDR": "192.0.2.88"}
    assert [one.test_client().get(f"/portal/g{n}", environ_base=environ).status_code
            for n in range(3)] == [404, 404, 429]
    assert two.test_client().get("/portal/g9", environ_base=environ).status_code == 404


def test_a_storage_that_does_not_answer_serves_and_logs(hub: Hub,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = worker(hub, f"redis://127.0.0.1:{port}/0", portal_rate_limit=1)
    with caplog.at_level(logging.ERROR, logger="hub.web.ratelimit"):
        statuses = [app.test_client().get(f"/portal/g{n}").status_code for n in range(2)]
    assert statuses == [404, 404]
    assert "HUB_RATELIMIT_STORAGE) does not answer" in caplog.text


def test_two_workers_share_the_api_limit_per_person(seeded: Hub, redis_url: str) -> None:
    from hub.services.staff.api_tokens import create_token

    with seeded.engine.begin() as connection:
        token = create_token(connection, name="erp-sync", role="finance", actor="tests",
                             now=seeded.clock.now())
    observe = {"ratelimit_storage": redis_url, "api_rate_limit": 3}
    apps = [create_app(Hub(settings=dataclasses.replace(
        seeded.settings, observe=ObserveSettings(**observe)),  # type: ignore[arg-type]
        clock=seeded.clock), {"TESTING": True}) for _ in range(2)]
    headers = {"Authorization": f"Bearer {token}"}
    statuses = [apps[n % 2].test_client().get(
        "/api/v1/customers", headers=headers,
        environ_base={"REMOTE_ADDR": f"192.0.2.{n}"}).status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = apps[0].test_client().get("/api/v1/customers", headers=headers)
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    assert int(refused.headers["Retry-After"]) > 0
