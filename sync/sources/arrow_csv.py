"""Read a plain CSV file a column at a time with pyarrow's CSV reader (in C++).

The csv module hands over a list per row, which the columnar mapper (columnar.py) then
turns back into columns with zip(*rows): on a million-row file that is over a second of
work the mapper does not need. pyarrow parses the bytes straight into columns.

It is used only where it reads exactly what the csv module reads, line for line: a
UTF-8 file whose every line is one record (no quote character, no blank line, no lone
carriage return: FileFacts.plain_lines), so that a row's line number is its position.
The first row pyarrow refuses (a row of another width, a line of spaces) ends the
columnar reading: the caller reads on from that row with the csv module, which words
the problem as before. So every row's outcome and message stay those of the row path.
"""

from __future__ import annotations

import importlib
import sys
import threading
from collections.abc import Iterator
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

from hub.domain.cells import unescape

BLOCK_BYTES = 1 << 20  # parsed at a time; Python strings are made a chunk at a time
# Optional modules pyarrow loads when it finds them, which reading CSV into Python strings
# never uses: numpy (0.2 s of a command's start-up) and cloudpickle (for its IPC).
_UNUSED_BY_CSV = ("numpy", "cloudpickle")


def load_pyarrow_csv() -> ModuleType:
    """pyarrow.csv, loaded without numpy and cloudpickle when this process has not loaded
    them yet: pyarrow then treats them as not installed (its numpy conversions raise;
    nothing in the hub uses them), and they stay importable for everyone else. In a
    process that has numpy already (a test run, the prediction jobs) pyarrow uses it.
    Only with no other thread running (a command, the import's forked reader process):
    for the moment pyarrow loads, `import numpy` fails in every thread."""
    hidden = [name for name in _UNUSED_BY_CSV if name not in sys.modules]
    if "pandas" in sys.modules or threading.active_count() > 1:
        hidden = []  # pandas' Arrow types need pyarrow's numpy side
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # "import numpy" fails
    try:
        return importlib.import_module("pyarrow.csv")
    finally:
        for name in hidden:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]


class ColumnRows(Sequence[list[str]]):
    """The rows of a chunk read as columns: rows are built only if someone asks (the row
    path, a rejects file); the columnar mapper takes `columns` as they are."""

    __slots__ = ("_rows", "columns")

    def __init__(self, columns: list[list[str]]) -> None:
        self.columns = columns
        self._rows: list[list[str]] | None = None

    def _all(self) -> list[list[str]]:
        if self._rows is None:
            self._rows = list(map(list, zip(*self.columns, strict=True)))
        return self._rows

    def __len__(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    def __getitem__(self, index: Any) -> Any:
        return self._all()[index]

    def __iter__(self) -> Iterator[list[str]]:
        return iter(self._all())

    def __reduce__(self) -> tuple[Any, ...]:
        return ColumnRows, (self.columns,)


class ArrowChunks:
    """Chunks of `size` rows after the header, as (lines, ColumnRows); `consumed` says how
    many rows were handed over when it stopped (at the end, or at a row it refuses)."""

    def __init__(self, path: Path, *, delimiter: str, skip: int, width: int,
                 first_line: int) -> None:
        self._path = path
        self._delimiter = delimiter
        self._skip = skip
        self._width = width
        self._first_line = first_line
        self.consumed = 0
        self.finished = False  # the whole file was read

    def chunks(self, size: int) -> Iterator[tuple[list[int], ColumnRows]]:
        csv = load_pyarrow_csv()  # only for a large plain file
        from pyarrow import ArrowInvalid  # type: ignore[import-untyped]  # noqa: PLC0415

        names = [f"c{index}" for index in range(self._width)]
        try:  # the first block is parsed on opening
            reader = csv.open_csv(
                self._path,
                read_options=csv.ReadOptions(skip_rows=self._skip, column_names=names,
                                             block_size=BLOCK_BYTES),
                parse_options=csv.ParseOptions(delimiter=self._delimiter, quote_char=False,
                                               newlines_in_values=False),
                convert_options=csv.ConvertOptions(
                    column_types=dict.fromkeys(names, "string"), strings_can_be_null=False,
                    quoted_strings_can_be_null=False))
        except ArrowInvalid:
            return
        pending: list[list[str]] = [[] for _ in names]
        with reader:
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    self.finished = True
                    break
                except ArrowInvalid:
                    break  # the csv module reads on from the first row of this block
                offset = 0
                while offset < batch.num_rows:  # Python strings for one chunk at a time
                    part = batch.slice(offset, size - len(pending[0]))
                    offset += part.num_rows
                    for held, index in zip(pending, range(self._width), strict=True):
                        column = part.column(index).to_pylist()
                        # A formula-like cell escaped with an apostrophe (see tabular.py)
                        held.extend(map(unescape, column) if "'" in "".join(column)
                                    else column)
                    if len(pending[0]) == size:
                        yield self._take(pending, size)
        if self.finished and pending[0]:
            yield self._take(pending, len(pending[0]))
        # Rows read after the last whole chunk are not handed over; the csv module reads
        # them again when the file did not end here.

    def _take(self, pending: list[list[str]], size: int) -> tuple[list[int], ColumnRows]:
        columns = [held[:size] for held in pending]
        for held in pending:
            del held[:size]
        start = self._first_line + self.consumed
        self.consumed += size
        return list(range(start, start + size)), ColumnRows(columns)

