"""YAML from people (rule files, mapping files, the sheet layout) is read within limits
that hold before anything is expanded: hostile files are refused at their line, at once."""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest

from hub.safe_yaml import YamlLimitError
from hub.safe_yaml import YamlLimits
from hub.safe_yaml import read_limited
from hub.safe_yaml import safe_load
from sync.sheets.layout import LayoutError
from sync.sheets.layout import load_layout
from sync.sources.mapping import MappingError
from sync.sources.mapping import load_settings


def billion_laughs(levels: int = 9) -> str:
    """Each line repeats the one before nine times: 9**9 values once expanded."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 9) + "]")
    return "\n".join(lines) + f"\nlast: *a{levels - 1}\n"


def test_a_billion_laughs_is_refused_at_its_line_in_bounded_time_and_memory() -> None:
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(YamlLimitError) as refused:
        safe_load(billion_laughs())
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert elapsed < 0.5
    assert peak < 5 * 1024 * 1024
    assert refused.value.line == 5  # the first line whose values pass 20,000
    assert "more than 20,000 values once every *name reference is written out" in \
        str(refused.value)


@pytest.mark.parametrize(("text", "line", "message"), [
    ("a: &a [1, *a]\n", 1, "*a refers to the part it is inside"),
    ("a: " + "[" * 40 + "]" * 40 + "\n", 1, "nested more than 32 levels deep"),
    ("a: &a " + "[" * 30 + "1" + "]" * 30 + "\nb: [[*a]]\n", 2,
     "nested more than 32 levels deep"),  # a reference counts as deep as what it repeats
    ("a: &a 1\n" + "".join(f"b{n}: *a\n" for n in range(101)), 102,
     "more than 100 references to other parts of the file"),
    ("a: [" + ", ".join("1" for _ in range(20_001)) + "]\n", 1, "more than 20,000 values"),
])
def test_each_limit_names_the_line(text: str, line: int, message: str) -> None:
    with pytest.raises(YamlLimitError) as refused:
        safe_load(text)
    assert refused.value.line == line
    assert message in refused.value.message


def test_references_within_the_limits_still_work() -> None:
    text = "base: &base {send: [email], at: 3}\nfirm: {<<: *base, at: 14}\nagain: *base\n"
    assert safe_load(text) == {"base": {"send": ["email"], "at": 3},
                               "firm": {"send": ["email"], "at": 14},
                               "again": {"send": ["email"], "at": 3}}


def test_a_large_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # 50 MB, sparse: the test writes nothing
    tracemalloc.start()
    with pytest.raises(YamlLimitError, match=r"the file is 50.0 MB; it can be at most 256 KB"):
        read_limited(big)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 1024 * 1024
    small = tmp_path / "small.yaml"
    small.write_text("a: 1\n", encoding="utf-8")
    assert read_limited(small, YamlLimits(max_bytes=5)) == "a: 1\n"
    with pytest.raises(YamlLimitError, match="it can be at most 4 bytes"):
        read_limited(small, YamlLimits(max_bytes=4))


def test_mapping_files_and_the_sheet_layout_use_the_same_limits(tmp_path: Path) -> None:
    mapping = tmp_path / "bank.yaml"
    mapping.write_text(billion_laughs(), encoding="utf-8")
    with pytest.raises(MappingError, match=r"bank.yaml: line 5: the file holds more than "):
        load_settings("invoices", None, mapping)
    layout = tmp_path / "layout.yaml"
    layout.write_text(billion_laughs(), encoding="utf-8")
    with pytest.raises(LayoutError, match=r"layout.yaml: line 5: the file holds more than "):
        load_layout(layout)
    with layout.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    with pytest.raises(LayoutError, match=r"the file is 50.0 MB; it can be at most 256 KB"):
        load_layout(layout)
    mapping.write_bytes(b"columns:\n  customer_name: Kund\xe9\n")
    with pytest.raises(MappingError, match=r"line 2: byte 0xe9 \(offset 30\) is not UTF-8"):
        load_settings("invoices", None, mapping)
