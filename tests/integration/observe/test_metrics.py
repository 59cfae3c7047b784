"""`/metrics` after a real import, cycle and dispatch: the cycle, outbox, send, import and
HTTP series, on SQLite and PostgreSQL; and who may scrape it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from prometheus_client import REGISTRY

from hub.bootstrap import Hub
from hub.bootstrap.cycle import load_policy
from hub.bootstrap.readers import import_file
from hub.services.cycle.daily import Cycle
from hub.services.cycle.daily import CycleOptions
from hub.web import create_app

CUSTOMERS = """customer_id,name,country,language,department,contact_name,contact_email
ACME,Acme BV,NL,en,sales,Pia,pia@acme-trading.nl
BOLT,Bolt GmbH,DE,de,sales,Tom,tom@bolt-gmbh.de
"""
INVOICES = """invoice_number,customer_id,issue_date,due_date,currency,amount
A-1,ACME,2026-09-01,2026-10-01,EUR,1000.00
B-1,BOLT,2026-09-15,2026-10-15,EUR,2000.00
X-1,NOPE-NOT-A-DATE,never,2026-10-15,EUR,10.00
"""


def sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one series in an exposition text (None when absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        match = re.fullmatch(rf"{re.escape(name)}(?:\{{(.*)\}})? (\S+)", line)
        if match and ",".join(sorted((match.group(1) or "").split(","))) == wanted:
            return float(match.group(2))
    return None


def counter(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def scrape(client: FlaskClient) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("text/plain")
    return response.get_data(as_text=True)


def _import(hub: Hub, tmp_path: Path) -> None:
    for kind, text in (("customers", CUSTOMERS), ("invoices", INVOICES)):
        path = tmp_path / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        import_file(hub.engine, path, kind, actor="tests", clock=hub.clock)


def test_metrics_show_the_cycle_the_outbox_and_http_after_a_cycle_and_a_dispatch(
        hub: Hub, tmp_path: Path) -> None:
    client = create_app(hub, {"TESTING": True}).test_client()
    rows_before = counter("hub_import_rows_total", kind="invoices", outcome="created")
    rejected_before = counter("hub_import_rows_total", kind="invoices", outcome="rejected")
    _import(hub, tmp_path)
    assert counter("hub_import_rows_total", kind="invoices", outcome="created") \
        == rows_before + 2
    assert counter("hub_import_rows_total", kind="invoices", outcome="rejected") \
        == rejected_before + 1

    evaluated_before = counter("hub_cycle_accounts_evaluated_total")
    policy = load_policy(hub)
    report = Cycle(hub.engine, policy, now=hub.clock.now,
                   thresholds=policy.thresholds()).run(CycleOptions(as_of=hub.clock.today()))
    assert report.status == "done", report.errors
    assert report.counts["messages"] == 2  # one reminder per debtor, waiting in the outbox
    assert counter("hub_cycle_accounts_evaluated_total") == evaluated_before + 2

    text = scrape(client)
    assert sample(text, "hub_ledger_scrape_ok") == 1
    assert sample(text, "hub_cycle_last_accounts_evaluated") == 2
    assert sample(text, "hub_cycle_last_decisions", kind="messages") == 2
    assert sample(text, "hub_cycle_last_decisions", kind="applied") == report.counts["applied"]
    assert sample(text, "hub_cycle_last_phase_seconds", phase="evaluate") is not None
    assert sample(text, "hub_cycle_phase_seconds_count", phase="evaluate") is not None
    assert sample(text, "hub_outbox_messages", channel="undecided", state="queued") == 2
    age = sample(text, "hub_outbox_oldest_age_seconds", channel="undecided", state="queued")
    assert age is not None
    assert age >= 0

    sync = hub.sheet_sync()
    assert sync is not None
    calls_before = counter("hub_sheet_api_calls_total", backend="xlsx")
    synced = sync.run(as_of=hub.clock.today(), now=hub.clock.now())
    assert synced.total("calls") > 0
    assert counter("hub_sheet_api_calls_total", backend="xlsx") \
        == calls_before + synced.total("calls")

    sent_before = counter("hub_messages_sent_total", channel="email")
    dispatched = hub.dispatcher().run()
    assert dispatched.by_channel["email"] == 2, dispatched
    assert counter("hub_messages_sent_total", channel="email") == sent_before + 2

    assert client.get("/portal/not-a-real-link").status_code == 404
    text = scrape(client)
    assert sample(text, "hub_outbox_messages", channel="undecided", state="queued") is None
    assert sample(text, "hub_messages_sent_total", channel="email") == sent_before + 2
    assert (sample(text, "hub_http_request_duration_seconds_count",
                   endpoint="portal.page", method="GET", status="404") or 0) >= 1
    assert (sample(text, "hub_http_request_duration_seconds_count",
                   endpoint="prometheus_metrics", method="GET", status="200") or 0) >= 1
    assert "not-a-real-link" not in text  # routes are labelled by name, never by path


@pytest.mark.parametrize("address", ["10.1.2.3", "192.168.0.7"])
def test_metrics_are_refused_to_other_addresses_without_the_token(hub: Hub,
                                                                  address: str) -> None:
    import dataclasses

    from hub.config import ObserveSettings

    guarded = Hub(settings=dataclasses.replace(
        hub.settings, observe=ObserveSettings(metrics_token="s3cret-token",
                                              metrics_allow=("127.0.0.1/32",))),
                  clock=hub.clock)
    client = create_app(guarded, {"TESTING": True}).test_client()
    environ = {"REMOTE_ADDR": address}
    refused = client.get("/metrics", environ_base=environ)
    assert refused.status_code == 403
    assert "HUB_METRICS_TOKEN" in refused.get_json()["error"]["message"]
    wrong = client.get("/metrics", environ_base=environ,
                       headers={"Authorization": "Bearer wrong"})
    assert wrong.status_code == 403
    allowed = client.get("/metrics", environ_base=environ,
                         headers={"Authorization": "Bearer s3cret-token"})
    assert allowed.status_code == 200
    assert "hub_outbox_messages" in allowed.get_data(as_text=True) or \
        "hub_ledger_scrape_ok 1.0" in allowed.get_data(as_text=True)
    assert client.get("/metrics").status_code == 200  # 127.0.0.1 is allowed


def test_send_failures_are_counted_by_channel_and_whether_they_retry(hub: Hub) -> None:
    from hub.domain.outbox import TransportError
    from hub.ledger.outbox import enqueue
    from hub.services.notify.dispatch import Dispatcher
    from hub.services.notify.dispatch import DispatchSettings
    from notifications.templates import TemplateRenderer
    from tests.integration.notify.helpers import ALWAYS
    from tests.integration.notify.helpers import ScriptedTransport
    from tests.integration.notify.helpers import debtor
    from tests.integration.notify.helpers import notice

    with hub.engine.begin() as connection:
        debtor(connection, "ACME", phone="+31612345678")
        debtor(connection, "BOLT", phone="+31612345679")
        enqueue(connection, notice("ACME", "sms"), now=hub.clock.now())
        enqueue(connection, notice("BOLT", "sms"), now=hub.clock.now())
    sms = ScriptedTransport("sms", TransportError("gateway timeout"),
                            TransportError("number unknown", permanent=True))
    retry_before = counter("hub_send_failures_total", channel="sms", retry="yes")
    final_before = counter("hub_send_failures_total", channel="sms", retry="no")
    Dispatcher(engine=hub.engine, transports={"sms": sms}, renderer=TemplateRenderer(),
               clock=hub.clock, policy=ALWAYS, settings=DispatchSettings()).run()
    assert counter("hub_send_failures_total", channel="sms", retry="yes") == retry_before + 1
    assert counter("hub_send_failures_total", channel="sms", retry="no") == final_before + 1
    assert "hub_send_failures_total" in scrape(create_app(hub, {"TESTING": True}).test_client())
