"""A hostile rule file (a YAML "billion laughs", a 50 MB file) is refused in well under a
second with bounded memory, from the command line, the cycle and the web rule editor alike,
and the rules in force stay (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
import io
import resource
import time
import tracemalloc
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from click.testing import Result
from flask.testing import FlaskClient

from hub.bootstrap import Hub
from hub.cli import cli
from hub.ledger.cycle_runs import recent_runs
from hub.limited import MB
from rules import DEFAULT_POLICY
from tests.builders import add_customer
from tests.builders import add_invoice
from tests.unit.test_safe_yaml import billion_laughs
from tests.web.conftest import csrf_from

DEFAULT = DEFAULT_POLICY.read_text(encoding="utf-8")
BIG = 50 * MB
LAUGHS_PROBLEM = ("collections.yaml line 5: the file holds more than 20,000 values once "
                  "every *name reference is written out")
BIG_PROBLEM = "collections.yaml: the file is 50.0 MB; it can be at most 256 KB, so it was not read"


@dataclass
class Cost:
    seconds: float = 0.0
    peak_bytes: int = 0


def _cpu_seconds(children: bool) -> float:
    if not children:
        return time.process_time()
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + reaped.ru_utime + reaped.ru_stime


@contextmanager
def measured(*, children: bool = True) -> Iterator[Cost]:
    """CPU time (this process and the children it waited for, such as the editor's checking
    child) and peak Python memory (tracemalloc) of the block. CPU time, not wall time: the
    refusal's own cost, whatever else the machine (or the other test worker) is doing."""
    cost = Cost()
    tracemalloc.start()
    started = _cpu_seconds(children)
    try:
        yield cost
    finally:
        cost.seconds = _cpu_seconds(children) - started
        cost.peak_bytes = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()


def hostile(path: Path, kind: str) -> str:
    """Write the hostile file; the problem the hub must report for it."""
    if kind == "billion laughs":
        path.write_text(billion_laughs(), encoding="utf-8")
        return LAUGHS_PROBLEM
    with path.open("wb") as handle:  # 50 MB of comment lines
        line = b"# " + b"x" * 77 + b"\n"
        handle.write(b"name: big\n" + line * (BIG // len(line)))
    return BIG_PROBLEM


def run(hub: Hub, *args: str, rules_file: Path) -> Result:
    env = {"HUB_DATABASE_URL": hub.settings.database_url,
           "HUB_VAR_DIR": str(hub.settings.var_dir), "HUB_RULES_FILE": str(rules_file)}
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


KINDS = ["billion laughs", "50 MB"]


@pytest.mark.parametrize("kind", KINDS)
def test_rules_check_refuses_at_once_and_exits_2(hub: Hub, tmp_path: Path, kind: str) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(DEFAULT, encoding="utf-8")
    # the command's modules load on first use: load them before measuring the refusal
    assert run(hub, "rules", "check", str(good), rules_file=good).exit_code == 0
    path = tmp_path / "collections.yaml"
    problem = hostile(path, kind)
    with measured() as cost:
        result = run(hub, "rules", "check", str(path), rules_file=path)
    assert result.exit_code == 2
    assert problem in result.output
    assert "collections.yaml: 1 error; the file cannot go live" in result.output
    assert cost.seconds < 1.0
    assert cost.peak_bytes < 16 * MB


@pytest.mark.parametrize("kind", KINDS)
def test_the_cycle_keeps_the_rules_in_force_and_runs(hub: Hub, tmp_path: Path,
                                                     kind: str) -> None:
    with hub.engine.begin() as connection:
        acme = add_customer(connection, "ACME", owner="ann@example.com")
        add_invoice(connection, "I-1", acme, issued="2026-10-01", due="2026-11-01",
                    amount="900.00")
    path = tmp_path / "collections.yaml"
    path.write_text(DEFAULT, encoding="utf-8")
    first = run(hub, "cycle", "--as-of", "2026-11-23", rules_file=path)
    assert first.exit_code == 0, first.output
    problem = hostile(path, kind)

    hub.settings = dataclasses.replace(hub.settings, rules_file=path)
    # this process only: the refusal runs no child, but the rules-engine process the first
    # cycle started may be reaped inside the block, and its whole life's CPU would count
    with measured(children=False) as cost:
        status = hub.reload_rules()
    assert cost.seconds < 1.0
    assert cost.peak_bytes < 16 * MB
    assert status.refused
    assert status.version is not None
    assert status.version.version == 1  # the rules in force stay
    assert len(status.problems) == 1
    assert str(status.problems[0]).startswith(problem)

    second = run(hub, "cycle", "--as-of", "2026-11-24", rules_file=path)
    assert second.exit_code == 0, second.output
    assert f"rules: {problem}" in second.output
    assert "rules: the rule file cannot go live; version 1 (collections.yaml) stays in force" \
        in second.output
    assert "cycle 2026-11-24: done in " in second.output
    with hub.engine.connect() as connection:
        runs = recent_runs(connection, 10)
    assert [(str(r.as_of), r.status) for r in runs] == [("2026-11-24", "done"),
                                                       ("2026-11-23", "done")]


@pytest.mark.parametrize("kind", KINDS)
def test_with_no_rules_in_force_the_cycle_refuses_with_the_reason(hub: Hub, tmp_path: Path,
                                                                  kind: str) -> None:
    path = tmp_path / "collections.yaml"
    problem = hostile(path, kind)
    result = run(hub, "cycle", "--as-of", "2026-11-23", rules_file=path)
    assert result.exit_code == 2
    assert "error: the rule file cannot go live (1 problem):" in result.output
    assert problem in result.output


class Endless(io.RawIOBase):
    """A request body of `size` bytes made up as it is read; counts what the server read."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.position = 0
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.position = self.size + offset if whence == io.SEEK_END else offset
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        count = min(len(buffer), self.size - self.position)
        buffer[:count] = b"x" * count
        self.position += count
        self.read_bytes += count
        return count


def test_the_editor_refuses_a_billion_laughs_in_a_limited_child(
        staffed: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    staffed.rule_files.compiler.check_memory = 64 * MB  # type: ignore[attr-defined]
    client = as_user("fin@example.com")
    token = csrf_from(client.get("/rules").get_data(as_text=True))
    text = billion_laughs()
    with measured() as cost:
        checked = client.post("/rules/validate", data={"text": text},
                              headers={"X-CSRF-Token": token}).get_json()
    assert cost.seconds < 1.0
    assert cost.peak_bytes < 16 * MB  # the web server's own memory
    assert checked["ok"] is False  # and the child's stayed under 64 MB: it says why, not "memory"
    assert [(p["line"], p["message"][:49]) for p in checked["problems"]] == [
        (5, "the file holds more than 20,000 values once every")]

    with measured() as cost:
        refused = client.post("/rules/activate", data={"text": text, "csrf_token": token})
    assert cost.seconds < 1.0
    assert refused.status_code == 422
    assert "the file holds more than 20,000 values" in refused.get_data(as_text=True)
    history = staffed.rule_files.history()
    assert [(v.version, v.status) for v in history] == [(2, "refused"), (1, "active")]
    assert "line 5: the file holds more than 20,000 values" in (history[0].note or "")
    assert "In force: version 1" in client.get("/rules").get_data(as_text=True)


def test_the_editor_refuses_50_mb_without_reading_it(
        staffed: Hub, as_user: Callable[[str], FlaskClient]) -> None:
    client = as_user("fin@example.com")
    token = csrf_from(client.get("/rules").get_data(as_text=True))
    for route in ("/rules/validate", "/rules/simulate", "/rules/activate"):
        body = Endless(BIG)
        with measured() as cost:
            answer = client.post(route, input_stream=body,
                                 content_type="application/x-www-form-urlencoded",
                                 headers={"X-CSRF-Token": token})
        assert answer.status_code == 413, route
        assert body.read_bytes == 0
        assert cost.seconds < 1.0
        assert cost.peak_bytes < 16 * MB
    # under the request limit but over the rule-file limit: refused with the sizes
    text = "# " + "x" * 300 * 1024
    answer = client.post("/rules/validate", data={"text": text}, headers={"X-CSRF-Token": token})
    assert answer.status_code == 413
    assert "it can be at most 256 KB" in answer.get_json()["error"]["message"]


def test_a_check_that_runs_away_is_stopped_and_the_server_answers(
        staffed: Hub, as_user: Callable[[str], FlaskClient],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever a check costs, it runs in a child with a time limit: the request answers."""
    compiler = staffed.rule_files.compiler
    compiler.check_seconds = 0.5  # type: ignore[attr-defined]

    def forever(_text: str, _file_name: str) -> list[object]:
        while True:
            pass

    client = as_user("fin@example.com")
    token = csrf_from(client.get("/rules").get_data(as_text=True))
    monkeypatch.setattr(compiler, "check", forever)
    started = time.perf_counter()
    checked = client.post("/rules/validate", data={"text": DEFAULT},
                          headers={"X-CSRF-Token": token}).get_json()
    assert time.perf_counter() - started < 3
    assert checked["ok"] is False
    assert [p["message"] for p in checked["problems"]] == [
        "the file could not be checked: it took longer than 0.5 s, so it was stopped; it "
        "cannot go live"]
    assert client.get("/healthz").status_code == 200
