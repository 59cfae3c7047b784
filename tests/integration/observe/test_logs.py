"""Log lines carry the request id and the cycle run id; JSON for machines, text for people."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from hub.bootstrap import Hub
from hub.bootstrap.cycle import load_policy
from hub.observe.logs import configure_logging
from hub.services.cycle.daily import Cycle
from hub.services.cycle.daily import CycleOptions
from hub.web import create_app


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    level = logging.getLogger().level
    handler = configure_logging("DEBUG", "json", stream)
    yield stream
    logging.getLogger().removeHandler(handler)
    logging.getLogger().setLevel(level)


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_request_id_is_taken_from_the_caller_or_made_and_is_on_every_line(
        hub: Hub, captured: io.StringIO) -> None:
    client = create_app(hub, {"TESTING": True}).test_client()
    given = client.get("/portal/nope", headers={"X-Request-Id": "lb-7f3a.42"})
    assert given.headers["X-Request-Id"] == "lb-7f3a.42"
    refused = [line for line in lines(captured) if "link refused" in str(line["message"])]
    assert refused
    assert refused[-1]["request_id"] == "lb-7f3a.42"
    assert refused[-1]["level"] == "INFO"
    assert refused[-1]["logger"] == "hub.web.portal_access"
    assert str(refused[-1]["ts"]).endswith("Z")
    insane = client.get("/portal/nope", headers={"X-Request-Id": "x" * 300})
    made = insane.headers["X-Request-Id"]
    assert made != "x" * 300
    assert len(made) == 32
    assert lines(captured)[-1]["request_id"] == made
    assert client.get("/livez").headers["X-Request-Id"] not in (made, "lb-7f3a.42")


def test_every_line_logged_during_a_cycle_names_its_run(hub: Hub,
                                                        captured: io.StringIO) -> None:
    policy = load_policy(hub)
    report = Cycle(hub.engine, policy, now=hub.clock.now,
                   thresholds=policy.thresholds()).run(CycleOptions(as_of=hub.clock.today()))
    logging.getLogger("hub.test").info("after the cycle")
    during = [line for line in lines(captured) if line["logger"] == "hub.services.cycle.daily"]
    assert len(during) == 2
    assert {line["cycle_run_id"] for line in during} == {report.run_id}
    assert "cycle_run_id" not in lines(captured)[-1]


def test_text_lines_for_a_person_carry_the_same_ids() -> None:
    stream = io.StringIO()
    level = logging.getLogger().level
    handler = configure_logging("INFO", "text", stream)
    try:
        from hub.observe import context

        with context.cycle_run(7):
            logging.getLogger("hub.x").warning("hello %s", "there")
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(level)
    line = stream.getvalue().strip()
    assert line.endswith(" WARNING hub.x [run=7]: hello there")
    assert line[:4].isdigit()
    assert "T" in line.split()[0]


def test_auto_is_json_off_a_terminal_and_text_on_one() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    level = logging.getLogger().level
    for stream, is_json in ((io.StringIO(), True), (Terminal(), False)):
        handler = configure_logging("INFO", "auto", stream)
        try:
            logging.getLogger("hub.x").info("one line")
        finally:
            logging.getLogger().removeHandler(handler)
            logging.getLogger().setLevel(level)
        assert stream.getvalue().startswith("{") is is_json
