"""durable_rules, used in the constrained pattern of research/durable_rules.md section 4.

- A host without background threads (QuietHost): actions run inline, in our call.
- One session per account: assert the account fact, post an end-of-account sentinel that a
  dedicated rule consumes (avoids the delete_state crash after a partial match), delete it.
- Dates are data in the fact; no engine timers.
- The engine runs in a child process: it can hang holding the GIL or crash the interpreter,
  so a batch that does not answer within its timeout is given up (the child is killed) and
  the caller falls back and reports; the next batch gets a new child.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

from durable import engine as durable_engine

from rules.compiler import SENTINEL_FIELD


class QuietHost(durable_engine.Host):  # type: ignore[misc]
    """A durable_rules Host that starts no dispatcher or timer threads."""

    def _run(self) -> None:
        pass


class EngineSession:
    """A compiled ruleset registered in this process; evaluates accounts one by one."""

    def __init__(self, name: str, definition_json: str) -> None:
        self.name = name
        self._fired: list[str] = []
        definition = json.loads(definition_json)  # a fresh copy: registering mutates it
        for rule_id, rule in definition.items():
            rule["run"] = self._collector(rule_id)
        self.host = QuietHost()
        self.host.register_rulesets({name: definition})

    def _collector(self, rule_id: str) -> Any:
        fired = self._fired

        def run(_context: Any) -> None:
            if rule_id != "end":
                fired.append(rule_id)

        return run

    def matches(self, facts: Sequence[dict[str, Any]]) -> list[list[str]]:
        """For each account fact, the ids of the rules that fired."""
        results = []
        for index, fact in enumerate(facts):
            sid = f"a{index}"
            self._fired.clear()
            with contextlib.suppress(durable_engine.MessageNotHandledException):
                self.host.assert_fact(self.name, {**fact, "sid": sid})  # no rule matched
            self.host.post(self.name, {"sid": sid, SENTINEL_FIELD: 1})
            self.host.delete_state(self.name, sid)
            results.append(sorted(set(self._fired)))
        return results


def _worker(connection: Connection, name: str, definition_json: str) -> None:
    session = EngineSession(name, definition_json)
    while True:
        batch = connection.recv()
        if batch is None:
            return
        try:
            connection.send(("ok", session.matches(batch)))
        except Exception as exc:  # reported to the parent, which falls back
            connection.send(("error", f"{type(exc).__name__}: {exc}"))


@dataclass
class EngineFailure:
    message: str


class EngineRunner:
    """Evaluates batches in a child process with a wall-clock timeout per batch."""

    def __init__(self, name: str, definition: dict[str, Any], *, timeout: float = 60.0,
                 isolation: str = "fork") -> None:
        self.name = name
        self.definition_json = json.dumps(definition)
        self.timeout = timeout
        if multiprocessing.current_process().daemon:
            isolation = "inline"  # a daemonic process may not start children
        self.isolation = isolation  # fork | spawn | inline (tests that must not fork)
        self._process: Any = None
        self._connection: Connection | None = None
        self._inline: EngineSession | None = None
        self._pending: list[list[str]] | EngineFailure = []

    def _start(self) -> Connection:
        if self._connection is None:
            context: Any = multiprocessing.get_context(self.isolation)
            parent, child = context.Pipe()
            self._process = context.Process(target=_worker, daemon=True,
                                            args=(child, self.name, self.definition_json))
            self._process.start()
            child.close()
            self._connection = parent
        return self._connection

    def matches(self, facts: Sequence[dict[str, Any]]) -> list[list[str]] | EngineFailure:
        self.submit(facts)
        return self.collect()

    def submit(self, facts: Sequence[dict[str, Any]]) -> None:
        """Hand a batch to the child and return at once (collect() gets the answer), so
        the caller can work while the engine does."""
        if self.isolation == "inline":
            if self._inline is None:
                self._inline = EngineSession(self.name, self.definition_json)
            self._pending = self._inline.matches(facts)
            return
        try:
            connection = self._start()
        except (AssertionError, OSError) as exc:  # e.g. inside a daemonic process
            self._pending = EngineFailure(f"the rules engine process cannot start: {exc}")
            return
        try:
            connection.send(list(facts))
            self._pending = []
        except (OSError, BrokenPipeError):
            self._pending = self._ended()

    def collect(self) -> list[list[str]] | EngineFailure:
        if self.isolation == "inline" or isinstance(self._pending, EngineFailure):
            return self._pending
        connection = self._start()
        try:
            if connection.poll(self.timeout):
                status, payload = connection.recv()
                if status == "ok":
                    return list(payload)
                self._stop()
                return EngineFailure(f"the rules engine failed: {payload}")
            self._stop()
            return EngineFailure(f"the rules engine did not answer within {self.timeout:g} s "
                                 f"(stopped)")
        except (EOFError, OSError, BrokenPipeError):
            return self._ended()

    def _ended(self) -> EngineFailure:
        code = self._process.exitcode if self._process is not None else None
        self._stop()
        return EngineFailure(f"the rules engine process ended unexpectedly (exit {code})")

    def _stop(self) -> None:
        if self._process is not None and self._process.is_alive():
            self._process.kill()
        if self._process is not None:
            self._process.join(5)
        if self._connection is not None:
            self._connection.close()
        self._process = None
        self._connection = None

    def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(OSError):
                self._connection.send(None)
            if self._process is not None:
                self._process.join(5)
        self._stop()

    def __enter__(self) -> EngineRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
