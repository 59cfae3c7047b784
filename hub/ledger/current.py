"""The creditor the running code acts for: one context variable (docs/creditors.md).
hub.ledger.tenancy enforces it on every query; the tables read it for their column default."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Final

DEFAULT_CREDITOR: Final = 1
ALL_CREDITORS: Final = 0  # platform-wide look-ups only (see `platform_wide`)

_current: ContextVar[int] = ContextVar("hub_creditor", default=DEFAULT_CREDITOR)


class NoCreditorChosen(RuntimeError):
    """A row was about to be written for no creditor (inside `platform_wide`)."""


def current_creditor() -> int:
    """The creditor the running code acts for (ALL_CREDITORS inside `platform_wide`)."""
    return _current.get()


def set_current(creditor_id: int) -> object:
    """Act for `creditor_id` from now on in this context; returns a token for `reset`."""
    return _current.set(creditor_id)


def reset(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


@contextmanager
def acting_for(creditor_id: int) -> Iterator[None]:
    """Run a block for one creditor (the cycle per creditor, a portal link's customer)."""
    token = _current.set(creditor_id)
    try:
        yield
    finally:
        _current.reset(token)


@contextmanager
def platform_wide() -> Iterator[None]:
    """Look across every creditor: only for finding who someone is before anything else
    (a user by e-mail at sign-in, a portal link or API token by its hash, the creditors to
    run the cycle for). Writing a tenant row in here is refused."""
    token = _current.set(ALL_CREDITORS)
    try:
        yield
    finally:
        _current.reset(token)


def creditor_for_insert() -> int:
    """The column default of every tenant table's creditor_id."""
    creditor = _current.get()
    if creditor == ALL_CREDITORS:
        raise NoCreditorChosen("a row for a creditor's data was written without choosing "
                               "the creditor (inside platform_wide)")
    return creditor
