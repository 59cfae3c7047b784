"""The case file kept for each hand-over: produced once, when the account is handed over
(in the cycle that hands it over, or when the creditor approves), as a PDF dossier and as
JSON, and stored unchanged in the ledger for the creditor and the collection company to
download."""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from datetime import date
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import Connection
from sqlalchemy import Engine

from hub.domain.clock import moment_on
from hub.domain.handover import WITH_COLLECTOR
from hub.domain.handover import Party
from hub.domain.handover import case_file_json
from hub.ledger.tables import handover_files
from hub.ledger.tables import handovers
from hub.ports import CaseFileRenderer
from hub.ports import HookReport
from hub.services.handover.case_file import build_case_file

log = logging.getLogger(__name__)
KINDS = {"pdf": "application/pdf", "json": "application/json"}


class CaseFiles:
    """Produces and keeps case files. `creditor`: the current creditor as the case file
    names it (its profile, read when a file is made)."""

    def __init__(self, renderer: CaseFileRenderer, creditor: Callable[[], Party], *,
                 now: Callable[[], datetime], language: str) -> None:
        self.renderer = renderer
        self.creditor = creditor
        self.now = now
        self.language = language

    def produce(self, connection: Connection, case_id: int,
                now: datetime | None = None) -> bool:
        """Make and store the files of one handed-over case, as of `now` (default: the
        clock's now); False when it has them."""
        if connection.execute(sa.select(handover_files.c.id).where(
                handover_files.c.handover_id == case_id)).first() is not None:
            return False
        now = now or self.now()
        case = build_case_file(connection, case_id, creditor=self.creditor(), now=now)
        made = {"pdf": self.renderer.pdf(case, self.language),
                "json": json.dumps(case_file_json(case), ensure_ascii=False,
                                   indent=2).encode("utf-8")}
        connection.execute(handover_files.insert(), [
            {"handover_id": case_id, "kind": kind, "file_name": f"{case.file_stem}.{kind}",
             "content": content, "sha256": hashlib.sha256(content).hexdigest(),
             "created_at": now} for kind, content in made.items()])
        return True

    def produce_missing(self, connection: Connection,
                        now: datetime | None = None) -> tuple[int, list[str]]:
        """The files of every handed-over case that has none yet (the cycle's hand-overs);
        returns how many were made and what failed."""
        waiting = [row[0] for row in connection.execute(
            sa.select(handovers.c.id).where(
                handovers.c.status.in_([s.value for s in WITH_COLLECTOR]),
                handovers.c.id.not_in(sa.select(handover_files.c.handover_id)))
            .order_by(handovers.c.id))]
        made, errors = 0, []
        for case_id in waiting:
            try:
                with connection.begin_nested():
                    made += self.produce(connection, case_id, now)
            except Exception as exc:  # one case's file, not the others'
                log.exception("case file of hand-over %d", case_id)
                errors.append(f"case {case_id}: {type(exc).__name__}: {exc}")
        return made, errors


def stored_file(connection: Connection, case_id: int, kind: str) -> tuple[str, bytes] | None:
    """The file name and content kept for a case (`kind`: pdf or json)."""
    row = connection.execute(sa.select(handover_files.c.file_name, handover_files.c.content)
                             .where(handover_files.c.handover_id == case_id,
                                    handover_files.c.kind == kind)).first()
    return None if row is None else (row.file_name, bytes(row.content))


class CaseFileHook:
    """The cycle's phase after the decisions: the case files of the accounts it handed
    over, made in the same run."""

    name = "case files"

    def __init__(self, engine: Engine, files: CaseFiles) -> None:
        self.engine = engine
        self.files = files

    def run(self, as_of: date, *, dry_run: bool) -> HookReport:
        if dry_run:
            return HookReport(name=self.name, done=True, message="a dry run makes no files")
        with self.engine.begin() as connection:  # stamped with the run's day
            made, errors = self.files.produce_missing(connection,
                                                      moment_on(as_of, self.files.now()))
        return HookReport(name=self.name, done=True, counts={"case_files": made},
                          errors=tuple(errors))
