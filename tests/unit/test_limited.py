"""A function run in a limited child (what the web does with pasted rule files): it may not
take longer or more memory than allowed, and the caller carries on either way."""

from __future__ import annotations

import os
import time

import pytest

from hub.limited import MB
from hub.limited import LimitExceeded
from hub.limited import run_limited


def _hog() -> int:
    hoard = [bytearray(16 * MB) for _ in range(64)]  # 1 GB, far past the limit
    return len(hoard)


def _spin() -> None:
    while True:
        pass


def _pid() -> int:
    return os.getpid()


def _fail() -> None:
    raise ValueError("no such rule")


def test_the_result_comes_back_from_another_process() -> None:
    assert run_limited(_pid, seconds=10, memory_bytes=64 * MB) != os.getpid()
    assert run_limited(sorted, [3, 1, 2], seconds=10, memory_bytes=64 * MB) == [1, 2, 3]


def test_memory_past_the_limit_stops_the_child_not_the_caller() -> None:
    started = time.perf_counter()
    with pytest.raises(LimitExceeded, match="it needed more than 64 MB of memory"):
        run_limited(_hog, seconds=10, memory_bytes=64 * MB)
    assert time.perf_counter() - started < 5


def test_time_past_the_limit_kills_the_child() -> None:
    started = time.perf_counter()
    with pytest.raises(LimitExceeded, match=r"it took longer than 0.5 s, so it was stopped"):
        run_limited(_spin, seconds=0.5, memory_bytes=64 * MB)
    assert time.perf_counter() - started < 5


def test_a_failure_in_the_child_is_reported() -> None:
    with pytest.raises(LimitExceeded, match="it failed: ValueError: no such rule"):
        run_limited(_fail, seconds=10, memory_bytes=64 * MB)
