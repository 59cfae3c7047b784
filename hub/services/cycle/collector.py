"""Python's cyclic garbage collector paused for one batch of the cycle.

A batch builds tens of thousands of small objects (account facts, invoices, decisions,
rows) that live until the batch is written; each young-generation collection then walks
them again, and measured at 5,000 accounts that was a quarter to a third of the first
cycle's CPU (issue 16). Freed memory does not depend on it (reference counting frees
the batch), only cyclic garbage waits: the collector resumes after each batch and
catches up then.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
