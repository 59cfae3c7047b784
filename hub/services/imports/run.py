"""Import customers, invoices or payments from a mapped file, in one transaction.

The source (an ImportSource, e.g. sync.sources.tabular) streams records and
RejectedRows; this use case writes them a chunk at a time. Everything happens in
one database transaction: a fatal error anywhere (an unreadable line half-way
through a file of a million rows) leaves the ledger exactly as it was, and the
rejects file is only kept when the import commits.

An importer that splits its work (a StagedImporter: invoices) has the part that
needs no database done in a reader process on large files, side by side with the
writing (see import_pipeline); the outcome is the same either way.
"""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable
from collections.abc import Generator
from collections.abc import Iterator
from contextlib import closing
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from pathlib import PurePath
from typing import Any

from sqlalchemy import Connection
from sqlalchemy import Engine

from hub.domain import events as kinds
from hub.domain.clock import Clock
from hub.domain.model import Event
from hub.domain.records import ImportRecord
from hub.domain.records import InvoiceColumns
from hub.domain.records import RejectedRow
from hub.ledger.bulk import bulk_session
from hub.ledger.import_runs import append_events
from hub.ledger.import_runs import finish_run
from hub.ledger.import_runs import start_run
from hub.observe import metrics
from hub.ports import ImportSource
from hub.ports import NoProgress
from hub.ports import Progress
from hub.ports import RejectSink
from hub.services.imports.context import Importer
from hub.services.imports.context import RunContext
from hub.services.imports.context import StagedImporter
from hub.services.imports.pipeline import can_read_ahead
from hub.services.imports.pipeline import read_ahead as run_in_child

log = logging.getLogger(__name__)
CHUNK_ROWS = 5000
READ_AHEAD_ROWS = 20_000  # smaller files take well under a second: not worth a process



def _importer(kind: str) -> Callable[[Connection, RunContext], Importer]:
    """The importer of `kind`, imported on first use: a command loads only its own."""
    if kind == "customers":
        from hub.services.imports.customers import CustomerImport  # noqa: PLC0415

        return CustomerImport
    if kind == "invoices":
        from hub.services.imports.invoices import InvoiceImport  # noqa: PLC0415

        return InvoiceImport
    if kind == "payments":
        from hub.services.imports.payments import PaymentImport  # noqa: PLC0415

        return PaymentImport
    raise KeyError(kind)


@dataclass(frozen=True)
class ImportResult:
    run_id: int
    kind: str
    source: str
    preset: str | None
    created: int
    updated: int
    unchanged: int
    rejected: int
    rejects_path: str | None
    seconds: float
    details: dict[str, int] = field(default_factory=dict)  # customers_created, matched, ...
    warnings: tuple[str, ...] = ()

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged + self.rejected

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often while rows stream through.

    An import allocates millions of short-lived objects that are never in cycles;
    at the default threshold the collector runs every 700 allocations and rescans
    the ones that survive, a quarter of the import's time."""
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], 100_000), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)


def _split(chunk: list[ImportRecord | RejectedRow]) -> tuple[list[ImportRecord],
                                                               list[RejectedRow]]:
    records: list[ImportRecord] = []
    refused: list[RejectedRow] = []
    for item in chunk:
        if isinstance(item, RejectedRow):
            refused.append(item)
        else:
            records.append(item)
    return records, refused


def _prepared_chunks(source: ImportSource,
                     prepare: Callable[[list[ImportRecord] | InvoiceColumns], Any],
                     chunk_rows: int) -> Generator[tuple[int, list[RejectedRow], Any], None, None]:
    for batch in source.batches(chunk_rows):
        if isinstance(batch, list):
            records, refused = _split(batch)
            yield len(batch), refused, prepare(records)
        else:  # a clean chunk, as columns
            yield len(batch), [], prepare(batch)


def _write_chunks(importer: Importer, source: ImportSource, chunk_rows: int,
                  read_ahead: bool) -> Generator[tuple[int, list[RejectedRow]], None, None]:
    """Feed the source to the importer a chunk at a time: (rows read, rows refused)."""
    if not isinstance(importer, StagedImporter):
        for batch in source.batches(chunk_rows):
            records, refused = _split(batch) if isinstance(batch, list) else (batch.records(), [])
            yield len(batch), refused + importer.add(records)
        return
    prepare = importer.preparer()
    chunks: Generator[tuple[int, list[RejectedRow], Any], None, None]
    if read_ahead and can_read_ahead():
        chunks = run_in_child(lambda: _prepared_chunks(source, prepare, chunk_rows))
    else:
        chunks = _prepared_chunks(source, prepare, chunk_rows)
    with closing(chunks):
        for count, refused, prepared in chunks:
            yield count, refused + importer.add_prepared(prepared)


def import_source(engine: Engine, source: ImportSource, rejects: RejectSink, *, actor: str,
                  clock: Clock, progress: Progress | None = None, chunk_rows: int = CHUNK_ROWS,
                  read_ahead: bool | None = None) -> ImportResult:
    """Import every row of `source`; rows that cannot be imported go to `rejects`.

    `read_ahead`: read and check the file in a child process while this one writes
    (see import_pipeline); by default when the file has READ_AHEAD_ROWS or more.
    """
    if read_ahead is None:
        read_ahead = (source.estimated_rows or 0) >= READ_AHEAD_ROWS
    progress = progress or NoProgress()
    started, began = clock.now(), time.perf_counter()
    name = PurePath(source.path).name
    rejected = 0
    try:
        with _fewer_collections(), engine.begin() as connection, bulk_session(connection):
            run_id = start_run(connection, kind=source.kind, source=source.path,
                               sha256=source.sha256, preset=source.preset, actor=actor,
                               started_at=started)
            context = RunContext(run_id=run_id, source_name=name, source_path=source.path,
                                 provided=source.provided_fields, actor=actor, now=started,
                                 today=clock.today(), expected_rows=source.estimated_rows or 0)
            importer = _importer(source.kind)(connection, context)
            chunks = _write_chunks(importer, source, chunk_rows, read_ahead)
            with closing(chunks):  # closing: a failure here stops the reader at once
                for count, refused in chunks:
                    for item in sorted(refused, key=lambda row: row.line):  # in file order
                        rejects.add(item)
                    rejected += len(refused)
                    progress.advance(count)
            counts = importer.finish()
            finish_run(connection, run_id, finished_at=clock.now(), created=counts.created,
                       updated=counts.updated, unchanged=counts.unchanged, rejected=rejected,
                       rejects_path=rejects.location if rejected else None)
            if counts.created or counts.updated:
                append_events(connection, [Event(
                    occurred_at=started, actor=actor, kind=kinds.IMPORT_COMPLETED,
                    summary=f"{source.kind} imported from {name}: {counts.created} created, "
                            f"{counts.updated} updated, {counts.unchanged} unchanged, "
                            f"{rejected} rejected",
                    data={"import_run": run_id, "source": source.path})], {})
    except BaseException:
        rejects.discard()
        raise
    finally:
        progress.close()
    written = rejects.commit()
    result = ImportResult(
        run_id=run_id, kind=source.kind, source=source.path, preset=source.preset,
        created=counts.created, updated=counts.updated, unchanged=counts.unchanged,
        rejected=rejected, rejects_path=written, seconds=time.perf_counter() - began,
        details=dict(counts.details), warnings=tuple(counts.warnings))
    metrics.record_import(source.kind, {"created": result.created, "updated": result.updated,
                                        "unchanged": result.unchanged,
                                        "rejected": result.rejected})
    log.debug("imported %s from %s: %d created, %d updated, %d unchanged, %d rejected "
             "(%.0f rows/s)", source.kind, name, result.created, result.updated,
             result.unchanged, result.rejected, result.rows_per_second)
    return result
