"""The files behind the XLSX backend: names, the open-workbook check, the lock two hub
processes share, the atomic save, and what the hub remembers of each workbook it wrote.

Beside each workbook the hub keeps `.NAME.xlsx.hubsaved`: the file's signature (inode,
size, modification time) right after the hub saved it, and the text of every tab as the
hub wrote it. While the signature still matches, nobody has saved the workbook since, so
its tabs are known without parsing it (seconds for 10,000 rows), a cycle that would write
the same cells leaves the file alone, and a changed workbook is written afresh from what the
hub knows instead of being parsed first. The file is a cache: delete it and the workbook is
parsed once.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import tempfile
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook  # type: ignore[import-untyped]

from hub.domain.sheets import SheetBusy

Signature = tuple[int, int, int]
Grid = list[list[str]]


def book_filename(book: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", book).strip("-.") or "sheets"
    return f"{slug}.xlsx"


def signature(path: Path) -> Signature:
    status = path.stat()
    return status.st_ino, status.st_size, status.st_mtime_ns


def _memory_file(path: Path) -> Path:
    return path.with_name(f".{path.name}.hubsaved")


@dataclass(frozen=True, slots=True)
class Written:
    """A workbook as the hub last wrote it: (title, grid) per tab, in workbook order.
    `pure` is False when the workbook holds tabs the hub did not write (someone's own),
    which only a parse-and-patch keeps as they are."""

    tabs: tuple[tuple[str, Grid], ...]
    pure: bool = True
    looks: dict[str, int] | None = None  # cell look -> style id (sync/sheets/xlsx_patch.py)
    members: tuple[str, ...] = ()  # the zip member of each tab, in the order of `tabs`


def remember(path: Path, written: Written) -> None:
    data = {"signature": list(signature(path)), "pure": written.pure,
            "tabs": [[title, grid] for title, grid in written.tabs],
            "looks": written.looks, "members": list(written.members)}
    _memory_file(path).write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")


def recall(path: Path) -> Written | None:
    """What the hub wrote, if the workbook is still exactly that file (else None)."""
    try:
        data = json.loads(_memory_file(path).read_text(encoding="utf-8"))
        if tuple(data["signature"]) != signature(path):
            return None
        return Written(tuple((str(title), grid) for title, grid in data["tabs"]),
                       bool(data.get("pure", True)), data.get("looks"),
                       tuple(data.get("members") or ()))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # none kept, an older format, or the workbook is gone


def trimmed(grid: Sequence[Sequence[str]]) -> Grid:
    """A grid without trailing empty cells and rows (what two reads of one tab share)."""
    rows = [list(row) for row in grid]
    for row in rows:
        while row and row[-1] == "":
            row.pop()
    while rows and not rows[-1]:
        rows.pop()
    return rows


def refuse_if_open(path: Path) -> None:
    for lock in (path.with_name(f"~${path.name}"), path.with_name(f".~lock.{path.name}#")):
        if lock.exists():
            raise SheetBusy(str(path), f"the workbook is open ({lock.name}); "
                            "retried next cycle")


@contextmanager
def exclusive(lock_path: Path, what: Path) -> Iterator[None]:
    """The lock two hub processes share; the second is told the book is busy."""
    with lock_path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SheetBusy(str(what), "another hub process is writing the workbook; "
                            "retried next cycle") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def save(workbook: Workbook, path: Path, written: Written) -> None:
    """Atomic: a temporary file beside the workbook, flushed, then renamed over it."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".xlsx.tmp",
                                         dir=path.parent)
    os.close(handle)
    try:
        workbook.save(temporary)
        with open(temporary, "rb") as saved:
            os.fsync(saved.fileno())
        # mkstemp makes the file private; a shared workbook gets the usual mode
        mode = path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask()
        os.chmod(temporary, mode)
        os.replace(temporary, path)
        remember(path, written)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
