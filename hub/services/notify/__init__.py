"""Messages: the outbox sent per channel, digests and alerts for staff, Slack buttons,
what a debtor answers on a call."""

from __future__ import annotations
