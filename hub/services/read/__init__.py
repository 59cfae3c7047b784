"""The read side: look-ups, reports, the worklist, the timeline, supervision and team figures.
It writes nothing: import-linter keeps it from the services and ledger modules that write
(pyproject.toml, docs/structure.md)."""

from __future__ import annotations
