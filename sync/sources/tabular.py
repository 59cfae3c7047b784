"""Read a CSV or XLSX file as a stream of import records.

`open_source()` checks everything that would make the whole file unusable before
the first row is handed over (encoding, delimiter, header, mapping), then
`records()` streams rows one by one: a file of several hundred megabytes is never
held in memory. A row-level problem becomes a RejectedRow; a broken file raises
UnreadableFile, and the import around it rolls back.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
from collections.abc import Callable
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import IO
from typing import TYPE_CHECKING

from hub.domain.cells import unescape
from hub.domain.records import ImportRecord
from hub.domain.records import RejectedRow
from hub.domain.records import RowBatch
from sync.sources.arrow_csv import ArrowChunks
from sync.sources.converters import FieldError
from sync.sources.converters import date_parser
from sync.sources.converters import to_text
from sync.sources.mapping import Layout
from sync.sources.mapping import MappingError
from sync.sources.mapping import load_layout
from sync.sources.rejects import CsvRejects
from sync.sources.rows import RowMapper
from sync.sources.rows import normalise_heading
from sync.sources.textfile import FileFacts
from sync.sources.textfile import UnreadableFile
from sync.sources.textfile import scan

if TYPE_CHECKING:
    from sync.sources.xlsx import Workbook

DELIMITERS = (",", ";", "\t", "|")
GROUP_COLUMN = "(heading row)"  # the group a report's heading row names, e.g. the contact
HEADER_SEARCH_ROWS = 30
SAMPLE_CHARS = 1 << 16


def header_score(layout: Layout, cells: Sequence[object]) -> int:
    """How many of the layout's fields and required columns `cells` name as headings."""
    present = {normalise_heading(cell) for cell in cells if cell not in (None, "")}
    fields = sum(1 for spec in layout.fields.values()
                 if any(normalise_heading(column) in present for column in spec.columns))
    return fields + sum(1 for column in layout.required_columns
                        if normalise_heading(column) in present)


def _best_header(layout: Layout, rows: Sequence[Sequence[object]]) -> tuple[int, int]:
    """(score, index) of the row most like the header; the first of equals wins."""
    return max(((header_score(layout, row), -index) for index, row in enumerate(rows)),
               default=(0, 0))


class TabularSource:
    """One import file; implements hub.ports.ImportSource."""

    def __init__(self, path: Path, layout: Layout, *, rejects_dir: Path | None = None,
                 rejects_to: Path | None = None) -> None:
        self.layout = layout
        self._path = path
        if layout.encoding is not None:
            try:
                codecs.lookup(layout.encoding)
            except LookupError:
                raise MappingError(f"{layout.name}: unknown encoding {layout.encoding!r}") \
                    from None
        self.facts: FileFacts = scan(path, layout.encoding)
        self._handle: IO[str] | None = None
        self._workbook: Workbook | None = None
        if self.facts.format == "xlsx":
            # openpyxl (and numpy under it) only for a workbook: 0.2 s of a CSV import
            from sync.sources.xlsx import Workbook  # noqa: PLC0415

            self._workbook = Workbook(path, layout.sheet)
            header_index, header = self._find_header(self._workbook.head(HEADER_SEARCH_ROWS))
            self.delimiter: str | None = None
        else:
            header_index, header = self._csv_header()
        self._header_index = header_index
        self._group_column = _needs_group_column(layout, header)
        if self._group_column:  # a report grouped by contact: the heading is the column
            layout = _with_group_column(layout)
            header = [*header, GROUP_COLUMN]
        self.mapper = RowMapper(layout, header, path.name, strict_width=self._workbook is None,
                                text_cells=self._workbook is None,
                                added=1 if self._group_column else 0)
        self.rejects = CsvRejects(path, [str(cell) for cell in self.mapper.header],
                                  fallback_dir=rejects_dir, target=rejects_to)

    # ImportSource -------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        return self.layout.kind

    @property
    def path(self) -> str:
        return str(self._path)

    @property
    def preset(self) -> str | None:
        return self.layout.name

    @property
    def sha256(self) -> str:
        return self.facts.sha256

    @property
    def provided_fields(self) -> frozenset[str]:
        return self.mapper.provided_fields

    @property
    def estimated_rows(self) -> int | None:
        if self._workbook is not None:
            return self._workbook.max_row
        return max(0, self.facts.lines - self._header_index - 1)

    def records(self) -> Iterator[ImportRecord | RejectedRow]:
        # map() gives None for blank and layout rows; records and RejectedRows are truthy.
        return filter(None, itertools.starmap(self.mapper.map, self._rows()))

    def batches(self, size: int) -> Iterator[RowBatch]:
        columns = self.mapper.columns
        row_function = self.mapper.map
        for lines, rows in self._chunks(size):
            if columns is not None:
                batch = columns.map(lines, rows)  # type: ignore[arg-type]  # CSV: all str
                if batch is not None:
                    yield batch
                    continue
            yield list(filter(None, map(row_function, lines, rows)))

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
        if self._workbook is not None:
            self._workbook.close()

    def __enter__(self) -> TabularSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
        self.rejects.discard()  # no-op once committed

    # Reading ------------------------------------------------------------------------------
    def _find_header(self, rows: Sequence[Sequence[object]]) -> tuple[int, Sequence[object]]:
        if not rows:
            raise UnreadableFile(f"{self._path.name}: the file has no rows")
        if self.layout.header_row is not None:
            if self.layout.header_row > len(rows):
                raise UnreadableFile(f"{self._path.name}: header_row {self.layout.header_row} "
                                     f"is past the end of the file")
            return self.layout.header_row - 1, rows[self.layout.header_row - 1]
        score, index = _best_header(self.layout, rows)
        if score == 0:  # nothing looks like a heading: the first row, to name what is missing
            index = -next((i for i, row in enumerate(rows)
                           if any(c not in (None, "") for c in row)), 0)
        return -index, rows[-index]

    def _open_text(self) -> IO[str]:
        return self._path.open(encoding=self.facts.encoding, newline="")

    def _csv_header(self) -> tuple[int, Sequence[object]]:
        with self._open_text() as handle:
            sample = handle.read(SAMPLE_CHARS)
        if not sample.strip():
            raise UnreadableFile(f"{self._path.name}: the file is empty")
        candidates = (self.layout.delimiter,) if self.layout.delimiter else DELIMITERS
        parsed = {d: self._sample_rows(sample, d) for d in candidates}
        first_line = next((line for line in sample.split("\n") if line.strip()), "")
        if self.layout.header_row is not None:
            self.delimiter = max(candidates, key=first_line.count)
        else:  # the delimiter under which some row reads most like the header
            self.delimiter = max(candidates, key=lambda d: (
                _best_header(self.layout, parsed[d]), first_line.count(d)))
        return self._find_header(parsed[self.delimiter])

    @staticmethod
    def _sample_rows(sample: str, delimiter: str) -> list[list[str]]:
        reader = csv.reader(io.StringIO(sample), delimiter=delimiter)
        try:
            return list(itertools.islice(reader, HEADER_SEARCH_ROWS))
        except csv.Error:
            return []

    def _rows(self) -> Iterator[tuple[int, Sequence[object]]]:
        for lines, rows in self._chunks(1000):
            yield from zip(lines, rows, strict=True)

    def _chunks(self, size: int) -> Iterator[tuple[list[int], Sequence[Sequence[object]]]]:
        """The data rows, `size` at a time, with the line each one starts on; heading rows
        are taken out (and name their group) when the layout says so."""
        if not self.layout.heading_rows:
            yield from self._raw_chunks(size)
            return
        heading = ""
        width = len(self.mapper.header) - 1
        as_date = date_parser(self.layout.dates)
        # a group's total row ("Total Acme Ltd" in the first column, the key fields blank)
        keys = [index for index in self.mapper.skip_indexes if index != 0]
        for lines, rows in self._raw_chunks(size):
            kept_lines: list[int] = []
            kept: list[Sequence[object]] = []
            for line, row in zip(lines, rows, strict=True):
                text = _heading_text(row)
                if text is not None and not _reads_as(as_date, row[0]):
                    heading = text
                    continue
                if keys and _is_total(row, keys):
                    continue
                kept_lines.append(line)
                if not self._group_column:
                    kept.append(row)
                elif self._workbook is not None:  # the heading goes in the added column
                    kept.append([*row[:width], heading])
                else:  # CSV: a row of the wrong width is still refused as such
                    kept.append([*row, heading])
            if kept:
                yield kept_lines, kept

    def _arrow_chunks(self) -> ArrowChunks | None:
        return _arrow_chunks(self)

    def _raw_chunks(self, size: int) -> Iterator[tuple[list[int], Sequence[Sequence[object]]]]:
        if self._workbook is not None:
            width = len(self.mapper.header) - (1 if self._group_column else 0)
            numbered = itertools.islice(self._workbook.rows(), self._header_index + 1, None)
            # trailing empty cells are often left out
            while chunk := [(number, [*values, *[""] * (width - len(values))])
                            for number, values in itertools.islice(numbered, size)]:
                numbers, values = zip(*chunk, strict=True)
                yield list(numbers), list(values)
            return
        assert self.delimiter is not None
        skip = 0  # data rows read already, as columns
        arrow = self._arrow_chunks()
        if arrow is not None:
            yield from arrow.chunks(size)
            if arrow.finished:
                return
            skip = arrow.consumed  # the csv module reads on from the row arrow refused
        self._handle = self._open_text()
        reader = csv.reader(self._handle, delimiter=self.delimiter, strict=True)
        # Take off the apostrophe put before formula-like text by the hub (a rejects file,
        # the demo's files: hub.domain.cells) or a spreadsheet; one C-speed test per row.
        try:
            for _ in range(self._header_index + 1 + skip):
                next(reader, None)
            failure = None
            while failure is None:
                # Each row starts after the line the previous one ended on (a quoted cell
                # may hold line breaks).
                ends, rows = [reader.line_num], list[Sequence[object]]()
                try:
                    for row in itertools.islice(reader, size):
                        rows.append([unescape(cell) for cell in row] if "'" in "".join(row)
                                    else row)
                        ends.append(reader.line_num)
                except csv.Error as exc:
                    failure = exc  # after the rows before it
                if rows:
                    yield [end + 1 for end in ends[:-1]], rows
                elif failure is None:
                    return
            raise UnreadableFile(f"{self._path.name}: malformed CSV at line {ends[-1] + 1}: "
                                 f"{failure} (an unclosed quote?)")
        finally:
            self._handle.close()


ARROW_MIN_ROWS = 20_000  # below this, loading pyarrow costs more than it saves


def _arrow_chunks(source: TabularSource) -> ArrowChunks | None:
    """A columnar reader for a large plain CSV file (see arrow_csv), else None."""
    facts = source.facts
    if not facts.plain_lines or (source.estimated_rows or 0) < ARROW_MIN_ROWS:
        return None
    assert source.delimiter is not None
    width = len(source.mapper.header) - (1 if source._group_column else 0)
    return ArrowChunks(source._path, delimiter=source.delimiter,
                       skip=source._header_index + 1, width=width,
                       first_line=source._header_index + 2)


def _heading_text(row: Sequence[object]) -> str | None:
    """The text of a heading row (only the first cell filled), else None."""
    if not row or row[0] in (None, "") or any(cell not in (None, "") and str(cell).strip()
                                              for cell in row[1:]):
        return None
    text = str(row[0]).strip()
    return text or None


def _reads_as(parse: Callable[[object], object], value: object) -> bool:
    """A lone date is a broken data row (rejected with its reason), not a heading."""
    try:
        parse(value)
    except (FieldError, ValueError):
        return False
    return True


def _is_total(row: Sequence[object], keys: Sequence[int]) -> bool:
    first = str(row[0]).strip().lower() if row and row[0] is not None else ""
    return (first == "total" or first.startswith("total ")) and all(
        index >= len(row) or row[index] in (None, "") or not str(row[index]).strip()
        for index in keys)


def _needs_group_column(layout: Layout, header: Sequence[object]) -> bool:
    """Heading rows name fields that no column of this file holds."""
    if not isinstance(layout.heading_rows, tuple) or not layout.heading_rows:
        return False
    present = {normalise_heading(cell) for cell in header if cell not in (None, "")}
    return not any(normalise_heading(column) in present for name in layout.heading_rows
                   for column in layout.fields[name].columns)


def _with_group_column(layout: Layout) -> Layout:
    fields = dict(layout.fields)
    for name in layout.heading_rows:
        fields[name] = replace(fields[name], columns=(*fields[name].columns, GROUP_COLUMN))
    return replace(layout, fields=fields)


def read_header(path: Path | str, layout: Layout,
                facts: FileFacts | None = None) -> tuple[int, list[str]]:
    """The row a source with `layout` takes for the header (its 1-based row number in the
    sheet or the file's rows, and its cells as text), found exactly as `open_source` finds
    it, without refusing a file that lacks the layout's columns: what a mapping can choose
    from (the onboarding preview, docs/creditors.md). `facts`: the file's scan, when made
    already (a file is scanned once for every layout tried)."""
    probe = TabularSource.__new__(TabularSource)
    probe.layout, probe._path = layout, Path(path)
    probe._handle, probe._workbook = None, None
    probe.facts = facts if facts is not None and layout.encoding is None \
        else scan(probe._path, layout.encoding)
    try:
        if probe.facts.format == "xlsx":
            from sync.sources.xlsx import Workbook  # noqa: PLC0415

            probe._workbook = Workbook(probe._path, layout.sheet)
            index, header = probe._find_header(probe._workbook.head(HEADER_SEARCH_ROWS))
        else:
            index, header = probe._csv_header()
    finally:
        probe.close()
    return index + 1, ["" if cell is None else to_text(cell) for cell in header]


def open_source(path: Path | str, kind: str, *, preset: str | None = None,
                mapping: Path | str | None = None, currency: str | None = None,
                rejects_dir: Path | None = None,
                rejects_to: Path | None = None) -> TabularSource:
    """Open an import file with a preset (default `generic`) and/or a mapping file.

    Raises a UserError (MappingError, UnreadableFile, ColumnsError) for anything that
    makes the whole file unusable; use as a context manager.
    """
    layout = load_layout(kind, preset=preset, mapping=Path(mapping) if mapping else None,
                         currency=currency)
    return TabularSource(Path(path), layout, rejects_dir=rejects_dir, rejects_to=rejects_to)
