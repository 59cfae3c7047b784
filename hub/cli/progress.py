"""A tqdm progress bar behind the hub.ports.Progress interface."""

from __future__ import annotations

import sys

from tqdm import tqdm

from hub.config import Settings
from hub.ports import NoProgress
from hub.ports import Progress


class TqdmProgress:
    """Counts rows on stderr; shows up only once a job has run for a second."""

    def __init__(self, total: int | None, description: str) -> None:
        self._bar = tqdm(total=total or None, desc=description, unit=" rows", unit_scale=True,
                         delay=1.0, file=sys.stderr, dynamic_ncols=True, leave=False)

    def advance(self, count: int) -> None:
        bar = self._bar
        if bar.total is not None and bar.n + count > bar.total:
            bar.total = bar.n + count  # the estimate was short; never show more than 100%
        bar.update(count)

    def close(self) -> None:
        self._bar.close()


def progress_bar(settings: Settings, total: int | None, description: str) -> Progress:
    """A bar when a person watches a terminal; silence for pipes, files, cron and tests."""
    if not settings.progress or not (sys.stderr.isatty() and sys.stdout.isatty()):
        return NoProgress()
    return TqdmProgress(total, description)
