"""Onboarding a creditor (docs/creditors.md#onboarding): its open-items file, kept in the
hub's var folder per creditor from the upload to the import, the column mapping chosen for
it (a mapping file beside it), the preview, and the import through the importer.

Everything is kept in `<var>/onboarding/creditor-<id>/`, the id being the creditor the code
acts for (hub.ledger.current), so one creditor's people never reach another's file:
- `files/<name>`: the uploaded file, under its own (cleaned) name, so every message about
  it names it; a new upload replaces it;
- `mapping.yaml`: the mapping file the preview and the import both read;
- `state.json`: what was done (upload, mapping, import, campaign), written atomically.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import asdict
from dataclasses import dataclass
from pathlib import Path
from typing import IO
from typing import Any

import yaml
from sqlalchemy import Engine

from hub.bootstrap.readers import import_file
from hub.domain.clock import Clock
from hub.domain.errors import UserError
from hub.i18n import lazy_gettext
from hub.ledger.current import current_creditor
from hub.services.imports.owners import give_owner
from hub.services.imports.run import ImportResult
from sync.sources.converters import FieldError
from sync.sources.converters import to_currency
from sync.sources.fields import FIELDS
from sync.sources.preview import DATE_CHOICES
from sync.sources.preview import DECIMAL_CHOICES
from sync.sources.preview import KIND
from sync.sources.preview import Preview
from sync.sources.preview import PreviewRow
from sync.sources.preview import customer_codes
from sync.sources.preview import guess
from sync.sources.preview import mapping_data
from sync.sources.preview import missing
from sync.sources.preview import preview
from sync.sources.preview import reading

SUFFIXES = (".csv", ".txt", ".tsv", ".xlsx")
MAX_NAME = 120
__all__ = ["DATE_CHOICES", "DECIMAL_CHOICES", "FIELDS", "Onboarding", "Stored"]


@dataclass(frozen=True)
class Stored:
    """The file as kept: its name, its columns and the mapping chosen for it."""

    name: str
    columns: list[str]
    chosen: dict[str, str]
    preset: str
    currency: str
    dates: str  # date styles, comma-separated, tried in order (docs/imports.md)
    decimal: str  # dot, comma or auto


def _clean_name(name: str) -> str:
    base = Path(name.replace("\\", "/")).name
    base = re.sub(r"[^\w.-]+", "-", base).strip(".-")[:MAX_NAME]
    return base or "open-items"


class Onboarding:
    """One creditor's onboarding files and state (the creditor acted for when made)."""

    def __init__(self, engine: Engine, clock: Clock, var_dir: Path) -> None:
        self.engine = engine
        self.clock = clock
        self.creditor = current_creditor()
        self.folder = var_dir / "onboarding" / f"creditor-{self.creditor}"

    # --- state ---------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        try:
            found = json.loads((self.folder / "state.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return found if isinstance(found, dict) else {}

    def _save(self, state: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=self.folder,
                                         suffix=".tmp", delete=False) as handle:
            json.dump(state, handle, indent=1, sort_keys=True)
        os.replace(handle.name, self.folder / "state.json")

    def update(self, **changes: Any) -> dict[str, Any]:
        state = {**self.state(), **changes}
        self._save(state)
        return state

    # --- the file ------------------------------------------------------------------------

    @property
    def mapping_path(self) -> Path:
        return self.folder / "mapping.yaml"

    def file_path(self) -> Path | None:
        name = self.state().get("file")
        if not isinstance(name, str):
            return None
        path = self.folder / "files" / name
        return path if path.is_file() else None

    def stored(self) -> Stored | None:
        state = self.state()
        if self.file_path() is None or "mapping" not in state:
            return None
        mapping = state["mapping"]
        preset = str(mapping.get("preset") or "generic")
        dates, decimal = reading(preset)
        return Stored(state["file"], list(state.get("columns") or []),
                      dict(mapping.get("chosen") or {}), preset,
                      str(mapping.get("currency") or ""), str(mapping.get("dates") or dates),
                      str(mapping.get("decimal") or decimal))

    def upload(self, name: str, stream: IO[bytes]) -> Stored:
        """Keep an uploaded file (replacing the one before) and guess its mapping. A file
        that is not CSV or XLSX, or whose header cannot be read, is refused with what is
        wrong and where; the file kept before stays as it was."""
        clean = _clean_name(name)
        if not clean.lower().endswith(SUFFIXES):
            raise UserError(lazy_gettext(
                "%(name)s: upload the open items as a CSV or XLSX file (the name ends in "
                ".csv or .xlsx)", name=clean))
        incoming = self.folder / "incoming"
        shutil.rmtree(incoming, ignore_errors=True)
        incoming.mkdir(parents=True)
        path = incoming / clean
        with path.open("wb") as out:
            shutil.copyfileobj(stream, out)
        if path.stat().st_size == 0:
            shutil.rmtree(incoming, ignore_errors=True)
            raise UserError(lazy_gettext("%(name)s is empty: nothing was kept", name=clean))
        try:
            found = guess(path)
        except UserError:
            shutil.rmtree(incoming, ignore_errors=True)
            raise
        files = self.folder / "files"
        shutil.rmtree(files, ignore_errors=True)
        incoming.rename(files)
        currency = str((mapping_data(found.preset, found.chosen, None)[KIND]
                        .get("defaults") or {}).get("currency") or "")
        self.mapping_path.unlink(missing_ok=True)
        state = self.state()
        state.pop("imported", None)
        state.update(file=clean, columns=found.columns, header_row=found.header_row,
                     mapping={"preset": found.preset, "chosen": found.chosen,
                              "currency": currency})
        self._save(state)
        self._write_mapping()
        stored = self.stored()
        assert stored is not None
        return stored

    def choose(self, chosen: dict[str, str], currency: str, dates: str = "",
               decimal: str = "") -> Stored:
        """Keep the mapping chosen on the page: each field from one of the file's columns
        (or none), the currency of rows that name none, and how dates and amounts are
        written (blank: as the guessed layout reads them)."""
        stored = self.stored()
        if stored is None:
            raise UserError(lazy_gettext("upload the open-items file first"))
        unknown = sorted({c for c in chosen.values() if c and c not in stored.columns})
        if unknown:
            raise UserError(lazy_gettext(
                "%(file)s has no column %(columns)s; its columns: %(found)s", file=stored.name,
                columns=", ".join(repr(c) for c in unknown),
                found=", ".join(stored.columns)))
        currency = currency.strip().upper()
        if currency:
            try:
                currency = to_currency(currency)
            except FieldError as exc:
                raise UserError(lazy_gettext("currency: %(problem)s", problem=str(exc))) \
                    from None
        if dates and dates not in DATE_CHOICES and dates != stored.dates:
            raise UserError(lazy_gettext("dates: choose one of %(choices)s",
                                         choices=", ".join(DATE_CHOICES)))
        if decimal and decimal not in DECIMAL_CHOICES:
            raise UserError(lazy_gettext("amounts: choose one of %(choices)s",
                                         choices=", ".join(DECIMAL_CHOICES)))
        state = self.state()
        state["mapping"] = {"preset": stored.preset,
                            "chosen": {name: chosen.get(name, "") for name in FIELDS[KIND]},
                            "currency": currency, "dates": dates or stored.dates,
                            "decimal": decimal or stored.decimal}
        self._save(state)
        self._write_mapping()
        result = self.stored()
        assert result is not None
        return result

    def _write_mapping(self) -> None:
        stored = self.stored()
        assert stored is not None
        data = mapping_data(stored.preset, stored.chosen, stored.currency or None,
                            stored.dates, stored.decimal)
        self.mapping_path.write_text(
            "# written by the onboarding page (docs/creditors.md#onboarding)\n"
            + yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")

    def preview(self) -> Preview:
        """The first rows as the import will read them (UserError: the file cannot be read
        with this mapping, and why)."""
        path, stored = self.file_path(), self.stored()
        if path is None or stored is None:
            raise UserError(lazy_gettext("upload the open-items file first"))
        lacking = missing(stored.chosen, stored.currency)
        if lacking:
            raise UserError(lazy_gettext(
                "%(file)s cannot be imported without %(fields)s: choose the column that holds "
                "each (or, for the currency, the currency of rows that name none)",
                file=stored.name, fields=", ".join(lacking)))
        return self._cached_preview(path)

    def _cached_preview(self, path: Path) -> Preview:
        """The preview of the file with the mapping, read once for each of their versions
        (a large file takes seconds to read; every page view would read it again)."""
        stat = path.stat()
        key = hashlib.sha256(self.mapping_path.read_bytes() + f"|{path.name}|{stat.st_size}|"
                             f"{stat.st_mtime_ns}".encode()).hexdigest()
        cache = self.folder / "preview.json"
        try:
            kept = json.loads(cache.read_text(encoding="utf-8"))
            if kept.get("key") == key:
                return Preview([PreviewRow(**r) for r in kept["rows"]],
                               [PreviewRow(**r) for r in kept["rejects"]], kept["read"],
                               kept["rejected"], kept["unread_columns"])
        except (OSError, ValueError, KeyError, TypeError):
            pass  # no cache, or one from another version: read the file
        found = preview(path, self.mapping_path)
        cache.write_text(json.dumps({"key": key, **asdict(found)}), encoding="utf-8")
        return found

    def confirm(self, *, actor: str, owner: str) -> ImportResult:
        """Import the file with the mapping previewed, then make `owner` the owner of the
        customers it names that have none."""
        path = self.file_path()
        if path is None:
            raise UserError(lazy_gettext("upload the open-items file first"))
        self.preview()  # a mapping that cannot read the file is refused before anything
        codes = customer_codes(path, self.mapping_path)
        result = import_file(self.engine, path, KIND, mapping=self.mapping_path,
                             actor=actor, clock=self.clock,
                             rejects_dir=self.folder / "rejects")
        with self.engine.begin() as connection:
            owned = give_owner(connection, codes, owner, actor=actor, now=self.clock.now())
        self.update(imported={
            "at": self.clock.now().isoformat(timespec="seconds"), "by": actor,
            "file": path.name, "created": result.created, "updated": result.updated,
            "unchanged": result.unchanged, "rejected": result.rejected,
            "customers_created": result.details.get("customers_created", 0),
            "owner": owner, "owned": owned,
            "rejects": Path(result.rejects_path).name if result.rejects_path else None})
        return result

    def rejects_file(self) -> Path | None:
        name = (self.state().get("imported") or {}).get("rejects")
        if not isinstance(name, str) or not name:
            return None
        for where in (self.folder / "files", self.folder / "rejects"):
            if (where / name).is_file():
                return where / name
        return None
