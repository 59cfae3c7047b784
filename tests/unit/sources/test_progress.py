"""The import progress bar: shown to a person at a terminal, silent otherwise."""

from __future__ import annotations

import io
import sys

import pytest

from hub.cli.progress import TqdmProgress
from hub.cli.progress import progress_bar
from hub.config import Settings
from hub.ports import NoProgress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_silent_when_output_is_not_a_terminal() -> None:
    assert isinstance(progress_bar(Settings(progress=True), 100, "invoices"), NoProgress)


def test_a_bar_at_a_terminal_unless_switched_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdout", _Terminal())
    monkeypatch.setattr(sys, "stderr", _Terminal())
    assert isinstance(progress_bar(Settings(progress=False), 100, "invoices"), NoProgress)
    bar = progress_bar(Settings(progress=True), 100, "invoices")
    assert isinstance(bar, TqdmProgress)
    bar.advance(60)
    bar.advance(60)  # the estimate was short: the bar grows instead of passing 100 %
    assert (bar._bar.n, bar._bar.total) == (120, 120)
    bar.close()
