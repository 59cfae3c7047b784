"""One account's state as people and the rules change it: promises, payment plans,
disputes, tasks, sales holds, exclusions, invoice copies."""

from __future__ import annotations
