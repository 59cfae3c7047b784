"""The reader process of large imports (hub/services/imports/pipeline.py): items arrive
in order from another process, its errors arrive here, and stopping early stops it."""

from __future__ import annotations

import io
import os
import threading
from collections.abc import Iterator

import pytest
from tqdm import tqdm

from hub.domain.errors import UserError
from hub.services.imports.pipeline import can_read_ahead
from hub.services.imports.pipeline import read_ahead

pytestmark = pytest.mark.skipif(not can_read_ahead(), reason="needs fork")


def _numbers(count: int) -> Iterator[tuple[int, int]]:
    for number in range(count):
        yield os.getpid(), number


def test_items_come_in_order_from_another_process() -> None:
    items = list(read_ahead(lambda: _numbers(1000)))
    assert [number for _, number in items] == list(range(1000))
    assert {pid for pid, _ in items} != {os.getpid()}


def test_an_error_in_the_reader_is_raised_here_with_its_message() -> None:
    def failing() -> Iterator[int]:
        yield 1
        raise UserError("big.csv: malformed CSV at line 3")

    items = read_ahead(failing)
    assert next(items) == 1
    with pytest.raises(UserError, match="malformed CSV at line 3") as caught:
        next(items)
    assert any("reader process" in note for note in caught.value.__notes__)


def test_stopping_early_stops_the_reader() -> None:
    def endless() -> Iterator[bytes]:
        while True:
            yield b"x" * 100_000  # more than a pipe holds: the reader blocks until read

    items = read_ahead(endless)
    assert next(items) == b"x" * 100_000
    items.close()  # terminates and joins the child; returns at once


@pytest.fixture
def threads_of_this_test(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the main thread and the threads this test starts count: threads other tests
    left behind in the same worker process must not decide these tests."""
    earlier = {thread for thread in threading.enumerate()
               if thread is not threading.main_thread() and not thread.daemon}
    real = threading.enumerate
    monkeypatch.setattr("hub.services.imports.pipeline.threading.enumerate",
                        lambda: [thread for thread in real() if thread not in earlier])


@pytest.mark.usefixtures("threads_of_this_test")
@pytest.mark.parametrize(("daemon", "allowed"), [(False, False), (True, True)])
def test_no_reader_process_while_other_threads_work(daemon: bool, allowed: bool) -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait, daemon=daemon)
    thread.start()
    try:
        assert can_read_ahead() is allowed
    finally:
        stop.set()
        thread.join()
    assert can_read_ahead()


@pytest.mark.usefixtures("threads_of_this_test")
def test_the_progress_bar_does_not_prevent_reading_ahead() -> None:
    bar = tqdm(total=10, disable=False, file=io.StringIO(), mininterval=0)
    try:
        bar.update(1)
        assert any(thread.name == "tqdm_monitor" for thread in threading.enumerate())
        assert can_read_ahead()
    finally:
        bar.close()
