"""Small interfaces the hub declares and adapters (sync/, rules/, notifications/)
implement. The composition root, hub/bootstrap.py, picks the implementations."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from hub.domain.records import ImportRecord
from hub.domain.records import RejectedRow


class Progress(Protocol):
    """A progress indicator for long jobs; silent when output is not a terminal."""

    def advance(self, count: int) -> None: ...

    def close(self) -> None: ...


class NoProgress:
    def advance(self, count: int) -> None:
        pass

    def close(self) -> None:
        pass


class ImportSource(Protocol):
    """A customers, invoices or payments file, mapped row by row to import records
    (implemented by sync/sources/tabular.py). Parsing problems arrive as RejectedRow."""

    @property
    def kind(self) -> str: ...  # customers | invoices | payments

    @property
    def path(self) -> str: ...

    @property
    def preset(self) -> str | None: ...

    @property
    def sha256(self) -> str: ...

    @property
    def provided_fields(self) -> frozenset[str]: ...  # fields the file has a column for

    @property
    def estimated_rows(self) -> int | None: ...

    def records(self) -> Iterator[ImportRecord | RejectedRow]: ...


class RejectSink(Protocol):
    """Where rejected rows go (a CSV beside the source); kept only if the import commits."""

    @property
    def location(self) -> str: ...  # where the file goes if the import commits

    def add(self, row: RejectedRow) -> None: ...

    def commit(self) -> str | None: ...  # the file written, or None when nothing was rejected

    def discard(self) -> None: ...
