"""The schema revision the code needs, read without SQLAlchemy or Alembic: every command
checks it at start, and a read on the embedded SQLite (hub.ledger.embedded) must not pay
for importing either (issue 16)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

MIGRATIONS = Path(__file__).with_name("migrations")

_REVISION_LINE = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(.+)$", re.MULTILINE)


def head_revision() -> str:
    """The schema revision this code needs (the newest migration).

    Read from the `revision = ...` / `down_revision = ...` lines of the migration files
    rather than through Alembic's ScriptDirectory, which imports every migration module
    and Alembic itself: every command checks this at start (issue 16)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        text_ = path.read_text()
        found: dict[str, str] = {m[1]: m[2] for m in _REVISION_LINE.finditer(text_)}
        if "revision" not in found:
            continue
        revisions.add(ast.literal_eval(found["revision"].strip()))
        down = ast.literal_eval(found.get("down_revision", "None").strip())
        parents.update([down] if isinstance(down, str) else list(down or ()))
    heads = revisions - parents
    assert len(heads) == 1, f"the migrations folder has one head, found {sorted(heads)}"
    return heads.pop()
