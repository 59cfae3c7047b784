"""The shared worksheets: rows written out, people's edits read back, the cycle's hooks."""

from __future__ import annotations
