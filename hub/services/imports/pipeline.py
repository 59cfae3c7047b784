"""Read ahead in a child process while the parent writes to the ledger.

A large import is two jobs of about the same size: reading, checking and
converting the file's rows (pure Python, no database), and writing them (the
database driver, mostly outside the GIL but in this process's only connection).
Run one after the other they take the sum of both; run side by side in two
processes they take about the longer of the two. So the reading half is forked off
(fork: the child starts with the source and the importer's checks already set up,
and nothing has to be importable by name or picklable but the items). The child
pickles each item into a pipe (widened to 1 MB, see _widen), which keeps it a chunk
or two ahead, so memory stays flat. The parent still owns the one transaction: if
anything fails, on either side, nothing is written.

The two run side by side only on CPUs nobody else wants: Linux shares a busy machine
between sessions, not processes, so there the gain is the CPU time saved.
"""

from __future__ import annotations

import gc
import multiprocessing
import pickle
import threading
import traceback
from collections.abc import Callable
from collections.abc import Generator
from collections.abc import Iterator
from contextlib import suppress
from multiprocessing.connection import Connection
from typing import Any
from typing import TypeVar

T = TypeVar("T")
_ITEM, _DONE, _FAILED = 0, 1, 2


def can_read_ahead() -> bool:
    """Fork is what makes this cheap; where there is none, read in-process. So too when
    other threads do work (a threaded server's): a fork copies their locks in whatever
    state they happen to be, and the child could wait on one forever. Daemon helpers
    such as the progress bar's monitor hold nothing the reader uses."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    return all(thread.daemon or thread is threading.main_thread()
               for thread in threading.enumerate())


def read_ahead(produce: Callable[[], Iterator[T]]) -> Generator[T, None, None]:
    """The items of `produce()`, made in a forked child process, in order.

    An exception raised in the child is raised here (with the child's traceback as a
    note); closing this generator early stops the child.
    """
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    _widen(receiver)
    child = context.Process(target=_produce, args=(produce, sender), name="import reader",
                            daemon=True)
    child.start()
    sender.close()  # the child's end: EOF here if the child dies
    try:
        while True:
            try:
                message = receiver.recv_bytes()
            except EOFError:
                child.join()
                raise RuntimeError("the import's reader process stopped unexpectedly "
                                   f"(exit code {child.exitcode})") from None
            kind, payload = pickle.loads(message)  # noqa: S301 - our own child's items
            if kind == _DONE:
                return
            if kind == _FAILED:
                raise payload
            yield payload
    finally:
        receiver.close()
        if child.is_alive():
            child.terminate()
        child.join()


PIPE_BYTES = 16 << 20  # about 16 chunks of invoices


def _widen(pipe: Connection) -> None:
    """Let the reader run several chunks ahead. With the default 64 kB the two processes
    take turns at every chunk, and on a busy machine each turn waits for the scheduler
    to wake the other one up. Linux only; unprivileged users may get 1 MB at most."""
    import fcntl  # noqa: PLC0415 - POSIX only; this module is imported everywhere

    setter = getattr(fcntl, "F_SETPIPE_SZ", None)
    if setter is None:
        return
    for size in (PIPE_BYTES, 1 << 20):
        try:
            fcntl.fcntl(pipe.fileno(), setter, size)
        except OSError:
            continue
        return


def _produce(produce: Callable[[], Iterator[Any]], sender: Connection) -> None:
    # What the child inherits is no garbage it could free; leaving it out of collections
    # also spares its pages from being copied (a collection writes to every object).
    gc.freeze()
    try:
        for item in produce():
            sender.send_bytes(pickle.dumps((_ITEM, item), pickle.HIGHEST_PROTOCOL))
        sender.send_bytes(pickle.dumps((_DONE, None)))
    except BrokenPipeError:
        pass  # the parent stopped reading: it has its own error to report
    except BaseException as exc:
        with suppress(OSError):  # the parent may be gone already (Ctrl-C reaches both)
            sender.send_bytes(_failure(exc))
    finally:
        sender.close()


def _failure(exc: BaseException) -> bytes:
    exc.add_note("in the import's reader process:\n" + "".join(traceback.format_exception(exc)))
    try:
        data = pickle.dumps((_FAILED, exc))
        pickle.loads(data)  # noqa: S301 - an exception that cannot be rebuilt is replaced
    except Exception:
        data = pickle.dumps((_FAILED, RuntimeError(
            f"{type(exc).__name__}: {exc}\n" + "".join(traceback.format_exception(exc)))))
    return data
