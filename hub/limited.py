"""Run one function in a child process with a wall-clock limit and a memory limit.

The web checks rule files that people paste in. Whatever a check costs, it must not stall
the web server or exhaust its memory: the check runs in a forked child whose address space
is capped (RLIMIT_AS: what the child had at the fork plus a budget) and which is killed when
it does not answer in time. The request thread only waits on a pipe. As in rules/engine.py,
a daemonic process (which may not start children) runs the function in-process instead.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import resource
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any
from typing import TypeVar

T = TypeVar("T")
MB = 1024 * 1024


class LimitExceeded(Exception):
    """The function ran out of time or memory, or its process ended; `message` says which
    in words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _address_space() -> int:
    """This process's virtual memory size in bytes (0 when /proc does not say)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _child(connection: Connection, function: Callable[..., Any], args: tuple[Any, ...],
           memory_bytes: int) -> None:
    used = _address_space()
    if used:
        _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = used + memory_bytes
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        outcome: tuple[str, Any] = ("ok", function(*args))
    except MemoryError:
        outcome = ("memory", None)
    except Exception as exc:  # reported to the parent, which raises LimitExceeded
        outcome = ("error", f"{type(exc).__name__}: {exc}")
    try:
        connection.send(outcome)
    except MemoryError:
        connection.send(("memory", None))
    connection.close()


def run_limited(function: Callable[..., T], *args: Any, seconds: float,
                memory_bytes: int) -> T:
    """`function(*args)` in a forked child allowed `seconds` and `memory_bytes` more than
    it started with; LimitExceeded when it needs more, fails or dies."""
    if multiprocessing.current_process().daemon:
        return function(*args)
    context: Any = multiprocessing.get_context("fork")
    parent, child = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(child, function, args, memory_bytes),
                              daemon=True)
    process.start()
    child.close()
    try:
        if not parent.poll(seconds):
            raise LimitExceeded(f"it took longer than {seconds:g} s, so it was stopped")
        status, payload = parent.recv()
    except (EOFError, OSError):
        process.join(1)
        raise LimitExceeded(f"its process ended unexpectedly (exit {process.exitcode}); "
                            "it may have needed more than "
                            f"{memory_bytes // MB} MB of memory") from None
    finally:
        parent.close()
        if process.is_alive():
            process.kill()
        process.join(5)
        with contextlib.suppress(ValueError):
            process.close()
    if status == "memory":
        raise LimitExceeded(f"it needed more than {memory_bytes // MB} MB of memory, "
                            "so it was stopped")
    if status == "error":
        raise LimitExceeded(f"it failed: {payload}")
    result: T = payload
    return result
