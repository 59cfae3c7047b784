"""Rejected rows, written to `<source stem>.rejects.csv` beside the source.

Formula-like text is written behind an apostrophe (hub.domain.cells); importing the
rejects file again takes it off (sync.sources.tabular).

The file is written to a temporary name and only put in place when the import
commits, so a failed import leaves no rejects file that describes nothing. When
the source's folder is read-only the file goes to the fallback folder (var/rejects/)
instead; os.access alone is not enough (it says yes to root, and no to nothing on a
read-only mount), so a refused write also moves the file there. `target` (the CLI's
`--rejects PATH`) puts it exactly where the person asked.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import IO
from typing import Any

from hub.domain.cells import SafeCsvWriter
from hub.domain.errors import UserError
from hub.domain.records import RejectedRow
from sync.sources.converters import to_text
from sync.sources.rows import REJECT_COLUMNS


def rejects_path(source: Path, fallback_dir: Path | None, target: Path | None = None) -> Path:
    name = f"{source.stem}.rejects.csv"
    if target is not None:
        return target / name if target.is_dir() else target
    if os.access(source.parent, os.W_OK):
        return source.parent / name
    return _fallback(fallback_dir) / name


def _fallback(fallback_dir: Path | None) -> Path:
    return fallback_dir or Path(tempfile.gettempdir()) / "collections-hub-rejects"


class CsvRejects:
    """Implements hub.ports.RejectSink."""

    def __init__(self, source: Path, header: Sequence[str], *,
                 fallback_dir: Path | None = None, target: Path | None = None) -> None:
        self.path = rejects_path(source, fallback_dir, target)
        self._fallback = None if target is not None else _fallback(fallback_dir) / self.path.name
        self._header = [*REJECT_COLUMNS, *header]
        self._handle: IO[str] | None = None
        self._temp: Path | None = None
        self._writer: Any = None
        self.count = 0

    @property
    def location(self) -> str:
        return str(self.path)

    def add(self, row: RejectedRow) -> None:
        if self._writer is None:
            try:
                descriptor, name = self._create()
            except OSError as exc:
                if self._fallback is None or self._fallback == self.path:
                    raise UserError(f"cannot write the rejects file {self.path}: "
                                    f"{exc.strerror or exc}; nothing was imported") from None
                self.path = self._fallback  # the source's folder refused the write
                descriptor, name = self._create()
            self._temp = Path(name)
            self._handle = os.fdopen(descriptor, "w", encoding="utf-8-sig", newline="")
            self._writer = SafeCsvWriter(self._handle)  # formula-like text neutralised
            self._writer.writerow(self._header)
        cells = ["" if cell is None else cell if isinstance(cell, str) else to_text(cell)
                 for cell in row.cells]
        self._writer.writerow([row.line, row.reason, *cells])
        self.count += 1

    def _create(self) -> tuple[int, str]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        return tempfile.mkstemp(prefix=f".{self.path.stem}.", suffix=".tmp",
                                dir=self.path.parent)

    def commit(self) -> str | None:
        """Put the file in place; with no rejects, remove a stale one from an earlier run."""
        if self._handle is None or self._temp is None:
            with contextlib.suppress(OSError):  # a read-only folder keeps a stale file
                self.path.unlink(missing_ok=True)
            return None
        self._handle.close()
        os.replace(self._temp, self.path)
        self._handle = self._temp = None
        return str(self.path)

    def discard(self) -> None:
        if self._handle is not None:
            self._handle.close()
        if self._temp is not None:
            self._temp.unlink(missing_ok=True)
        self._handle = self._temp = None
