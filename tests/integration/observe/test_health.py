"""`/livez`, `/readyz` and `/healthz`: what each checks, and the reason in the answer."""

from __future__ import annotations

import dataclasses
import socket
from datetime import timedelta

import sqlalchemy as sa

from hub.bootstrap import Hub
from hub.bootstrap.cycle import load_policy
from hub.config import ObserveSettings
from hub.observe.readiness import head_revision
from hub.services.cycle.daily import Cycle
from hub.services.cycle.daily import CycleOptions
from hub.web import create_app
from tests.builders import add_customer
from tests.builders import add_invoice


def _hub(hub: Hub, **observe: object) -> Hub:
    return Hub(settings=dataclasses.replace(hub.settings, observe=ObserveSettings(**observe)),  # type: ignore[arg-type]
               clock=hub.clock)


def _checks(body: dict[str, object]) -> dict[str, tuple[bool, str]]:
    return {c["name"]: (c["ok"], c["detail"]) for c in body["checks"]}  # type: ignore[attr-defined,index]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # nobody listens once it is closed


def test_a_fresh_ledger_is_ready_and_alive(hub: Hub) -> None:
    client = create_app(hub, {"TESTING": True}).test_client()
    assert client.get("/livez").get_json() == {"status": "alive"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    checks = _checks(ready.get_json())
    assert checks["database"][0]
    assert checks["migrations"][0]
    assert checks["broker"][0]
    assert checks["migrations"][1] == f"at head ({head_revision()})"
    assert client.get("/healthz").get_json()["status"] == "ok"  # unchanged


def test_an_unreachable_broker_makes_the_web_app_not_ready(hub: Hub) -> None:
    port = _closed_port()
    client = create_app(_hub(hub, broker_url=f"redis://127.0.0.1:{port}/0"),
                        {"TESTING": True}).test_client()
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "not_ready"
    ok, detail = _checks(body)["broker"]
    assert not ok
    assert f"cannot connect to redis://127.0.0.1:{port}" in detail
    assert _checks(body)["database"][0]


def test_a_stale_or_missing_cycle_makes_the_web_app_not_ready(hub: Hub) -> None:
    watched = _hub(hub, ready_cycle_max_hours=26)
    client = create_app(watched, {"TESTING": True}).test_client()
    missing = client.get("/readyz")
    assert missing.status_code == 503
    assert "no cycle has finished yet" in _checks(missing.get_json())["last_cycle"][1]
    with hub.engine.begin() as connection:
        customer = add_customer(connection, "ACME")
        add_invoice(connection, "A-1", customer, issued="2026-09-01", due="2026-10-01",
                    amount="100.00")
    policy = load_policy(hub)
    Cycle(hub.engine, policy, now=hub.clock.now, thresholds=policy.thresholds()).run(
        CycleOptions(as_of=hub.clock.today()))
    assert client.get("/readyz").status_code == 200
    hub.clock.moment += timedelta(hours=27)  # type: ignore[attr-defined]
    stale = client.get("/readyz")
    assert stale.status_code == 503
    ok, detail = _checks(stale.get_json())["last_cycle"]
    assert not ok
    assert "27.0 hours ago" in detail
    assert "HUB_READY_CYCLE_MAX_HOURS=26" in detail


def test_a_schema_behind_the_code_makes_the_web_app_not_ready(hub: Hub) -> None:
    client = create_app(hub, {"TESTING": True}).test_client()
    with hub.engine.begin() as connection:
        connection.execute(sa.text("UPDATE alembic_version SET version_num = '0001'"))
    try:
        response = client.get("/readyz")
    finally:
        with hub.engine.begin() as connection:
            connection.execute(sa.text("UPDATE alembic_version SET version_num = :head"),
                               {"head": head_revision()})
    assert response.status_code == 503
    ok, detail = _checks(response.get_json())["migrations"]
    assert not ok
    assert "at 0001" in detail
    assert "python app.py db upgrade" in detail


def test_a_database_that_does_not_answer_is_not_ready_but_alive(hub: Hub) -> None:
    down = Hub(settings=dataclasses.replace(
        hub.settings, database_url="postgresql://nobody@127.0.0.1:1/none"), clock=hub.clock)
    client = create_app(down, {"TESTING": True}).test_client()
    assert client.get("/livez").status_code == 200
    response = client.get("/readyz")
    assert response.status_code == 503
    checks = _checks(response.get_json())
    assert not checks["database"][0]
    assert "does not answer" in checks["database"][1]
    assert checks["migrations"] == (False, "not checked: the database does not answer")
    assert client.get("/healthz").status_code == 503
