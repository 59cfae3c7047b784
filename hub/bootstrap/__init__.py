"""The composition root: the one place that picks concrete adapters. root.py holds the Hub;
notify.py, rules.py and sheets.py build the adapters from the settings, the engine and the
clock (never from the Hub, so nothing here imports root.py back); cycle.py assembles the
daily cycle. Commands, the web app and tests call `bootstrap()`."""

from __future__ import annotations

from hub.bootstrap.root import Hub
from hub.bootstrap.root import bootstrap

__all__ = ["Hub", "bootstrap"]
