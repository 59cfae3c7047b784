"""The hub's import graph has no cycle, counting imports inside functions and under
TYPE_CHECKING too (import-linter's layers cannot see a cycle within one layer).
The same check prints the cycles: `python bench/import_cycles.py`."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "import_cycles.py"


def test_no_import_cycle() -> None:
    spec = importlib.util.spec_from_file_location("import_cycles", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.cycles(type_checking=True) == []
