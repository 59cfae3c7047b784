"""The demo: a realistic portfolio from a seed, what its people and debtors do between cycles,
its bank statement. Not a use case: it sits above the services (`python app.py demo`)."""

from __future__ import annotations
