"""Money received: recorded once, matched to invoices, the manual queue, reversals,
paying online."""

from __future__ import annotations
