"""Who holds the cycle lock, and whether that holder still exists.

A lock row names its holder's host, pid and process start time (from /proc, so a pid the
kernel handed to a new process after the holder died is not mistaken for the holder) and
a random token. On the holder's own host the hub can tell at once that the holder is
gone; elsewhere only a stale heartbeat tells."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ProcessIdentity:
    host: str
    pid: int
    started: str | None  # the kernel's start time of the process; None where unknown
    token: str


def this_process() -> ProcessIdentity:
    pid = os.getpid()
    return ProcessIdentity(socket.gethostname(), pid, process_start(pid), uuid.uuid4().hex)


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (which may hold spaces)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    return text.rpartition(")")[2].split()


def process_start(pid: int) -> str | None:
    """The start time of `pid` in clock ticks after boot (field 22 of /proc/PID/stat)."""
    fields = _stat_fields(pid)
    return fields[19] if fields and len(fields) > 19 else None


def process_alive(pid: int) -> bool:
    """True while `pid` runs (a zombie, killed but not yet reaped, counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        pass
    fields = _stat_fields(pid)
    return not (fields and fields[0] in ("Z", "X"))


def gone_reason(lock: Any, *, host: str | None = None) -> str | None:
    """Why the lock's holder no longer exists, when it provably does not: it ran on this
    host and its process ended (or its pid now belongs to another process)."""
    here = host or socket.gethostname()
    if not lock.pid or lock.host != here:
        return None
    if not process_alive(lock.pid):
        return f"its process {lock.pid} on {lock.host} has ended"
    started = process_start(lock.pid)
    if lock.process_start and started and started != lock.process_start:
        return (f"its process {lock.pid} on {lock.host} has ended (the pid now belongs to "
                f"another process)")
    return None


class Heartbeat:
    """Refreshes the lock's heartbeat from a background thread while the cycle runs, so a
    long phase (a slow sheet, a big notify) never looks dead; notices when the lock stops
    being ours (taken over, or removed by `cycle unlock`) so the cycle can stop."""

    def __init__(self, beat: Callable[[], bool], *, every: float) -> None:
        self._beat = beat
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="cycle-heartbeat",
                                        daemon=True)
        self.lost = False

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stop.wait(self._every):
            self.check()

    def check(self) -> bool:
        """Beat once now; False (and `lost`) when the lock is no longer ours."""
        try:
            if not self._beat():
                self.lost = True
        except Exception:  # a busy database: the next beat tries again
            log.warning("the cycle lock's heartbeat could not be written", exc_info=True)
        return not self.lost
