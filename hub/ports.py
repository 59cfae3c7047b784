"""Small interfaces the hub declares and adapters (sync/, rules/, notifications/)
implement. The composition root, hub/bootstrap.py, picks the implementations."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """A progress indicator for long jobs; silent when output is not a terminal."""

    def advance(self, count: int) -> None: ...

    def close(self) -> None: ...


class NoProgress:
    def advance(self, count: int) -> None:
        pass

    def close(self) -> None:
        pass
