"""The debtor portal: signed links, the page, what a debtor does there."""

from __future__ import annotations
