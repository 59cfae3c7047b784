"""The people who sign in and machine clients: users, passwords, API tokens."""

from __future__ import annotations
