"""Errors a user can cause. Their message says what is wrong and where."""

from __future__ import annotations


class UserError(Exception):
    """Bad input from a person: shown as one clear message, never a traceback."""


class NotFound(UserError):
    """A named customer, invoice or payment does not exist."""


class RuleFileError(UserError):
    """A rule file that cannot go live; the message names the file, line and rule.

    The rules in force stay in force."""
