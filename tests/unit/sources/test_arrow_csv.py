"""A large plain CSV file is parsed into columns by pyarrow: the importer must get
exactly what the csv module path gives (records, lines, rejects and their cells), also
when pyarrow stops half-way at a row it refuses and the csv module reads on."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hub.domain.records import InvoiceColumns
from sync.sources import arrow_csv
from sync.sources import tabular
from sync.sources.arrow_csv import ColumnRows
from sync.sources.tabular import open_source
from sync.sources.textfile import scan
from tests.unit.sources.test_columnar import ODD_ROWS
from tests.unit.sources.test_columnar import _clean_row
from tests.unit.sources.test_columnar import _prepared
from tests.unit.sources.test_columnar import _write

ROOT = Path(__file__).resolve().parents[3]


def _through(monkeypatch: pytest.MonkeyPatch, path: Path, *, arrow: bool,
             size: int) -> list[Any]:
    monkeypatch.setattr(tabular, "ARROW_MIN_ROWS", 1 if arrow else 10**12)
    prepared, _ = _prepared(path, columnar=True, size=size)
    return prepared


def _read_by_arrow(path: Path, size: int) -> int:
    """How many chunks came as columns parsed by pyarrow."""
    with open_source(path, "invoices") as source:
        return sum(1 for batch in source.batches(size)
                   if isinstance(batch, InvoiceColumns) and isinstance(batch.cells, ColumnRows))


@pytest.fixture(autouse=True)
def _small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    # Several blocks per file, so that a refused row can come after rows handed over.
    monkeypatch.setattr(arrow_csv, "BLOCK_BYTES", 700)


@pytest.mark.parametrize("odd", range(len(ODD_ROWS)))
def test_every_odd_row_gives_what_the_csv_module_gives(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, odd: int) -> None:
    for seed in range(4):
        rng = random.Random(seed)
        rows = [_clean_row(number, rng) for number in range(1, 61)]
        if seed % 2:
            rows[rng.randrange(1, 45)][11] = "'=SUM(A1)"  # escaped by the hub
        ODD_ROWS[odd](rows[rng.randrange(45, 60)])  # after a whole chunk
        path = tmp_path / f"file{seed}.csv"
        _write(path, rows)
        size = rng.choice([5, 8, 40])
        assert _through(monkeypatch, path, arrow=True, size=size) == \
            _through(monkeypatch, path, arrow=False, size=size), f"seed {seed}"
        if scan(path).plain_lines:  # else (quotes, a blank line) the csv module reads all
            monkeypatch.setattr(tabular, "ARROW_MIN_ROWS", 1)
            assert _read_by_arrow(path, size) > 0  # not the csv module against itself


def test_only_a_file_whose_lines_are_its_rows_is_plain(tmp_path: Path) -> None:
    cases = {"plain": b"a,b\n1,2\r\n3,4", "quote": b'a,b\n"1",2\n', "blank": b"a,b\n\n1,2\n",
             "blank crlf": b"a,b\r\n\r\n1,2\r\n", "lone cr": b"a,b\r1,2\n",
             "leading blank": b"\na,b\n1,2\n"}
    found = {}
    for name, data in cases.items():
        path = tmp_path / f"{name}.csv"
        path.write_bytes(data)
        found[name] = scan(path).plain_lines
    assert found == {"plain": True, "quote": False, "blank": False, "blank crlf": False,
                     "lone cr": False, "leading blank": False}


def test_a_blank_line_across_two_read_chunks_is_seen(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from sync.sources import textfile

    monkeypatch.setattr(textfile, "CHUNK", 8)
    path = tmp_path / "split.csv"
    path.write_bytes(b"abc,def\n\nghi,jkl\n")  # the blank line starts the second chunk
    assert not scan(path).plain_lines


ARROW_PROBE = """
import sys
from sync.sources.arrow_csv import load_pyarrow_csv
csv = load_pyarrow_csv()
print(sorted(name for name in ("numpy", "cloudpickle") if name in sys.modules))
import numpy  # still there for whoever needs it
print(csv.__name__, numpy.__name__)
"""


def test_reading_csv_with_pyarrow_loads_neither_numpy_nor_cloudpickle() -> None:
    """A large CSV import loads pyarrow, which would load numpy (0.2 s of start-up) and
    cloudpickle though reading text never uses them; both stay importable."""
    done = subprocess.run([sys.executable, "-c", ARROW_PROBE], cwd=ROOT, capture_output=True,
                          text=True, check=True, timeout=120)
    assert done.stdout.splitlines() == ["[]", "pyarrow.csv numpy"], done.stderr
