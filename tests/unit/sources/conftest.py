from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from hub.domain.records import ImportRecord
from hub.domain.records import RejectedRow
from sync.sources.tabular import open_source

Reader = Callable[..., list[ImportRecord | RejectedRow]]


@pytest.fixture
def read(tmp_path: Path) -> Reader:
    """Write `content` to a file and return every record and reject read from it."""

    def read(content: str | bytes, kind: str = "invoices", name: str = "file.csv",
             **options: object) -> list[ImportRecord | RejectedRow]:
        path = tmp_path / name
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8", newline="")
        else:
            path.write_bytes(content)
        with open_source(path, kind, **options) as source:  # type: ignore[arg-type]
            return list(source.records())

    return read
