"""The file readers of the composition root: ERP exports (sync.sources: presets, mapping
files, CSV and XLSX) and bank statements (sync.sources.bank). `import_file` wires a reader
to the import use case (hub.services.imports.run.import_source, which never reads files); the
command line, the demo, the benchmarks and the tests call it from here, and the command
line takes the readers' presets and fields from here rather than from the adapters."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from hub.domain.clock import Clock
from hub.ports import Progress
from hub.services.imports.run import ImportResult
from hub.services.imports.run import import_source
from sync.sources.converters import FieldError
from sync.sources.converters import to_currency
from sync.sources.fields import FIELDS
from sync.sources.mapping import load_settings
from sync.sources.mapping import preset_names
from sync.sources.preview import Guess
from sync.sources.preview import Preview
from sync.sources.preview import guess as guess_columns
from sync.sources.preview import mapping_data
from sync.sources.preview import missing as missing_fields
from sync.sources.preview import preview as preview_file
from sync.sources.tabular import open_source

if TYPE_CHECKING:  # the bank parsers load only for a statement (issue 16: start-up)
    from sync.sources.bank import ParsedStatement

__all__ = ["FIELDS", "FieldError", "Guess", "ParsedStatement", "Preview", "guess_columns",
           "import_file", "load_settings", "mapping_data", "missing_fields", "open_source",
           "preset_names", "preview_file", "read_statement", "to_currency"]


def read_statement(path: Path) -> ParsedStatement:
    """A bank statement file (MT940, CAMT.053, BAI2 or CSV) read by sync.sources.bank."""
    from sync.sources.bank import read_statement as read  # noqa: PLC0415

    return read(path)


def import_file(engine: Engine, path: Path | str, kind: str, *, preset: str | None = None,
                mapping: Path | str | None = None, currency: str | None = None, actor: str,
                clock: Clock, progress: Progress | None = None,
                rejects_dir: Path | None = None, read_ahead: bool | None = None) -> ImportResult:
    """Import a CSV or XLSX file of `kind` (customers, invoices or payments).

    Raises UserError for a file that cannot be imported at all; the ledger is then
    unchanged. Rejected rows go to `<stem>.rejects.csv` beside the file (or in
    `rejects_dir` when that folder is read-only). `read_ahead`: see import_source.
    """
    with open_source(path, kind, preset=preset, mapping=mapping, currency=currency,
                     rejects_dir=rejects_dir) as source:
        return import_source(engine, source, source.rejects, actor=actor, clock=clock,
                             progress=progress, read_ahead=read_ahead)
